package upgrade

import (
	"context"
	"strings"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

func TestRetrySkip(t *testing.T) {
	iot := Config{Mode: ModeIoT}
	key := Config{Mode: ModeKey, Key: "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"}
	failed := func(code, modErr int) Result { return Result{Outcome: Failed, Code: code, ModuleError: modErr} }
	cases := []struct {
		name      string
		last      Result
		then, now Config
		skip      bool
	}{
		{"banned, same settings", failed(40, -1004), iot, iot, true},
		{"banned, new key", failed(40, -1004), iot, key, true},
		{"wrong key, same key", failed(25, -1004), key, key, true},
		{"wrong key, another key", failed(25, -1004), key, Config{Mode: ModeKey, Key: "AAAAbbbbCCCCdddd0000111122223333"}, false},
		{"not listed, same", failed(27, -1004), iot, iot, true},
		{"not listed, a target now", failed(27, -1004), iot, Config{Mode: ModeIoT, Target: 1007}, false},
		{"no firmware, same", failed(26, -1004), iot, iot, true},
		{"base missing, same", failed(44, -1004), iot, iot, true},
		{"invalid device, same", failed(3, -1004), iot, iot, true},
		{"no permission, same", failed(17, -1004), iot, iot, true},
		{"delta not ready", failed(43, -1003), iot, iot, false},
		{"too big", failed(0, -1003), iot, iot, false},
		{"no data", failed(0, -1001), iot, iot, false},
		{"came back old", failed(0, 0), iot, iot, false},
		{"held at the budget", Result{Outcome: Held}, iot, iot, false},
	}
	for _, c := range cases {
		n, skip := RetrySkip(c.last, c.then, c.now)
		if skip != c.skip {
			t.Errorf("%s: skip %v, want %v", c.name, skip, c.skip)
		}
		if skip && (n.IsZero() || n.In("zh") == n.In("en")) {
			t.Errorf("%s: skipped without a reason in both languages: %q", c.name, n.String())
		}
	}
}

// The console's r after a mixed batch asks again only for the modules a
// retry can help: the banned module (40) and the one not in the IMEI list
// (27) send nothing and say why on their rows (the module held for its
// stored key is looked at again and held again, asking nothing). Once the
// settings change, the 27 module may ask again; 40 never in bulk.
func TestRetryFailedSkipsWhatCannotChange(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: dir, Modules: 8, Scenario: "mixed", Speed: simSpeed})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ff, err := sim.ReadFleetFile(dir + "/fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	role := map[string]string{}
	for _, m := range ff.Modules {
		role[m.IMEI] = m.Role
	}
	c := NewController(&device.DirSource{Dir: dir}, newMemLog(), fast(Config{Mode: ModeIoT}), EngineOptions{Interval: 20 * time.Millisecond})
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	finals := make(chan Event, 256)
	go func() {
		for e := range c.Events() {
			if e.IMEI != "" && e.Step.Final() {
				finals <- e
			}
		}
	}()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := c.Engine().Sessions().WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	// waitFinals collects final events until n modules have a result.
	waitFinals := func(n int) map[string]Event {
		got := map[string]Event{}
		deadline := time.After(2 * time.Minute)
		for len(got) < n {
			select {
			case e := <-finals:
				got[e.IMEI] = e
			case <-deadline:
				t.Fatalf("only %d of %d modules ended", len(got), n)
			}
		}
		// A module's final event comes just before its batch lets go of
		// it: wait for that too, as an operator's r comes later anyway.
		for deadline := time.Now().Add(time.Minute); c.Running() > 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d modules still running after their final events", c.Running())
			}
		}
		return got
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	waitFinals(len(ff.Modules))
	before := map[string]int{}
	for _, m := range ff.Modules {
		before[m.IMEI] = f.Platform().Requests(m.IMEI)
	}
	if err := c.RetryFailed(); err != nil {
		t.Fatal(err)
	}
	// too-big (-1003) and failed-apply fail again, wrong-key is held
	// again; the two below are skipped at once: five final events.
	got := waitFinals(5)
	for imei, e := range got {
		skipped := e.Result == nil
		want := role[imei] == "banned" || role[imei] == "not-listed"
		if skipped != want {
			t.Errorf("%s (%s): skipped %v, want %v: %s", imei, role[imei], skipped, want, e.Sentence.String())
		}
		if skipped && f.Platform().Requests(imei) != before[imei] {
			t.Errorf("%s (%s): skipped, yet the platform counted %d more requests", imei, role[imei], f.Platform().Requests(imei)-before[imei])
		}
	}
	// A new key: 27 may ask again (into another project); 40 not.
	if err := c.SetConfig(fast(Config{Mode: ModeKey, Key: "AAAAbbbbCCCCdddd0000111122223333"})); err != nil {
		t.Fatal(err)
	}
	if err := c.RetryFailed(); err != nil {
		t.Fatal(err)
	}
	for imei, e := range waitFinals(5) {
		skipped := e.Result == nil
		if want := role[imei] == "banned"; skipped != want {
			t.Errorf("after a key change, %s (%s): skipped %v, want %v: %s", imei, role[imei], skipped, want, e.Sentence.String())
		}
	}
}

// Running the batch again on a fleet that just passed spends one request
// for the whole (firmware, version) pair: the first module hears code 27
// for a version the log saw served, and the others are current without
// asking. A module at its budget whose last result left it on the version
// it runs is current, not held.
func TestRerunAfterPassSpendsOneRequestPerPair(t *testing.T) {
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 4, Scenario: "happy"}, log, nil)
	for _, r := range runBatch(t, e, Config{Mode: ModeIoT}) {
		if r.Outcome != Upgraded {
			t.Fatalf("first run: %s %s (%s)", r.Slot, r.Outcome, r.Sentence.String())
		}
	}
	served := func() int {
		n := 0
		for _, m := range ff.Modules {
			sameCount(t, f, log, m.IMEI) // the modules' own requests after their reboots are in
			n += f.Platform().Requests(m.IMEI)
		}
		return n
	}
	before := served()
	for _, r := range runBatch(t, e, Config{Mode: ModeIoT}) {
		if r.Outcome != Current {
			t.Errorf("second run: %s %s (%s), want current", r.Slot, r.Outcome, r.Sentence.String())
		}
	}
	if n := served() - before; n != 1 {
		t.Errorf("the second run asked the platform %d times for one pair, want 1", n)
	}
	at := ff.Modules[0].IMEI
	log.addRequests(at, 4)
	r := runBatch(t, e, Config{Mode: ModeIoT}, at)[at]
	if r.Outcome != Current || r.Requests != 0 || !strings.Contains(r.Sentence.String(), "budget") {
		t.Errorf("at its budget after passing: %s with %d requests (%s), want current with none", r.Outcome, r.Requests, r.Sentence.String())
	}
}

// The console's header shows the URL without its password.
func TestPlanMasksTheURLPassword(t *testing.T) {
	c := NewController(&device.DirSource{Dir: t.TempDir()}, newMemLog(), Config{Mode: ModeURL, URL: "http://user:secretpw@h/x.bin"}, EngineOptions{})
	if p := c.Plan(); strings.Contains(p.URL, "secretpw") || p.URL != "http://user:***@h/x.bin" {
		t.Errorf("Plan().URL = %q", p.URL)
	}
}

// With a delta map in URL mode the console's header names the map, not an
// empty URL.
func TestPlanNamesTheDeltaMap(t *testing.T) {
	dm, err := ParseDeltaMap("/etc/airfleet/deltas.json", []byte(`{"deltas": [{"firmware": "AirM2M_780EP_LTE_AT", "from": 1006, "to": 1007, "url": "http://h/a.bin"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := NewController(&device.DirSource{Dir: t.TempDir()}, newMemLog(), Config{Mode: ModeURL, Deltas: dm}, EngineOptions{})
	if p := c.Plan(); p.URL != "/etc/airfleet/deltas.json" {
		t.Errorf("Plan().URL = %q, want the map's file", p.URL)
	}
}
