package upgrade

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// localFleet starts a local-mode fleet and reads its delta map as the
// command line does.
func localFleet(t *testing.T, cfg sim.Config) (*Engine, *memLog, *sim.Fleet, sim.FleetFile, *DeltaMap) {
	t.Helper()
	log := newMemLog()
	e, f, ff := fleetSim(t, cfg, log, nil)
	m, err := ReadDeltaMap(f.DeltaMap())
	if err != nil {
		t.Fatal(err)
	}
	return e, log, f, ff, m
}

// checkLocal compares results with the simulator's expectations. The
// simulator's Expect.Code is AT+UARTUPGRADE's own error number n; the
// console reports it as module error -2000-n.
func checkLocal(t *testing.T, ff sim.FleetFile, res map[string]Result) {
	t.Helper()
	for _, m := range ff.Modules {
		r, ok := res[m.IMEI]
		if !ok {
			t.Errorf("%s %s (%s): no result", m.Slot, m.IMEI, m.Role)
			continue
		}
		want := m.Expect
		code := 0
		if want.Code != 0 {
			code = uartCode(want.Code)
		}
		if string(r.Outcome) != want.Result || code != 0 && r.ModuleError != code || (want.To != 0 && r.To != want.To) {
			t.Errorf("%s %s (%s): got %s error %d to %d (%s); want %s error %d to %d",
				m.Slot, m.IMEI, m.Role, r.Outcome, r.ModuleError, r.To, r.Sentence.String(), want.Result, code, want.To)
		}
		if r.Requests != 0 {
			t.Errorf("%s: %d platform requests counted in local mode with no SIM", m.Slot, r.Requests)
		}
	}
}

// A fleet of modules with no SIM card, at two versions (the older ones
// through a chain), upgraded locally: nothing goes to the platform; the
// module without a delta and the build without the command are held
// before anything is written to them; every step is in the log, and the
// log does not hold the deltas' bytes.
func TestLocalNoSIMFleet(t *testing.T) {
	e, log, f, ff, m := localFleet(t, sim.Config{Modules: 8, Scenario: "local"})
	res := runBatch(t, e, Config{Mode: ModeLocal, Deltas: m, Target: 1162})
	checkLocal(t, ff, res)
	chains := 0
	for _, mod := range ff.Modules {
		if n := f.Platform().Requests(mod.IMEI); n != 0 {
			t.Errorf("%s: the platform got %d requests from it", mod.Slot, n)
		}
		c := f.Module(mod.Slot).UartCounts()
		switch mod.Expect.Result {
		case sim.ResultHeld:
			if c.Erases+c.Segments+c.Applies != 0 {
				t.Errorf("%s (%s) held, but it received %+v", mod.Slot, mod.Role, c)
			}
		case sim.ResultUpgraded:
			steps := mod.Expect.To - mod.Core
			if c.Applied != steps || c.Erases != steps {
				t.Errorf("%s: %d erases and %d applies for %d steps", mod.Slot, c.Erases, c.Applied, steps)
			}
			if steps > 1 {
				chains++
				if r := res[mod.IMEI]; !strings.Contains(r.Sentence.String(), "2 deltas") {
					t.Errorf("%s: %q does not say it took two deltas", mod.Slot, r.Sentence.String())
				}
				// The module's last event, which its row shows, is the
				// chain's result, not its last step's.
				log.mu.Lock()
				var last Event
				for _, me := range log.events {
					if me.e.IMEI == mod.IMEI {
						last = me.e
					}
				}
				log.mu.Unlock()
				if last.Step != StatePassed || !last.Sentence.Is(msgUpgradedChain) || last.Result == nil || last.From != mod.Core {
					t.Errorf("%s: last event %s %q from %d; want passed with the chain's result from %d", mod.Slot, last.Step, last.Sentence.String(), last.From, mod.Core)
				}
			}
		}
	}
	if chains == 0 {
		t.Fatal("no module went through a chain: the scenario changed")
	}
	// The console's row and the CLI's live line say what happens: the
	// delta's share written, then applying.
	steps := map[State]bool{}
	log.mu.Lock()
	for _, me := range log.events {
		steps[me.e.Step] = true
	}
	log.mu.Unlock()
	if !steps[StateWriting] || !steps[StateApplying] || steps[StateDownloading] || steps[StateRebooting] {
		t.Errorf("states seen %v: want writing and applying, not downloading or rebooting", steps)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	segments, attempts := 0, 0
	for id, a := range log.attempts {
		if a.result == nil || a.result.Outcome != Upgraded {
			continue
		}
		attempts++
		var sawVerify, sawApply bool
		for _, r := range log.transcripts[id] {
			if len(r.Text) > 200 {
				t.Fatalf("attempt %d: a %d-character transcript line: a payload was logged in full", id, len(r.Text))
			}
			if r.Dir == device.Out && strings.HasPrefix(r.Text, "AT+UARTUPGRADE=1,") {
				segments++
				if !strings.Contains(r.Text, "bytes, abbreviated") {
					t.Errorf("segment line %q not marked abbreviated", r.Text)
				}
			}
			if r.Dir == device.Out && strings.HasPrefix(r.Text, "AT+UPGRADE") {
				t.Errorf("attempt %d: %q sent in local mode", id, r.Text)
			}
			if r.Dir == device.In && strings.HasPrefix(r.Text, "AT+UARTUPGRADE=1,") {
				t.Fatalf("attempt %d: a segment came back echoed (%.60s…): the echo was not off for the transfer", id, r.Text)
			}
			sawVerify = sawVerify || r.Text == "AT+UARTUPGRADE=2"
			sawApply = sawApply || r.Text == "AT+UARTUPGRADE=5"
		}
		if !sawVerify || !sawApply {
			t.Errorf("attempt %d: verify %v, apply %v in its transcript", id, sawVerify, sawApply)
		}
	}
	if attempts == 0 || segments == 0 {
		t.Fatalf("%d upgraded attempts, %d segment lines in the log", attempts, segments)
	}
}

// Each fault of the transfer, on its own module: a checksum error once is
// cured by a resend; every time, it fails after one restart from the erase
// with the code's explanation; a failed flash write and erase the same; a
// delta for another base is refused at verification and never applied; a
// build without the command is held with the modes that would work; a
// module unplugged mid-transfer starts again from the erase and upgrades;
// one whose power is cut as it applies comes back on its old version.
func TestLocalFaults(t *testing.T) {
	roles := []string{"uart-checksum-once", "uart-checksum-always", "uart-write-fail", "uart-erase-fail",
		"uart-wrong-base", "uart-unsupported", "uart-old-core", "uart-unplug", "uart-power-cut", "uart-verify-undef"}
	e, log, f, ff, m := localFleet(t, sim.Config{Modules: len(roles), Scenario: "local", Roles: roles})
	res := runBatch(t, e, Config{Mode: ModeLocal, Deltas: m, Target: 1162})
	// A module that failed before its apply leaves with its echo back on.
	lastSent := func(imei string) string {
		log.mu.Lock()
		defer log.mu.Unlock()
		var last string
		for id, a := range log.attempts {
			if a.rec.IMEI != imei {
				continue
			}
			for _, r := range log.transcripts[id] {
				if r.Dir == device.Out {
					last = r.Text
				}
			}
		}
		return last
	}
	checkLocal(t, ff, res)
	for _, mod := range ff.Modules {
		r := res[mod.IMEI]
		c := f.Module(mod.Slot).UartCounts()
		switch mod.Role {
		case "uart-checksum-once":
			if r.Outcome != Upgraded || c.Erases != 1 {
				t.Errorf("checksum once: %s after %d erases, want upgraded after one", r.Outcome, c.Erases)
			}
		case "uart-checksum-always":
			if c.Erases != 1+localRestarts || c.Applies != 0 {
				t.Errorf("checksum always: %d erases, %d applies; want %d and none", c.Erases, c.Applies, 1+localRestarts)
			}
			if !strings.Contains(r.Sentence.String(), "checksum") {
				t.Errorf("checksum always: %q does not explain the checksum", r.Sentence.String())
			}
			if got := lastSent(mod.IMEI); got != "ATE1" {
				t.Errorf("checksum always: the last command sent is %q, want ATE1 (the echo given back)", got)
			}
		case "uart-wrong-base", "uart-verify-undef":
			if c.Applies != 0 || r.ModuleError != codeVerifyFailed {
				t.Errorf("%s: %d applies, error %d; want none and %d", mod.Role, c.Applies, r.ModuleError, codeVerifyFailed)
			}
		case "uart-unsupported", "uart-old-core":
			if c.Erases != 0 || !strings.Contains(r.Sentence.String(), "over the air") {
				t.Errorf("%s: %d erases, %q; want none and the other modes named", mod.Role, c.Erases, r.Sentence.String())
			}
		case "uart-unplug":
			if r.Outcome != Upgraded || c.Erases < 2 {
				t.Errorf("unplug: %s after %d erases; want upgraded after a new erase", r.Outcome, c.Erases)
			}
		case "uart-power-cut":
			if r.To != mod.Core || c.Applied != 1 {
				t.Errorf("power cut: on %d after %d applies; want back on %d after one", r.To, c.Applied, mod.Core)
			}
		}
	}
}

// A cancel while the delta is being written stops between two segments:
// the module is never told to apply, and runs its old firmware.
func TestLocalCancelBeforeApply(t *testing.T) {
	writing := make(chan struct{})
	var once sync.Once
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "local-chain", Speed: 20}, log, func(ev Event) {
		if ev.Step == StateWriting && ev.Percent >= 10 {
			once.Do(func() { close(writing) })
		}
	})
	m, err := ReadDeltaMap(f.DeltaMap())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		select {
		case <-writing:
		case <-ctx.Done():
		}
		cancel()
	}()
	res := runBatchCtx(t, ctx, e, Config{Mode: ModeLocal, Deltas: m, Target: 1162})
	mod := ff.Modules[0]
	r := res[mod.IMEI]
	c := f.Module(mod.Slot).UartCounts()
	if r.Outcome != Cancelled || c.Applies != 0 || c.Segments == 0 {
		t.Fatalf("cancelled mid-transfer: %s (%s), %d segments, %d applies; want cancelled after some segments, no apply",
			r.Outcome, r.Sentence.String(), c.Segments, c.Applies)
	}
	if v := f.Module(mod.Slot).Version(); v != mod.Core {
		t.Errorf("the module runs %d, want its old %d", v, mod.Core)
	}
	if !strings.Contains(r.Sentence.String(), "nothing applied") {
		t.Errorf("%q does not say nothing was applied", r.Sentence.String())
	}
}

// A module with a SIM asks the platform by itself after the reboot that
// applies its delta, a request that counts toward the ban: in local mode
// too, a module at its budget is held before anything is written, and
// one below it has that request counted.
func TestLocalWithSIMKeepsTheBudget(t *testing.T) {
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 2, Scenario: "local-one", Tweak: func(i int, s *sim.ModuleSpec) {
		s.Faults.NoSIM = false // a SIM, registered
	}}, log, nil)
	m, err := ReadDeltaMap(f.DeltaMap())
	if err != nil {
		t.Fatal(err)
	}
	full, fine := ff.Modules[0], ff.Modules[1]
	log.addRequests(full.IMEI, Config{}.Defaults().Budget)
	res := runBatch(t, e, Config{Mode: ModeLocal, Deltas: m, Target: 1162, ApplyTimeout: 300 * time.Second / simSpeed * 2})
	if r := res[full.IMEI]; r.Outcome != Held || !r.Sentence.Is(msgHeldBudget) || f.Module(full.Slot).UartCounts().Erases != 0 {
		t.Errorf("at its budget: %s (%s), %d erases; want held by the budget, nothing written", r.Outcome, r.Sentence.String(), f.Module(full.Slot).UartCounts().Erases)
	}
	if r := res[fine.IMEI]; r.Outcome != Upgraded || r.Requests != 1 {
		t.Errorf("below its budget: %s with %d requests counted; want upgraded with its own request after the reboot counted", r.Outcome, r.Requests)
	}
}
