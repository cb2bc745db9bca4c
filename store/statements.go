package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// statements are the writer's prepared statements, on its own connection.
// Events and transcript lines go in as multi-row INSERTs of up to maxChunk
// rows: one cgo call per chunk instead of one per row.
type statements struct {
	c      *sql.Conn
	single map[string]*sql.Stmt
	events *multiInsert
	lines  *multiInsert
	args   []any
}

const maxChunk = 64

// multiInsert is "INSERT INTO t (cols) VALUES (?,…),(?,…)…" for n rows.
type multiInsert struct {
	head  string
	cols  int
	stmts map[int]*sql.Stmt
}

func newStatements(c *sql.Conn) *statements {
	return &statements{
		c:      c,
		single: map[string]*sql.Stmt{},
		events: &multiInsert{
			head:  "INSERT INTO events (attempt_id, batch_id, imei, slot, time, step, kind, detail, code, detail_zh) VALUES ",
			cols:  10,
			stmts: map[int]*sql.Stmt{},
		},
		lines: &multiInsert{
			head:  "INSERT INTO transcript (attempt_id, imei, slot, time, dir, text) VALUES ",
			cols:  6,
			stmts: map[int]*sql.Stmt{},
		},
	}
}

func (st *statements) close() {
	for _, s := range st.single {
		s.Close()
	}
	for _, m := range []*multiInsert{st.events, st.lines} {
		for _, s := range m.stmts {
			s.Close()
		}
	}
}

// txn is one transaction of the writer. With isolate set, each row runs
// in a savepoint and a row refused for its content is left out and noted
// in rejected instead of failing the transaction.
type txn struct {
	ctx      context.Context
	c        *sql.Conn
	isolate  bool
	rejected []error
}

func (t *txn) row(what func() string, f func() error) error {
	if !t.isolate {
		return f()
	}
	if _, err := t.c.ExecContext(t.ctx, "SAVEPOINT row"); err != nil {
		return err
	}
	if err := f(); err != nil {
		if !permanent(err) {
			return err
		}
		if _, rerr := t.c.ExecContext(t.ctx, "ROLLBACK TO row"); rerr != nil {
			return rerr
		}
		t.rejected = append(t.rejected, fmt.Errorf("store: the log refused %s: %w", what(), err))
	}
	_, err := t.c.ExecContext(t.ctx, "RELEASE row")
	return err
}

// write runs the statements for q, table by table (see queue).
func (st *statements) write(t *txn, q *queue) error {
	for i := range q.modules {
		m := &q.modules[i]
		if err := t.row(func() string { return "module " + m.IMEI }, func() error {
			return st.exec(t.ctx, sqlUpsertModule, m.IMEI, m.Model, m.Firmware, ms(m.Seen), nullInt(m.Version), m.Slot)
		}); err != nil {
			return err
		}
	}
	for i := range q.batches {
		b := &q.batches[i]
		if err := t.row(func() string { return fmt.Sprintf("batch %d", b.ID) }, func() error {
			return st.exec(t.ctx, sqlInsertBatch, b.ID, string(b.Mode), nullInt(b.Target), b.Key, b.URL,
				b.Station, b.Operator, b.Host, b.Concurrency, ms(b.Started), b.StationID)
		}); err != nil {
			return err
		}
	}
	for i := range q.attempts {
		a := &q.attempts[i]
		if err := t.row(func() string { return fmt.Sprintf("attempt %d (IMEI %s)", a.ID, a.IMEI) }, func() error {
			return st.exec(t.ctx, sqlInsertAttempt, a.ID, nullID(a.BatchID), a.IMEI, a.Slot, a.Model,
				a.Firmware, nullInt(a.FromVersion), ms(a.Started))
		}); err != nil {
			return err
		}
	}
	if err := insertRows(t, st, st.events, q.events, eventArgs, describeEvent); err != nil {
		return err
	}
	if err := insertRows(t, st, st.lines, q.lines, lineArgs, describeLine); err != nil {
		return err
	}
	for i := range q.ends {
		e := &q.ends[i]
		if err := t.row(func() string { return fmt.Sprintf("end of %d", e.id) }, func() error {
			if e.batch {
				return st.exec(t.ctx, sqlEndBatch, string(e.status), ms(e.ended), e.id)
			}
			r := &e.result
			return st.exec(t.ctx, sqlEndAttempt, string(r.Result), nullInt(r.PlatformCode), nullInt(r.ModuleError),
				nullInt(r.HTTPStatus), r.Retries, r.Requests, r.Message, r.MessageZH, nullInt(r.ToVersion), ms(e.ended), e.id)
		}); err != nil {
			return err
		}
	}
	for i := range q.marks {
		m := &q.marks[i]
		if err := st.exec(t.ctx, sqlSetSyncMark, m.central, m.table, m.mark); err != nil {
			return err
		}
	}
	return nil
}

const (
	sqlUpsertModule = `
INSERT INTO modules (imei, model, firmware, first_seen, last_seen, last_version, last_slot)
VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)
ON CONFLICT (imei) DO UPDATE SET
    model        = CASE WHEN excluded.model <> '' THEN excluded.model ELSE model END,
    firmware     = CASE WHEN excluded.firmware <> '' THEN excluded.firmware ELSE firmware END,
    first_seen   = min(first_seen, excluded.first_seen),
    last_seen    = max(last_seen, excluded.last_seen),
    last_version = COALESCE(excluded.last_version, last_version),
    last_slot    = CASE WHEN excluded.last_slot <> '' THEN excluded.last_slot ELSE last_slot END`
	sqlInsertBatch = `
INSERT INTO batches (id, mode, target, key_masked, url, station, operator, host, concurrency, started, station_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlInsertAttempt = `
INSERT INTO attempts (id, batch_id, imei, slot, model, firmware, from_version, started)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlSetSyncMark = `
INSERT INTO sync_marks (central, tbl, mark) VALUES (?, ?, ?)
ON CONFLICT (central, tbl) DO UPDATE SET mark = max(mark, excluded.mark)`
	sqlEndBatch   = `UPDATE batches SET status = ?, ended = ? WHERE id = ?`
	sqlEndAttempt = `
UPDATE attempts SET result = ?, platform_code = ?, module_error = ?, http_status = ?,
    retries = ?, requests = ?, message = ?, message_zh = ?, to_version = COALESCE(?, to_version), ended = ?
WHERE id = ?`
)

func (st *statements) exec(ctx context.Context, query string, args ...any) error {
	s := st.single[query]
	if s == nil {
		var err error
		if s, err = st.c.PrepareContext(ctx, query); err != nil {
			return err
		}
		st.single[query] = s
	}
	_, err := s.ExecContext(ctx, args...)
	return err
}

func (st *statements) multi(ctx context.Context, m *multiInsert, n int) (*sql.Stmt, error) {
	if s := m.stmts[n]; s != nil {
		return s, nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", m.cols), ",") + ")"
	q := m.head + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
	s, err := st.c.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	m.stmts[n] = s
	return s, nil
}

// chunk is how many of n rows go in the next INSERT: maxChunk, else the
// largest power of two, so at most seven statements per table are prepared.
func chunk(n int) int {
	c := maxChunk
	for c > n {
		c /= 2
	}
	return c
}

func insertRows[T any](t *txn, st *statements, m *multiInsert, rows []T,
	args func([]any, *T) []any, what func(*T) string) error {
	if t.isolate {
		for i := range rows {
			if err := t.row(func() string { return what(&rows[i]) }, func() error {
				return execRows(t.ctx, st, m, rows[i:i+1], args)
			}); err != nil {
				return err
			}
		}
		return nil
	}
	for len(rows) > 0 {
		n := chunk(len(rows))
		if err := execRows(t.ctx, st, m, rows[:n], args); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func execRows[T any](ctx context.Context, st *statements, m *multiInsert, rows []T, args func([]any, *T) []any) error {
	s, err := st.multi(ctx, m, len(rows))
	if err != nil {
		return err
	}
	a := st.args[:0]
	for i := range rows {
		a = args(a, &rows[i])
	}
	_, err = s.ExecContext(ctx, a...)
	clear(a)
	st.args = a[:0]
	return err
}

func eventArgs(a []any, e *Event) []any {
	return append(a, nullID(e.AttemptID), nullID(e.BatchID), e.IMEI, e.Slot, ms(e.Time),
		e.Step, string(e.Kind), e.Detail, nullInt(e.Code), e.DetailZH)
}

func lineArgs(a []any, l *Line) []any {
	return append(a, nullID(l.AttemptID), l.IMEI, l.Slot, ms(l.Time), string(l.Dir), l.Text)
}

func describeEvent(e *Event) string {
	return fmt.Sprintf("event %s/%s of IMEI %s (attempt %d): %q", e.Step, e.Kind, e.IMEI, e.AttemptID, e.Detail)
}

func describeLine(l *Line) string {
	return fmt.Sprintf("transcript line of IMEI %s (attempt %d): %s %q", l.IMEI, l.AttemptID, l.Dir, l.Text)
}
