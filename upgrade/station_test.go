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

// idleStation runs a station with a fast idle watch over one simulated
// module of scenario, and returns it with the module and the station's
// events.
func idleStation(t *testing.T, scenario string) (*Sessions, *sim.Module, <-chan Event) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{Dir: dir, Modules: 1, Scenario: scenario, Speed: simSpeed})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	events := make(chan Event, 1024)
	st := NewSessions(&device.DirSource{Dir: dir}, SessionsOptions{
		Interval: 20 * time.Millisecond, IdlePoll: 10 * time.Millisecond,
		Emit: func(e Event) {
			select {
			case events <- e:
			default:
				t.Error("event buffer full")
			}
		},
	})
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Close()
	})
	return st, f.Modules()[0], events
}

// nextIdle waits for the station's next idle event.
func nextIdle(t *testing.T, events <-chan Event) Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Step == StateIdle {
				return e
			}
		case <-timeout:
			t.Fatal("no idle event within 30 s")
		}
	}
}

// watchedModule waits for the station's first idle event of m and returns
// it with the module, which must have an idle watch.
func watchedModule(t *testing.T, st *Sessions, m *sim.Module, events <-chan Event) (Event, *Module) {
	t.Helper()
	first := nextIdle(t, events)
	a := st.Module(m.Slot())
	if a == nil || a.watch == nil {
		t.Fatalf("module %s has no idle watch: %+v", m.Slot(), a)
	}
	return first, a
}

// A module is identified within a second of being plugged in, before it
// has found the network: the station must keep asking, or the console
// would say "searching" for a module long registered.
func TestStationFollowsIdleModuleUntilRegistered(t *testing.T) {
	st, m, events := idleStation(t, "no-network")
	first, a := watchedModule(t, st, m, events)
	if !strings.Contains(first.Sentence.String(), "network searching") {
		t.Fatalf("first idle event says %q; want the module searching", first.Sentence.String())
	}

	m.SetFaults(sim.Faults{}) // coverage comes back
	for {
		e := nextIdle(t, events)
		if strings.Contains(e.Sentence.String(), "network registered") || strings.Contains(e.Sentence.String(), "network roaming") {
			if !strings.Contains(e.Sentence.String(), "dBm") {
				t.Errorf("registered module's signal not in dBm: %q", e.Sentence.String())
			}
			break
		}
		if !strings.Contains(e.Sentence.String(), "network searching") {
			t.Fatalf("unexpected idle event %q", e.Sentence.String())
		}
	}
	now := st.Module(m.Slot())
	if !now.Info.Registration.Registered() || now.Session != a.Session {
		t.Fatalf("station holds %+v; want the same session, registered", now.Info.Registration)
	}
	if time.Since(now.Identified) > freshStatus {
		t.Errorf("reading not marked fresh: %v old", time.Since(now.Identified))
	}
	select { // registered: the watch has ended by itself
	case <-a.watch.done:
	case <-time.After(30 * time.Second):
		t.Fatal("idle watch still running after the module registered")
	}
	if got := st.Claim(a); got != now {
		t.Errorf("Claim returned an old copy of the module")
	}
}

// Once an upgrade claims a module, the station's idle watch ends and
// announces nothing more: no idle event can land on a row the upgrade owns.
func TestClaimStopsIdleWatch(t *testing.T) {
	st, m, events := idleStation(t, "no-sim")
	first, a := watchedModule(t, st, m, events)
	if !strings.Contains(first.Sentence.String(), "not inserted") {
		t.Fatalf("first idle event %q; want the SIM not inserted", first.Sentence.String())
	}
	got := st.Claim(a)
	select { // a reading under way may finish; then the watch ends
	case <-a.watch.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the idle watch still runs 30 s after the claim")
	}
	if got.Session != a.Session {
		t.Fatal("Claim returned another session")
	}
	// The module then finds the network. Its owner sees that through its
	// own commands; the station no longer asks, announces or replaces.
	m.SetFaults(sim.Faults{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info := got.Info
	for !info.Registration.Registered() {
		if err := device.Status(ctx, got.Session, &info); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case e := <-events:
		t.Errorf("station event after the claim: %s %q", e.Step, e.Sentence.String())
	default:
	}
	if st.Module(m.Slot()) != got {
		t.Error("the claimed module was replaced")
	}
}

// The key a batch was given is masked in every transcript line, in both
// directions, even where noise on the line hides the command it belongs to
// (the garbage scenario once logged `\xa7\xd5AT+UPGRADE="KEY","<key>"`).
func TestTranscriptMasksTheBatchKey(t *testing.T) {
	const key = "I9TxThhg1HG8GIylSrWc135b9zhjXVm4"
	var mu sync.Mutex
	var logged []string
	st := NewSessions(&device.DirSource{Dir: t.TempDir()}, SessionsOptions{Transcript: func(_, _ string, r device.Record) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, r.Text)
	}})
	st.Mask(key)
	rec := st.transcriptFor("1-1.1")
	for _, r := range []device.Record{
		{Dir: device.In, Text: "\xa7\xd5AT+UPGRADE=\"KEY\",\"" + key + "\""},
		{Dir: device.Out, Text: `AT+UPGRADE="KEY","` + key + `",1`},
		{Dir: device.In, Text: "garbage" + key + "garbage"},
	} {
		rec(r)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, l := range append(logged, st.Transcript("1-1.1")...) {
		if strings.Contains(l, key) {
			t.Errorf("line %d reaches the log or the screen with the full key: %q", i, l)
		}
	}
	if len(logged) != 3 {
		t.Fatalf("%d lines logged, want 3", len(logged))
	}
}

// An idle module that stays unchanged is read less and less often, up to
// once in two minutes at the default poll: a module with no SIM left on
// the hub for an hour fills the log with some 400 lines, not 1 800.
func TestIdleBackoff(t *testing.T) {
	poll := DefaultIdlePoll
	d, total, readings := poll, time.Duration(0), 0
	for quiet := 1; total < time.Hour; quiet++ {
		d = idleBackoff(d, quiet, poll)
		total += d
		readings++
		if quiet < idleQuietReadings && d != poll {
			t.Fatalf("reading %d: delay %v before five quiet readings, want the poll %v", quiet, d, poll)
		}
		if d > 2*time.Minute {
			t.Fatalf("reading %d: delay %v, over the 2 min cap", quiet, d)
		}
	}
	if d != 2*time.Minute {
		t.Errorf("after an hour the delay is %v, want the 2 min cap", d)
	}
	if readings > 40 {
		t.Errorf("%d readings in an hour of an unchanged module, want about 35", readings)
	}
}

// A station with no module is ready at once: an empty first listing sent
// no event, and the station waited for a module that never came (issue
// 12.2: `airfleet upgrade` waited 60 s).
func TestStationReadyWithNoModule(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := NewSessions(&device.DirSource{Dir: t.TempDir()}, SessionsOptions{Interval: 20 * time.Millisecond})
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second) // a hundred listings
	defer wcancel()
	if err := st.WaitReady(wctx); err != nil {
		t.Fatalf("not ready with no module: %v", err)
	}
	if n := len(st.Modules()); n != 0 {
		t.Errorf("%d modules", n)
	}
}
