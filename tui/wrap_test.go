package tui

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"check the key for typos", 10, []string{"check the", "key for", "typos"}},
		// Chinese breaks between characters, so the line is filled; "key"
		// and its parenthesis stay whole.
		{"核对 key(AT+UPGRADE)是否有拼写错误", 20, []string{"核对 key(AT+UPGRADE)", "是否有拼写错误"}},
		{"核对模块归属不在本人账户下请联系合宙", 10, []string{"核对模块归", "属不在本人", "账户下请联", "系合宙"}},
		// Closing punctuation never starts a line; opening never ends one.
		{"等待平台生成，然后再试", 10, []string{"等待平台生", "成，然后再", "试"}},
		{"请求失败（模块错误）", 10, []string{"请求失败", "（模块错", "误）"}},
		// A word wider than a line is cut.
		{"AirM2M_780EP_V1006_LTE_AT ok", 10, []string{"AirM2M_780", "EP_V1006_L", "TE_AT ok"}},
		// A wide character is never split across lines at width 1.
		{"中文", 1, []string{"中", "文"}},
		{"one\ntwo", 20, []string{"one", "two"}},
	} {
		got := wrap(tc.in, tc.width)
		if !slices.Equal(got, tc.want) {
			t.Errorf("wrap(%q, %d) = %q; want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// FuzzWrap: no line is wider than the width (unless one character is),
// and nothing but spaces is lost or added.
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"check the key for typos", "核对 key(AT+UPGRADE=\"KEY\")是否有拼写错误,核对模块归属;不在本人账户下请联系合宙。",
		"平台代码 25(未找到项目):核对", "a  b   c", "\x1b[31mred\x1b[0m 红色", "🇨🇳🇨🇳 flags", "e\u0301\u0301 combining", "中\xff文 \x80\x80 x\xe4\xb8"} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 1 || width > 200 {
			return
		}
		lines := wrap(s, width) // broken UTF-8 too: it must end
		if !utf8.ValidString(s) {
			return
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width && utf8.RuneCountInString(l) > 1 {
				// One cluster may be wider than a tiny width; more may not.
				c, cw := ansi.FirstGraphemeCluster(l, ansi.GraphemeWidth)
				if c != l || cw <= width {
					t.Fatalf("line %q is %d cells, width %d", l, w, width)
				}
			}
		}
		strip := func(s string) string { return strings.ReplaceAll(s, " ", "") }
		var want strings.Builder
		for _, p := range strings.Split(s, "\n") {
			want.WriteString(strip(clean(p)))
		}
		if got := strip(strings.Join(lines, "")); got != want.String() {
			t.Fatalf("wrap(%q, %d) lost text: %q", s, width, lines)
		}
	})
}
