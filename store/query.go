package store

import (
	"airfleet/device"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The queries read what is committed; rows written in the last
// FlushInterval may not show yet (Store.Flush first if that matters).
// Store.RequestsSince is the exception: it also counts the queue.

// RequestsSince counts the upgrade requests (events of kind request) sent
// to imei since the given time.
func (r *Reader) RequestsSince(imei string, since time.Time) (int, error) {
	var n int
	err := r.db.QueryRow(
		"SELECT count(*) FROM events WHERE kind = 'request' AND imei = ? AND time >= ?",
		imei, ms(since)).Scan(&n)
	return n, err
}

// History returns every attempt on imei, newest first.
func (r *Reader) History(imei string) ([]AttemptRow, error) {
	return r.Attempts(AttemptFilter{IMEI: imei})
}

// Attempts returns the attempts that match f, newest first.
func (r *Reader) Attempts(f AttemptFilter) ([]AttemptRow, error) {
	var out []AttemptRow
	err := r.eachAttempt(context.Background(), f, func(a *AttemptRow) error {
		out = append(out, *a)
		return nil
	})
	return out, err
}

// Attempt returns one attempt, or ErrNotFound.
func (r *Reader) Attempt(id int64) (AttemptRow, error) {
	var a AttemptRow
	err := scanAttempt(r.db.QueryRow(attemptSelect+" WHERE a.id = ?", id), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attempt %d: %w", id, ErrNotFound)
	}
	return a, err
}

// attemptSelect reads an attempt with the tallies of its batch. Its
// requests are its request events (the engine writes one per request,
// the module's own after a reboot included), so that an attempt a crash
// cut short, which never got its EndAttempt, shows the requests it made;
// a larger count given to EndAttempt stands.
const attemptSelect = `
SELECT a.id, COALESCE(a.batch_id, 0), a.imei, a.slot, a.model, a.firmware, a.from_version, a.started,
       a.result, a.platform_code, a.module_error, a.http_status, a.retries,
       max(a.requests, (SELECT count(*) FROM events e WHERE e.attempt_id = a.id AND e.kind = 'request')),
       a.message, a.message_zh, a.to_version, a.ended, COALESCE(b.station, ''), COALESCE(b.mode, ''),
       COALESCE(b.station_id, '')
FROM attempts a LEFT JOIN batches b ON b.id = a.batch_id`

type scanner interface{ Scan(dest ...any) error }

// ScanAttempt reads a row of attemptSelect's columns, as the central log
// (store/central) selects them too, into a.
func ScanAttempt(sc interface{ Scan(dest ...any) error }, a *AttemptRow) error {
	return scanAttempt(sc, a)
}

func scanAttempt(sc scanner, a *AttemptRow) error {
	var from, to, pc, me, hs sql.NullInt64
	var started int64
	var ended sql.NullInt64
	var result, mode string
	if err := sc.Scan(&a.ID, &a.BatchID, &a.IMEI, &a.Slot, &a.Model, &a.Firmware, &from, &started,
		&result, &pc, &me, &hs, &a.Retries, &a.Requests,
		&a.Message, &a.MessageZH, &to, &ended, &a.Station, &mode, &a.StationID); err != nil {
		return err
	}
	a.FromVersion, a.ToVersion = intOf(from), intOf(to)
	a.PlatformCode, a.ModuleError, a.HTTPStatus = intOf(pc), intOf(me), intOf(hs)
	a.Started, a.Ended = fromMS(started), fromNullMS(ended)
	a.Result, a.Mode = Result(result), Mode(mode)
	a.Message, a.MessageZH = device.MaskURL(a.Message), device.MaskURL(a.MessageZH) // rows from before masking
	return nil
}

func (f AttemptFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	switch {
	case len(f.IMEI) >= 15:
		add("a.imei = ?", f.IMEI)
	case f.IMEI != "": // a prefix or suffix, as the history screen takes
		add("(a.imei LIKE ? OR a.imei LIKE ?)", f.IMEI+"%", "%"+f.IMEI)
	}
	if f.Code != 0 {
		add("(a.platform_code = ? OR a.module_error = ?)", f.Code, f.Code)
	}
	if f.Result != "" {
		add("a.result = ?", string(f.Result))
	}
	if f.Station != "" {
		add("b.station = ?", f.Station)
	}
	if f.BatchID != 0 {
		add("a.batch_id = ?", f.BatchID)
	}
	if !f.Since.IsZero() {
		add("a.started >= ?", ms(f.Since))
	}
	if !f.Until.IsZero() {
		add("a.started < ?", ms(f.Until))
	}
	q := ""
	if len(conds) > 0 {
		q = " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY a.started DESC, a.id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return q, args
}

func (r *Reader) eachAttempt(ctx context.Context, f AttemptFilter, fn func(*AttemptRow) error) error {
	where, args := f.where()
	rows, err := r.db.QueryContext(ctx, attemptSelect+where, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var a AttemptRow
	for rows.Next() {
		a = AttemptRow{}
		if err := scanAttempt(rows, &a); err != nil {
			return err
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	return rows.Err()
}

const batchSelect = `
SELECT b.id, b.mode, b.target, b.key_masked, b.url, b.station, b.operator, b.host,
       b.concurrency, b.started, b.ended, b.status, b.station_id,
       (SELECT count(*) FROM attempts WHERE batch_id = b.id),
       (SELECT count(*) FROM attempts WHERE batch_id = b.id AND result IN ('upgraded', 'current')),
       (SELECT count(*) FROM attempts WHERE batch_id = b.id AND result = 'failed')
FROM batches b`

func scanBatch(sc scanner, b *BatchRow) error {
	var target, ended sql.NullInt64
	var started int64
	var mode, status string
	if err := sc.Scan(&b.ID, &mode, &target, &b.Key, &b.URL, &b.Station, &b.Operator, &b.Host,
		&b.Concurrency, &started, &ended, &status, &b.StationID, &b.Attempts, &b.Passed, &b.Failed); err != nil {
		return err
	}
	b.Mode, b.Status = Mode(mode), BatchStatus(status)
	b.URL = device.MaskURL(b.URL) // rows from before masking
	b.Target = intOf(target)
	b.Started, b.Ended = fromMS(started), fromNullMS(ended)
	return nil
}

// Batches returns the latest batches, newest first; limit <= 0 means all.
// Batch.Key holds the masked key.
func (r *Reader) Batches(limit int) ([]BatchRow, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := r.db.Query(batchSelect+" ORDER BY b.id DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BatchRow
	for rows.Next() {
		var b BatchRow
		if err := scanBatch(rows, &b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Batch returns one batch, or ErrNotFound.
func (r *Reader) Batch(id int64) (BatchRow, error) {
	var b BatchRow
	err := scanBatch(r.db.QueryRow(batchSelect+" WHERE b.id = ?", id), &b)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("batch %d: %w", id, ErrNotFound)
	}
	return b, err
}

// Module returns what is known of one module, or ErrNotFound.
func (r *Reader) Module(imei string) (ModuleRow, error) {
	var m ModuleRow
	var first, last int64
	var version sql.NullInt64
	err := r.db.QueryRow(`SELECT imei, model, firmware, first_seen, last_seen, last_version, last_slot
FROM modules WHERE imei = ?`, imei).Scan(&m.IMEI, &m.Model, &m.Firmware, &first, &last, &version, &m.Slot)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("module %s: %w", imei, ErrNotFound)
	}
	m.FirstSeen, m.Seen, m.Version = fromMS(first), fromMS(last), intOf(version)
	return m, err
}

// Events returns the events of one attempt in the order they were written.
func (r *Reader) Events(attemptID int64) ([]Event, error) {
	rows, err := r.db.Query(`SELECT id, COALESCE(attempt_id, 0), COALESCE(batch_id, 0), imei, slot, time, step, kind, detail, code, detail_zh
FROM events WHERE attempt_id = ? ORDER BY id`, attemptID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var t int64
		var kind string
		var code sql.NullInt64
		if err := rows.Scan(&e.ID, &e.AttemptID, &e.BatchID, &e.IMEI, &e.Slot, &t, &e.Step, &kind, &e.Detail, &code, &e.DetailZH); err != nil {
			return nil, err
		}
		e.Time, e.Kind, e.Code = fromMS(t), Kind(kind), intOf(code)
		e.Detail, e.DetailZH = device.MaskURL(e.Detail), device.MaskURL(e.DetailZH)
		out = append(out, e)
	}
	return out, rows.Err()
}

const lineSelect = `SELECT COALESCE(attempt_id, 0), imei, slot, time, dir, text FROM transcript`

// TranscriptOf returns the transcript of one attempt, in order.
func (r *Reader) TranscriptOf(attemptID int64) ([]Line, error) {
	return r.lines(lineSelect+" WHERE attempt_id = ? ORDER BY id", attemptID)
}

// TranscriptOfIMEI returns every transcript line of imei since the given
// time, in order: the lines of its attempts and those written while no
// attempt ran.
func (r *Reader) TranscriptOfIMEI(imei string, since time.Time) ([]Line, error) {
	return r.lines(`
SELECT COALESCE(attempt_id, 0), imei, slot, time, dir, text FROM (
    SELECT id, attempt_id, imei, slot, time, dir, text FROM transcript
    WHERE attempt_id IN (SELECT id FROM attempts WHERE imei = ?1) AND time >= ?2
    UNION ALL
    SELECT id, attempt_id, imei, slot, time, dir, text FROM transcript
    WHERE attempt_id IS NULL AND imei = ?1 AND time >= ?2
) ORDER BY time, id`, imei, ms(since))
}

func (r *Reader) lines(query string, args ...any) ([]Line, error) {
	rows, err := r.db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var t int64
		var dir string
		if err := rows.Scan(&l.AttemptID, &l.IMEI, &l.Slot, &t, &dir, &l.Text); err != nil {
			return nil, err
		}
		l.Time, l.Dir = fromMS(t), Dir(dir)
		l.Text = device.MaskURL(l.Text)
		out = append(out, l)
	}
	return out, rows.Err()
}

// CountsToday counts the modules of station whose latest attempt ended on
// now's day (in now's zone) passed (upgraded or current) or failed: a
// module retried five times is one module, and one with an attempt still
// running (a chain's next step) is neither yet. An empty station counts
// every station.
func (r *Reader) CountsToday(station string, now time.Time) (passed, failed int, err error) {
	y, m, d := now.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	to := from.AddDate(0, 0, 1)
	err = r.db.QueryRow(`
SELECT COALESCE(SUM(result IN ('upgraded', 'current')), 0), COALESCE(SUM(result = 'failed'), 0)
FROM (SELECT result, ROW_NUMBER() OVER (PARTITION BY imei ORDER BY result = 'running' DESC, ended DESC, id DESC) AS n
	FROM (SELECT a.imei, a.result, a.ended, a.id FROM attempts a JOIN batches b ON b.id = a.batch_id
		WHERE (?1 = '' OR b.station = ?1) AND a.ended >= ?2 AND a.ended < ?3
	UNION ALL -- two branches, each on its index (attempts_ended, attempts_open): an OR scanned the table
	SELECT a.imei, a.result, a.ended, a.id FROM attempts a JOIN batches b ON b.id = a.batch_id
		WHERE (?1 = '' OR b.station = ?1) AND a.result = 'running'))
WHERE n = 1`,
		station, ms(from), ms(to)).Scan(&passed, &failed)
	return passed, failed, err
}

// IntegrityCheck runs PRAGMA integrity_check and returns nil if the log
// is sound, else an error listing what SQLite found.
func (r *Reader) IntegrityCheck() error {
	rows, err := r.db.Query("PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("checking the log at %s: %w", r.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("the log at %s is damaged: %s: copy it aside for support; airfleet can start a new log",
			r.path, strings.Join(problems, "; "))
	}
	return nil
}
