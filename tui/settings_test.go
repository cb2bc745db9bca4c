package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// withSettings remembers the settings in path.
func withSettings(path string) func(*Options) { return func(o *Options) { o.SettingsPath = path } }

// openSettings opens the settings screen and lets the form load.
func openSettingsForm(t *testing.T, m *Model) {
	t.Helper()
	cmd := press(m, "o")
	if m.screen != screenSettings || cmd == nil {
		t.Fatal("o did not open the settings")
	}
	if !strings.Contains(screen(m), "Reading the current settings") && m.c.lang == english {
		t.Error("the form does not say it is reading")
	}
	settleCmd(m, cmd)
	if !m.settings.loaded {
		t.Fatal("the form did not load")
	}
}

// lineWith is the index of the first screen line containing s, or -1.
func lineWith(m *Model, s string) int {
	for i, l := range lines(screen(m)) {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

func TestSettingsEditAndApply(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet", "config.json")
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 80, 24, withSettings(path))
	openSettingsForm(t, m)
	s := screen(m)
	for _, w := range []string{"Mode", "IoT platform", "Target version  2010", "Parallel        8", "Auto-start      off", "Bell            on",
		"remembered in", path} {
		if !strings.Contains(s, w) {
			t.Errorf("form lacks %q:\n%s", w, s)
		}
	}
	press(m, "right") // mode: project key
	press(m, "down")  // the key
	typeText(m, testKey)
	if s := screen(m); strings.Contains(s, testKey) || !strings.Contains(s, "…hl0o") {
		t.Errorf("typing the key does not show its last four only:\n%s", s)
	}
	toField(m, fieldTarget)
	press(m, "ctrl+u") // target: empty = latest
	if !strings.Contains(screen(m), "(latest)") {
		t.Error("an empty target does not say latest")
	}
	press(m, "tab", "ctrl+u")
	typeText(m, "4")
	press(m, "tab", "backspace")
	typeText(m, "2")
	press(m, "tab")                // the operator, left as it is
	press(m, "tab")                // the central log, left as it is
	press(m, "tab", "space")       // auto-start on
	press(m, "tab", "space")       // 中文
	press(m, "tab", "space", "up") // bell off, back to the language
	press(m, "down")
	if len(b.Calls()) != 0 {
		t.Fatal("the backend was called while editing")
	}

	cmd := press(m, "enter")
	if cmd == nil || len(b.Calls()) != 0 {
		t.Fatal("enter did not apply in a command")
	}
	settleCmd(m, cmd)
	calls := b.Calls()
	if len(calls) != 2 || calls[0].Method != "SetConfig" || calls[1].Method != "SetAutoStart" || !calls[1].On {
		t.Fatalf("calls %+v, want SetConfig then SetAutoStart(true)", calls)
	}
	want := upgrade.Config{Mode: upgrade.ModeKey, Key: testKey, Concurrency: 4, Canary: 2, Station: "L3-07"}
	if calls[0].Config != want {
		t.Errorf("SetConfig(%+v), want %+v", calls[0].Config, want)
	}
	if m.screen != screenFleet || m.bell || m.c.lang != chinese {
		t.Errorf("after apply: screen %d, bell %v, lang %s", m.screen, m.bell, m.c.lang)
	}
	if got := m.statusText(); got != fmt.Sprintf("设置已应用并保存在 %s。", path) {
		t.Errorf("status %q", got)
	}
	if s := screen(m); !strings.Contains(s, "项目密钥 …hl0o") || strings.Contains(s, testKey) {
		t.Errorf("the header does not show the new plan with the masked key:\n%s", s)
	}
	saved, err := LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved != (Settings{Mode: upgrade.ModeKey, Key: testKey, Concurrency: 4, Canary: 2, AutoStart: true, Lang: "zh"}) {
		t.Errorf("saved %+v", saved)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("settings file mode %v", fi.Mode().Perm())
	}

	// Opened again, the form shows the key by its last four characters.
	openSettingsForm(t, m)
	if s := screen(m); !strings.Contains(s, "…hl0o") || strings.Contains(s, testKey) {
		t.Errorf("the form shows the key:\n%s", s)
	}
}

func TestSettingsInvalidRejected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lang  string
		edit  func(m *Model)
		field string // the row the error sits under
		want  string
	}{
		{"negative concurrency", "en", func(m *Model) {
			toField(m, fieldConcurrency)
			press(m, "ctrl+u")
			typeText(m, "-3")
		}, "Parallel", "✘ Parallel: -3: give 1 or more, or leave it empty for all at once"},
		{"not a number", "en", func(m *Model) {
			toField(m, fieldTarget)
			press(m, "ctrl+u")
			typeText(m, "20x")
		}, "Target version", `✘ "20x" is not a whole number`},
		{"not a number in Chinese", "zh", func(m *Model) {
			toField(m, fieldTarget)
			press(m, "ctrl+u")
			typeText(m, "20x")
		}, "目标版本", `✘ "20x" 不是整数`},
		{"empty key", "en", func(m *Model) { press(m, "right") }, "Project key", "✘ Project key: empty: copy the key"},
		{"bad URL", "zh", func(m *Model) {
			press(m, "right", "right") // own server
			toField(m, fieldURL)
			typeText(m, "ftp://x")
		}, "服务器地址", "✘ 服务器地址：必须以 http:// 或 https:// 开头"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewFakeBackend(testPlan, 0)
			m := newTestModel(t, b, tc.lang, 100, 30)
			openSettingsForm(t, m)
			tc.edit(m)
			if cmd := press(m, "enter"); cmd != nil {
				t.Fatal("an invalid form was applied")
			}
			if len(b.Calls()) != 0 {
				t.Fatalf("backend called: %+v", b.Calls())
			}
			row, err := lineWith(m, tc.field), lineWith(m, tc.want)
			if err < 0 || row < 0 || err != row+1 {
				t.Errorf("error %q not under %q (lines %d, %d):\n%s", tc.want, tc.field, err, row, screen(m))
			}
			if !strings.HasPrefix(strings.TrimSpace(lines(screen(m))[row]), ">") {
				t.Error("the focus is not on the row with the error")
			}
			if m.screen != screenSettings || m.statusTone != toneFail {
				t.Error("the form closed or the status is not an error")
			}
		})
	}
}

func TestSettingsBackendRefuses(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 30)
	openSettingsForm(t, m)
	b.FailWith("SetConfig", &upgrade.FieldError{Field: "target", Reason: upgrade.Verbatim(" 2010: " + ErrFake.Error())})
	settleCmd(m, press(m, "enter"))
	if m.screen != screenSettings {
		t.Fatal("the form closed although the backend refused")
	}
	if row, err := lineWith(m, "Target version"), lineWith(m, "✘ Target version: 2010: fake backend failure"); row < 0 || err != row+1 {
		t.Errorf("refusal not beside the target:\n%s", screen(m))
	}
	for _, c := range b.Calls() {
		if c.Method == "SetAutoStart" {
			t.Error("auto-start changed although the config was refused")
		}
	}
	b.FailWith("SetConfig", nil)
	settleCmd(m, press(m, "enter"))
	if m.screen != screenFleet || m.statusText() != "Settings applied to the batches started from now on." {
		t.Errorf("second apply: screen %d, status %q", m.screen, m.statusText())
	}
}

func TestSettingsEscDiscards(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 80, 24)
	openSettingsForm(t, m)
	toField(m, fieldTarget)
	press(m, "ctrl+u")
	typeText(m, "q?Lhx") // typed into the field, not quit, help, language…
	if m.screen != screenSettings || m.showHelp || m.c.lang != english {
		t.Fatal("letters in a field acted as keys")
	}
	press(m, "esc")
	if m.screen != screenFleet || len(b.Calls()) != 0 {
		t.Errorf("esc: screen %d, calls %+v", m.screen, b.Calls())
	}
	if got := press(m, "ctrl+c"); got == nil {
		t.Error("ctrl+c does not quit from the table")
	}
	openSettingsForm(t, m)
	if cmd := press(m, "ctrl+c"); cmd == nil || cmd() != tea.Quit() {
		t.Error("ctrl+c does not quit from the settings")
	}
}

func TestSettingsKeyNeverShown(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	b.SetConfig(upgrade.Config{Mode: upgrade.ModeKey, Key: testKey})
	m := newTestModel(t, b, "en", 160, 48)
	openSettingsForm(t, m)
	if s := screen(m); !strings.Contains(s, "Project key     …hl0o") || strings.Contains(s, "abhl0o") {
		t.Errorf("key shown:\n%s", s)
	}
	press(m, "down")
	m.Update(tea.PasteMsg{Content: " pasted-key-1234\n"})
	if s := screen(m); strings.Contains(s, "pasted") || !strings.Contains(s, "Project key     …1234") {
		t.Errorf("a pasted key is not masked:\n%s", s)
	}
	press(m, "down")
	if s := screen(m); !strings.Contains(s, "…1234") {
		t.Errorf("leaving the key does not mask it:\n%s", s)
	}
	press(m, "up", "backspace")
	if m.settings.key != "" {
		t.Error("backspace on a hidden key does not clear it")
	}
}

func TestSettingsFileAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	SaveSettings(path, Settings{Mode: upgrade.ModeURL, URL: "http://fw.example/d.bin", Concurrency: 3,
		AutoStart: true, Lang: "zh", Bell: false})
	start := func(lang string) (*Model, *FakeBackend) {
		b := NewFakeBackend(testPlan, 0)
		m := New(b, Options{Lang: lang, SettingsPath: path, Now: func() time.Time { return at(75) }})
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 24})
		settleCmd(m, m.Init())
		return m, b
	}
	m, b := start("")
	calls := b.Calls()
	if len(calls) != 2 || calls[0].Config.Mode != upgrade.ModeURL || calls[0].Config.URL != "http://fw.example/d.bin" ||
		calls[0].Config.Concurrency != 3 || calls[0].Config.Station != "L3-07" || !calls[1].On {
		t.Fatalf("calls %+v", calls)
	}
	if m.c.lang != chinese || m.bell {
		t.Errorf("lang %s, bell %v", m.c.lang, m.bell)
	}
	if !strings.Contains(screen(m), "自有服务器 http://fw.example/d.bin") {
		t.Errorf("header does not show the remembered plan:\n%s", screen(m))
	}
	if m, _ := start("en"); m.c.lang != english {
		t.Error("the file's language overrode Options.Lang")
	}

	junk := []byte("{not json")
	os.WriteFile(path, junk, 0o600)
	m, b = start("en")
	if len(b.Calls()) != 0 {
		t.Errorf("a corrupt file was applied: %+v", b.Calls())
	}
	if got := m.statusText(); !strings.Contains(got, path) || !strings.Contains(got, "default settings") || m.statusTone != toneFail {
		t.Errorf("status %q", got)
	}
	if got, _ := os.ReadFile(path); string(got) != string(junk) {
		t.Error("the corrupt file was touched")
	}

	os.Remove(path)
	if m, b := start("en"); len(b.Calls()) != 0 || m.statusText() != "" {
		t.Errorf("no file: calls %+v, status %q", b.Calls(), m.statusText())
	}
}

func TestSettingsNotSaved(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	path := filepath.Join(blocker, "config.json") // a folder that is a file
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 24, withSettings(path))
	openSettingsForm(t, m)
	settleCmd(m, press(m, "enter"))
	if got := m.statusText(); !strings.HasPrefix(got, "Settings applied, but they could not be saved in "+path) || m.statusTone != toneWarn {
		t.Errorf("status %q", got)
	}
}

// With a station's delta map (airfleet --deltas), the own-server mode needs
// no URL in the form: the map gives each module its own base's delta, and
// applying other settings keeps it.
func TestSettingsKeepTheDeltaMap(t *testing.T) {
	dm, err := upgrade.ParseDeltaMap("deltas.json", []byte(`{"deltas": [{"firmware": "AirM2M_780EP_LTE_AT", "from": 1006, "to": 1007, "url": "http://h/a.bin"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b := NewFakeBackend(testPlan, 0)
	if err := b.SetConfig(upgrade.Config{Mode: upgrade.ModeURL, Deltas: dm}); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, b, "en", 100, 30)
	openSettingsForm(t, m)
	settleCmd(m, press(m, "enter"))
	calls := b.Calls()
	last := calls[len(calls)-1]
	if last.Method != "SetAutoStart" || calls[len(calls)-2].Method != "SetConfig" {
		t.Fatalf("the form did not apply: %+v\n%s", calls, screen(m))
	}
	if cfg := calls[len(calls)-2].Config; cfg.Mode != upgrade.ModeURL || cfg.Deltas != dm || cfg.URL != "" {
		t.Errorf("applied %+v, want URL mode with the delta map and no URL", cfg)
	}
}

// An own-server URL with a password (http://user:password@host/…) is
// shown with the password masked, as the header and the log show it: on
// the form, focused or not, and while it is typed.
func TestSettingsURLPasswordNeverShown(t *testing.T) {
	const u = "http://fota:s3cretpass@fota.example.com/780ep.bin"
	b := NewFakeBackend(testPlan, 0)
	b.SetConfig(upgrade.Config{Mode: upgrade.ModeURL, URL: u})
	m := newTestModel(t, b, "en", 160, 48)
	openSettingsForm(t, m)
	if s := screen(m); strings.Contains(s, "s3cret") || !strings.Contains(s, "fota.example.com") {
		t.Errorf("the URL's password is shown, or the URL is not:\n%s", s)
	}
	toField(m, fieldURL)
	if s := screen(m); strings.Contains(s, "s3cret") {
		t.Errorf("the focused URL's password is shown:\n%s", s)
	}
	press(m, "ctrl+u")
	typeText(m, "http://u:typedpw@h/x.bin")
	if s := screen(m); strings.Contains(s, "typedpw") || !strings.Contains(s, "http://u:") {
		t.Errorf("a typed URL's password is shown:\n%s", s)
	}
}
