package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const crashEnv = "AIRFLEET_STORE_CRASH_DB"

// TestCrashChild is the victim of TestCrash: run by itself it skips. It
// writes numbered rows as fast as a busy fleet would, and prints the
// number of writes known committed after each commit, until it is killed.
// Write number c carries c in a field the parent can read back.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	out := bufio.NewWriter(os.Stdout)
	s, err := Open(path, Options{OnCommit: func(n int64) {
		fmt.Fprintf(out, "committed %d\n", n)
		out.Flush()
	}})
	if err != nil {
		t.Fatal(err)
	}
	var c int64
	next := func() string { c++; return strconv.FormatInt(c, 10) }
	b := s.StartBatch(Batch{Mode: ModeIoT, Operator: next()})
	att := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, Model: next()})
	for i := 0; ; i++ {
		switch {
		case i%300 == 299:
			s.EndAttempt(att, AttemptResult{Result: ResultUpgraded, Message: next()})
			att = s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, Model: next()})
		case i%3 == 0:
			s.Event(Event{AttemptID: att, BatchID: b, IMEI: testIMEI, Step: "download", Kind: KindProgress, Detail: next()})
		default:
			s.Transcript(Line{AttemptID: att, IMEI: testIMEI, Dir: DirIn, Text: next()})
		}
		if i%64 == 63 {
			time.Sleep(time.Millisecond) // pace: ~50 000 writes/s
		}
	}
}

// TestCrash kills a writing process with SIGKILL at random moments and
// checks that the log is sound, holds every write the child saw committed
// (and nothing out of order: the writes present are exactly 1…M), and that
// the open attempt and batch are marked interrupted.
func TestCrash(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("this is the child")
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for round := range 4 {
		path := filepath.Join(t.TempDir(), "crash.db")
		last, killed := crashOnce(t, path, 2+rand.IntN(5), time.Duration(rand.IntN(60))*time.Millisecond)
		checkAfterCrash(t, round, path, last, killed)
	}
}

// crashOnce runs the child until it reported `commits` commits, lets it run
// for jitter more, kills it and returns the last committed count it printed
// and when it was killed.
func crashOnce(t *testing.T, path string, commits int, jitter time.Duration) (int64, time.Time) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reports := make(chan int64)
	go func() {
		defer close(reports)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
				v, _ := strconv.ParseInt(n, 10, 64)
				reports <- v
			}
		}
	}()
	var last int64
	seen := 0
	timeout := time.After(10 * time.Second)
	for seen < commits {
		select {
		case n, ok := <-reports:
			if !ok {
				t.Fatal("the child exited before it was killed")
			}
			last, seen = n, seen+1
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatalf("the child committed %d times in 10 s", seen)
		}
	}
	kill := time.After(jitter)
wait:
	for {
		select {
		case n := <-reports:
			last = n
		case <-kill:
			break wait
		}
	}
	killed := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for n := range reports { // anything printed before the kill landed
		last = n
	}
	_ = cmd.Wait()
	return last, killed
}

func checkAfterCrash(t *testing.T, round int, path string, last int64, killed time.Time) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("round %d: reopen after kill: %v", round, err)
	}
	defer s.Close()
	if err := s.IntegrityCheck(); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	present := map[int64]bool{}
	collect := func(query string) {
		rows, err := s.db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				if present[n] {
					t.Errorf("round %d: write %d is in the log twice", round, n)
				}
				present[n] = true
			}
		}
	}
	collect("SELECT operator FROM batches")
	collect("SELECT model FROM attempts")
	collect("SELECT message FROM attempts WHERE result = 'upgraded'")
	collect("SELECT detail FROM events")
	collect("SELECT text FROM transcript")
	max := int64(len(present))
	for n := int64(1); n <= max; n++ {
		if !present[n] {
			t.Fatalf("round %d: write %d missing, yet %d writes are in the log", round, n, max)
		}
	}
	if max < last {
		t.Fatalf("round %d: the child saw %d writes committed; the log holds %d", round, last, max)
	}

	rec := s.Recovered()
	var running, interrupted int
	if err := s.db.QueryRow(`SELECT count(*) FILTER (WHERE result = 'running'),
count(*) FILTER (WHERE result = 'interrupted') FROM attempts`).Scan(&running, &interrupted); err != nil {
		t.Fatal(err)
	}
	if running != 0 || interrupted != rec.Attempts || rec.Attempts > 1 || rec.Batches != 1 {
		t.Errorf("round %d: %d running, %d interrupted, recovered %+v", round, running, interrupted, rec)
	}
	if interrupted == 1 {
		var ended, lastSeen int64
		if err := s.db.QueryRow(`SELECT a.ended, max(a.started,
    COALESCE((SELECT max(time) FROM events WHERE attempt_id = a.id), 0),
    COALESCE((SELECT max(time) FROM transcript WHERE attempt_id = a.id), 0))
FROM attempts a WHERE result = 'interrupted'`).Scan(&ended, &lastSeen); err != nil {
			t.Fatal(err)
		}
		if ended != lastSeen {
			t.Errorf("round %d: interrupted attempt ended at %d, its last row is at %d", round, ended, lastSeen)
		}
	}
	var newest int64
	if err := s.db.QueryRow("SELECT max(time) FROM transcript").Scan(&newest); err != nil {
		t.Fatal(err)
	}
	t.Logf("round %d: killed after %d writes committed; %d in the log; the newest line is %v older than the kill",
		round, last, max, killed.Sub(fromMS(newest)).Round(time.Millisecond))
}
