package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/store"
	"airfleet/store/central/pgtest"

	"github.com/jackc/pgx/v5"
)

// The package's one PostgreSQL, started by the first test that needs it
// and stopped by TestMain.
var (
	pgOnce   sync.Once
	pgServer *pgtest.Server
	pgErr    error
)

func centralServer(t *testing.T) *pgtest.Server {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = pgtest.Start() })
	if pgErr != nil {
		if pgErr == pgtest.ErrNoPostgres {
			t.Skip(pgErr)
		}
		t.Fatal(pgErr)
	}
	return pgServer
}

func stopCentralServer() {
	if pgServer != nil {
		pgServer.Stop()
	}
}

// newCentralDB gives the test an empty central database.
func newCentralDB(t *testing.T) string {
	t.Helper()
	url, err := centralServer(t).NewDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// writeStation makes a station's log holding batches of n finished
// attempts each, every attempt with an event and two transcript lines;
// imeis are used first.
func writeStation(t *testing.T, path, name string, batches, n int, imeis ...string) {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k := 0
	start := time.Now().Add(-time.Hour)
	for range batches {
		b := s.StartBatch(store.Batch{Mode: store.ModeIoT, Station: name, Started: start})
		for i := range n {
			imei := fmt.Sprintf("8645360%08d", rand.IntN(1e8))
			if k < len(imeis) {
				imei = imeis[k]
			}
			k++
			slot := fmt.Sprintf("1-1.%d", i+1)
			at := start.Add(time.Duration(k) * time.Second)
			s.UpsertModule(store.Module{IMEI: imei, Model: "Air780EP", Version: 1006, Slot: slot, Seen: at})
			a := s.StartAttempt(store.Attempt{BatchID: b, IMEI: imei, Slot: slot, Model: "Air780EP", FromVersion: 1006, Started: at})
			s.Event(store.Event{AttemptID: a, BatchID: b, IMEI: imei, Slot: slot, Step: "requesting", Kind: store.KindRequest, Time: at})
			s.TranscriptBatch([]store.Line{{AttemptID: a, IMEI: imei, Text: "AT+UPGRADE", Dir: store.DirOut, Time: at},
				{AttemptID: a, IMEI: imei, Text: "OK", Dir: store.DirIn, Time: at}})
			r := store.AttemptResult{Result: store.ResultUpgraded, ToVersion: 1007, Requests: 1, Ended: at.Add(40 * time.Second)}
			if i%4 == 3 {
				r = store.AttemptResult{Result: store.ResultFailed, PlatformCode: 25, Requests: 1, Ended: at.Add(20 * time.Second)}
			}
			s.EndAttempt(a, r)
		}
		s.EndBatch(b, store.BatchDone, start.Add(time.Duration(k+60)*time.Second))
	}
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// sync, sync again, more rows, sync: everything once, then nothing, then
// only the new rows; --verify compares row by row.
func TestSyncCommand(t *testing.T) {
	url := newCentralDB(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	writeStation(t, a, "line 1", 1, 3)
	writeStation(t, b, "line 2", 1, 2)
	for _, db := range []string{a, b} {
		code, out, errs := runCmd(t, "sync", "--db", db, "--to", url, "--lang", "en")
		if code != 0 || !strings.Contains(out, "sent") {
			t.Fatalf("sync %s: exit %d, %q %q", db, code, out, errs)
		}
	}
	code, out, _ := runCmd(t, "sync", "--db", a, "--to", url, "--lang", "en")
	if code != 0 || !strings.Contains(out, "nothing to send") {
		t.Fatalf("second sync: exit %d, %q; want nothing to send", code, out)
	}
	writeStation(t, a, "line 1", 1, 2)
	code, out, _ = runCmd(t, "sync", "--db", a, "--to", url, "--json", "--verify")
	if code != 0 || !strings.Contains(out, `"attempts":2`) || !strings.Contains(out, `"batches":1`) || !strings.Contains(out, "verified") {
		t.Fatalf("third sync: exit %d, %q; want the 2 new attempts and 1 batch only, verified", code, out)
	}
}

// Bad URLs, a wrong password and a newer central schema: exit 2, a clear
// sentence without the password, and the station's log untouched.
func TestSyncRefusals(t *testing.T) {
	srv := centralServer(t)
	url := newCentralDB(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	writeStation(t, db, "line 1", 1, 1)
	if code, _, errs := runCmd(t, "sync", "--db", db, "--to", url); code != 0 {
		t.Fatalf("first sync: %d %s", code, errs)
	}
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(context.Background(), "UPDATE airfleet_central SET schema = schema + 1"); err != nil {
		t.Fatal(err)
	}
	c.Close(context.Background())
	writeStation(t, db, "line 1", 1, 1) // rows that wait
	before := fileHash(t, db)
	wrong := fmt.Sprintf("postgres://secret:Wr0ng-pass@127.0.0.1:%d/postgres?sslmode=disable", srv.Port)
	for _, c := range []struct{ url, want, secret string }{
		{url, "newer airfleet", ""},
		{"http://u:Pw-xyz@h/db", "not a PostgreSQL URL", "Pw-xyz"},
		{wrong, "refused the login", "Wr0ng-pass"},
	} {
		code, out, errs := runCmd(t, "sync", "--db", db, "--to", c.url, "--lang", "en")
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("sync --to %s: exit %d, stderr %q; want 2 and %q", c.url, code, errs, c.want)
		}
		if c.secret != "" && strings.Contains(out+errs, c.secret) {
			t.Errorf("sync printed the password: %s", out+errs)
		}
		if after := fileHash(t, db); after != before {
			t.Errorf("sync --to %s changed the station's log", c.url)
		}
	}
	if code, _, errs := runCmd(t, "sync", "--db", db, "--to", url, "--lang", "zh"); code != 2 || !strings.Contains(errs, "升级") {
		t.Errorf("newer schema in Chinese: exit %d, %q", code, errs)
	}
	if code, _, errs := runCmd(t, "sync", "--db", db); code != 2 || !strings.Contains(errs, "AIRFLEET_CENTRAL") {
		t.Errorf("no URL: exit %d, %q; want 2 naming AIRFLEET_CENTRAL", code, errs)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// kill -9 of sync at random moments, and a PostgreSQL halt in the middle
// of one; then a rerun: the centre holds every row of both stations'
// logs exactly once, compared row by row (--verify).
func TestSyncKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("kills airfleet processes: skipped with -short")
	}
	srv := centralServer(t)
	url := newCentralDB(t)
	bin := buildAirfleet(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	writeStation(t, a, "line 1", 4, 40, "864536070000001")
	writeStation(t, b, "line 2", 2, 30, "864536070000001")
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	rows := func() int {
		var n int
		// Before the first sync there is no schema yet: count 0.
		c.QueryRow(context.Background(), "SELECT (SELECT count(*) FROM transcript) + (SELECT count(*) FROM events)").Scan(&n) //nolint:errcheck
		return n
	}
	total := 4*40*3 + 2*30*3 // lines and events of both stations
	type proc struct {
		cmd  *exec.Cmd
		done chan error // its exit, once
	}
	start := func(db string) proc {
		cmd := exec.Command(bin, "sync", "--db", db, "--to", url, "--chunk", "5")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := proc{cmd, make(chan error, 1)}
		go func() { p.done <- cmd.Wait() }()
		return p
	}
	waitRows := func(p proc, n int) bool { // false: sync ended first
		for rows() < n {
			select {
			case err := <-p.done:
				p.done <- err
				return false
			default:
				time.Sleep(time.Millisecond)
			}
		}
		return true
	}
	seen := 0
	for round := range 4 {
		db := a
		if round%2 == 1 {
			db = b
		}
		p := start(db)
		at := seen + 1 + rand.IntN(40)
		if waitRows(p, at) {
			p.cmd.Process.Signal(syscall.SIGKILL) //nolint:errcheck
		}
		<-p.done
		seen = rows()
		t.Logf("round %d: killed %s at %d of %d rows", round, filepath.Base(db), seen, total)
	}
	// PostgreSQL stops dead in the middle of a sync.
	p := start(a)
	halted := waitRows(p, rows()+10)
	t.Logf("PostgreSQL halted mid-sync: %v", halted)
	if halted {
		if err := srv.Halt(); err != nil {
			t.Fatal(err)
		}
	}
	err = <-p.done
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if halted && p.cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("sync across a PostgreSQL halt: %v, want exit status 1", err)
	}
	c.Close(context.Background())
	if c, err = pgx.Connect(context.Background(), url); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{a, b} {
		code, out, errs := runCmd(t, "sync", "--db", db, "--to", url, "--verify", "--lang", "en")
		if code != 0 || !strings.Contains(out, "verified") {
			t.Fatalf("rerun on %s: exit %d, %q %q", filepath.Base(db), code, out, errs)
		}
	}
	if got := rows(); got != total {
		t.Errorf("the centre holds %d lines and events, the logs %d", got, total)
	}
}

// history --central finds an IMEI upgraded at two stations, naming each;
// stats gives each station's yield; report --central covers both.
func TestCentralQueriesCommand(t *testing.T) {
	url := newCentralDB(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	shared := "864536070000042"
	writeStation(t, a, "line 1", 1, 4, shared) // the 4th attempt fails (code 25)
	writeStation(t, b, "line 2", 1, 2, shared)
	for _, db := range []string{a, b} {
		if code, _, errs := runCmd(t, "sync", "--db", db, "--to", url); code != 0 {
			t.Fatalf("sync: %d %s", code, errs)
		}
	}
	code, out, errs := runCmd(t, "history", "--central", url, "--imei", "000042", "--lang", "en")
	if code != 0 || !strings.Contains(out, "line 1") || !strings.Contains(out, "line 2") || !strings.Contains(out, "2 attempts") {
		t.Errorf("history --central: exit %d, %q %q; want two attempts, at line 1 and line 2", code, out, errs)
	}
	code, out, _ = runCmd(t, "history", "--central", url, "--imei", shared, "--station", "line 2", "--json")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"station_id":"`) {
		t.Errorf("history --central --station: exit %d, %q; want one JSON line with the station ID", code, out)
	}
	code, out, errs = runCmd(t, "stats", "--central", url, "--since", "7d", "--lang", "en")
	if code != 0 || !strings.Contains(out, "line 1") || !strings.Contains(out, "75.0%") || !strings.Contains(out, "100.0%") {
		t.Errorf("stats: exit %d, %q %q; want line 1 at 75%% and line 2 at 100%%", code, out, errs)
	}
	code, out, _ = runCmd(t, "report", "--central", url, "--since", "7d", "--format", "jsonl")
	if code != 0 || strings.Count(out, "\n") != 6 {
		t.Errorf("report --central: exit %d, %d rows; want 6:\n%s", code, strings.Count(out, "\n"), out)
	}
	if code, _, errs := runCmd(t, "stats", "--central", "postgres://u:Hidden-9@127.0.0.1:1/x?sslmode=disable&connect_timeout=3"); code != 1 || strings.Contains(errs, "Hidden-9") || !strings.Contains(errs, "unreachable") && !strings.Contains(errs, "无法连接") {
		t.Errorf("stats on a centre that is not there: exit %d, %q; want 1, unreachable, no password", code, errs)
	}
}

// upgrade --central pushes in the background and, after the batch, sends
// the rest: the centre then holds every row of the run's log. A centre
// that is down never fails the upgrade: the rows wait, and it says so.
func TestUpgradePushesToCentral(t *testing.T) {
	url := newCentralDB(t)
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 2, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db := filepath.Join(dir, "log.db")
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "iot", "--db", db, "--central", url, "--lang", "en"}, &out, &errb); code != 0 {
		t.Fatalf("upgrade --central: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "central: all sent") {
		t.Errorf("upgrade did not say the centre has every row:\n%s", errb.String())
	}
	code, vout, verr := runCmd(t, "sync", "--db", db, "--to", url, "--verify", "--lang", "en")
	if code != 0 || !strings.Contains(vout, "nothing to send") || !strings.Contains(vout, "verified") {
		t.Errorf("sync after upgrade --central: exit %d, %q %q; want nothing to send, verified", code, vout, verr)
	}

	down := "postgres://airfleet@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "iot", "--db", db, "--central", down, "--lang", "en"}, &out, &errb); code != 0 {
		t.Fatalf("upgrade with the centre down: exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "not all sent") || !strings.Contains(errb.String(), "airfleet sync") {
		t.Errorf("upgrade with the centre down does not say the rows wait:\n%s", errb.String())
	}
}

// sync on a log a console is writing says so, and that the console sends
// its rows itself when it has the URL; the centre is left as it was.
func TestSyncLogInUse(t *testing.T) {
	url := newCentralDB(t)
	db := filepath.Join(t.TempDir(), "a.db")
	writeStation(t, db, "line 1", 1, 1)
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, _, errs := runCmd(t, "sync", "--db", db, "--to", url, "--lang", "en")
	if code != 1 || !strings.Contains(errs, "in use") || !strings.Contains(errs, "sends its rows itself") {
		t.Errorf("sync on a log in use: exit %d, %q; want 1, in use, and that the console sends itself", code, errs)
	}
}
