package upgrade

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/store"
)

// The fault soak (issue 5, part 4): go test -race -run Soak ./upgrade/
// runs it for -soak (75 s by default: the whole suite must stay well inside
// ten minutes on two cores); -soak=5m runs it longer, -soak.seed=N replays
// a run's faults, -soak.rival puts a rival airfleet in every round. It
// is skipped under -short.
var (
	soakFor   = flag.Duration("soak", 75*time.Second, "how long TestSoak starts batches")
	soakSeed  = flag.Uint64("soak.seed", 0, "seed of TestSoak's fleets and faults (0: draw one; the test logs it)")
	soakRival = flag.Bool("soak.rival", false, "a rival airfleet in every round of TestSoak, not in half of them (the races between two airfleets)")
)

const (
	soakModules = 64
	// soakBatches bounds the batches of one fleet: the first over every
	// module, then the operator's retries of the failed ones. A new fleet
	// follows while time remains.
	soakBatches = 5
	// soakHang is how long one batch may take before the soak calls it a
	// hang (a batch of 64 takes seconds).
	soakHang = 2 * time.Minute
)

// soakFaultRoles are the simulator's roles that fail or hinder an upgrade:
// platform codes, module errors, and the faults of one module.
var soakFaultRoles = []string{
	"wrong-key", "other-account", "not-allowed", "no-firmware", "bad-imei", "banned",
	"base-missing", "not-listed", "latest", "url-rejected", "no-network", "no-data", "no-sim",
	"server-down", "corrupt", "flash-error", "other-error", "too-big",
	"unplug", "slow-reboot", "failed-apply", "stall", "garbage",
}

// soakIdlePoll is the idle watch's poll in the soak: fast, so that idle
// modules (no SIM, no network) are read often enough between batches for
// their repeated reads to be summarised, and the check of every line read
// to count the summaries.
const soakIdlePoll = 20 * time.Millisecond

var soakModels = []string{"Air780EP", "Air780EP", "Air780EP", "Air780E", "Air780E", "Air780EPS", "Air780EPA", "Air780ET", "Air780EQ", "Air700ECQ"}

// TestSoak runs fleets of 64 simulated modules with random faults through
// batches on a real SQLite log, retrying the failed modules like an
// operator, until -soak has passed. The simulator's roles give each fleet
// platform codes (25, 17, 21, 26, 27, 40, 44, 3, code 43 while the
// platform makes a delta, or for ever), module errors, no SIM or network,
// too-big deltas, slow reboots, failed applies, stalls and garbage; a
// seeded driver adds runtime faults: unplug and replug at random moments
// (some for longer than the reboot timeout), stalls, garbage bursts, and
// faults switched on mid-run. After each fleet it checks that the log
// holds every line the console read (the repeated reads of an idle module
// as their summary note), and that no IMEI asked the platform
// more than the engine counted or the budget allows; at the end, that no
// attempt or batch was left running, that the log is sound, and that no
// goroutine or file descriptor outlived the soak.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault soak runs for a minute or more")
	}
	seed := *soakSeed
	if seed == 0 {
		seed = rand.Uint64() | 1
	}
	t.Logf("soak seed %d for %v (replay: go test -race -run Soak ./upgrade/ -soak.seed=%d -soak=%v)", seed, *soakFor, seed, *soakFor)

	primeRuntime(t)
	fdsBefore := openFDs(t)
	leaks := goleak.IgnoreCurrent() // goroutines of earlier tests are not the soak's

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "soak.db")
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := NewStoreLog(st)
	// The checks read the log through their own read-only connection: the
	// store keeps its *sql.DB to itself and has no query by slot.
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() { // after a t.Fatal; the checks below close them themselves
		if !closed {
			db.Close()
			st.Close()
		}
	})

	rng := rand.New(rand.NewPCG(seed, 0x50a4))
	deadline := time.Now().Add(*soakFor)
	var batches []int64
	imeis := map[string]bool{} // of every round so far
	for round := 0; round == 0 || time.Until(deadline) > 10*time.Second; round++ {
		r := &soakRound{t: t, n: round, seed: rng.Uint64(), dir: filepath.Join(dir, fmt.Sprint("fleet", round)),
			log: log, st: st, db: db, deadline: deadline, imeis: imeis}
		batches = append(batches, r.run()...)
		if t.Failed() {
			break
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := log.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	checkAllEnded(t, st, batches)
	if err := st.IntegrityCheck(); err != nil {
		t.Error(err)
	}
	closed = true
	if err := db.Close(); err != nil {
		t.Error(err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("closing the log: %v", err)
	}
	goleak.VerifyNone(t, leaks)
	checkFDs(t, fdsBefore)
}

// soakRound is one fleet of the soak, from its start to its close.
type soakRound struct {
	t        *testing.T
	n        int
	seed     uint64
	dir      string
	log      *StoreLog
	st       *store.Store
	db       *sql.DB
	deadline time.Time
	// The IMEIs of the earlier rounds. The log is shared, and the engine
	// rightly reads an IMEI's past in it (its request budget, a download
	// found under way, an upgrade left unfinished): a fleet that reused an
	// IMEI would have the past of another round's module.
	imeis map[string]bool

	roles   []string
	leftURL []bool // a URL left in NV by earlier work at the start
	f       *sim.Fleet
	e       *Engine
	last    map[string]Result // by IMEI: the module's latest result

	// A second airfleet on the same fleet, in half the rounds: the two
	// race for the modules' locks at the start, each upgrades what it
	// holds, and no module is driven by both.
	rival     *Engine
	rivalSt   *store.Store
	rivalDB   *sql.DB
	rivalLast map[string]Result
	rivalIDs  []int64
}

// run starts the fleet, runs the batches, closes everything and checks
// the round; it returns the IDs of its batches.
func (r *soakRound) run() []int64 {
	t := r.t
	time.Sleep(2 * time.Millisecond) // the log's times are milliseconds: the last round's lines are older
	started := time.Now()
	rng := rand.New(rand.NewPCG(r.seed, 1))
	cfg := r.fleetConfig(rng)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range f.Modules() {
		if r.imeis[m.IMEI()] {
			t.Logf("round %d (fleet seed %d): IMEI %s was a module's of an earlier round, whose past the shared log holds: no batch on this fleet", r.n, r.seed, m.IMEI())
			if err := f.Close(); err != nil {
				t.Errorf("closing the fleet: %v", err)
			}
			return nil
		}
	}
	for _, m := range f.Modules() {
		r.imeis[m.IMEI()] = true
	}
	r.f = f
	r.e = NewEngine(&device.DirSource{Dir: cfg.Dir}, r.log, EngineOptions{Interval: 20 * time.Millisecond, IdlePoll: soakIdlePoll})
	ectx, stopEngine := context.WithCancel(ctx)
	var engines sync.WaitGroup
	engines.Go(func() { r.e.Run(ectx) })
	stations := []*Sessions{r.e.Sessions()}
	if rng.IntN(2) == 0 || *soakRival {
		r.startRival(ectx, &engines, cfg.Dir)
		stations = append(stations, r.rival.Sessions())
	}
	closed := false
	shutdown := func() { // the fleet first: its ports drain into the console
		if closed {
			return
		}
		closed = true
		if err := f.Close(); err != nil {
			t.Errorf("closing the fleet: %v", err)
		}
		stopEngine()
		engines.Wait()
	}
	defer shutdown()

	for _, st := range stations {
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		err = st.WaitReady(wctx)
		wcancel()
		if err != nil {
			t.Fatalf("round %d: the station never identified the fleet: %v", r.n, err)
		}
	}

	drv := newSoakDriver(rand.New(rand.NewPCG(r.seed, 2)), f, stations...)
	dctx, stopDriver := context.WithCancel(ctx)
	drv.start(dctx)
	var rivalDone sync.WaitGroup
	if r.rival != nil {
		rivalDone.Go(func() { r.rivalBatches(rand.New(rand.NewPCG(r.seed, 3))) })
	}

	r.last = map[string]Result{}
	var ids []int64
	tally := map[string]int{} // by outcome and message
	for b := 0; b < soakBatches && (b == 0 || time.Now().Before(r.deadline)); b++ {
		imeis := r.retries()
		if b > 0 && len(imeis) == 0 {
			break
		}
		id, res := r.batch(rng, imeis)
		ids = append(ids, id)
		for _, x := range res {
			tally[string(x.Outcome)+" "+x.Sentence.Key()]++
		}
		if t.Failed() {
			break
		}
	}
	rivalDone.Wait()
	stopDriver()
	drv.wait()
	r.checkUpgraded()
	shutdown()

	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer fcancel()
	if err := r.log.Flush(fctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if r.rival != nil {
		if err := r.rivalSt.Flush(fctx); err != nil {
			t.Fatalf("flush the rival's log: %v", err)
		}
		if len(r.rivalIDs) > 0 { // it may have won no module's lock
			checkAllEnded(t, r.rivalSt, r.rivalIDs)
		}
		r.checkOneOwner(started)
	}
	r.checkTranscripts(started)
	r.checkRequests(started)
	if r.rival != nil {
		r.closeRival()
	}
	t.Logf("round %d (fleet seed %d): %d batches (rival: %d) in %v\n  results: %s\n  faults: %s",
		r.n, r.seed, len(ids), len(r.rivalIDs), time.Since(started).Round(time.Second), tallyString(tally), drv.tally())
	return ids
}

// startRival starts the second airfleet of the round on the same fleet,
// with a log of its own, at the same moment as the first.
func (r *soakRound) startRival(ctx context.Context, engines *sync.WaitGroup, dir string) {
	t := r.t
	path := r.dir + "-rival.db"
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	r.rivalSt, r.rivalDB, r.rivalLast = st, db, map[string]Result{}
	r.rival = NewEngine(&device.DirSource{Dir: dir}, NewStoreLog(st), EngineOptions{Interval: 20 * time.Millisecond, IdlePoll: soakIdlePoll})
	engines.Go(func() { r.rival.Run(ctx) })
}

func (r *soakRound) closeRival() {
	if err := r.rivalDB.Close(); err != nil {
		r.t.Error(err)
	}
	if err := r.rivalSt.Close(); err != nil {
		r.t.Errorf("closing the rival's log: %v", err)
	}
}

// rivalBatches upgrades what the rival holds, then retries its failures,
// like a second operator at the same hub.
func (r *soakRound) rivalBatches(rng *rand.Rand) {
	for b := 0; b < soakBatches && (b == 0 || time.Now().Before(r.deadline)); b++ {
		var imeis []string
		for _, a := range r.rival.Sessions().Modules() {
			if x, seen := r.rivalLast[a.Info.IMEI]; a.Err == nil && a.Info.IMEI != "" && (b == 0 || seen && (x.Outcome == Failed || x.Outcome == Cancelled)) {
				imeis = append(imeis, a.Info.IMEI)
			}
		}
		if len(imeis) == 0 {
			return
		}
		id, res := r.runOn(r.rival, rng, imeis)
		r.rivalIDs = append(r.rivalIDs, id)
		for _, x := range res {
			if x.IMEI != "" {
				r.rivalLast[x.IMEI] = x
			}
		}
		if r.t.Failed() {
			return
		}
	}
}

// checkOneOwner: no module has an attempt of this round in both logs:
// each was driven by one airfleet only.
func (r *soakRound) checkOneOwner(since time.Time) {
	for _, m := range r.f.Modules() {
		n := [2]int{}
		for i, st := range []*store.Store{r.st, r.rivalSt} {
			rows, err := st.History(m.IMEI())
			if err != nil {
				r.t.Fatal(err)
			}
			for _, a := range rows {
				if !a.Started.Before(since) {
					n[i]++
				}
			}
		}
		if n[0] > 0 && n[1] > 0 {
			r.t.Errorf("round %d: %s has attempts in both airfleets' logs (%d and %d): two processes drove it", r.n, m, n[0], n[1])
		}
	}
}

// fleetConfig draws the fleet: a model and a role per module (about half
// of them plain), extra faults on some of the plain ones, and a URL left
// in NV by earlier work on a few (the engine clears it in platform mode).
// The scenario is "mixed", whose platform makes each delta on its first
// request (code 43 first), unless a never-ready module is drawn: then
// every other delta is ready and that one never is.
func (r *soakRound) fleetConfig(rng *rand.Rand) sim.Config {
	r.roles = make([]string, soakModules)
	models := make([]string, soakModules)
	extra := make([]sim.Faults, soakModules)
	r.leftURL = make([]bool, soakModules)
	leftURL := r.leftURL
	neverReady := rng.IntN(3) == 0
	for i := range soakModules {
		models[i] = soakModels[rng.IntN(len(soakModels))]
		r.roles[i] = "ok"
		if rng.IntN(2) == 0 {
			r.roles[i] = soakFaultRoles[rng.IntN(len(soakFaultRoles))]
		} else {
			extra[i] = drawFaults(rng)
		}
		leftURL[i] = rng.IntN(12) == 0
	}
	if neverReady {
		r.roles[rng.IntN(soakModules)] = "never-ready"
	}
	return sim.Config{
		Dir: r.dir, Modules: soakModules, Scenario: "mixed", Speed: simSpeed, Seed: r.seed,
		Roles: r.roles, Models: models,
		Tweak: func(i int, s *sim.ModuleSpec) {
			x := extra[i]
			if x.StallAt > 0 {
				s.Faults.StallAt, s.Faults.StallFor = x.StallAt, x.StallFor
			}
			if x.UnplugAt > 0 {
				s.Faults.UnplugAt, s.Faults.UnplugFor = x.UnplugAt, x.UnplugFor
			}
			s.Faults.SlowReboot = s.Faults.SlowReboot || x.SlowReboot
			s.Faults.FailedApply = s.Faults.FailedApply || x.FailedApply
			if leftURL[i] && s.URL == "" {
				s.URL = "http://192.0.2.7/fota/old.bin"
			}
		},
	}
}

// drawFaults draws a plain module's extra faults (simulated time).
func drawFaults(rng *rand.Rand) sim.Faults {
	var f sim.Faults
	switch rng.IntN(6) {
	case 0:
		f.StallAt, f.StallFor = 1+rng.IntN(20), time.Duration(5+rng.IntN(100))*time.Second
	case 1:
		f.UnplugAt, f.UnplugFor = 10*(1+rng.IntN(10)), time.Duration(5+rng.IntN(400))*time.Second
	case 2:
		f.SlowReboot = true
	case 3:
		f.FailedApply = true
	}
	return f
}

// retries lists what an operator starts next: the identified modules that
// have not passed, except those held at their request budget (nothing to
// do about them today).
func (r *soakRound) retries() []string {
	var out []string
	for _, a := range r.e.Sessions().Modules() {
		if a.Err != nil || a.Info.IMEI == "" {
			continue
		}
		x, seen := r.last[a.Info.IMEI]
		switch {
		case !seen, x.Outcome == Failed, x.Outcome == Cancelled, x.Outcome == Held && x.Sentence.Key() != "held.budget":
			out = append(out, a.Info.IMEI)
		}
	}
	return out
}

// batch runs one batch of the soak's console (over every module when
// imeis is nil) and remembers each module's result.
func (r *soakRound) batch(rng *rand.Rand, imeis []string) (int64, []Result) {
	id, res := r.runOn(r.e, rng, imeis)
	for _, x := range res {
		if x.IMEI != "" {
			r.last[x.IMEI] = x
		}
	}
	return id, res
}

// runOn runs one batch on e and checks that each module it names ended in
// a final state. A quarter of the batches are hung up at a random moment
// (SIGHUP, SIGTERM and Ctrl-C all cancel the batch's context): modules
// that had asked are followed to their end, the others end cancelled, and
// every request still counts.
func (r *soakRound) runOn(e *Engine, rng *rand.Rand, imeis []string) (int64, []Result) {
	t := r.t
	cfg := Config{Mode: ModeIoT, Concurrency: []int{0, 0, 16, 24}[rng.IntN(4)], Operator: "soak"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	b := e.NewBatch(fast(cfg))
	ctx, hangup := context.WithCancel(context.Background())
	defer hangup()
	hungUp := rng.IntN(4) == 0
	if hungUp {
		defer time.AfterFunc(time.Duration(rng.Int64N(int64(1500*time.Millisecond))), hangup).Stop()
	}
	done := make(chan []Result, 1)
	go func() { done <- b.Run(ctx, imeis, nil) }()
	var res []Result
	select {
	case res = <-done:
	case <-time.After(soakHang):
		var sb strings.Builder
		pprof.Lookup("goroutine").WriteTo(&sb, 2)
		t.Fatalf("round %d: batch %d did not end within %v:\n%s", r.n, b.ID(), soakHang, sb.String())
	}
	for _, x := range res {
		switch {
		case x.Outcome == Upgraded, x.Outcome == Current, x.Outcome == Failed, x.Outcome == Held:
		case x.Outcome == Cancelled && hungUp:
		default:
			t.Errorf("round %d: %s %s ended %q (%s)", r.n, x.Slot, x.IMEI, x.Outcome, x.Sentence.String())
		}
	}
	return b.ID(), res
}

// checkUpgraded: a module reported upgraded runs the version reported.
func (r *soakRound) checkUpgraded() {
	for _, m := range r.f.Modules() {
		if x, ok := r.last[m.IMEI()]; ok && x.Outcome == Upgraded && m.Version() != x.To {
			r.t.Errorf("round %d: %s (%s) reported upgraded to %d, runs %d", r.n, m, m.Role(), x.To, m.Version())
		}
	}
}

// checkTranscripts compares, module by module, the lines the log received
// from the module (transcript lines "<" of its slot since the round
// started: the station logs the lines of identification too, before the
// IMEI is known; and the lines of the unchanged idle reads that a summary
// note stands for) with the lines the console read from its AT ports by the
// simulator's count, and they must be equal. LinesSent would not do: a
// burst of garbage is a line of its own for a reader, or joins the next
// echo, and what a pty still holds unread when the port vanishes (a
// reader that fell behind when the module rebooted) or when the console
// closes it (identification failed) is discarded. sim.Module.LinesRead
// counts what a reader took: lines split at CR or LF, as written, less
// the bytes still unread at the end. The fleet is closed and the engine
// stopped, so both counts are final. The one thing the kernel does not
// say is more than 4 KB unread behind a console that left a live port;
// the driver replugs modules the console could not identify, so no port
// is left that long.
func (r *soakRound) checkTranscripts(since time.Time) {
	t := r.t
	logged := map[string]int64{} // both airfleets' logs when there is a rival
	var each [2]map[string]int64 // the console's, the rival's
	var notes, summarised int64
	for i, db := range []*sql.DB{r.db, r.rivalDB} {
		if db != nil {
			each[i] = map[string]int64{}
			n, s := countLines(t, db, since, each[i])
			notes, summarised = notes+n, summarised+s
			for slot, k := range each[i] {
				logged[slot] += k
			}
		}
	}
	t.Logf("round %d: %d idle summaries stand for %d lines read", r.n, notes, summarised)
	var total int64
	for i, m := range r.f.Modules() {
		read := m.LinesRead()
		want := read[sim.IF02] + read[sim.IF06]
		total += want
		if got := logged[m.Slot()]; got != want {
			var who strings.Builder // which log holds what: two stations reading one port would show here
			for k, name := range []string{"console", "rival"} {
				if each[k] != nil {
					fmt.Fprintf(&who, "  %s's log: %d lines with the summaries\n%s", name, each[k][m.Slot()], slotLines([]*sql.DB{r.db, r.rivalDB}[k], m.Slot(), since))
				}
			}
			t.Errorf("round %d: %s (%s): the log holds %d lines from the module, the console read %d (if02 %d, if06 %d; sent %v):\n%s",
				r.n, m, r.roles[i], got, want, read[sim.IF02], read[sim.IF06], m.LinesSent(), who.String())
		}
		delete(logged, m.Slot())
	}
	for slot, n := range logged {
		t.Errorf("round %d: the log holds %d lines from slot %s, which has no module", r.n, n, slot)
	}
	if total == 0 {
		t.Errorf("round %d: the console read nothing", r.n)
	}
}

// countLines adds the lines each slot's module sent, by db's transcript
// since the given time, to logged: the lines written, and the lines of
// the repeated idle reads that a summary note stands for (idlewatch.go:
// a repeat's answers are those of the read written before it, line for
// line, so the note's count of received lines times its reads is exact).
// It returns how many summary notes it read, and the lines they stand for.
func countLines(t *testing.T, db *sql.DB, since time.Time, logged map[string]int64) (notes, summarised int64) {
	rows, err := db.Query(`SELECT slot, count(*) FROM transcript WHERE dir = '<' AND time >= ? GROUP BY slot`, since.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var slot string
		var n int64
		if err := rows.Scan(&slot, &n); err != nil {
			t.Fatal(err)
		}
		logged[slot] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(`SELECT slot, text FROM transcript WHERE dir = '#' AND text LIKE 'idle reads unchanged%' AND time >= ?`, since.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var slot, text string
		if err := rows.Scan(&slot, &text); err != nil {
			t.Fatal(err)
		}
		m := summaryRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("slot %s: idle summary %q is not in the expected form", slot, text)
		}
		reads, _ := strconv.Atoi(m[1])
		each, _ := strconv.Atoi(m[4])
		logged[slot] += int64(reads * each)
		notes++
		summarised += int64(reads * each)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return notes, summarised
}

// checkRequests compares each IMEI's upgrade requests by the fake
// platform's own count with the budget (4 by default, plus the request a
// module makes by itself after an upgrade's reboot) and with what the
// engine counted in the log: a request the engine did not count is one
// its budget cannot stop.
func (r *soakRound) checkRequests(since time.Time) {
	t := r.t
	budget := Config{}.Defaults().Budget
	for i, m := range r.f.Modules() {
		asked := r.f.Platform().Requests(m.IMEI())
		counted, err := r.st.RequestsSince(m.IMEI(), since)
		if err != nil {
			t.Fatal(err)
		}
		if r.rival != nil {
			theirs, err := r.rivalSt.RequestsSince(m.IMEI(), since)
			if err != nil {
				t.Fatal(err)
			}
			counted += theirs
		}
		if asked > budget+1 {
			t.Errorf("round %d: %s (%s) asked the platform %d times, over the budget of %d (+1 after a reboot)",
				r.n, m, r.roles[i], asked, budget)
		}
		if asked > counted {
			t.Errorf("round %d: %s (%s%s) asked the platform %d times, the log counts %d requests:\n%s",
				r.n, m, r.roles[i], map[bool]string{true: ", URL left in NV"}[r.leftURL[i]], asked, counted, r.story(m, since))
		}
	}
}

// story tells what both airfleets' logs, the simulated module and the
// platform know of an IMEI's requests since the round started: each log's
// attempts and their events (progress left out), the transcript lines
// that bear on a request (commands and answers of AT+UPGRADE, its URCs,
// the boot's RDY, notes), when each log first and last heard the slot (a
// station hears a module only while it holds the module's slot lock), the
// checks the module itself says asked the server and what started each,
// and the platform's own log.
func (r *soakRound) story(m *sim.Module, since time.Time) string {
	var b strings.Builder
	logs := []struct {
		name string
		st   *store.Store
		db   *sql.DB
	}{{"console", r.st, r.db}, {"rival", r.rivalSt, r.rivalDB}}
	for _, l := range logs {
		if l.st == nil {
			continue
		}
		fmt.Fprintf(&b, "  %s's log:\n", l.name)
		rows, err := l.st.History(m.IMEI())
		if err != nil {
			fmt.Fprintf(&b, "    %v\n", err)
			continue
		}
		for i := len(rows) - 1; i >= 0; i-- {
			a := rows[i]
			if a.Started.Before(since) {
				continue
			}
			fmt.Fprintf(&b, "    attempt %d (batch %d) %s→%s %s, %d requests: %s\n", a.ID, a.BatchID, a.Started.Format("15:04:05.000"),
				a.Ended.Format("15:04:05.000"), a.Result, a.Requests, a.Message)
		}
		fmt.Fprintf(&b, "%s", slotLines(l.db, m.Slot(), since))
	}
	for _, c := range m.Checks() {
		if !c.Time.Before(since) {
			fmt.Fprintf(&b, "  module %s check: %s\n", c.Time.Format("15:04:05.000"), c.Kind)
		}
	}
	for _, q := range r.f.Platform().Log() {
		if q.IMEI == m.IMEI() {
			fmt.Fprintf(&b, "  platform %s core %d: code %d\n", q.Time.Format("15:04:05.000"), q.Core, q.Code)
		}
	}
	return b.String()
}

// slotLines reads, from one log, the events of a slot since the given time
// (progress left out) and the transcript lines that bear on a request, in
// time order, and when the log first and last heard the slot.
func slotLines(db *sql.DB, slot string, since time.Time) string {
	var b strings.Builder
	var first, last sql.NullInt64
	var n int64
	if err := db.QueryRow(`SELECT min(time), max(time), count(*) FROM transcript WHERE slot = ? AND time >= ?`,
		slot, since.UnixMilli()).Scan(&first, &last, &n); err != nil {
		return "    " + err.Error() + "\n"
	}
	if n == 0 {
		return "    no transcript line from the slot\n"
	}
	ms := func(v int64) string { return time.UnixMilli(v).Format("15:04:05.000") }
	fmt.Fprintf(&b, "    %d transcript lines from the slot, %s to %s\n", n, ms(first.Int64), ms(last.Int64))
	rows, err := db.Query(`SELECT time, 'event', coalesce(attempt_id, 0), step || ' ' || kind || ': ' || detail FROM events
			WHERE slot = ? AND time >= ? AND kind != 'progress'
		UNION ALL SELECT time, dir, coalesce(attempt_id, 0), text FROM transcript
			WHERE slot = ? AND time >= ? AND (dir = '#' OR text LIKE '%UPGRADE%' OR text LIKE 'RDY%' OR text LIKE 'ERROR%')
		ORDER BY 1`, slot, since.UnixMilli(), slot, since.UnixMilli())
	if err != nil {
		return b.String() + "    " + err.Error() + "\n"
	}
	defer rows.Close()
	for rows.Next() {
		var t, attempt int64
		var what, text string
		if err := rows.Scan(&t, &what, &attempt, &text); err != nil {
			return b.String() + "    " + err.Error() + "\n"
		}
		fmt.Fprintf(&b, "      %s a%d %s %q\n", ms(t), attempt, what, text)
	}
	if err := rows.Err(); err != nil {
		fmt.Fprintf(&b, "    %v\n", err)
	}
	return b.String()
}

// checkAllEnded: after Flush no attempt and no batch is running in the
// log, and every batch the soak started ended.
func checkAllEnded(t *testing.T, st *store.Store, ids []int64) {
	t.Helper()
	running, err := st.Attempts(store.AttemptFilter{Result: store.ResultRunning})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range running {
		t.Errorf("attempt %d (%s %s) is still running in the log", a.ID, a.Slot, a.IMEI)
	}
	rows, err := st.Batches(0)
	if err != nil {
		t.Fatal(err)
	}
	ended := map[int64]bool{}
	for _, b := range rows {
		if b.Status == store.BatchRunning || b.Ended.IsZero() {
			t.Errorf("batch %d is still %s in the log", b.ID, b.Status)
			continue
		}
		ended[b.ID] = true
	}
	for _, id := range ids {
		if !ended[id] {
			t.Errorf("batch %d did not end in the log", id)
		}
	}
	if len(ids) == 0 {
		t.Error("the soak ran no batch")
	}
}

// soakDriver injects runtime faults into a fleet from one goroutine with
// a seeded generator: the same seed makes the same decisions (their
// effects still depend on timing).
type soakDriver struct {
	rng  *rand.Rand // the driver's goroutine only
	f    *sim.Fleet
	sts  []*Sessions // the soak's console, and its rival when there is one
	mods []*sim.Module
	wg   sync.WaitGroup
	done chan struct{}

	mu     sync.Mutex
	busy   map[string]bool // slots out for an unplug and replug
	counts map[string]int

	seen map[*Module]bool // the driver's goroutine only
}

func newSoakDriver(rng *rand.Rand, f *sim.Fleet, sts ...*Sessions) *soakDriver {
	return &soakDriver{rng: rng, f: f, sts: sts, mods: f.Modules(), done: make(chan struct{}),
		busy: map[string]bool{}, counts: map[string]int{}, seen: map[*Module]bool{}}
}

func (d *soakDriver) start(ctx context.Context) {
	go func() {
		defer close(d.done)
		d.loop(ctx)
	}()
}

// wait returns when the driver and its replugs have stopped.
func (d *soakDriver) wait() {
	<-d.done
	d.wg.Wait()
}

func (d *soakDriver) tally() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return tallyString(d.counts)
}

// tallyString lists counts by name, most first.
func tallyString(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func (d *soakDriver) count(what string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts[what]++
}

func (d *soakDriver) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(d.rng.Int64N(int64(hi-lo)+1))
}

func (d *soakDriver) loop(ctx context.Context) {
	tick := time.NewTimer(time.Hour)
	defer tick.Stop()
	for {
		tick.Reset(d.between(20*time.Millisecond, 200*time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// An operator replugs a module the console could not identify
		// (a stall at the wrong moment): it would sit there for ever.
		// A module the other airfleet holds is not unidentified: it is
		// someone else's.
		for _, st := range d.sts {
			for _, a := range st.Modules() {
				if _, moved := errors.AsType[*portMovedError](a.Err); moved && !d.seen[a] {
					d.seen[a] = true // an identification refused a port the slot no longer lists
					d.count("port-moved")
				}
				if _, inUse := errors.AsType[*device.InUseError](a.Err); a.Err != nil && !inUse {
					if m := d.f.Module(a.Slot); m != nil {
						d.replug(ctx, m, d.between(100*time.Millisecond, 600*time.Millisecond), "replug-unidentified")
					}
				}
			}
		}
		m := d.mods[d.rng.IntN(len(d.mods))]
		switch x := d.rng.IntN(100); {
		case x < 15:
			back := d.between(50*time.Millisecond, 2*time.Second)
			if d.rng.IntN(10) == 0 { // past the scaled reboot timeout (3.6 s)
				back = d.between(4*time.Second, 6*time.Second)
			}
			d.replug(ctx, m, back, "unplug")
		case x < 35:
			m.Stall(d.between(50*time.Millisecond, 1500*time.Millisecond))
			d.count("stall")
		case x < 75:
			m.Garbage(1 + d.rng.IntN(16))
			d.count("garbage")
		default:
			d.switchFault(m)
		}
	}
}

// switchFault turns one of a module's faults on (or a slow reboot or
// failed apply off again), from its next event on.
func (d *soakDriver) switchFault(m *sim.Module) {
	f := m.Faults()
	switch d.rng.IntN(4) {
	case 0:
		f.UnplugAt, f.UnplugFor = 10*(1+d.rng.IntN(10)), time.Duration(5+d.rng.IntN(300))*time.Second
		d.count("unplug-at")
	case 1:
		f.StallAt, f.StallFor = 1, time.Duration(5+d.rng.IntN(100))*time.Second
		d.count("stall-at")
	case 2:
		f.SlowReboot = !f.SlowReboot
		d.count("slow-reboot")
	case 3:
		f.FailedApply = !f.FailedApply
		d.count("failed-apply")
	}
	m.SetFaults(f)
}

// replug pulls m out and plugs it back after back, in the background,
// unless it is out already.
func (d *soakDriver) replug(ctx context.Context, m *sim.Module, back time.Duration, why string) {
	d.mu.Lock()
	if d.busy[m.Slot()] {
		d.mu.Unlock()
		return
	}
	d.busy[m.Slot()] = true
	d.counts[why]++
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() {
			d.mu.Lock()
			delete(d.busy, m.Slot())
			d.mu.Unlock()
		}()
		m.Unplug()
		t := time.NewTimer(back)
		defer t.Stop()
		select {
		case <-t.C:
			m.Plug()
		case <-ctx.Done():
		}
	}()
}

// primeRuntime makes the Go runtime open the descriptors it keeps for
// good (the network poller's), so the count before the soak includes them.
func primeRuntime(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	w.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// openFDs lists the process's open file descriptors and what they are.
func openFDs(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // the directory's own descriptor, closed by now
		}
		out[e.Name()] = target
	}
	return out
}

// checkFDs fails if descriptors opened since before are still open; it
// gives closes in flight a moment.
func checkFDs(t *testing.T, before map[string]string) {
	t.Helper()
	var extra []string
	for range 50 {
		extra = extra[:0]
		for fd, target := range openFDs(t) {
			if was, ok := before[fd]; !ok || was != target {
				extra = append(extra, fd+" → "+target)
			}
		}
		if len(extra) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	slices.Sort(extra)
	t.Errorf("%d file descriptors outlived the soak: %s", len(extra), strings.Join(extra, ", "))
}
