package central

import (
	"context"
	"fmt"
	"strings"
	"time"

	"airfleet/store"
)

// attemptSelect reads an attempt as store's attemptSelect does (the same
// columns, for store.ScanAttempt), with the station's name and ID.
const attemptSelect = `
SELECT a.id, COALESCE(a.batch_id, 0), a.imei, a.slot, a.model, a.firmware, a.from_version, a.started,
       a.result, a.platform_code, a.module_error, a.http_status, a.retries,
       greatest(a.requests, (SELECT count(*) FROM events e
                             WHERE e.station_id = a.station_id AND e.attempt_id = a.id AND e.kind = 'request')),
       a.message, a.message_zh, a.to_version, a.ended, COALESCE(NULLIF(b.station, ''), s.name, ''),
       COALESCE(b.mode, ''), a.station_id::text
FROM attempts a
LEFT JOIN batches b ON b.station_id = a.station_id AND b.id = a.batch_id
LEFT JOIN stations s ON s.station_id = a.station_id`

// where builds the filter of the central queries: f as the station's log
// takes it, where f.Station matches a station's name or its ID.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func (w *where) station(name string) {
	if name != "" {
		w.add("(COALESCE(b.station, '') = ? OR a.station_id::text = ?)", name, strings.ToLower(name))
	}
}

// Attempts returns the attempts of every station that match f, newest
// first; f.Station matches a station's name or ID, f.BatchID a batch of
// any station. Each row names its station (Station, StationID).
func (db *DB) Attempts(ctx context.Context, f store.AttemptFilter) ([]store.AttemptRow, error) {
	var w where
	switch {
	case len(f.IMEI) >= 15:
		w.add("a.imei = ?", f.IMEI)
	case f.IMEI != "": // digits only (the command line checks): no LIKE wildcards
		w.add("(a.imei LIKE ? || '%' OR reverse(a.imei) LIKE reverse(?) || '%')", f.IMEI, f.IMEI)
	}
	if f.Code != 0 {
		w.add("(a.platform_code = ? OR a.module_error = ?)", f.Code, f.Code)
	}
	if f.Result != "" {
		w.add("a.result = ?", string(f.Result))
	}
	w.station(f.Station)
	if f.BatchID != 0 {
		w.add("a.batch_id = ?", f.BatchID)
	}
	if !f.Since.IsZero() {
		w.add("a.started >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		w.add("a.started < ?", f.Until.UnixMilli())
	}
	q := attemptSelect + w.sql() + " ORDER BY a.started DESC, a.station_id, a.id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, classify(err, db.masked)
	}
	defer rows.Close()
	var out []store.AttemptRow
	for rows.Next() {
		var a store.AttemptRow
		if err := store.ScanAttempt(rows, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, classify(rows.Err(), db.masked)
}

// Report calls fn with one row per module per batch of every station (or
// of the station named), as the station's own report does, each row
// naming its station; batches in the order they started.
func (db *DB) Report(ctx context.Context, f store.ReportFilter, station string, fn func(store.ReportRow) error) error {
	w := where{conds: []string{"a.imei <> ''"}}
	if f.Batch != 0 {
		w.add("a.batch_id = ?", f.Batch)
	}
	if !f.Since.IsZero() {
		w.add("b.started >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		w.add("b.started < ?", f.Until.UnixMilli())
	}
	w.station(station)
	q := "SELECT a.station_id::text, " + store.ReportColumns + `
FROM attempts a
JOIN batches b ON b.station_id = a.station_id AND b.id = a.batch_id
LEFT JOIN modules m ON m.station_id = a.station_id AND m.imei = a.imei` + w.sql() +
		" ORDER BY b.started, a.station_id, a.batch_id, a.imei, a.id"
	rows, err := db.pool.Query(ctx, q, w.args...)
	if err != nil {
		return classify(err, db.masked)
	}
	defer rows.Close()
	if err := store.GroupReport(rows, true, f.SlotOrder, fn); err != nil {
		return classify(err, db.masked)
	}
	return nil
}

// StatsBy is what Stats groups by.
type StatsBy string

// The groupings of Stats.
const (
	ByStation StatsBy = "station"
	ByModel   StatsBy = "model"
	ByCode    StatsBy = "code"
	ByDay     StatsBy = "day"
)

// StatsRow is one group of Stats.
type StatsRow struct {
	Key      string  `json:"key"`      // the station's name, the model, the code, or the day (YYYY-MM-DD, local)
	Attempts int64   `json:"attempts"` // attempts that started in the period
	Modules  int64   `json:"modules"`  // distinct IMEIs among them
	Passed   int64   `json:"passed"`   // upgraded or already current
	Failed   int64   `json:"failed"`
	Other    int64   `json:"other"`  // held, cancelled, interrupted, still running
	Yield    float64 `json:"yield"`  // passed / (passed + failed); 0 when neither
	Median   float64 `json:"median"` // median seconds of the upgraded attempts; 0 when none
}

// Stats counts the attempts of every station that started in [since,
// until) (zero until: open), grouped by by, with the yield and the median
// upgrade time; station, if set, keeps one station (name or ID). Days are
// in loc.
func (db *DB) Stats(ctx context.Context, since, until time.Time, by StatsBy, station string, loc *time.Location) ([]StatsRow, error) {
	var w where
	w.add("a.started >= ?", since.UnixMilli())
	if !until.IsZero() {
		w.add("a.started < ?", until.UnixMilli())
	}
	w.station(station)
	var key string
	switch by {
	case ByStation, "":
		key = "COALESCE(NULLIF(b.station, ''), s.name, a.station_id::text)"
	case ByModel:
		key = "a.model"
	case ByCode:
		// The code the operator reads: the platform's, else the module's
		// (upgrade.PrimaryCode); 0 none.
		key = "COALESCE(NULLIF(a.platform_code, 0), a.module_error, 0)::text"
	case ByDay:
		_, off := since.In(loc).Zone()
		w.args = append(w.args, off*1000)
		key = fmt.Sprintf("to_char(to_timestamp((a.started + $%d) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')", len(w.args))
	default:
		return nil, fmt.Errorf("stats by %q: give station, model, code or day", by)
	}
	q := fmt.Sprintf(`
SELECT %s AS k, count(*), count(DISTINCT a.imei),
       count(*) FILTER (WHERE a.result IN ('upgraded', 'current')),
       count(*) FILTER (WHERE a.result = 'failed'),
       COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY (a.ended - a.started) / 1000.0)
                FILTER (WHERE a.result = 'upgraded' AND a.ended IS NOT NULL), 0)
FROM attempts a
LEFT JOIN batches b ON b.station_id = a.station_id AND b.id = a.batch_id
LEFT JOIN stations s ON s.station_id = a.station_id%s
GROUP BY k ORDER BY k`, key, w.sql())
	rows, err := db.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, classify(err, db.masked)
	}
	defer rows.Close()
	var out []StatsRow
	for rows.Next() {
		var r StatsRow
		if err := rows.Scan(&r.Key, &r.Attempts, &r.Modules, &r.Passed, &r.Failed, &r.Median); err != nil {
			return nil, err
		}
		r.Other = r.Attempts - r.Passed - r.Failed
		if r.Passed+r.Failed > 0 {
			r.Yield = float64(r.Passed) / float64(r.Passed+r.Failed)
		}
		out = append(out, r)
	}
	return out, classify(rows.Err(), db.masked)
}
