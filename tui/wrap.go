package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// wrap breaks plain text into lines of at most width cells (control
// characters and escapes are dropped; a newline starts a new line). Latin
// words break at spaces. Chinese has no spaces: a line may break between
// any two wide characters, except before closing punctuation (，。、)…)
// and after opening punctuation ((（「…). A word wider than a line is cut.
func wrap(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapLine(clean(para), width)...)
	}
	return out
}

// atom is a piece of text that is never broken unless it alone is wider
// than a line; space says whether spaces came before it.
type atom struct {
	text  string
	width int
	space string
}

func wrapLine(s string, width int) []string {
	var lines []string
	var line strings.Builder
	lw := 0
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		lw = 0
	}
	for _, a := range atoms(s) {
		sp := a.space
		if lw == 0 {
			sp = ""
		}
		if lw+len(sp)+a.width <= width {
			line.WriteString(sp)
			line.WriteString(a.text)
			lw += len(sp) + a.width
			continue
		}
		if lw > 0 {
			flush()
		}
		if a.width <= width {
			line.WriteString(a.text)
			lw = a.width
			continue
		}
		for rest := a.text; rest != ""; { // wider than a line: cut it
			c, w := cluster(rest)
			rest = rest[len(c):]
			if lw+w > width && lw > 0 {
				flush()
			}
			line.WriteString(c)
			lw += w
		}
	}
	if lw > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// atoms splits s into the pieces a line may break between.
func atoms(s string) []atom {
	var out []atom
	var cur atom
	var prev string // the last cluster of cur
	space := ""
	for s != "" {
		c, w := cluster(s)
		s = s[len(c):]
		if c == " " {
			if cur.text != "" {
				out = append(out, cur)
				cur, prev = atom{}, ""
			}
			space += c
			continue
		}
		if cur.text != "" && breakBetween(prev, c) {
			out = append(out, cur)
			cur = atom{}
		}
		if cur.text == "" {
			cur.space, space = space, ""
		}
		cur.text += c
		cur.width += w
		prev = c
	}
	if cur.text != "" {
		out = append(out, cur)
	}
	return out
}

// cluster is the first grapheme cluster of s and its width; never empty
// (a stray byte of broken UTF-8 is a cluster of its own), so the loops
// over it always advance.
func cluster(s string) (string, int) {
	c, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	if c == "" {
		return s[:1], 1
	}
	return c, w
}

// breakBetween reports whether a line may break between clusters a and b
// (no space between them): next to a wide character, unless b closes or a
// opens.
func breakBetween(a, b string) bool {
	if !wideCluster(a) && !wideCluster(b) {
		return false
	}
	ra, _ := utf8.DecodeRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	return !strings.ContainsRune(noBreakBefore, rb) && !strings.ContainsRune(noBreakAfter, ra)
}

func wideCluster(c string) bool { return ansi.StringWidth(c) > 1 }

const (
	noBreakBefore = "，。、；：！？）」』】》〉”’…·,.;:!?)]}%"
	noBreakAfter  = "（「『【《〈“‘([{"
)
