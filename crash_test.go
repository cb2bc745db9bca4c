package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/store"
)

// crashBinary builds airfleet once for the tests of this file.
func crashBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "airfleet")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

type printed struct {
	at time.Time
	r  struct {
		IMEI   string `json:"imei"`
		Result string `json:"result"`
	}
}

// TestKillUpgrade kills a running `airfleet upgrade` with SIGKILL at random
// moments, ten times, restarting it on the same log each time (issue 5's
// crash loop): the log stays intact, every result printed well before a
// kill (the writer's promise is 100 ms) is in it, and the attempts the kill
// cut short are marked interrupted.
func TestKillUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crashBinary(t)
	isolateRegistry(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "log.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 8, Scenario: "mixed", Speed: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(1, seed))
	interrupted, printedTotal := 0, 0
	for round := range 10 {
		child := exec.Command(bin, "upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", db,
			"--retry-after", "2s", "--reboot-timeout", "10s", "--force")
		out, err := child.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		child.Stderr = os.Stderr
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan printed, 64)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var p printed
				p.at = time.Now()
				if json.Unmarshal(sc.Bytes(), &p.r) == nil && p.r.IMEI != "" {
					lines <- p
				}
			}
		}()
		// A random moment: while modules are identified, configured,
		// downloading or rebooting. This picks the moment; it waits for
		// nothing.
		time.Sleep(300*time.Millisecond + time.Duration(rng.IntN(2500))*time.Millisecond)
		child.Process.Kill()
		killed := time.Now()
		child.Wait()
		var got []printed
		for p := range lines {
			got = append(got, p)
		}
		printedTotal += len(got)

		st, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		interrupted += st.Recovered().Attempts
		if err := st.IntegrityCheck(); err != nil {
			t.Fatalf("round %d: integrity: %v", round, err)
		}
		for _, p := range got {
			if killed.Sub(p.at) < 250*time.Millisecond {
				continue // printed right before the kill: allowed to be lost
			}
			rows, err := st.History(p.r.IMEI)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range rows {
				found = found || string(a.Result) == p.r.Result
			}
			if !found {
				t.Errorf("round %d: %s was printed %s %v before the kill but the log has no such attempt",
					round, p.r.IMEI, p.r.Result, killed.Sub(p.at).Round(time.Millisecond))
			}
		}
		rows, err := st.Attempts(store.AttemptFilter{Result: store.ResultRunning})
		if err != nil || len(rows) != 0 {
			t.Fatalf("round %d: %d attempts still running after recovery (%v)", round, len(rows), err)
		}
		st.Close()
	}
	t.Logf("10 kills: %d attempts marked interrupted, %d results printed before the kills", interrupted, printedTotal)
	if interrupted == 0 {
		t.Error("ten kills mid-batch left no interrupted attempt")
	}
}

// TestInterruptUpgrade sends SIGINT (Ctrl-C) to a running `airfleet
// upgrade`: it ends on its own, every module is reported and logged as
// cancelled, the batch is logged as cancelled, and the exit status is 1.
func TestInterruptUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	w := startWaitingUpgrade(t)
	child, out, db := w.child, &w.out, w.db
	w.waitFor("module waiting for the platform", func() bool { return waitingIn(db) })
	child.Process.Signal(os.Interrupt)
	err := child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	var results int
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			IMEI, Result string
			Summary      bool
			Cancelled    int
		}
		json.Unmarshal([]byte(l), &r)
		switch {
		case r.Summary:
			if r.Cancelled != 3 {
				t.Errorf("summary: %s", l)
			}
		case r.Result != "cancelled":
			t.Errorf("%s: %s", r.IMEI, r.Result)
		default:
			results++
		}
	}
	if results != 3 {
		t.Fatalf("%d cancelled results:\n%s", results, out.String())
	}
	st, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	batches, err := st.Batches(1)
	if err != nil || len(batches) != 1 || batches[0].Status != store.BatchCancelled {
		t.Fatalf("batch: %+v (%v)", batches, err)
	}
	rows, err := st.Attempts(store.AttemptFilter{BatchID: batches[0].ID})
	if err != nil || len(rows) != 3 {
		t.Fatalf("%d attempts (%v)", len(rows), err)
	}
	for _, a := range rows {
		if a.Result != store.ResultCancelled {
			t.Errorf("%s logged as %s", a.IMEI, a.Result)
		}
	}
}

// waitingIn reports whether the log at db has an event of a module waiting
// for the platform's delta.
func waitingIn(db string) bool {
	st, err := store.OpenReadOnly(db)
	if err != nil {
		return false
	}
	defer st.Close()
	rows, err := st.Attempts(store.AttemptFilter{Result: store.ResultRunning})
	if err != nil {
		return false
	}
	for _, a := range rows {
		evs, _ := st.Events(a.ID)
		for _, e := range evs {
			if e.Step == "waiting-platform" && e.Code == 43 {
				return true
			}
		}
	}
	return false
}

// syncBuffer is a strings.Builder the child's stderr and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitingUpgrade is `airfleet upgrade --json` running on a simulated fleet
// of three modules whose delta is never ready (code-43): they keep
// waiting for the platform until the test interrupts the run.
type waitingUpgrade struct {
	t     *testing.T
	child *exec.Cmd
	db    string
	out   strings.Builder
	errb  syncBuffer
	fleet *sim.Fleet // in this process: its platform counts the requests
}

func startWaitingUpgrade(t *testing.T) *waitingUpgrade {
	t.Helper()
	bin := crashBinary(t)
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 3, Scenario: "code-43", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w := &waitingUpgrade{t: t, db: filepath.Join(dir, "log.db"), fleet: f}
	w.child = exec.Command(bin, "upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", w.db, "--retry-after", "30s")
	w.child.Stdout, w.child.Stderr = &w.out, &w.errb
	if err := w.child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.child.Process.Kill(); w.child.Wait() })
	return w
}

// waitFor polls (the log, the child's output) until ok, for up to 60 s.
func (w *waitingUpgrade) waitFor(what string, ok func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			w.t.Fatalf("no %s within 60 s; stderr:\n%s", what, w.errb.String())
		}
		time.Sleep(50 * time.Millisecond) // polling the log and the child's output
	}
}

// TestLogLockedDuringUpgrade holds the log's write lock from another
// program while `airfleet upgrade` runs: the upgrade goes on, the person at
// the terminal is told why the log is not written, and once the lock goes
// every record reaches the log. A module whose next request fell while the
// lock was held was held, its request not sent (a request is on disk
// before it leaves); the platform never counts more requests than the log.
func TestLogLockedDuringUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	w := startWaitingUpgrade(t)
	child, errb, db := w.child, &w.errb, w.db
	w.waitFor("module waiting for the platform", func() bool { return waitingIn(db) })

	other, err := sql.Open("sqlite3", "file:"+db+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec("INSERT INTO modules (imei, first_seen, last_seen) VALUES ('lock', 0, 0)"); err != nil {
		t.Fatal(err)
	}
	w.waitFor("warning on stderr", func() bool { return strings.Contains(errb.String(), "airfleet: warning:") })
	msg := errb.String()
	if !strings.Contains(msg, "locked") && !strings.Contains(msg, "busy") || !strings.Contains(msg, "the upgrades go on") {
		t.Errorf("the warning does not say why or what happens: %s", msg)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}

	child.Process.Signal(os.Interrupt)
	err = child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1 (cancelled); stderr:\n%s", err, errb.String())
	}
	if strings.Contains(errb.String(), "could not be saved") {
		t.Fatalf("records lost:\n%s", errb.String())
	}
	st, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.Attempts(store.AttemptFilter{})
	if err != nil || len(rows) != 3 {
		t.Fatalf("%d attempts (%v)", len(rows), err)
	}
	for _, a := range rows {
		last := "cancelled"
		switch {
		case a.Result == store.ResultHeld && strings.HasPrefix(a.Message, "no request sent: the log could not record it"):
			last = "held" // its request came due while the lock was held
		case a.Result != store.ResultCancelled:
			t.Errorf("%s logged as %s (%s)", a.IMEI, a.Result, a.Message)
		}
		evs, err := st.Events(a.ID)
		if err != nil || len(evs) == 0 || evs[len(evs)-1].Step != last {
			t.Errorf("%s: events %+v (%v): the %s, written after the lock, is missing", a.IMEI, evs, err, last)
		}
		logged, err := st.RequestsSince(a.IMEI, time.Now().Add(-time.Hour))
		if asked := w.fleet.Platform().Requests(a.IMEI); err != nil || asked > logged {
			t.Errorf("%s: the platform counted %d requests, the log %d (%v)", a.IMEI, asked, logged, err)
		}
	}
}
