package upgrade

import (
	"testing"

	"airfleet/device"
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
