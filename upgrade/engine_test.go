package upgrade

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// simSpeed compresses the simulator's real timings in these tests.
const simSpeed = 100

// fleet starts a simulated fleet and an engine over it, waits until every
// module is identified, and returns them with the fleet's expectations.
func fleet(t *testing.T, cfg sim.Config) (*Engine, *memLog, sim.FleetFile) {
	t.Helper()
	log := newMemLog()
	e, ff := fleetWith(t, cfg, log, nil)
	return e, log, ff
}

// fleetWith is fleet with a given log and event hook.
func fleetWith(t *testing.T, cfg sim.Config, log Log, emit func(Event)) (*Engine, sim.FleetFile) {
	t.Helper()
	e, _, ff := fleetSim(t, cfg, log, emit)
	return e, ff
}

// fleetSim is fleetWith that also hands out the simulator, for tests that
// ask its platform or drive a module behind the engine's back.
func fleetSim(t *testing.T, cfg sim.Config, log Log, emit func(Event)) (*Engine, *sim.Fleet, sim.FleetFile) {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Speed == 0 {
		cfg.Speed = simSpeed
	}
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(&device.DirSource{Dir: cfg.Dir}, log, EngineOptions{Interval: 20 * time.Millisecond, Emit: emit})
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Close()
	})
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := e.Sessions().WaitReady(wctx); err != nil {
		t.Fatalf("station never ready: %v", err)
	}
	ff, err := sim.ReadFleetFile(filepath.Join(cfg.Dir, "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e.Sessions().Modules()); got != len(ff.Modules) {
		t.Fatalf("station sees %d modules, fleet has %d", got, len(ff.Modules))
	}
	return e, f, ff
}

// fast scales the engine's waits to the simulator's speed.
func fast(c Config) Config {
	c.RetryAfter = 90 * time.Second / simSpeed
	c.RebootTimeout = 180 * time.Second / simSpeed * 2
	c.ProgressTimeout = 60 * time.Second / simSpeed * 4
	c.NetworkTimeout = 60 * time.Second / simSpeed
	c.CommandTimeout = 5 * time.Second
	return c
}

func runBatch(t *testing.T, e *Engine, cfg Config, imeis ...string) map[string]Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return runBatchCtx(t, ctx, e, cfg, imeis...)
}

func runBatchCtx(t *testing.T, ctx context.Context, e *Engine, cfg Config, imeis ...string) map[string]Result {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	out := map[string]Result{}
	for _, r := range e.NewBatch(fast(cfg)).Run(ctx, imeis, nil) {
		out[r.IMEI] = r
	}
	return out
}

// check compares results with the simulator's expectations, exactly.
func check(t *testing.T, ff sim.FleetFile, res map[string]Result) {
	t.Helper()
	for _, m := range ff.Modules {
		r, ok := res[m.IMEI]
		if !ok {
			t.Errorf("%s %s (%s): no result", m.Slot, m.IMEI, m.Role)
			continue
		}
		want := m.Expect
		got := string(r.Outcome)
		code := r.Code
		if code == 0 {
			code = r.ModuleError
		}
		if got != want.Result || code != want.Code || (want.To != 0 && r.To != want.To) {
			t.Errorf("%s %s (%s): got %s code %d to %d (%s); want %s code %d to %d",
				m.Slot, m.IMEI, m.Role, got, code, r.To, r.Sentence.String(), want.Result, want.Code, want.To)
		}
	}
}

func TestHappyBatch32(t *testing.T) {
	e, log, ff := fleet(t, sim.Config{Modules: 32, Scenario: "happy"})
	res := runBatch(t, e, Config{Mode: ModeIoT})
	check(t, ff, res)
	for _, r := range res {
		if r.Requests < 1 {
			t.Errorf("%s: %d requests", r.IMEI, r.Requests)
		}
	}
	// Every attempt has its transcript, with the request in it. A module
	// the station had just identified as registered is not asked for its
	// SIM and network again before the request.
	log.mu.Lock()
	defer log.mu.Unlock()
	skipped := 0
	for id, a := range log.attempts {
		found, asked := false, false
		for _, r := range log.transcripts[id] {
			if r.Dir != device.Out {
				continue
			}
			found = found || r.Text == "AT+UPGRADE"
			asked = asked || (!found && r.Text == "AT+CEREG?")
		}
		if !found {
			t.Errorf("attempt %d (%s): no AT+UPGRADE in its transcript", id, a.rec.IMEI)
		}
		if !asked {
			skipped++
		}
	}
	if skipped == 0 {
		t.Error("every attempt asked for SIM and network again right after the station identified the module")
	}
	// The modules that wait for their pair's pilot are told its slot: the
	// line knows its modules by slot.
	slots := map[string]bool{}
	for _, m := range ff.Modules {
		slots[m.Slot] = true
	}
	waits := 0
	for _, me := range log.events {
		if n := me.e.Sentence; n.Key() == "wait.pilot" {
			waits++
			if len(n.Args) != 1 || !slots[fmt.Sprint(n.Args[0])] {
				t.Errorf("%s waits for %v, not a slot of the fleet", me.e.Slot, n.Args)
			}
		}
	}
	if waits == 0 {
		t.Error("no module waited for its pair's pilot")
	}
}

func TestMixedBatch(t *testing.T) {
	e, _, ff := fleet(t, sim.Config{Modules: 8, Scenario: "mixed"})
	res := runBatch(t, e, Config{Mode: ModeIoT})
	for _, r := range res {
		t.Logf("%s %s %s code=%d err=%d http=%d req=%d retries=%d %v: %s", r.Slot, r.IMEI, r.Outcome, r.Code, r.ModuleError, r.HTTPStatus, r.Requests, r.Retries, r.Ended.Sub(r.Started).Round(time.Millisecond), r.Sentence.String())
	}
	check(t, ff, res)
}

// TestScenarios runs every single-fault scenario of the simulator through a
// batch and compares each module's result with the fleet's expectation.
func TestScenarios(t *testing.T) {
	for _, name := range sim.Scenarios() {
		if name == "happy" || name == "mixed" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			e, _, ff := fleet(t, sim.Config{Dir: dir, Modules: 2, Scenario: name})
			cfg := Config{Mode: ModeIoT}
			switch ff.Mode {
			case sim.ModeURL:
				cfg = Config{Mode: ModeURL, URL: deltaURL(t, dir)}
			case sim.ModeLocal:
				m, err := ReadDeltaMap(ff.Deltas)
				if err != nil {
					t.Fatal(err)
				}
				cfg = Config{Mode: ModeLocal, Deltas: m, Target: ff.Modules[0].Target}
			}
			res := runBatch(t, e, cfg)
			for _, r := range res {
				t.Logf("%s %s code=%d err=%d http=%d req=%d: %s", r.Slot, r.Outcome, r.Code, r.ModuleError, r.HTTPStatus, r.Requests, r.Sentence.String())
			}
			if ff.Mode == sim.ModeLocal {
				checkLocal(t, ff, res)
			} else {
				check(t, ff, res)
			}
		})
	}
}

// deltaURL returns the one delta URL the simulator's platform.json lists.
func deltaURL(t *testing.T, dir string) string {
	t.Helper()
	for _, u := range publishedDeltas(t, dir) {
		return u
	}
	t.Fatal("platform.json lists no delta")
	return ""
}

// TestTwoPortBuildUpgrades upgrades _LTE_LSAT modules (two ports: 00 AT,
// 02 binary log) beside a three-port module, end to end, and the
// simulator counts every byte written to a log port (02 there, 04 on the
// three-port module) through identification, the upgrade, the reboot and
// the check after it: none.
func TestTwoPortBuildUpgrades(t *testing.T) {
	e, f, ff := fleetSim(t, sim.Config{Modules: 3, Scenario: "lsat", Models: []string{"", "", "Air780EP"}}, newMemLog(), nil)
	for _, m := range e.Sessions().Modules() {
		mod := f.Module(m.Slot)
		if want := mod.Ports()[mod.Interfaces()[len(mod.Interfaces())-1]]; m.Port != want {
			t.Errorf("%s (%s): identified on %s, want its AT port %s", m.Slot, mod.Firmware(), m.Port, want)
		}
	}
	res := runBatch(t, e, Config{Mode: ModeIoT})
	check(t, ff, res)
	if err := f.Close(); err != nil { // every power-on ended: the counts are exact
		t.Fatal(err)
	}
	for _, m := range f.Modules() {
		if n := m.LogBytesIn(); n != 0 {
			t.Errorf("%s (%s): %d bytes written to its log port %s", m.Slot(), m.Firmware(), n, m.LogInterface())
		}
	}
}
