package tui

import (
	"testing"

	"airfleet/upgrade"
)

// TestMessagesCoverCode checks that every action, column, settings field,
// date range and key binding has its words: the tables index messages by
// position, and a position left out would be nil. (Both languages and
// their verbs are TestEveryMessage's, in the root package.)
func TestMessagesCoverCode(t *testing.T) {
	var want []*upgrade.Message
	want = append(want, colTitles[:]...)
	want = append(want, actionKeys[:]...)
	want = append(want, fieldLabels[:]...)
	want = append(want, fieldHints[:]...)
	want = append(want, rangeKeys[:]...)
	km := DefaultKeyMap()
	for _, d := range km.described() {
		want = append(want, d.key)
	}
	for i, m := range want {
		if m == nil {
			t.Errorf("entry %d of the console's tables has no message", i)
		}
	}
	for _, s := range allStates {
		if _, ok := stateWords[string(s)]; !ok || s.Name().Short == "" && len(s.Name().EN) > 9 {
			t.Errorf("state %s has no short name for the console's column", s)
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

// The CLI and the console name every result the same in Chinese: an
// operator who reads both sees one vocabulary. (A state has one entry
// for both: State.Name.)
func TestCLISpeaksTheConsolesChinese(t *testing.T) {
	for _, o := range []upgrade.Outcome{upgrade.Upgraded, upgrade.Current, upgrade.Failed, upgrade.Held, upgrade.Cancelled} {
		if cli, console := upgrade.OutcomeWord(o).In("zh"), chinese.T(resultWords[string(o)]); cli != console {
			t.Errorf("%s: the CLI says %q, the console %q", o, cli, console)
		}
	}
}
