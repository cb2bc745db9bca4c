package central

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"airfleet/store"
)

// station is a station's log in a test.
type station struct {
	s    *store.Store
	path string
	n    int // modules made so far, for fresh IMEIs
}

func openStation(t testing.TB, name string) *station {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".db")
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &station{s: s, path: path}
}

// batch writes a finished batch of n attempts with events and transcript
// lines; the IMEIs given are used first, then fresh ones.
func (st *station) batch(t testing.TB, name string, n int, imeis ...string) {
	t.Helper()
	b := st.s.StartBatch(store.Batch{Mode: store.ModeIoT, Station: name, Key: "abcdefgh1234"})
	for i := 0; i < n; i++ {
		imei := fmt.Sprintf("86453607%07d", st.n)
		st.n++
		if i < len(imeis) {
			imei = imeis[i]
		}
		slot := fmt.Sprintf("1-1.%d", i+1)
		st.s.UpsertModule(store.Module{IMEI: imei, Model: "Air780EP", Firmware: "AirM2M_780EP_LTE_AT", Version: 1006, Slot: slot})
		a := st.s.StartAttempt(store.Attempt{BatchID: b, IMEI: imei, Slot: slot, Model: "Air780EP", FromVersion: 1006})
		st.s.Event(store.Event{AttemptID: a, BatchID: b, IMEI: imei, Slot: slot, Step: "requesting", Kind: store.KindRequest, Detail: "AT+UPGRADE"})
		st.s.TranscriptBatch([]store.Line{
			{AttemptID: a, IMEI: imei, Slot: slot, Dir: store.DirOut, Text: "AT+UPGRADE"},
			{AttemptID: a, IMEI: imei, Slot: slot, Dir: store.DirIn, Text: "+UPGRADEIND: 100"},
		})
		res := store.AttemptResult{Result: store.ResultUpgraded, ToVersion: 1007, Requests: 1, Message: "upgraded", MessageZH: "已升级"}
		if i%3 == 2 {
			res = store.AttemptResult{Result: store.ResultFailed, PlatformCode: 25, Requests: 1, Message: "code 25"}
		}
		st.s.EndAttempt(a, res)
	}
	st.s.EndBatch(b, store.BatchDone, time.Time{})
	flush(t, st.s)
}

func flush(t testing.TB, s *store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func open(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, OpenOptions{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func push(t testing.TB, db *DB, st *station, o PushOptions) Summary {
	t.Helper()
	sum, err := db.Push(context.Background(), st.s, o)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	return sum
}

// sameRows checks that the centre holds exactly the union of the
// stations' rows, row by row: nothing missing, nothing twice, nothing
// stale.
func sameRows(t testing.TB, db *DB, o PushOptions, stations ...*station) {
	t.Helper()
	ctx := context.Background()
	for _, tb := range o.Tables() {
		var want []string
		for _, st := range stations {
			rows, _, err := st.s.Changed(ctx, tb, -1, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				want = append(want, rowKey(st.s.StationID(), r))
			}
		}
		q := fmt.Sprintf("SELECT station_id::text, %s FROM %s", strings.Join(tb.Cols, ", "), tb.Name)
		rs, err := db.pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rs.Next() {
			vals, err := rs.Values()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, rowKey(vals[0].(string), vals[1:]))
		}
		rs.Close()
		sort.Strings(want)
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("table %s: the centre holds %d rows, the stations %d; first difference:\n%s", tb.Name, len(got), len(want), firstDiff(got, want))
		}
	}
}

func rowKey(station string, r []any) string {
	var b strings.Builder
	b.WriteString(station)
	for _, v := range r {
		fmt.Fprintf(&b, "|%v", v)
	}
	return b.String()
}

func firstDiff(got, want []string) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("centre:   %s\nstations: %s", g, w)
		}
	}
	return "(none)"
}

// Two stations sync, sync again (nothing sent), write more and sync a
// third time (only the new rows): the centre equals their union.
func TestPushTwoStations(t *testing.T) {
	db := open(t, newCentral(t))
	a, b := openStation(t, "a"), openStation(t, "b")
	shared := "864536079999999" // upgraded at both stations
	a.batch(t, "line 1", 4, shared)
	b.batch(t, "line 2", 3, shared)
	o := PushOptions{Chunk: 5}
	sa, sb := push(t, db, a, o), push(t, db, b, o)
	if want := int64(4 + 1 + 4 + 4 + 4*2); sa.Total != want { // modules, batch, attempts, events, lines
		t.Errorf("first push of a sent %d rows (%v), want %d", sa.Total, sa.Rows, want)
	}
	if sb.Total == 0 {
		t.Error("first push of b sent nothing")
	}
	sameRows(t, db, o, a, b)

	if again := push(t, db, a, o); again.Total != 0 || again.Commit != 0 {
		t.Errorf("second push of a sent %d rows in %d transactions (%v), want none", again.Total, again.Commit, again.Rows)
	}
	a.batch(t, "line 1", 2)
	third := push(t, db, a, o)
	if third.Rows["attempts"] != 2 || third.Rows["batches"] != 1 || third.Rows["transcript"] != 4 || third.Rows["events"] != 2 {
		t.Errorf("third push sent %v, want the new batch, its 2 attempts, 2 events, 4 lines", third.Rows)
	}
	sameRows(t, db, o, a, b)
	if n, err := db.Waiting(context.Background(), a.s.Reader, o); n != 0 || err != nil {
		t.Errorf("Waiting after the push = %d, %v; want 0", n, err)
	}
}

// An attempt sent while it ran is sent again when it ends and replaces
// the old row; with --no-transcripts the lines stay home.
func TestPushChangedAttempt(t *testing.T) {
	db := open(t, newCentral(t))
	a := openStation(t, "a")
	b := a.s.StartBatch(store.Batch{Mode: store.ModeIoT})
	id := a.s.StartAttempt(store.Attempt{BatchID: b, IMEI: "864536071111111"})
	a.s.Transcript(store.Line{AttemptID: id, IMEI: "864536071111111", Text: "AT"})
	flush(t, a.s)
	o := PushOptions{NoTranscripts: true}
	push(t, db, a, o)
	a.s.EndAttempt(id, store.AttemptResult{Result: store.ResultUpgraded, ToVersion: 1007})
	flush(t, a.s)
	sum := push(t, db, a, o)
	if sum.Rows["attempts"] != 1 {
		t.Errorf("after the attempt ended, push sent %v; want the attempt again", sum.Rows)
	}
	sameRows(t, db, o, a)
	var result string
	var n int
	if err := db.pool.QueryRow(context.Background(), "SELECT result, (SELECT count(*) FROM transcript) FROM attempts").Scan(&result, &n); err != nil {
		t.Fatal(err)
	}
	if result != "upgraded" || n != 0 {
		t.Errorf("centre: result %q, %d transcript lines; want upgraded and none (--no-transcripts)", result, n)
	}
}

// A PostgreSQL restart in the middle of a push: the push fails saying the
// centre is unreachable, the rerun completes, every row once.
func TestPushPostgresRestart(t *testing.T) {
	url := newCentral(t)
	db := open(t, url)
	a := openStation(t, "a")
	a.batch(t, "line 1", 12)
	halted := false
	o := PushOptions{Chunk: 3, Progress: func(p Progress) {
		if !halted && p.Sent >= 6 {
			halted = true
			if err := server.Halt(); err != nil {
				t.Error(err)
			}
		}
	}}
	_, err := db.Push(context.Background(), a.s, o)
	if restartErr := server.Restart(); restartErr != nil {
		t.Fatal(restartErr)
	}
	if !halted || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("push across a halt: halted %v, err %v; want ErrUnreachable", halted, err)
	}
	if strings.Contains(err.Error(), "password") {
		t.Errorf("error speaks of a password: %v", err)
	}
	o.Progress = nil
	push(t, db, a, o) // the pool reconnects
	sameRows(t, db, o, a)
}

// A centre restored from a backup older than the station's marks gets
// the rows it lost again.
func TestPushCentreLostRows(t *testing.T) {
	db := open(t, newCentral(t))
	a := openStation(t, "a")
	a.batch(t, "line 1", 3)
	o := PushOptions{}
	push(t, db, a, o)
	if _, err := db.pool.Exec(context.Background(), "DELETE FROM events; DELETE FROM attempts WHERE id > 1"); err != nil {
		t.Fatal(err)
	}
	push(t, db, a, o)
	sameRows(t, db, o, a)
}
