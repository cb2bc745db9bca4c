package tui

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"airfleet/upgrade"
)

// The smoke tests run the whole console in a Bubble Tea program under
// teatest/v2, with the forwarder between a scripted backend and the
// program, as Run wires them (teatest owns the program, so the forwarder
// sends through tm.Send instead of p.Send). They wait on the program's
// output for text that the console writes afresh (the status line, the quit
// question), because the renderer only rewrites the cells that changed: a
// count that goes from 1 to 2 shows up in the byte stream as a lone digit.
// Each wait reads the output on from where the last one stopped. The exact
// screen is checked on the final model.

// smokeWait is how long a smoke test waits for the console to show something.
const smokeWait = 10 * time.Second

// smokeIMEIs are the scripted modules' IMEIs: no digit repeats five times
// in a row, so the renderer writes them out whole.
var smokeIMEIs = []string{"861234567890121", "861234567890139", "861234567890147"}

// smokeConsole starts the console over a scripted backend in a test program
// at 120×16, with the forwarder running as Run runs it.
func smokeConsole(t *testing.T) (*FakeBackend, *teatest.TestModel) {
	t.Helper()
	b := NewFakeBackend(Plan{Mode: upgrade.ModeIoT, Target: 2010, Station: "smoke"}, 64)
	m := New(b, Options{Lang: "en", Explain: testExplain, Now: func() time.Time { return at(90) }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 16))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { forward(ctx, b.Events(), tm.Send) })
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(smokeWait))
		cancel()
		wg.Wait()
	})
	return b, tm
}

// smokeWaitText waits until the output not yet looked at, stripped of
// escape sequences, holds text; the output up to then counts as looked at.
func smokeWaitText(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		return strings.Contains(ansi.Strip(string(out)), text)
	}, teatest.WithDuration(smokeWait), teatest.WithCheckInterval(20*time.Millisecond))
}

// finalModel waits for the program to end and returns its model.
func finalModel(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(smokeWait))
	m, ok := fm.(*Model)
	if !ok {
		t.Fatalf("final model is %T, want *Model", fm)
	}
	return m
}

// smokeStart shows the modules found, presses s and waits until the
// backend has been asked to start them all.
func smokeStart(t *testing.T, b *FakeBackend, tm *teatest.TestModel) {
	t.Helper()
	for i, imei := range smokeIMEIs {
		b.Emit(discovered(i, smokeSlot(i), imei, "Air780E", 2004))
	}
	smokeWaitText(t, tm, smokeIMEIs[len(smokeIMEIs)-1]) // rows come in slot order
	tm.Type("s")
	smokeWaitText(t, tm, "Starting all idle modules.")
	if calls := b.Calls(); !slices.ContainsFunc(calls, func(c Call) bool { return c.Method == "StartAll" }) {
		t.Fatalf("s did not start the batch: backend calls %v", calls)
	}
}

func smokeSlot(i int) string { return "1-1." + string(rune('1'+i)) }

// smokeStep is an event of the scripted batch.
func smokeStep(sec, i int, s upgrade.State, f func(*upgrade.Event)) upgrade.Event {
	e := upgrade.Event{Time: at(sec), Slot: smokeSlot(i), IMEI: smokeIMEIs[i], Target: 2010, Step: s}
	if f != nil {
		f(&e)
	}
	return e
}

func TestSmokeBatch(t *testing.T) {
	b, tm := smokeConsole(t)
	smokeStart(t, b, tm)

	// All three ask the platform; the console shows the batch running (the
	// clock starts) before the rest of the script comes.
	for i := range smokeIMEIs {
		b.Emit(smokeStep(10+i, i, upgrade.StateRequesting, nil))
	}
	smokeWaitText(t, tm, "elapsed")
	for i := range 2 { // two modules upgrade
		b.Emit(
			smokeStep(20+i, i, upgrade.StateDownloading, func(e *upgrade.Event) { e.Percent = 40 }),
			smokeStep(30+i, i, upgrade.StateDownloading, func(e *upgrade.Event) { e.Percent = 100 }),
			smokeStep(40+i, i, upgrade.StateRebooting, nil),
			smokeStep(50+i, i, upgrade.StateVerifying, nil),
			smokeStep(60+i, i, upgrade.StatePassed, func(e *upgrade.Event) {
				e.Sentence = upgrade.Verbatim("upgraded to 2010")
				e.Result = &upgrade.Result{Slot: e.Slot, IMEI: e.IMEI, From: 2004, To: 2010, Outcome: upgrade.Upgraded}
			}),
		)
	}
	// The third is refused by the platform.
	b.Emit(smokeStep(14, 2, upgrade.StateFailed, func(e *upgrade.Event) {
		e.Code, e.ModuleError, e.HTTPStatus = 26, -1004, 200
		e.Sentence = upgrade.Verbatim("the platform has no firmware with this name")
		e.Result = &upgrade.Result{Slot: e.Slot, IMEI: e.IMEI, From: 2004, To: 2004, Outcome: upgrade.Failed, Code: 26}
	}))
	smokeWaitText(t, tm, "Batch finished: 2 passed, 1 failed.")
	tm.Type("q") // nothing runs any more: no question
	fm := finalModel(t, tm)

	if fm.busy || fm.confirm != confirmNone {
		t.Errorf("after the batch: busy %v, confirm %v; want idle and no question", fm.busy, fm.confirm)
	}
	c := fm.header.counts
	if c.total != 3 || c.passed != 2 || c.failed != 1 || c.running != 0 || c.idle != 0 {
		t.Errorf("counts %+v, want 3 modules: 2 passed, 1 failed", c)
	}
	screen := ansi.Strip(fm.View().Content)
	for _, re := range []string{
		`(?m)^modules 3  passed 2  failed 1 +elapsed \d\d:\d\d$`,
		`1-1\.1 +` + smokeIMEIs[0] + ` .*✔ passed +█+ 100% +upgraded to 2010`,
		`1-1\.2 +` + smokeIMEIs[1] + ` .*✔ passed +█+ 100% +upgraded to 2010`,
		`1-1\.3 +` + smokeIMEIs[2] + ` .*✘ failed +26 +invalid firmware`,
		`(?m)^Batch finished: 2 passed, 1 failed\.`,
	} {
		if !regexp.MustCompile(re).MatchString(screen) {
			t.Errorf("final screen does not match %s:\n%s", re, screen)
		}
	}
}

func TestSmokeQuitWhileRunningAsks(t *testing.T) {
	b, tm := smokeConsole(t)
	smokeStart(t, b, tm)
	b.Emit(
		smokeStep(10, 0, upgrade.StateRequesting, nil),
		smokeStep(11, 1, upgrade.StateDownloading, func(e *upgrade.Event) { e.Percent = 30 }),
	)
	smokeWaitText(t, tm, "elapsed") // the clock starts with the first working module

	tm.Type("q")
	smokeWaitText(t, tm, "Quit? Downloads under way finish their reboot first; the rest stop. y/n")
	tm.Type("n") // keep going: the question goes, the status comes back
	smokeWaitText(t, tm, "Starting all idle modules.")
	tm.Type("q")
	smokeWaitText(t, tm, "Quit? Downloads under way finish their reboot first; the rest stop. y/n")
	tm.Type("y")

	fm := finalModel(t, tm)
	if !fm.busy || fm.confirm != confirmNone {
		t.Errorf("after y: busy %v, confirm %v; want the batch still running and the question answered", fm.busy, fm.confirm)
	}
	if c := fm.header.counts; c.running != 2 {
		t.Errorf("counts %+v, want 2 running", c)
	}
	// Quitting leaves the engine to its owner: the console cancels nothing.
	if calls := b.Calls(); len(calls) != 1 || calls[0].Method != "StartAll" {
		t.Errorf("backend calls %v, want just StartAll", calls)
	}
}
