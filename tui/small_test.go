package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// manyModules discovers n idle modules in slots 1-1.1 ….
func manyModules(n int) []upgrade.Event {
	var evs []upgrade.Event
	for i := 1; i <= n; i++ {
		evs = append(evs, discovered(0, fmt.Sprintf("1-1.%d", i), imeiN(i), "Air780E", 2004))
	}
	return evs
}

func TestFleetSaysMoreBelow(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, manyModules(24)...)
	ls := lines(screen(m))
	if body := ls[len(ls)-3]; !strings.Contains(body, "↓ 6 more") {
		t.Errorf("no mark for the hidden rows: %q\n%s", body, screen(m))
	}
	press(m, "end")
	if s := screen(m); !strings.Contains(s, "↑ 6 above") || !strings.Contains(s, "1-1.24") {
		t.Errorf("at the end:\n%s", s)
	}
	m.c.setLang("zh")
	press(m, "home")
	if s := screen(m); !strings.Contains(s, "↓ 还有 6 个") {
		t.Errorf("in Chinese:\n%s", s)
	}
}

func TestTargetColumnSaysLatest(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(Plan{Mode: upgrade.ModeIoT}, 0), "en", 120, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 2004), discovered(0, "2", imeiN(2), "Air780E", 2004))
	p := ev(5, "2", upgrade.StatePassed)
	p.Result = &upgrade.Result{Slot: "2", IMEI: imeiN(2), From: 2004, To: 2012, Outcome: upgrade.Upgraded}
	send(m, p)
	s := screen(m)
	if !strings.Contains(s, "2004 latest") || !strings.Contains(s, "2012 2012") {
		t.Errorf("the target column:\n%s", s)
	}
}

func TestProgressSaidOnce(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 30)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 2004))
	e := ev(3, "1", upgrade.StateDownloading)
	e.Percent, e.Sentence = 100, upgrade.MsgProgress.With(100)
	send(m, e)
	if s := screen(m); strings.Contains(s, "100 %") {
		t.Errorf("the table says the progress twice:\n%s", s)
	}
	feed(m, press(m, "enter"))
	if s := screen(m); strings.Contains(s, "100% 100") {
		t.Errorf("the detail pane says the progress twice:\n%s", s)
	}
}

func TestRetryWithOnlyHeldSaysWhy(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 120, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 2004))
	send(m, ev(1, "1", upgrade.StateRequesting))
	h := ev(2, "1", upgrade.StateHeld)
	h.Sentence = upgrade.Verbatim("request budget used up (4 in 24 h)")
	send(m, h)
	settleCmd(m, press(m, "r"))
	if got := m.statusText(); !strings.Contains(got, "No failed module to retry") {
		t.Errorf("r with only a held module: status %q", got)
	}
	if len(b.Calls()) != 0 {
		t.Errorf("the backend was called: %+v", b.Calls())
	}
}

func TestStartFinishedSaysWhy(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 120, 24)
	send(m, manyModules(2)...)
	send(m, ev(1, "1-1.1", upgrade.StateRequesting), ev(1, "1-1.2", upgrade.StateRequesting))
	send(m, ev(2, "1-1.1", upgrade.StatePassed), ev(2, "1-1.2", upgrade.StateFailed))
	press(m, "a")
	settleCmd(m, press(m, "S"))
	if got := m.statusText(); !strings.Contains(got, "Nothing to start") {
		t.Errorf("S on finished modules: status %q", got)
	}
}

func TestRetryStatusGoesWithTheBatch(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 120, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 2004))
	send(m, ev(1, "1", upgrade.StateRequesting))
	send(m, ev(2, "1", upgrade.StateFailed))
	done := run(press(m, "r"))
	// The retry runs and ends before its answer reaches the console.
	send(m, ev(3, "1", upgrade.StateRequesting))
	send(m, ev(4, "1", upgrade.StateFailed))
	for _, msg := range done {
		m.Update(msg)
	}
	if got := m.statusText(); got != "Batch finished: 0 passed, 1 failed." {
		t.Errorf("status %q after the retried batch ended", got)
	}
}

func TestHeaderSaysAutoStart(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	b.SetAutoStart(true)
	m := newTestModel(t, b, "en", 120, 24)
	settleCmd(m, loadPlan(b))
	if top := lines(screen(m))[1]; !strings.Contains(top, "auto-start") {
		t.Errorf("header %q", top)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if top := lines(screen(m))[1]; !strings.Contains(top, "auto-start") {
		t.Errorf("narrow header %q", top)
	}
}

func TestCancelAsksFirst(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 24)
	send(m, mixedEvents()...)
	press(m, "home", "j", "j", "j", "j", "j", "j") // 1-1.7, downloading
	if cmd := press(m, "c"); cmd != nil || m.confirm == confirmNone {
		t.Fatal("c cancelled without asking")
	}
	if s := screen(m); !strings.Contains(s, "Cancel the upgrade of 1 module(s)? y/n") {
		t.Errorf("the question:\n%s", s)
	}
	press(m, "n")
	if len(b.Calls()) != 0 {
		t.Fatalf("n cancelled: %+v", b.Calls())
	}
	feed(m, press(m, "c", "y"))
	if c := lastCall(t, b); c.Method != "Cancel" || len(c.Slots) != 1 || c.Slots[0] != "1-1.7" {
		t.Errorf("called %+v", c)
	}
}

func TestSettingsConcurrencyZeroAsOnTheCommandLine(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 30)
	openSettingsForm(t, m)
	toField(m, fieldConcurrency)
	press(m, "ctrl+u")
	typeText(m, "0")
	if cmd := press(m, "enter"); cmd != nil {
		t.Fatal("parallel 0 was applied; the command line refuses --concurrency 0")
	}
	if !strings.Contains(flat(m), "leave it empty for all at once") {
		t.Errorf("no error for 0:\n%s", screen(m))
	}
	press(m, "ctrl+u")
	if !strings.Contains(screen(m), "(all)") {
		t.Errorf("empty does not say all:\n%s", screen(m))
	}
	settleCmd(m, press(m, "enter"))
	if c := b.Calls(); len(c) == 0 || c[0].Method != "SetConfig" || c[0].Config.Concurrency != 0 {
		t.Errorf("empty parallel: %+v", c)
	}
}

func TestSettingsCanaryCapped(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 100, 30)
	send(m, manyModules(24)...)
	openSettingsForm(t, m)
	toField(m, fieldCanary)
	press(m, "ctrl+u")
	typeText(m, "99999")
	if cmd := press(m, "enter"); cmd != nil {
		t.Fatal("a canary of 99999 for 24 modules was applied")
	}
	if !strings.Contains(flat(m), "99999 is more than the 24 modules connected: give at most 24") {
		t.Errorf("no error:\n%s", screen(m))
	}
}

func TestSettingsKeyShowsLastFourWhileTyping(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 30)
	openSettingsForm(t, m)
	press(m, "right", "down")
	typeText(m, testKey)
	if s := screen(m); !strings.Contains(s, "…hl0o") || strings.Contains(s, "****") || strings.Contains(s, testKey) {
		t.Errorf("the key while typing:\n%s", s)
	}
}

func TestIdleMessageSaysWhatColumnsDoNot(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 24)
	d := discovered(0, "1-1.1", imeiN(1), "Air780E", 2004)
	d.Sentence = upgrade.MsgIdent.With("Air780E", "AirM2M_780E_V2004_LTE_AT", upgrade.MsgSIMReady.With(), upgrade.MsgRegRegistered.With(), upgrade.MsgSigDbm.With(-71))
	send(m, d)
	row := lines(screen(m))[3]
	if strings.Count(row, "Air780E") != 1 || !strings.Contains(row, "-71") || !strings.Contains(row, "SIM ready") {
		t.Errorf("the idle row: %q", row)
	}
}

func TestCodeSaidOnceInTheRow(t *testing.T) {
	explain := func(code, _ int, _ string) (string, string, string) {
		if code == 43 {
			return "43 please wait", "The platform is still making the delta.", "Nothing."
		}
		return "", "", ""
	}
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 24, func(o *Options) { o.Explain = explain })
	send(m, discovered(0, "1-1.1", imeiN(1), "Air780E", 2004))
	w := ev(1, "1-1.1", upgrade.StateWaitPlatform)
	w.Code = 43
	send(m, w)
	row := lines(screen(m))[3]
	if strings.Count(row, "43") != 1 || !strings.Contains(row, "please wait") {
		t.Errorf("the row says the code %d times: %q", strings.Count(row, "43"), row)
	}
}

// In local mode a module without a SIM is what a line has: its idle row
// says it is ready for local mode, not only that the SIM is missing (in
// Chinese too); in the other modes the row says the SIM as it is.
func TestIdleRowInLocalModeNeedsNoSIM(t *testing.T) {
	noSIM := func() upgrade.Event {
		d := discovered(0, "1-1.1", imeiN(1), "Air780E", 1155)
		d.Sentence = upgrade.MsgIdent.With("Air780E", "AirM2M_780E_V1155_LTE_AT", upgrade.Verbatim("not inserted"), upgrade.Verbatim("searching"), upgrade.MsgSigUnknown.With())
		return d
	}
	local := testPlan
	local.Mode = upgrade.ModeLocal
	for _, c := range []struct {
		plan    Plan
		lang    string
		want    string
		wantNot string
	}{
		{local, "en", "ready for local mode", ""},
		{local, "zh", "可用串口升级", ""},
		{testPlan, "en", "SIM not inserted", "local mode"},
	} {
		m := newTestModel(t, NewFakeBackend(c.plan, 0), c.lang, 200, 24)
		send(m, noSIM())
		row := lines(screen(m))[3]
		if !strings.Contains(row, c.want) || c.wantNot != "" && strings.Contains(row, c.wantNot) {
			t.Errorf("%s, %s: the idle row %q, want %q", c.plan.Mode, c.lang, row, c.want)
		}
	}
}
