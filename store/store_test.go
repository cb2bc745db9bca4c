package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenMigratesEmpty(t *testing.T) {
	s := openTest(t, Options{})
	if SchemaVersion < 1 {
		t.Fatalf("SchemaVersion = %d", SchemaVersion)
	}
	var v int
	var mode string
	var fk int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion || mode != "wal" || fk != 1 {
		t.Errorf("user_version %d, journal_mode %s, foreign_keys %d; want %d, wal, 1", v, mode, fk, SchemaVersion)
	}
	for _, table := range []string{"modules", "batches", "attempts", "events", "transcript"} {
		if n := count(t, s.db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table); n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	if err := s.IntegrityCheck(); err != nil {
		t.Error(err)
	}
	if r := s.Recovered(); r != (Recovery{}) {
		t.Errorf("fresh log recovered %+v", r)
	}
}

func TestMigrationsNumbered(t *testing.T) {
	if len(migrations) != SchemaVersion {
		t.Fatal("SchemaVersion does not match the migrations")
	}
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %s has version %d, want %d", m.name, m.version, i+1)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.StartBatch(Batch{Mode: ModeIoT, Target: 1103})
	a := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, FromVersion: 1101})
	s.Event(Event{AttemptID: a, IMEI: testIMEI, Step: "trigger", Kind: KindRequest})
	s.EndAttempt(a, AttemptResult{Result: ResultUpgraded, ToVersion: 1103, Requests: 2})
	s.EndBatch(b, BatchDone, time.Time{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.History(testIMEI)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].ID != a || h[0].Result != ResultUpgraded || h[0].ToVersion != 1103 || h[0].Requests != 2 {
		t.Fatalf("history after reopen: %+v", h)
	}
	if r := s.Recovered(); r != (Recovery{}) {
		t.Errorf("clean close, yet recovered %+v", r)
	}
	if b2 := s.StartBatch(Batch{Mode: ModeIoT}); b2 != b+1 {
		t.Errorf("next batch ID %d, want %d", b2, b+1)
	}
	if a2 := s.StartAttempt(Attempt{IMEI: testIMEI}); a2 != a+1 {
		t.Errorf("next attempt ID %d, want %d", a2, a+1)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	for _, wal := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "airfleet.db")
		if wal {
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.StartBatch(Batch{Mode: ModeIoT})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		db := rawDB(t, path)
		if _, err := db.Exec("CREATE TABLE IF NOT EXISTS future (x); PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		before := hashFile(t, path)

		_, err := Open(path, Options{})
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("wal=%v: Open: %v, want ErrNewerSchema", wal, err)
		}
		want := fmt.Sprintf("the log at %s was written by a newer airfleet (schema 99, this one knows %d): upgrade airfleet or use --db to choose another file",
			path, SchemaVersion)
		if err.Error() != want {
			t.Errorf("message:\n got %s\nwant %s", err, want)
		}
		if _, err := OpenReadOnly(path); !errors.Is(err, ErrNewerSchema) {
			t.Errorf("OpenReadOnly: %v, want ErrNewerSchema", err)
		}
		if hashFile(t, path) != before {
			t.Errorf("wal=%v: the refused file was modified", wal)
		}
	}
}

func TestNotADatabaseRefused(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"short.db":   []byte("hello"),
		"garbage.db": []byte(strings.Repeat("not a database, just bytes\n", 300)),
		"text.db":    []byte("imei,result\n864536071234567,upgraded\n" + strings.Repeat(" ", 200)),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		before := hashFile(t, path)
		_, err := Open(path, Options{})
		if !errors.Is(err, ErrNotDatabase) {
			t.Fatalf("%s: Open: %v, want ErrNotDatabase", name, err)
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "move it aside; airfleet will start a new log") {
			t.Errorf("%s: message does not name the path and the fix: %s", name, msg)
		}
		if _, err := OpenReadOnly(path); !errors.Is(err, ErrNotDatabase) {
			t.Errorf("%s: OpenReadOnly: %v", name, err)
		}
		if hashFile(t, path) != before {
			t.Errorf("%s: the refused file was modified", name)
		}
	}
}

func TestForeignDatabaseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db := rawDB(t, path)
	if _, err := db.Exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := hashFile(t, path)
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), "another program") {
		t.Fatalf("Open on another program's database: %v", err)
	}
	if hashFile(t, path) != before {
		t.Error("another program's database was modified")
	}
}

func TestDamagedDatabaseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the 100-byte header, wreck the schema page behind it.
	for i := 100; i < len(b) && i < 4096; i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	before := hashFile(t, path)
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), "move it aside") {
		t.Fatalf("Open on a damaged log: %v", err)
	}
	if hashFile(t, path) != before {
		t.Error("the damaged log was modified")
	}
}

func TestUnwritablePathRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "sub.db")
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrUnwritable) {
		t.Fatalf("Open(%s): %v, want ErrUnwritable", path, err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--db") {
		t.Errorf("message does not name the path and the way out: %s", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("something was created at %s", path)
	}
}

func TestReadOnlyFileRefused(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write a read-only file")
	}
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, ErrUnwritable) {
		t.Fatalf("Open on a read-only file: %v, want ErrUnwritable", err)
	}
}

func TestSecondWriterRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second Open: %v, want ErrInUse naming the pid", err)
	}

	// Query-only commands still read the log that is being written.
	a := s.StartAttempt(Attempt{IMEI: testIMEI})
	flush(t, s)
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := r.Attempt(a); err != nil || got.IMEI != testIMEI {
		t.Fatalf("read-only Attempt(%d) = %+v, %v", a, got, err)
	}
	if _, err := r.Attempt(a + 100); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing attempt: %v, want ErrNotFound", err)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrNoLog) {
		t.Fatalf("OpenReadOnly on nothing: %v, want ErrNoLog", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", path)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/data")
	if got, want := DefaultPath(), "/data/airfleet/airfleet.db"; got != want {
		t.Errorf("with XDG_DATA_HOME: %s, want %s", got, want)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/op")
	if got, want := DefaultPath(), "/home/op/.local/share/airfleet/airfleet.db"; got != want {
		t.Errorf("with HOME: %s, want %s", got, want)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "")
	wd, _ := os.Getwd()
	if got, want := DefaultPath(), filepath.Join(wd, "airfleet.db"); got != want {
		t.Errorf("without a home: %s, want %s", got, want)
	}
}

func TestRecoveryMarksInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	b := s.StartBatch(Batch{Mode: ModeKey, Started: t0})
	open1 := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, Started: t0})
	s.Event(Event{AttemptID: open1, IMEI: testIMEI, Time: t0.Add(2 * time.Second), Step: "download", Kind: KindProgress})
	s.Transcript(Line{AttemptID: open1, IMEI: testIMEI, Time: t0.Add(3 * time.Second), Dir: DirIn, Text: "+UPGRADEDL: 40"})
	open2 := s.StartAttempt(Attempt{BatchID: b, IMEI: "864536071234568", Started: t0.Add(time.Second)})
	done := s.StartAttempt(Attempt{BatchID: b, IMEI: "864536071234569", Started: t0})
	s.EndAttempt(done, AttemptResult{Result: ResultCurrent, Ended: t0.Add(5 * time.Second)})
	// Close without ending: the same as a crash, as far as the log knows.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, Options{Interrupted: testInterrupted})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := s.Recovered(); r != (Recovery{Attempts: 2, Batches: 1}) {
		t.Errorf("Recovered = %+v, want 2 attempts, 1 batch", r)
	}
	check := func(id int64, result Result, ended time.Time) {
		t.Helper()
		a, err := s.Attempt(id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Result != result || !a.Ended.Equal(ended) {
			t.Errorf("attempt %d: %s ended %v, want %s ended %v", id, a.Result, a.Ended, result, ended)
		}
	}
	check(open1, ResultInterrupted, t0.Add(3*time.Second))
	check(open2, ResultInterrupted, t0.Add(time.Second))
	check(done, ResultCurrent, t0.Add(5*time.Second))
	if a, _ := s.Attempt(open1); !strings.Contains(a.Message, "interrupted") {
		t.Errorf("interrupted attempt's message: %q", a.Message)
	}
	br, err := s.Batch(b)
	if err != nil {
		t.Fatal(err)
	}
	if br.Status != BatchInterrupted || !br.Ended.Equal(t0.Add(5*time.Second)) {
		t.Errorf("batch: %s ended %v", br.Status, br.Ended)
	}
}

// testInterrupted is the message the caller gives an interrupted attempt.
var testInterrupted = [2]string{"interrupted: airfleet stopped", "已中断"}

// A log written by the first schema opens with the Chinese columns added:
// its rows keep their English text and have no Chinese; new rows keep both.
// An interrupted attempt is explained in both languages.
func TestMigrateFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	db := rawDB(t, path)
	if _, err := db.Exec(migrations[0].sql + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO attempts (id, imei, slot, model, started, result, message) VALUES (1, ?, '1-1', 'Air780E', 1000, 'failed', 'old message');
INSERT INTO events (attempt_id, imei, slot, time, step, kind, detail) VALUES (1, ?, '1-1', 1000, 'failed', 'error', 'old detail');
INSERT INTO attempts (id, imei, slot, model, started) VALUES (2, ?, '1-1', 'Air780E', 2000)`, testIMEI, testIMEI, testIMEI); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path, Options{Interrupted: testInterrupted})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := s.Recovered(); r.Attempts != 1 {
		t.Errorf("recovered %+v; want the running attempt 2", r)
	}
	evs, err := s.Events(1)
	if err != nil || len(evs) != 1 || evs[0].Detail != "old detail" || evs[0].DetailZH != "" {
		t.Fatalf("old event after migration: %+v, %v", evs, err)
	}
	a, err := s.Attempt(2)
	if err != nil || a.Result != ResultInterrupted || a.Message != testInterrupted[0] || a.MessageZH != testInterrupted[1] {
		t.Fatalf("interrupted attempt: %+v, %v", a, err)
	}

	id := s.StartAttempt(Attempt{IMEI: testIMEI})
	s.Event(Event{AttemptID: id, IMEI: testIMEI, Step: "failed", Kind: KindError, Detail: "no SIM", DetailZH: "没有 SIM 卡"})
	s.EndAttempt(id, AttemptResult{Result: ResultFailed, Message: "no SIM", MessageZH: "没有 SIM 卡"})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs, err = s.Events(id)
	if err != nil || len(evs) != 1 || evs[0].DetailZH != "没有 SIM 卡" {
		t.Fatalf("new event: %+v, %v", evs, err)
	}
	if a, err := s.Attempt(id); err != nil || a.MessageZH != "没有 SIM 卡" || a.Message != "no SIM" {
		t.Fatalf("new attempt: %+v, %v", a, err)
	}
}

// A negative schema version is no airfleet's: refused like a damaged log,
// the file untouched and nothing left beside it.
func TestNegativeSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	db := rawDB(t, path)
	if _, err := db.Exec("CREATE TABLE batches (id INTEGER PRIMARY KEY); PRAGMA user_version = -1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := hashFile(t, path)
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "schema version -1") {
		t.Fatalf("Open on user_version -1: %v, want ErrNotDatabase naming the file and the version", err)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrNotDatabase) {
		t.Errorf("OpenReadOnly on user_version -1: %v, want ErrNotDatabase", err)
	}
	if hashFile(t, path) != before {
		t.Error("the refused file was modified")
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
}

func TestDefaultRegistryPath(t *testing.T) {
	t.Setenv(RegistryEnv, "/etc/airfleet/logs.txt")
	t.Setenv("XDG_DATA_HOME", "/data")
	if got, want := DefaultRegistryPath(), "/etc/airfleet/logs.txt"; got != want {
		t.Errorf("with %s: %s, want %s", RegistryEnv, got, want)
	}
	t.Setenv(RegistryEnv, "")
	if got, want := DefaultRegistryPath(), "/data/airfleet/logs.txt"; got != want {
		t.Errorf("with XDG_DATA_HOME: %s, want %s", got, want)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/op")
	if got, want := DefaultRegistryPath(), "/home/op/.local/share/airfleet/logs.txt"; got != want {
		t.Errorf("with HOME: %s, want %s", got, want)
	}
}
