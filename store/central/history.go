package central

import (
	"context"
	"io"
	"slices"
	"sync"
	"time"

	"airfleet/device"
	"airfleet/store"

	"github.com/jackc/pgx/v5"
)

// Local is the station's own log as the console's history reads it
// (*store.Store and *store.Reader satisfy it).
type Local interface {
	Attempts(store.AttemptFilter) ([]store.AttemptRow, error)
	Batches(limit int) ([]store.BatchRow, error)
	Events(attemptID int64) ([]store.Event, error)
	TranscriptOf(attemptID int64) ([]store.Line, error)
	History(imei string) ([]store.AttemptRow, error)
	CountsToday(station string, now time.Time) (passed, failed int, err error)
	ExportCSV(w io.Writer, f store.AttemptFilter) error
}

// History is the console's history with a centre configured: a look-up of
// an IMEI shows its attempts at every station (each naming its station),
// this station's from its own log (so the newest, not yet sent, show too)
// and the others' from the centre. Everything else is the station's own.
// An attempt of another station gets a negative ID in this view, by which
// its events and transcript are read from the centre. When the centre
// cannot be reached the look-up shows this station's attempts alone (the
// status line says the centre is unreachable).
type History struct {
	local   Local
	station string
	url     string
	timeout time.Duration

	mu      sync.Mutex
	db      *DB
	foreign map[int64]ref // negative ID → the attempt at its station
	byRef   map[ref]int64
}

type ref struct {
	station string
	id      int64
}

// NewHistory wraps the station's log local (whose station ID is station)
// with the centre at url.
func NewHistory(local Local, station, url string) *History {
	return &History{local: local, station: station, url: url, timeout: 5 * time.Second,
		foreign: map[int64]ref{}, byRef: map[ref]int64{}}
}

// Close closes the connection to the centre, if one was made.
func (h *History) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.db != nil {
		h.db.Close()
		h.db = nil
	}
}

func (h *History) centre(ctx context.Context) (*DB, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.db != nil {
		return h.db, nil
	}
	db, err := Open(ctx, h.url, OpenOptions{ConnectTimeout: h.timeout})
	if err != nil {
		return nil, err
	}
	h.db = db
	return db, nil
}

// Attempts answers f from the station's log, and, when f names an IMEI,
// adds the other stations' attempts from the centre.
func (h *History) Attempts(f store.AttemptFilter) ([]store.AttemptRow, error) {
	rows, err := h.local.Attempts(f)
	if err != nil || f.IMEI == "" {
		return rows, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	db, err := h.centre(ctx)
	if err != nil {
		return rows, nil
	}
	remote, err := db.Attempts(ctx, f)
	if err != nil {
		return rows, nil
	}
	h.mu.Lock()
	for _, a := range remote {
		if a.StationID == h.station {
			continue
		}
		r := ref{a.StationID, a.ID}
		id, ok := h.byRef[r]
		if !ok {
			id = -int64(len(h.foreign) + 1)
			h.foreign[id], h.byRef[r] = r, id
		}
		a.ID = id
		rows = append(rows, a)
	}
	h.mu.Unlock()
	slices.SortStableFunc(rows, func(x, y store.AttemptRow) int { return y.Started.Compare(x.Started) })
	if f.Limit > 0 && len(rows) > f.Limit {
		rows = rows[:f.Limit]
	}
	return rows, nil
}

// History returns every attempt on imei at every station, newest first.
func (h *History) History(imei string) ([]store.AttemptRow, error) {
	return h.Attempts(store.AttemptFilter{IMEI: imei})
}

func (h *History) foreignRef(id int64) (ref, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.foreign[id]
	return r, ok
}

// Events returns an attempt's events: another station's from the centre.
func (h *History) Events(attemptID int64) ([]store.Event, error) {
	r, ok := h.foreignRef(attemptID)
	if !ok {
		return h.local.Events(attemptID)
	}
	return foreignRows(h, r, `
SELECT id, COALESCE(batch_id, 0), imei, slot, time, step, kind, detail, detail_zh, COALESCE(code, 0)
FROM events WHERE station_id = $1 AND attempt_id = $2 ORDER BY time, id`,
		func(rows pgx.Rows) (store.Event, error) {
			e := store.Event{AttemptID: attemptID}
			var t int64
			var kind string
			err := rows.Scan(&e.ID, &e.BatchID, &e.IMEI, &e.Slot, &t, &e.Step, &kind, &e.Detail, &e.DetailZH, &e.Code)
			e.Time, e.Kind = time.UnixMilli(t), store.Kind(kind)
			e.Detail, e.DetailZH = device.MaskURL(e.Detail), device.MaskURL(e.DetailZH) // as the station's log reads them
			return e, err
		})
}

// TranscriptOf returns an attempt's AT lines: another station's from the
// centre (none when that station keeps its transcripts local).
func (h *History) TranscriptOf(attemptID int64) ([]store.Line, error) {
	r, ok := h.foreignRef(attemptID)
	if !ok {
		return h.local.TranscriptOf(attemptID)
	}
	return foreignRows(h, r, `
SELECT imei, slot, time, dir, text FROM transcript
WHERE station_id = $1 AND attempt_id = $2 ORDER BY id`,
		func(rows pgx.Rows) (store.Line, error) {
			l := store.Line{AttemptID: attemptID}
			var t int64
			var dir string
			err := rows.Scan(&l.IMEI, &l.Slot, &t, &dir, &l.Text)
			l.Time, l.Dir = time.UnixMilli(t), store.Dir(dir)
			l.Text = device.MaskURL(l.Text) // as the station's log reads it
			return l, err
		})
}

// foreignRows runs query for the attempt r of another station (its
// station ID and row ID are $1 and $2) at the centre, and scans each row.
func foreignRows[T any](h *History, r ref, query string, scan func(pgx.Rows) (T, error)) ([]T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	db, err := h.centre(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, query, r.station, r.id)
	if err != nil {
		return nil, classify(err, db.masked)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, classify(rows.Err(), db.masked)
}

// Batches returns the station's own latest batches.
func (h *History) Batches(limit int) ([]store.BatchRow, error) { return h.local.Batches(limit) }

// CountsToday counts the station's own log.
func (h *History) CountsToday(station string, now time.Time) (passed, failed int, err error) {
	return h.local.CountsToday(station, now)
}

// ExportCSV exports from the station's own log.
func (h *History) ExportCSV(w io.Writer, f store.AttemptFilter) error { return h.local.ExportCSV(w, f) }

var _ Local = (*History)(nil)
