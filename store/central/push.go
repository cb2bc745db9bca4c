package central

import (
	"context"
	"fmt"
	"strings"

	"airfleet/store"

	"github.com/jackc/pgx/v5"
)

// PushOptions tune Push.
type PushOptions struct {
	// NoTranscripts leaves the AT transcripts in the station's log.
	NoTranscripts bool
	// Chunk is the most rows of one table sent in one central transaction
	// (default 2000).
	Chunk int
	// Station and Host name the station in the centre's stations table.
	Station, Host string
	// Progress, if set, is called after each central commit.
	Progress func(Progress)
}

// Progress is where a Push stands.
type Progress struct {
	Table   string // the table being sent
	Sent    int64  // rows sent so far, all tables
	Waiting int64  // rows known to wait when Push started, all tables
}

// Summary tells what a Push sent.
type Summary struct {
	Rows   map[string]int64 // rows sent per table
	Total  int64            // rows sent, all tables
	Commit int              // central transactions committed
}

// Tables returns the tables a push copies under o.
func (o PushOptions) Tables() []store.SyncTable {
	var ts []store.SyncTable
	for _, t := range store.SyncTables {
		if t.Name == "transcript" && o.NoTranscripts {
			continue
		}
		ts = append(ts, t)
	}
	return ts
}

// Waiting counts the rows of s that the centre db has not confirmed.
func (db *DB) Waiting(ctx context.Context, s *store.Reader, o PushOptions) (int64, error) {
	var n int64
	for _, t := range o.Tables() {
		mark, err := s.SyncMark(ctx, db.id, t.Name)
		if err != nil {
			return 0, err
		}
		m, err := s.Unsent(ctx, t, mark)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// Push sends the centre every row of the station's log s that it lacks,
// table by table, Chunk rows per transaction of upserts keyed by (station
// ID, row key). After each central commit it advances the station's mark
// for the table. Rerun after any failure, it resends at most one
// transaction's rows, which the upserts make harmless: a row is in the
// centre once, at its latest revision.
func (db *DB) Push(ctx context.Context, s *store.Store, o PushOptions) (Summary, error) {
	if o.Chunk <= 0 {
		o.Chunk = 2000
	}
	sum := Summary{Rows: map[string]int64{}}
	station := s.StationID()
	if _, err := db.pool.Exec(ctx, `
INSERT INTO stations (station_id, name, host) VALUES ($1, $2, $3)
ON CONFLICT (station_id) DO UPDATE SET
    name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE stations.name END,
    host = CASE WHEN EXCLUDED.host <> '' THEN EXCLUDED.host ELSE stations.host END,
    last_sync = now()`, station, o.Station, o.Host); err != nil {
		return sum, classify(err, db.masked)
	}
	waiting, err := db.Waiting(ctx, s.Reader, o)
	if err != nil {
		return sum, fmt.Errorf("reading the station's log: %w", err)
	}
	for _, t := range o.Tables() {
		if err := db.pushTable(ctx, s, station, t, o, &sum, waiting); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (db *DB) pushTable(ctx context.Context, s *store.Store, station string, t store.SyncTable,
	o PushOptions, sum *Summary, waiting int64) error {
	mark, err := db.startMark(ctx, s, station, t)
	if err != nil {
		return err
	}
	upsert := upsertSQL(t)
	for {
		rows, last, err := s.Changed(ctx, t, mark, o.Chunk)
		if err != nil {
			return fmt.Errorf("reading %s from the station's log: %w", t.Name, err)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := db.send(ctx, upsert, station, rows); err != nil {
			return classify(err, db.masked)
		}
		sum.Commit++
		s.SetSyncMark(db.id, t.Name, last)
		if err := s.Flush(ctx); err != nil {
			return fmt.Errorf("recording the sync in the station's log: %w", err)
		}
		mark = last
		sum.Rows[t.Name] += int64(len(rows))
		sum.Total += int64(len(rows))
		if o.Progress != nil {
			o.Progress(Progress{Table: t.Name, Sent: sum.Total, Waiting: max(waiting, sum.Total)})
		}
	}
}

// startMark is where the station's mark for t stands, but never past what
// the centre holds: a centre restored from an older backup gets the rows
// it lost again.
func (db *DB) startMark(ctx context.Context, s *store.Store, station string, t store.SyncTable) (int64, error) {
	mark, err := s.SyncMark(ctx, db.id, t.Name)
	if err != nil {
		return 0, fmt.Errorf("reading the station's sync mark: %w", err)
	}
	if mark == 0 {
		return 0, nil
	}
	var held int64
	q := fmt.Sprintf("SELECT COALESCE(max(%s), 0) FROM %s WHERE station_id = $1", t.Mark, t.Name)
	if err := db.pool.QueryRow(ctx, q, station).Scan(&held); err != nil {
		return 0, classify(err, db.masked)
	}
	return min(mark, held), nil
}

// send upserts rows in one transaction, pipelined in one round trip.
func (db *DB) send(ctx context.Context, upsert, station string, rows [][]any) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			args := make([]any, 0, len(r)+1)
			args = append(args, station)
			args = append(args, r...)
			b.Queue(upsert, args...)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// upsertSQL writes one row of t: a row already there is replaced only by
// a higher revision (a stale copy arriving late changes nothing); rows
// that never change are written once.
func upsertSQL(t store.SyncTable) string {
	cols := append([]string{"station_id"}, t.Cols...)
	ph := make([]string, len(cols))
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (station_id, %s) ",
		t.Name, strings.Join(cols, ", "), strings.Join(ph, ", "), t.Key)
	if !t.Mutable() {
		return q + "DO NOTHING"
	}
	var set []string
	for _, c := range t.Cols[1:] {
		set = append(set, fmt.Sprintf("%s = EXCLUDED.%s", c, c))
	}
	return q + "DO UPDATE SET " + strings.Join(set, ", ") + fmt.Sprintf(" WHERE %s.rev < EXCLUDED.rev", t.Name)
}
