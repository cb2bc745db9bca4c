package tui

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"airfleet/upgrade"
)

func TestMessagesHaveBothLanguages(t *testing.T) {
	en, zh := slices.Sorted(maps.Keys(messages[english])), slices.Sorted(maps.Keys(messages[chinese]))
	for _, k := range en {
		if _, ok := messages[chinese][k]; !ok {
			t.Errorf("%q has no Chinese text", k)
		}
	}
	for _, k := range zh {
		if _, ok := messages[english][k]; !ok {
			t.Errorf("%q has no English text", k)
		}
	}
	for _, l := range []lang{english, chinese} {
		for _, k := range en {
			if strings.TrimSpace(messages[l][k]) == "" && k != "det.unknown" {
				t.Errorf("%s %q is empty", l, k)
			}
		}
	}
}

// TestMessagesCoverCode checks that every key the code asks for, and every
// state, action and column, has a text.
func TestMessagesCoverCode(t *testing.T) {
	var want []string
	for _, s := range allStates {
		want = append(want, "state."+string(s))
	}
	for _, s := range []string{"iot", "key", "url"} {
		want = append(want, "mode."+s)
	}
	want = append(want, colTitles[:]...)
	want = append(want, actionKeys[:]...)
	want = append(want, fieldLabels[:]...)
	want = append(want, fieldHints[:]...)
	want = append(want, rangeKeys[:]...)
	for _, r := range []string{"upgraded", "current", "failed", "held", "cancelled", "interrupted", "running"} {
		want = append(want, "res."+r)
	}
	for _, b := range []string{"running", "done", "cancelled", "interrupted"} {
		want = append(want, "bst."+b)
	}
	km := DefaultKeyMap()
	for _, d := range km.described() {
		want = append(want, d.key)
	}
	literal := regexp.MustCompile(`\.(?:T|F)\("([a-z]+\.[a-z.]+)"|setStatus\(\w+, "([a-z]+\.[a-z.]+)"|"((?:count|hdr|det|st|fleet|find|confirm|help|key|col|set|hist|res|bst)\.[a-z.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "i18n.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			want = append(want, m[1]+m[2]+m[3])
		}
	}
	if len(want) < 60 {
		t.Fatalf("found only %d keys; is the scan broken?", len(want))
	}
	for _, k := range want {
		for _, l := range []lang{english, chinese} {
			if _, ok := messages[l][k]; !ok {
				t.Errorf("%s has no text for %q", l, k)
			}
		}
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want lang
	}{
		{map[string]string{}, english},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, chinese},
		{map[string]string{"LANG": "en_US.UTF-8"}, english},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, english},
		{map[string]string{"LANG": "C", "LC_MESSAGES": "zh_TW"}, chinese},
	} {
		if got := langFromEnv(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.env, got, tc.want)
		}
	}
	if parseLang("ZH") != chinese || parseLang("fr") != english {
		t.Error("parseLang")
	}
}

// The CLI (upgrade.Note) and the console name every state and result the
// same in Chinese: an operator who reads both sees one vocabulary.
func TestCLISpeaksTheConsolesChinese(t *testing.T) {
	for _, s := range []upgrade.State{upgrade.StateIdle, upgrade.StateIdentifying, upgrade.StateWaitNetwork, upgrade.StateHeld,
		upgrade.StateConfiguring, upgrade.StateRequesting, upgrade.StateWaitPlatform, upgrade.StateDownloading,
		upgrade.StateRebooting, upgrade.StateVerifying, upgrade.StateRestoring, upgrade.StatePassed, upgrade.StateCurrent,
		upgrade.StateFailed, upgrade.StateCancelled, upgrade.StateDisconnected} {
		key := "state." + string(s)
		if cli, console := upgrade.N(key).In("zh"), chinese.T(key); cli != console {
			t.Errorf("%s: the CLI says %q, the console %q", s, cli, console)
		}
	}
	for _, o := range []upgrade.Outcome{upgrade.Upgraded, upgrade.Current, upgrade.Failed, upgrade.Held, upgrade.Cancelled} {
		if cli, console := upgrade.N("outcome."+string(o)).In("zh"), chinese.T("res."+string(o)); cli != console {
			t.Errorf("%s: the CLI says %q, the console %q", o, cli, console)
		}
	}
}
