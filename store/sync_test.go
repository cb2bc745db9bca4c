package store

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// The station ID is made once, kept across opens, different per log, and
// recorded with every batch.
func TestStationID(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := s.StationID()
	if !uuidRE.MatchString(id) {
		t.Fatalf("station ID %q is not a version 4 UUID", id)
	}
	b := s.StartBatch(Batch{Mode: ModeIoT, Station: "line 3"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	again, err := r.StationID(context.Background())
	if err != nil || again != id {
		t.Fatalf("reopened: station ID %q (%v), want %q kept", again, err, id)
	}
	row, err := r.Batch(b)
	if err != nil || row.StationID != id {
		t.Fatalf("batch %d: station ID %q (%v), want %q", b, row.StationID, err, id)
	}
	other := openTest(t, Options{})
	if other.StationID() == id {
		t.Fatalf("two logs share the station ID %s", id)
	}
}

// A row that changes after it was written gets a higher revision than
// every row before it, so a sync sends it again; events keep their id.
func TestChangedFollowsRevisions(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	tables := map[string]SyncTable{}
	for _, st := range SyncTables {
		tables[st.Name] = st
	}
	b := s.StartBatch(Batch{Mode: ModeIoT})
	a1 := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI})
	a2 := s.StartAttempt(Attempt{BatchID: b, IMEI: "864536071234568"})
	s.Event(Event{AttemptID: a1, IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	flush(t, s)
	rows, mark, err := s.Changed(ctx, tables["attempts"], 0, 100)
	if err != nil || len(rows) != 2 {
		t.Fatalf("Changed(attempts, 0) = %d rows, %v; want 2", len(rows), err)
	}
	s.EndAttempt(a1, AttemptResult{Result: ResultUpgraded})
	flush(t, s)
	rows, next, err := s.Changed(ctx, tables["attempts"], mark, 100)
	if err != nil || len(rows) != 1 || rows[0][0] != a1 || next <= mark {
		t.Fatalf("after EndAttempt(%d): Changed = %v, mark %d→%d, %v; want attempt %d alone", a1, rows, mark, next, err, a1)
	}
	if rows[0][9] != string(ResultUpgraded) {
		t.Errorf("the changed attempt reads result %v, want upgraded", rows[0][9])
	}
	_ = a2
	n, err := s.Unsent(ctx, tables["events"], 0)
	if err != nil || n != 1 {
		t.Fatalf("Unsent(events, 0) = %d, %v; want 1", n, err)
	}
	if m, _ := s.SyncMark(ctx, "c1", "events"); m != 0 {
		t.Fatalf("mark before any sync = %d", m)
	}
	s.SetSyncMark("c1", "events", 7)
	s.SetSyncMark("c1", "events", 5) // late and stale: a mark never goes back
	flush(t, s)
	if m, err := s.SyncMark(ctx, "c1", "events"); m != 7 || err != nil {
		t.Fatalf("mark = %d, %v; want 7", m, err)
	}
}

// A log of schema 3 opens with a station ID given to its batches and a
// revision to each row, below every revision given afterwards, so a first
// sync sends it all and later changes sort after it.
func TestMigrateToSchema4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	db := rawDB(t, path)
	for _, m := range migrations[:3] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 3;
INSERT INTO batches (id, mode, started, status) VALUES (1, 'iot', 1000, 'done');
INSERT INTO attempts (id, batch_id, imei, started, result, ended) VALUES (1, 1, ?, 1000, 'upgraded', 2000);
INSERT INTO attempts (id, batch_id, imei, started) VALUES (2, 1, ?, 3000);
INSERT INTO modules (imei, first_seen, last_seen) VALUES (?, 1000, 3000)`, testIMEI, testIMEI, testIMEI); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b, err := s.Batch(1)
	if err != nil || b.StationID != s.StationID() || !uuidRE.MatchString(b.StationID) {
		t.Fatalf("the old batch's station ID %q (%v), want the log's %q", b.StationID, err, s.StationID())
	}
	tables := map[string]SyncTable{}
	for _, st := range SyncTables {
		tables[st.Name] = st
	}
	rows, last, err := s.Changed(ctx, tables["attempts"], 0, 10)
	if err != nil || len(rows) != 2 {
		t.Fatalf("Changed(attempts) after migration: %v, %v", rows, err)
	}
	// Attempt 2 was left running: Open marked it interrupted, a change
	// after the migration, so it sorts last.
	if rows[1][0] != int64(2) || rows[1][9] != string(ResultInterrupted) {
		t.Errorf("the last changed attempt is %v, want the interrupted attempt 2", rows[1])
	}
	id := s.StartAttempt(Attempt{BatchID: 1, IMEI: testIMEI})
	flush(t, s)
	rows, next, err := s.Changed(ctx, tables["attempts"], last, 10)
	if err != nil || len(rows) != 1 || rows[0][0] != id || next <= last {
		t.Errorf("a new attempt after the migration: %v, mark %d→%d, %v", rows, last, next, err)
	}
	for _, name := range []string{"modules", "batches"} {
		if n, err := s.Unsent(ctx, tables[name], 0); n != 1 || err != nil {
			t.Errorf("Unsent(%s, 0) = %d, %v; want 1", name, n, err)
		}
	}
}
