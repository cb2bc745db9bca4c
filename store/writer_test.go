package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConcurrentWritersKeepOrder(t *testing.T) {
	s := openTest(t, Options{BatchRows: 500})
	b := s.StartBatch(Batch{Mode: ModeIoT, Concurrency: 8})
	const workers, rows = 8, 600
	ids := make([]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			imei := fmt.Sprintf("86453607100000%d", w)
			s.UpsertModule(Module{IMEI: imei, Model: "Air780E", Slot: fmt.Sprintf("1-1.%d", w)})
			a := s.StartAttempt(Attempt{BatchID: b, IMEI: imei})
			ids[w] = a
			for i := range rows {
				if i%3 == 0 {
					s.Event(Event{AttemptID: a, BatchID: b, IMEI: imei, Step: "download", Kind: KindProgress, Detail: strconv.Itoa(i)})
				} else if i%3 == 1 {
					s.Transcript(Line{AttemptID: a, IMEI: imei, Dir: DirIn, Text: strconv.Itoa(i)})
				} else {
					s.TranscriptBatch([]Line{{AttemptID: a, IMEI: imei, Dir: DirOut, Text: strconv.Itoa(i)}})
				}
			}
			s.EndAttempt(a, AttemptResult{Result: ResultUpgraded})
		})
	}
	wg.Wait()
	flush(t, s)
	if p := s.Pending(); p != 0 {
		t.Errorf("Pending after Flush = %d", p)
	}

	seen := map[int64]bool{}
	for w, a := range ids {
		if seen[a] {
			t.Fatalf("attempt ID %d given twice", a)
		}
		seen[a] = true
		lines, err := s.TranscriptOf(a)
		if err != nil {
			t.Fatal(err)
		}
		events, err := s.Events(a)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, l := range lines {
			n, _ := strconv.Atoi(l.Text)
			got = append(got, n)
		}
		want := []int{}
		for i := range rows {
			if i%3 != 0 {
				want = append(want, i)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("worker %d: transcript out of order or incomplete: %d lines", w, len(got))
		}
		if len(events) != rows/3 {
			t.Errorf("worker %d: %d events, want %d", w, len(events), rows/3)
		}
		for i, e := range events {
			if e.Detail != strconv.Itoa(3*i) || e.BatchID != b {
				t.Errorf("worker %d: event %d = %+v", w, i, e)
				break
			}
		}
		if r, err := s.Attempt(a); err != nil || r.Result != ResultUpgraded {
			t.Errorf("attempt %d: %+v %v", a, r, err)
		}
	}
	if br, err := s.Batch(b); err != nil || br.Attempts != workers || br.Passed != workers {
		t.Errorf("batch: %+v %v", br, err)
	}
}

func TestCommitsWithoutFlush(t *testing.T) {
	commits := make(chan int64, 16)
	s := openTest(t, Options{OnCommit: func(n int64) { commits <- n }})
	s.Transcript(Line{IMEI: testIMEI, Dir: DirOut, Text: "AT"})
	select {
	case n := <-commits:
		if n != 1 {
			t.Errorf("first commit reports %d writes, want 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a queued line was not committed without Flush")
	}
	if s.Committed() != 1 || s.Pending() != 0 {
		t.Errorf("Committed %d, Pending %d", s.Committed(), s.Pending())
	}
}

func TestKeyNeverStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const key = "7yMzN8m0OqbPcXWQsecretkeyhl0o"
	b1 := s.StartBatch(Batch{Mode: ModeKey, Key: key})
	b2 := s.StartBatch(Batch{Mode: ModeKey, Key: "…hl0o"})
	b3 := s.StartBatch(Batch{Mode: ModeIoT})
	b4 := s.StartBatch(Batch{Mode: ModeKey, Key: " " + key + "\n"}) // blanks around a key are not part of it
	flush(t, s)
	for id, want := range map[int64]string{b1: "…hl0o", b2: "…hl0o", b3: "", b4: "…hl0o"} {
		br, err := s.Batch(id)
		if err != nil {
			t.Fatal(err)
		}
		if br.Key != want {
			t.Errorf("batch %d key %q, want %q", id, br.Key, want)
		}
	}
	// The schema refuses a longer value, whoever writes it.
	if _, err := s.db.Exec("INSERT INTO batches (id, mode, key_masked, started) VALUES (999, 'key', ?, 0)", key); err == nil {
		t.Error("the schema accepted a full key")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte("secretkey")) {
			t.Errorf("%s holds the key", f)
		}
	}
}

// TestWriterErrorsSurfaceAndRetry holds the log's write lock from another
// connection: writes still return at once with their IDs, the error shows
// on Errors() and Err(), and once the lock goes everything is saved.
func TestWriterErrorsSurfaceAndRetry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{BusyTimeout: 20 * time.Millisecond, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	blocker, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec("INSERT INTO modules (imei, first_seen, last_seen) VALUES ('blocker', 0, 0)"); err != nil {
		t.Fatal(err)
	}

	b := s.StartBatch(Batch{Mode: ModeIoT})
	a1 := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI})
	a2 := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI})
	if a2 != a1+1 {
		t.Errorf("attempt IDs %d, %d are not consecutive", a1, a2)
	}
	since := time.Now().Add(-time.Minute)
	for range 3 {
		s.Event(Event{AttemptID: a1, IMEI: testIMEI, Step: "trigger", Kind: KindRequest})
	}

	werr := waitErr(t, s)
	if !strings.Contains(werr.Error(), "locked") && !strings.Contains(werr.Error(), "busy") {
		t.Errorf("writer error does not say why: %v", werr)
	}
	if s.Err() == nil {
		t.Error("Err() is nil while the writer cannot commit")
	}
	// Queued rows count for the budget while the disk is blocked.
	if n, err := s.RequestsSince(testIMEI, since); err != nil || n != 3 {
		t.Errorf("RequestsSince while blocked = %d, %v; want 3", n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err = s.Flush(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "cannot save") {
		t.Errorf("Flush while blocked: %v", err)
	}

	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	if s.Err() != nil {
		t.Errorf("Err() after recovery: %v", s.Err())
	}
	if n, err := s.RequestsSince(testIMEI, since); err != nil || n != 3 {
		t.Errorf("RequestsSince after recovery = %d, %v; want 3", n, err)
	}
	for _, id := range []int64{a1, a2} {
		if _, err := s.Attempt(id); err != nil {
			t.Errorf("attempt %d lost: %v", id, err)
		}
	}
}

// TestRefusedRowDoesNotStopTheLog makes the database refuse one line (a
// trigger stands in for any constraint): that line is reported, the rest
// of its transaction is kept.
func TestRefusedRowDoesNotStopTheLog(t *testing.T) {
	s := openTest(t, Options{})
	if _, err := s.db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON transcript
WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END`); err != nil {
		t.Fatal(err)
	}
	a := s.StartAttempt(Attempt{IMEI: testIMEI})
	for _, text := range []string{"before", "poison", "after"} {
		s.Transcript(Line{AttemptID: a, IMEI: testIMEI, Dir: DirIn, Text: text})
	}
	s.EndAttempt(a, AttemptResult{Result: ResultFailed, ModuleError: -1005})
	flush(t, s)
	if err := waitErr(t, s); !strings.Contains(err.Error(), "poison") {
		t.Errorf("reported: %v", err)
	}
	lines, err := s.TranscriptOf(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Text != "before" || lines[1].Text != "after" {
		t.Errorf("lines kept: %+v", lines)
	}
	if r, _ := s.Attempt(a); r.Result != ResultFailed || r.ModuleError != -1005 {
		t.Errorf("attempt: %+v", r)
	}
	if s.Err() != nil {
		t.Errorf("Err() = %v", s.Err())
	}
}

func TestBadIDsRepairedAndReported(t *testing.T) {
	s := openTest(t, Options{})
	s.Transcript(Line{AttemptID: 42, IMEI: testIMEI, Dir: DirIn, Text: "OK"})
	if err := waitErr(t, s); !strings.Contains(err.Error(), "unknown attempt 42") {
		t.Errorf("reported: %v", err)
	}
	flush(t, s)
	lines, err := s.TranscriptOfIMEI(testIMEI, time.Time{})
	if err != nil || len(lines) != 1 || lines[0].AttemptID != 0 {
		t.Errorf("line kept without its bad attempt: %+v, %v", lines, err)
	}
}

func TestWriteAfterCloseReported(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "airfleet.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Transcript(Line{Text: "saved"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 0 || s.Committed() != 1 {
		t.Errorf("Close left %d pending, %d committed", s.Pending(), s.Committed())
	}
	s.Transcript(Line{Text: "too late"})
	if err := waitErr(t, s); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestUpsertModule(t *testing.T) {
	s := openTest(t, Options{})
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	s.UpsertModule(Module{IMEI: testIMEI, Model: "Air780E", Firmware: "AirM2M_780E_V1103_LTE_AT", Version: 1103, Slot: "1-1.2", Seen: t0})
	s.UpsertModule(Module{IMEI: testIMEI, Slot: "1-1.3", Seen: t0.Add(time.Minute)})
	s.UpsertModule(Module{IMEI: testIMEI, Version: 1104, Seen: t0.Add(2 * time.Minute)})
	flush(t, s)
	m, err := s.Module(testIMEI)
	if err != nil {
		t.Fatal(err)
	}
	want := ModuleRow{
		Module:    Module{IMEI: testIMEI, Model: "Air780E", Firmware: "AirM2M_780E_V1103_LTE_AT", Version: 1104, Slot: "1-1.3", Seen: t0.Add(2 * time.Minute)},
		FirstSeen: t0,
	}
	if !m.Seen.Equal(want.Seen) || !m.FirstSeen.Equal(want.FirstSeen) {
		t.Errorf("seen %v…%v, want %v…%v", m.FirstSeen, m.Seen, want.FirstSeen, want.Seen)
	}
	m.Seen, m.FirstSeen, want.Seen, want.FirstSeen = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if m != want {
		t.Errorf("module %+v, want %+v", m, want)
	}
	if _, err := s.Module("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown module: %v", err)
	}
}

// A password in a URL never reaches the log: not in the batch, not in an
// event, a message or the transcript, and not from what queries return.
func TestURLPasswordNeverStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const u = "http://user:secretpw@h/x.bin"
	b := s.StartBatch(Batch{Mode: ModeURL, URL: u})
	a := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI})
	s.Event(Event{AttemptID: a, IMEI: testIMEI, Detail: "URL " + u, DetailZH: "URL " + u})
	s.Transcript(Line{AttemptID: a, IMEI: testIMEI, Dir: DirOut, Text: `AT+UPGRADE="URL","` + u + `"`})
	s.TranscriptBatch([]Line{{AttemptID: a, IMEI: testIMEI, Dir: DirIn, Text: `+UPGRADE: "URL","` + u + `"`}})
	s.EndAttempt(a, AttemptResult{Result: ResultFailed, Message: "no answer from " + u, MessageZH: u})
	flush(t, s)
	br, err := s.Batch(b)
	if err != nil || br.URL != "http://user:***@h/x.bin" {
		t.Errorf("batch URL %q, %v", br.URL, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("secretpw")) {
			t.Errorf("%s holds the password", f)
		}
	}

	// A log written before passwords were masked: the queries mask them.
	db := rawDB(t, path)
	for _, q := range []string{
		"UPDATE batches SET url = '" + u + "'",
		"UPDATE events SET detail = '" + u + "', detail_zh = '" + u + "'",
		"UPDATE transcript SET text = '" + u + "'",
		"UPDATE attempts SET message = '" + u + "', message_zh = '" + u + "'",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var seen []string
	bs, _ := r.Batches(0)
	for _, x := range bs {
		seen = append(seen, x.URL)
	}
	as, _ := r.Attempts(AttemptFilter{})
	for _, x := range as {
		seen = append(seen, x.Message, x.MessageZH)
	}
	es, _ := r.Events(a)
	for _, x := range es {
		seen = append(seen, x.Detail, x.DetailZH)
	}
	ls, _ := r.TranscriptOf(a)
	for _, x := range ls {
		seen = append(seen, x.Text)
	}
	li, _ := r.TranscriptOfIMEI(testIMEI, time.Time{})
	for _, x := range li {
		seen = append(seen, x.Text)
	}
	var csvOut bytes.Buffer
	if err := r.ExportCSV(&csvOut, AttemptFilter{}); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, csvOut.String())
	if len(seen) < 9 {
		t.Fatalf("read back only %q", seen)
	}
	for _, v := range seen {
		if strings.Contains(v, "secretpw") {
			t.Errorf("a query returned the password: %q", v)
		}
	}
}
