package upgrade

import (
	"context"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// Auto-start starts a module that is plugged in, not one the station
// identifies again after the reboot that ended its attempt: a failed
// module would otherwise ask the platform again and again by itself. It
// starts again once the module was unplugged and plugged back in.
func TestAutoStartOnlyOnPlugIn(t *testing.T) {
	c := NewController(&device.DirSource{Dir: t.TempDir()}, newMemLog(), Config{Mode: ModeIoT}, EngineOptions{})
	c.SetAutoStart(true)
	const imei = "861234567890123"
	idle := Event{Slot: "1-1.2", IMEI: imei, Step: StateIdle}
	steps := []struct {
		e    Event
		want bool // an idle event after it starts the module
	}{
		{Event{Slot: "1-1.2", IMEI: imei, Step: StateIdentifying}, true},
		{Event{Slot: "1-1.2", IMEI: imei, Step: StateFailed, Result: &Result{Outcome: Failed}}, false},
		{Event{Slot: "1-1.2", IMEI: imei, Step: StateIdentifying}, false},
		{Event{Slot: "1-1.2", IMEI: imei, Step: StateDisconnected}, true},
		{Event{Slot: "1-1.3", IMEI: "861234567890124", Step: StateFailed, Result: &Result{Outcome: Failed}}, true},
	}
	for i, s := range steps {
		c.eng.emit(s.e)
		if got := c.wantAuto(idle); got != s.want {
			t.Fatalf("step %d (%s): auto-start %v, want %v", i, s.e.Step, got, s.want)
		}
	}
	c.SetAutoStart(false)
	if c.wantAuto(idle) {
		t.Fatal("auto-start while it is off")
	}
}

// When the console quits (Run's context is cancelled) while a module
// downloads, the module is followed through its reboot and ends upgraded,
// and Run returns after that: the station goes on watching the ports until
// every batch has ended. It used to stop with the context, so the module
// that came back was never seen: Run waited out the reboot timeout and the
// log said the module did not come back (a console hung up under tmux did
// not end for minutes; TestHangupConsoleInTmux failed in CI).
func TestControllerQuitFollowsDownloads(t *testing.T) {
	dir := t.TempDir()
	fctx, fcancel := context.WithCancel(context.Background())
	defer fcancel()
	f, err := sim.Start(fctx, sim.Config{Dir: dir, Modules: 1, Scenario: "happy", Speed: simSpeed})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := NewController(&device.DirSource{Dir: dir}, newMemLog(), fast(Config{Mode: ModeIoT}), EngineOptions{Interval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := c.Engine().Sessions().WaitReady(wctx); err != nil {
		t.Fatalf("station never ready: %v", err)
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	var last *Result
	for ev := range c.Events() {
		if ev.Step == StateDownloading && ctx.Err() == nil {
			cancel() // the operator quits the console
		}
		if ev.Result != nil {
			last = ev.Result
		}
	}
	<-done
	if last == nil || last.Outcome != Upgraded {
		t.Fatalf("after the quit mid-download the module ended %+v, want upgraded (followed through its reboot)", last)
	}
}

// What the controller refuses, it says in the operator's language: the
// console shows it as it is (they were English in the Chinese console).
func TestControllerRefusalsSaid(t *testing.T) {
	c := NewController(&device.DirSource{Dir: t.TempDir()}, newMemLog(), Config{Mode: ModeIoT}, EngineOptions{})
	for name, err := range map[string]error{
		"start before Run": c.StartAll(),
		"cancel nothing":   c.CancelAll(),
		"cancel slots":     c.Cancel([]string{"1-1.2"}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if zh := ErrorIn(err, "zh"); zh == err.Error() || !hasHan(zh) {
			t.Errorf("%s: %q is not said in Chinese (%q)", name, err, zh)
		}
	}
}
