package store

import (
	"airfleet/device"
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// SyncTable is one table of the log as the central log (store/central)
// copies it: every row keyed in the centre by (station ID, Key).
type SyncTable struct {
	Name string   // the table, here and in the centre
	Key  string   // the row's key within this log: id, or imei for modules
	Mark string   // the column a sync's high-water mark follows: rev (rows that change) or id (rows that never do)
	Cols []string // the columns copied, Key first, then Mark if it is rev
}

// Mutable reports whether the table's rows change after they are written
// (a batch or an attempt that ends, a module seen again): the centre then
// keeps the row of the highest revision.
func (t SyncTable) Mutable() bool { return t.Mark == "rev" }

// SyncTables are the tables a sync copies, in the order it copies them.
var SyncTables = []SyncTable{
	{Name: "modules", Key: "imei", Mark: "rev", Cols: []string{
		"imei", "rev", "model", "firmware", "first_seen", "last_seen", "last_version", "last_slot"}},
	{Name: "batches", Key: "id", Mark: "rev", Cols: []string{
		"id", "rev", "mode", "target", "key_masked", "url", "station", "operator", "host", "concurrency",
		"started", "ended", "status"}},
	{Name: "attempts", Key: "id", Mark: "rev", Cols: []string{
		"id", "rev", "batch_id", "imei", "slot", "model", "firmware", "from_version", "to_version", "result",
		"platform_code", "module_error", "http_status", "retries", "requests", "message", "message_zh",
		"started", "ended"}},
	{Name: "events", Key: "id", Mark: "id", Cols: []string{
		"id", "attempt_id", "batch_id", "imei", "slot", "time", "step", "kind", "detail", "detail_zh", "code"}},
	{Name: "transcript", Key: "id", Mark: "id", Cols: []string{
		"id", "attempt_id", "imei", "slot", "time", "dir", "text"}},
}

// maskedCols are the columns that may carry a URL with a password: rows
// written before masking are masked on their way out too.
var maskedCols = map[string]bool{"url": true, "message": true, "message_zh": true, "detail": true, "detail_zh": true, "text": true}

// StationID returns the log's station ID: a UUID made when the log was
// created (or first opened by an airfleet with schema 4) and kept.
func (r *Reader) StationID(ctx context.Context) (string, error) {
	var id string
	err := r.db.QueryRowContext(ctx, "SELECT id FROM station").Scan(&id)
	return id, err
}

// SyncMark returns how far the central log central has confirmed table:
// every row whose mark column is at or below it was committed there.
func (r *Reader) SyncMark(ctx context.Context, central, table string) (int64, error) {
	var m int64
	err := r.db.QueryRowContext(ctx, "SELECT mark FROM sync_marks WHERE central = ? AND tbl = ?", central, table).Scan(&m)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return m, err
}

// Changed returns up to limit rows of t whose mark column is above after,
// in mark order, each as the values of t.Cols (int64, string or nil), and
// the mark of the last one (after when none). Marks grow in commit order,
// so no row committed later can have a mark below the last returned.
func (r *Reader) Changed(ctx context.Context, t SyncTable, after int64, limit int) (rows [][]any, last int64, err error) {
	q := fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s > ? ORDER BY %s LIMIT ?",
		t.Mark, strings.Join(t.Cols, ", "), t.Name, t.Mark, t.Mark)
	rs, err := r.db.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, after, err
	}
	defer rs.Close()
	last = after
	for rs.Next() {
		vals := make([]any, len(t.Cols))
		ptrs := make([]any, len(t.Cols)+1)
		ptrs[0] = &last
		for i := range vals {
			ptrs[i+1] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, after, err
		}
		for i, c := range t.Cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			if s, ok := vals[i].(string); ok && maskedCols[c] {
				vals[i] = device.MaskURL(s)
			}
		}
		rows = append(rows, vals)
	}
	if err := rs.Err(); err != nil {
		return nil, after, err
	}
	return rows, last, nil
}

// Unsent counts the rows of t whose mark column is above after.
func (r *Reader) Unsent(ctx context.Context, t SyncTable, after int64) (int64, error) {
	var n int64
	err := r.db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s > ?", t.Name, t.Mark), after).Scan(&n)
	return n, err
}

// syncMark is a SetSyncMark waiting in the writer's queue.
type syncMark struct {
	central, table string
	mark           int64
}

// SetSyncMark records that the central log central committed every row of
// table up to mark. Call it only after the centre's commit; a mark never
// goes back. Like every write it is queued: Flush to make it durable.
func (s *Store) SetSyncMark(central, table string, mark int64) {
	s.w.enqueue(1, func(q *queue) { q.marks = append(q.marks, syncMark{central, table, mark}) })
}

// StationID returns the log's station ID (see Reader.StationID).
func (s *Store) StationID() string { return s.stationID }

// LastCentral returns a central log this log was synced with ("" if
// none): what a station counts its waiting rows against before it has
// reached the centre in this run.
func (r *Reader) LastCentral(ctx context.Context) (string, error) {
	var c string
	err := r.db.QueryRowContext(ctx, "SELECT central FROM sync_marks ORDER BY rowid DESC LIMIT 1").Scan(&c)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return c, err
}
