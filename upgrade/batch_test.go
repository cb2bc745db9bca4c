package upgrade

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/store"
)

func imeisOf(ff sim.FleetFile) []string {
	var out []string
	for _, m := range ff.Modules {
		out = append(out, m.IMEI)
	}
	return out
}

// A module at its request budget is held with the reason and sends
// nothing; --force lets it go.
func TestBudgetHold(t *testing.T) {
	e, log, ff := fleet(t, sim.Config{Modules: 2, Scenario: "happy"})
	ids := imeisOf(ff)
	log.addRequests(ids[0], 4)
	res := runBatch(t, e, Config{Mode: ModeIoT})
	held, other := res[ids[0]], res[ids[1]]
	if held.Outcome != Held || held.Requests != 0 || !strings.Contains(held.Sentence.String(), "budget 4") {
		t.Fatalf("module at the budget: %+v", held)
	}
	if other.Outcome != Upgraded {
		t.Fatalf("module under the budget: %+v", other)
	}
	res = runBatch(t, e, Config{Mode: ModeIoT, Force: true}, ids[0])
	if r := res[ids[0]]; r.Outcome != Upgraded || r.Requests != 2 { // its request and its own after the reboot
		t.Fatalf("forced: %+v", r)
	}
}

// A module already on the target is done without a request.
func TestAlreadyCurrent(t *testing.T) {
	e, _, ff := fleet(t, sim.Config{Modules: 1, Scenario: "happy"})
	res := runBatch(t, e, Config{Mode: ModeIoT, Target: 1006})
	if r := res[ff.Modules[0].IMEI]; r.Outcome != Current || r.Requests != 0 {
		t.Fatalf("%+v", r)
	}
}

// A reboot slower than --reboot-timeout fails with the reason.
func TestRebootSlowerThanTimeout(t *testing.T) {
	e, _, ff := fleet(t, sim.Config{Modules: 1, Scenario: "slow-reboot"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := fast(Config{Mode: ModeIoT})
	cfg.RebootTimeout = 60 * time.Second / simSpeed // the scenario's reboot takes 150 s
	rs := e.NewBatch(cfg).Run(ctx, nil, nil)
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	r := rs[0]
	if r.IMEI != ff.Modules[0].IMEI || r.Outcome != Failed || !strings.Contains(r.Sentence.String(), "did not come back within") {
		t.Fatalf("%+v", r)
	}
}

// Cancel while modules wait for the platform: every module ends cancelled,
// with AUTO given back as it was.
func TestCancelMidBatch(t *testing.T) {
	waiting := make(chan struct{})
	var once sync.Once
	log := newMemLog()
	e, ff := fleetWith(t, sim.Config{Modules: 3, Scenario: "code-43"}, log, func(ev Event) {
		if ev.Step == StateWaitPlatform && ev.Code == 43 {
			once.Do(func() { close(waiting) })
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan map[string]Result, 1)
	go func() { done <- runBatchCtx(t, ctx, e, Config{Mode: ModeIoT}) }()
	select {
	case <-waiting:
	case <-time.After(time.Minute):
		t.Fatal("no module ever waited for the platform")
	}
	cancel()
	var res map[string]Result
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the batch did not end after cancel")
	}
	for _, m := range ff.Modules {
		r := res[m.IMEI]
		if r.Outcome != Cancelled {
			t.Errorf("%s: %s (%s)", m.Slot, r.Outcome, r.Sentence.String())
		}
	}
	// The last AUTO command of each module that was configured restores 1.
	log.mu.Lock()
	defer log.mu.Unlock()
	for id, a := range log.attempts {
		last := ""
		for _, r := range log.transcripts[id] {
			if r.Dir == device.Out && strings.HasPrefix(r.Text, `AT+UPGRADE="AUTO",`) {
				last = r.Text
			}
		}
		if last != "" && last != `AT+UPGRADE="AUTO",1,1` {
			t.Errorf("%s: last AUTO command %q, want AUTO restored to 1", a.rec.IMEI, last)
		}
	}
}

// A failed canary holds the rest of the batch.
func TestCanary(t *testing.T) {
	e, _, ff := fleet(t, sim.Config{Modules: 3, Scenario: "code-26"})
	res := runBatch(t, e, Config{Mode: ModeIoT, Canary: 1})
	var failed, held int
	for _, m := range ff.Modules {
		switch r := res[m.IMEI]; r.Outcome {
		case Failed:
			failed++
		case Held:
			held++
			if !strings.Contains(r.Sentence.String(), "canary") || r.Requests != 0 {
				t.Errorf("held module: %+v", r)
			}
		}
	}
	if failed != 1 || held != 2 {
		t.Fatalf("%d failed, %d held; want the canary failed and 2 held", failed, held)
	}
}

// Past the failure rate the batch pauses: modules not started are held.
func TestPauseOnFailureRate(t *testing.T) {
	e, _, ff := fleet(t, sim.Config{Modules: 5, Scenario: "code-26"})
	res := runBatch(t, e, Config{Mode: ModeIoT, Concurrency: 1, PauseRate: 0.5, PauseMin: 2})
	var failed, held int
	for _, m := range ff.Modules {
		switch r := res[m.IMEI]; r.Outcome {
		case Failed:
			failed++
		case Held:
			held++
			if !strings.Contains(r.Sentence.String(), "paused") {
				t.Errorf("held: %s", r.Sentence.String())
			}
		}
	}
	if failed != 2 || held != 3 {
		t.Fatalf("%d failed, %d held; want 2 and 3", failed, held)
	}
}

// Every attempt reaches the SQLite log with its result, its request
// events and its transcript.
func TestLogHoldsEveryAttempt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "log.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, ff := fleetWith(t, sim.Config{Modules: 8, Scenario: "mixed"}, NewStoreLog(st), nil)
	res := runBatch(t, e, Config{Mode: ModeIoT})
	check(t, ff, res)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range ff.Modules {
		rows, err := st.History(m.IMEI)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %d attempts in the log (%v)", m.IMEI, len(rows), err)
		}
		a := rows[0]
		if string(a.Result) != string(res[m.IMEI].Outcome) || a.Requests != res[m.IMEI].Requests {
			t.Errorf("%s: log says %s with %d requests, the batch %s with %d", m.IMEI, a.Result, a.Requests, res[m.IMEI].Outcome, res[m.IMEI].Requests)
		}
		// The history reads in either language.
		if a.Message != res[m.IMEI].Sentence.In("en") || a.MessageZH != res[m.IMEI].Sentence.In("zh") || !hasHan(a.MessageZH) {
			t.Errorf("%s: log message %q / %q; the batch said %q", m.IMEI, a.Message, a.MessageZH, res[m.IMEI].Sentence.String())
		}
		evs, err := st.Events(a.ID)
		if err != nil || len(evs) == 0 {
			t.Fatalf("%s: %d events (%v)", m.IMEI, len(evs), err)
		}
		for _, e := range evs {
			if e.Detail != "" && e.DetailZH == "" {
				t.Errorf("%s: event %s %q has no Chinese", m.IMEI, e.Step, e.Detail)
			}
		}
		lines, err := st.TranscriptOf(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var sent bool
		for _, l := range lines {
			sent = sent || (l.Dir == store.DirOut && l.Text == "AT+UPGRADE")
		}
		if asked := a.Result != store.ResultHeld; sent != asked {
			t.Errorf("%s (%s): the transcript (%d lines) holds AT+UPGRADE: %v, want %v", m.IMEI, a.Result, len(lines), sent, asked)
		}
		n, err := st.RequestsSince(m.IMEI, time.Now().Add(-time.Hour))
		if err != nil || n < a.Requests {
			t.Errorf("%s: %d request events for %d requests (%v)", m.IMEI, n, a.Requests, err)
		}
	}
}

// In key mode the key is set and read back, and it never reaches the log
// in full.
func TestKeyModeNeverLogsTheKey(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "log.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 2, Scenario: "happy", Speed: simSpeed})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	key := f.ProjectKey(sim.AccountMain, "EC718")
	if key == "" {
		t.Fatal("the simulator has no project key for the main account")
	}
	e := NewEngine(&device.DirSource{Dir: f.Dir()}, NewStoreLog(st), EngineOptions{Interval: 20 * time.Millisecond})
	done := make(chan struct{})
	ectx, stop := context.WithCancel(ctx)
	go func() { e.Run(ectx); close(done) }()
	defer func() { stop(); <-done }()
	if err := e.Sessions().WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range runBatch(t, e, Config{Mode: ModeKey, Key: key}) {
		if r.Outcome != Upgraded {
			t.Errorf("%s: %s (%s)", r.IMEI, r.Outcome, r.Sentence.String())
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(b), key) {
			t.Errorf("%s holds the full project key", filepath.Base(name))
		}
	}
	if n := strings.Count(strings.Join(e.Sessions().Transcript(e.Sessions().Modules()[0].Slot), "\n"), key); n != 0 {
		t.Errorf("the console's transcript shows the full key %d times", n)
	}
}
