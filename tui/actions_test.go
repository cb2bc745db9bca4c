package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// lastCall is the backend's latest recorded action.
func lastCall(t *testing.T, b *FakeBackend) Call {
	t.Helper()
	c := b.Calls()
	if len(c) == 0 {
		t.Fatal("no backend call")
	}
	return c[len(c)-1]
}

func TestActionKeys(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 24)
	send(m, mixedEvents()...)
	// The cursor is on 1-1.1 (passed); select the idle and the cancelled one.
	press(m, "end", "k", "space", "home")      // 1-1.10 idle
	press(m, "j", "j", "j", "j", "j", "space") // 1-1.6 cancelled
	for _, tc := range []struct {
		keys   []string
		method string
		slots  []string
		status string
	}{
		{[]string{"s"}, "StartAll", nil, "Starting all idle modules."},
		{[]string{"S"}, "Start", []string{"1-1.6", "1-1.10"}, "Starting 2 module(s)."},
		{[]string{"r"}, "RetryFailed", nil, "Retrying the failed modules."},
		{[]string{"home", "j", "j", "j", "j", "j", "j", "c", "y"}, "Cancel", []string{"1-1.7"}, "Cancelling 1 module(s)."},
		{[]string{"C", "y"}, "CancelAll", nil, "Cancelling every running upgrade."},
	} {
		cmd := press(m, tc.keys...)
		if cmd == nil {
			t.Fatalf("%v: no command", tc.keys)
		}
		if n := len(b.Calls()); n > 0 && tc.method == "" {
			t.Fatalf("called before the command ran")
		}
		feed(m, cmd)
		c := lastCall(t, b)
		if c.Method != tc.method || !slices.Equal(c.Slots, tc.slots) {
			t.Errorf("%v: called %s%v, want %s%v", tc.keys, c.Method, c.Slots, tc.method, tc.slots)
		}
		if got := m.statusText(); got != tc.status {
			t.Errorf("%v: status %q, want %q", tc.keys, got, tc.status)
		}
	}
	if n := m.fleet.selectedShown(); n != 0 {
		t.Errorf("%d still selected after they were started", n)
	}
}

func TestActionErrorsShowInStatus(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 24)
	send(m, mixedEvents()...)
	b.FailWith("StartAll", fmt.Errorf("permission denied on /dev/ttyACM2: %w", ErrFake))
	feed(m, press(m, "s"))
	if got := m.statusText(); !strings.Contains(got, "start all did not work: permission denied on /dev/ttyACM2") {
		t.Errorf("status %q", got)
	}
	if !strings.Contains(screen(m), "permission denied") {
		t.Error("the error is not on screen")
	}
	if m.statusTone != toneFail {
		t.Error("error not in the fail colour")
	}
	press(m, "L")
	if got := m.statusText(); !strings.HasPrefix(got, "全部开始 未成功") {
		t.Errorf("status not switched to Chinese: %q", got)
	}
}

func TestActionsDisabledWhenNothingToDo(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 160, 24)
	footer := func() string { ls := lines(screen(m)); return ls[len(ls)-1] }
	if f := footer(); strings.Contains(f, "start all") || strings.Contains(f, "retry") || strings.Contains(f, "cancel") {
		t.Errorf("empty console offers actions: %q", f)
	}
	for _, k := range []string{"s", "S", "r", "c", "C", "enter", "space"} {
		if cmd := press(m, k); cmd != nil {
			t.Errorf("%s did something with no modules", k)
		}
	}
	if m.confirm != confirmNone || len(b.Calls()) != 0 {
		t.Error("disabled keys acted")
	}
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1))
	if f := footer(); !strings.Contains(f, "s start all") || strings.Contains(f, "retry") || strings.Contains(f, "cancel all") {
		t.Errorf("footer with one idle module: %q", f)
	}
	send(m, ev(1, "1", upgrade.StateFailed))
	if f := footer(); !strings.Contains(f, "r retry failed") || strings.Contains(f, "start all") {
		t.Errorf("footer with one failed module: %q", f)
	}
	send(m, ev(2, "1", upgrade.StateRequesting))
	if f := footer(); !strings.Contains(f, "c cancel") || !strings.Contains(f, "C cancel all") {
		t.Errorf("footer with one running module: %q", f)
	}
}

func TestCancelAllAsks(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 24)
	send(m, runningEvents(3)...)
	if cmd := press(m, "C"); cmd != nil || m.confirm != confirmCancelAll {
		t.Fatal("C did not ask")
	}
	if !strings.Contains(screen(m), "Cancel every running upgrade? y/n") {
		t.Error("question not on screen")
	}
	if cmd := press(m, "s"); cmd != nil {
		t.Error("other keys work during the question")
	}
	press(m, "n")
	if m.confirm != confirmNone || len(b.Calls()) != 0 {
		t.Fatal("n did not dismiss")
	}
	press(m, "C")
	press(m, "esc")
	if m.confirm != confirmNone {
		t.Fatal("esc did not dismiss")
	}
	press(m, "C")
	feed(m, press(m, "y"))
	if c := lastCall(t, b); c.Method != "CancelAll" {
		t.Fatalf("called %s", c.Method)
	}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestQuit(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	if !isQuit(press(m, "q")) {
		t.Fatal("q did not quit an idle console")
	}
	send(m, runningEvents(2)...)
	for _, k := range []string{"q", "ctrl+c"} {
		if cmd := press(m, k); cmd != nil || m.confirm != confirmQuit {
			t.Fatalf("%s quit while upgrades run", k)
		}
		if !strings.Contains(screen(m), "Quit? Downloads under way finish their reboot first; the rest stop. y/n") {
			t.Error("question not on screen")
		}
		press(m, "n")
	}
	press(m, "q")
	if !isQuit(press(m, "y")) {
		t.Fatal("y did not quit")
	}
	press(m, "ctrl+c")
	if !isQuit(press(m, "ctrl+c")) {
		t.Fatal("a second ctrl+c did not quit")
	}
}

func TestLanguageSwitch(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 24)
	send(m, mixedEvents()...)
	if !strings.Contains(screen(m), "passed") {
		t.Fatal("not English")
	}
	press(m, "L")
	s := screen(m)
	for _, w := range []string{"成功", "失败", "槽位", "全部开始", "English"} {
		if !strings.Contains(s, w) {
			t.Errorf("Chinese screen lacks %q", w)
		}
	}
	if strings.Contains(s, "passed") {
		t.Error("English left on the Chinese screen")
	}
	press(m, "L")
	if !strings.Contains(screen(m), "start all") {
		t.Error("did not switch back")
	}
}

func TestHelpListsEveryKey(t *testing.T) {
	for _, tc := range []struct {
		lang string
		w, h int
	}{{"en", 80, 24}, {"zh", 80, 24}, {"en", 160, 48}} {
		m := newTestModel(t, NewFakeBackend(testPlan, 0), tc.lang, tc.w, tc.h)
		press(m, "?")
		s := screen(m)
		km := DefaultKeyMap()
		km.localize(parseLang(tc.lang))
		for _, d := range km.described() {
			if k := d.b.Help().Key + " "; !strings.Contains(s, k) {
				t.Errorf("%s %dx%d: help lacks the key %q", tc.lang, tc.w, tc.h, k)
			}
			if !strings.Contains(s, d.b.Help().Desc) {
				t.Errorf("%s %dx%d: help lacks %q", tc.lang, tc.w, tc.h, d.b.Help().Desc)
			}
		}
	}
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 40)
	press(m, "?", "?")
	if strings.Contains(screen(m), "select all") {
		t.Error("? did not close the help")
	}
	press(m, "?", "esc")
	if m.showHelp {
		t.Error("esc did not close the help")
	}
}

func TestFooterNeverLies(t *testing.T) {
	// Every key shown in the footer must do something: here, every enabled
	// binding must match a key the dispatcher handles in that state.
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 300, 24)
	send(m, mixedEvents()...)
	check := func(state string, want ...string) {
		t.Helper()
		var got []string
		for _, b := range m.c.keys.ShortHelp() {
			if b.Enabled() {
				got = append(got, b.Help().Key)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: footer keys %v, want %v", state, got, want)
		}
	}
	check("table", "s", "r", "C", "?", "q", "h", "o", "enter", "/", "space", "L")
	press(m, "/")
	check("finding", "enter", "esc")
	press(m, "esc", "enter")
	check("detail", "s", "r", "C", "?", "q", "h", "o", "esc/enter", "L")
	press(m, "esc", "C")
	check("confirm", "y", "n/esc")
}

// A backend's refusal that can say itself (a sentence of the catalogue)
// reaches the Chinese console in Chinese, not in the English of its
// Error (it said "启动全部 未成功：no module to start: …").
func TestBackendRefusalInOperatorsLanguage(t *testing.T) {
	refusal := upgrade.NewMessage("test.refusal", "nothing to start here", "这里没有可启动的模块")
	b := NewFakeBackend(testPlan, 0)
	b.FailWith("StartAll", refusal.With().Err())
	m := newTestModel(t, b, "zh", 120, 30)
	send(m, mixedEvents()...)
	settleCmd(m, press(m, "s"))
	if s := screen(m); !strings.Contains(s, "这里没有可启动的模块") || strings.Contains(s, "nothing to start here") {
		t.Errorf("the refusal is not said in Chinese:\n%s", s)
	}
}
