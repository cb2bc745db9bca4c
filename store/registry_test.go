package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// openIn opens a log at dir/name that shares the registry reg, closed at
// cleanup.
func openIn(t *testing.T, path, reg string) *Store {
	t.Helper()
	s, err := Open(path, Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// Two logs on one host: the requests that log A recorded count in log B's
// budget, and B's own count on top of them.
func TestRequestsSinceCountsOtherLogs(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "registry", "logs.txt")
	a := openIn(t, filepath.Join(dir, "a.db"), reg)
	now := time.Now()
	for range 3 {
		a.Event(Event{IMEI: testIMEI, Time: now, Step: "requesting", Kind: KindRequest})
	}
	a.Event(Event{IMEI: "864536070000000", Time: now, Step: "requesting", Kind: KindRequest})
	flush(t, a)

	b := openIn(t, filepath.Join(dir, "b.db"), reg)
	since := now.Add(-24 * time.Hour)
	if n, err := b.RequestsSince(testIMEI, since); err != nil || n != 3 {
		t.Fatalf("log B counts %d requests (%v), want log A's 3", n, err)
	}
	b.Event(Event{IMEI: testIMEI, Time: now, Step: "requesting", Kind: KindRequest})
	if n, err := b.RequestsSince(testIMEI, since); err != nil || n != 4 {
		t.Fatalf("log B counts %d requests (%v), want 3 in A + 1 queued in B", n, err)
	}
	// A sees B's request, written after A opened.
	flush(t, b)
	if n, err := a.RequestsSince(testIMEI, since); err != nil || n != 4 {
		t.Fatalf("log A counts %d requests (%v), want its 3 + B's 1", n, err)
	}
}

func registryLines(t *testing.T, reg string) []string {
	t.Helper()
	b, err := os.ReadFile(reg)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// The registry lists each log once, by its absolute path, and forgets a
// log whose file is gone; the handles on other logs are opened once.
func TestRegistryListsEachLogOnce(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "logs.txt")
	pa, pc := filepath.Join(dir, "a.db"), filepath.Join(dir, "c.db")
	for range 2 {
		s, err := Open(pc, Options{Registry: reg})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	a := openIn(t, pa, reg)
	if got := registryLines(t, reg); !slices.Equal(got, []string{pc, pa}) {
		t.Fatalf("registry %q, want %q", got, []string{pc, pa})
	}
	since := time.Now().Add(-time.Hour)
	if _, err := a.RequestsSince(testIMEI, since); err != nil {
		t.Fatal(err)
	}
	first := a.others.open[pc]
	for range 100 {
		if _, err := a.RequestsSince(testIMEI, since); err != nil {
			t.Fatal(err)
		}
	}
	if first == nil || a.others.open[pc] != first || len(a.others.open) != 1 {
		t.Errorf("the handle on the other log was not kept: %v then %v", first, a.others.open)
	}

	for _, p := range []string{pc, pc + "-wal", pc + "-shm"} {
		os.Remove(p)
	}
	if n, err := a.RequestsSince(testIMEI, since); err != nil || n != 0 {
		t.Fatalf("with a registered log gone: %d, %v", n, err)
	}
	if got := registryLines(t, reg); !slices.Equal(got, []string{pa}) {
		t.Errorf("registry %q after c.db went, want %q", got, []string{pa})
	}
}

// Another log that is being written is still counted: a write lock does
// not keep a WAL reader out. One that is not a log at all fails the count,
// naming the file and the fix.
func TestRequestsSinceOtherLogLockedOrBroken(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "logs.txt")
	pa := filepath.Join(dir, "a.db")
	a := openIn(t, pa, reg)
	a.Event(Event{IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	flush(t, a)
	b := openIn(t, filepath.Join(dir, "b.db"), reg)

	raw := rawDB(t, pa)
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO modules (imei, first_seen, last_seen) VALUES ('lock', 0, 0)"); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Hour)
	if n, err := b.RequestsSince(testIMEI, since); err != nil || n != 1 {
		t.Errorf("with log A write-locked, B counts %d, %v; want 1", n, err)
	}
	tx.Rollback()

	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a log ", 100)), 0o644)
	f, err := os.OpenFile(reg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(junk + "\n")
	f.Close()
	_, err = b.RequestsSince(testIMEI, since)
	if err == nil || !strings.Contains(err.Error(), junk) || !strings.Contains(err.Error(), "remove its line from "+reg) {
		t.Errorf("with a junk file listed: %v, want an error naming it and the fix", err)
	}
}

// The registry is never written through a symbolic link.
func TestRegistrySymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("keep me\n"), 0o644)
	reg := filepath.Join(dir, "logs.txt")
	if err := os.Symlink(victim, reg); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(dir, "a.db"), Options{Registry: reg})
	if !errors.Is(err, ErrRegistry) || !strings.Contains(err.Error(), reg) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Open with the registry a symlink: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
		t.Errorf("the link's target was written: %q", b)
	}
}

// A new log beside another log that holds requests for the batch's IMEIs
// is worth a warning; the logs that hold them are named.
func TestOtherLogsWithRequests(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "logs.txt")
	pa := filepath.Join(dir, "a.db")
	a := openIn(t, pa, reg)
	if !a.Created() {
		t.Error("a new log is not reported created")
	}
	a.Event(Event{IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	a.Event(Event{IMEI: "864536070000000", Time: time.Now().Add(-25 * time.Hour), Step: "requesting", Kind: KindRequest})
	flush(t, a)
	b := openIn(t, filepath.Join(dir, "b.db"), reg)
	since := time.Now().Add(-24 * time.Hour)
	for _, c := range []struct {
		imeis []string
		want  []string
	}{
		{[]string{"864536079999999", testIMEI}, []string{pa}},
		{[]string{"864536070000000"}, nil}, // too old
		{nil, nil},
	} {
		got, err := b.OtherLogsWithRequests(c.imeis, since)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("OtherLogsWithRequests(%v) = %v, %v; want %v", c.imeis, got, err, c.want)
		}
	}
}

// Without a registry nothing is written beside the log.
func TestNoRegistryNoFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "a.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.others != nil {
		t.Error("other logs read without a registry")
	}
	s.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".txt") {
			t.Errorf("%s written without a registry", e.Name())
		}
	}
}

// Many modules check their budget at once while another log is written
// and a third one joins the registry: every count succeeds, and once the
// writes are flushed every check sees them all.
func TestRequestsSinceConcurrent(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "logs.txt")
	a := openIn(t, filepath.Join(dir, "a.db"), reg)
	b := openIn(t, filepath.Join(dir, "b.db"), reg)
	since := time.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				if _, err := b.RequestsSince(testIMEI, since); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 50 {
		a.Event(Event{IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	}
	c := openIn(t, filepath.Join(dir, "c.db"), reg)
	c.Event(Event{IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	wg.Wait()
	flush(t, a)
	flush(t, c)
	if n, err := b.RequestsSince(testIMEI, since); err != nil || n != 51 {
		t.Errorf("B counts %d, %v; want 50 in A and 1 in C", n, err)
	}
}
