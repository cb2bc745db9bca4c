package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// queue holds writes that are not yet committed, grouped by table. Within a
// transaction the tables are written in the order below (modules, batches,
// attempts, events, lines, then the updates), which keeps every row after
// the rows it refers to and each table's rows in the order they came.
type queue struct {
	modules  []Module
	batches  []Batch
	attempts []Attempt
	events   []Event
	lines    []Line
	ends     []end
	marks    []syncMark
	writes   int   // write calls in it
	last     int64 // sequence number of its last write
}

// end is an EndBatch or EndAttempt.
type end struct {
	batch  bool
	id     int64
	status BatchStatus
	result AttemptResult
	ended  time.Time
}

func (q *queue) reset() {
	clear(q.modules)
	clear(q.batches)
	clear(q.attempts)
	clear(q.events)
	clear(q.lines)
	clear(q.ends)
	clear(q.marks)
	*q = queue{
		modules: q.modules[:0], batches: q.batches[:0], attempts: q.attempts[:0],
		events: q.events[:0], lines: q.lines[:0], ends: q.ends[:0], marks: q.marks[:0],
	}
}

// writer is the one goroutine that writes the log. Write methods append to
// q under mu and return; the goroutine swaps q out and commits it as one
// transaction at least every FlushInterval, sooner when BatchRows writes
// wait or someone calls Flush. A failed transaction is retried, with the
// same rows, until it succeeds; the queue meanwhile grows in memory.
type writer struct {
	s    *Store
	conn *sql.Conn // the writer's own connection
	sql  *statements

	mu        sync.Mutex
	q         *queue
	spare     *queue
	inflight  *queue // swapped out, being committed
	seq       int64  // writes enqueued
	committed int64  // writes committed
	commitCh  chan struct{}
	closed    bool
	err       error // current disk error

	// commitMu is held for writing around COMMIT; RequestsSince holds it
	// for reading so it sees each row either in the file or in the queue.
	commitMu sync.RWMutex

	kick   chan struct{} // the queue became non-empty
	urgent chan struct{} // commit now
	quit   chan struct{}
	done   chan struct{}
	errs   chan error
}

func newWriter(ctx context.Context, s *Store) (*writer, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &writer{
		s:        s,
		conn:     conn,
		sql:      newStatements(conn),
		q:        &queue{},
		spare:    &queue{},
		commitCh: make(chan struct{}),
		kick:     make(chan struct{}, 1),
		urgent:   make(chan struct{}, 1),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		errs:     make(chan error, 32),
	}, nil
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// enqueue adds n writes to the queue through add.
func (w *writer) enqueue(n int, add func(*queue)) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.report(fmt.Errorf("store: %d write(s) after Close not saved: %w", n, ErrClosed))
		return
	}
	add(w.q)
	w.q.writes += n
	w.seq += int64(n)
	w.q.last = w.seq
	writes := w.q.writes
	w.mu.Unlock()
	if writes == n {
		signal(w.kick)
	}
	if writes >= w.s.opts.BatchRows {
		signal(w.urgent)
	}
}

// report hands an error to Errors() without ever blocking a writer.
func (w *writer) report(err error) {
	select {
	case w.errs <- err:
	default:
	}
}

func (w *writer) run() {
	defer close(w.done)
	for {
		select {
		case <-w.kick:
		case <-w.urgent:
			w.commitQueued(time.Time{})
			continue
		case <-w.quit:
			w.drain()
			return
		}
		t := time.NewTimer(w.s.opts.FlushInterval)
		select {
		case <-t.C:
		case <-w.urgent:
			t.Stop()
		case <-w.quit:
			t.Stop()
			w.drain()
			return
		}
		w.commitQueued(time.Time{})
	}
}

// drain commits what is left after Close, retrying until CloseTimeout.
func (w *writer) drain() {
	deadline := time.Now().Add(w.s.opts.CloseTimeout)
	for {
		w.mu.Lock()
		empty := w.q.writes == 0
		w.mu.Unlock()
		if empty || !w.commitQueued(deadline) {
			return
		}
	}
}

// commitQueued commits everything queued now as one transaction, retrying
// on failure. With a non-zero deadline it gives up (false) past it.
func (w *writer) commitQueued(deadline time.Time) bool {
	w.mu.Lock()
	q := w.q
	if q.writes == 0 {
		w.mu.Unlock()
		return true
	}
	w.q, w.spare = w.spare, nil
	if w.q == nil {
		w.q = &queue{}
	}
	w.inflight = q
	w.mu.Unlock()

	backoff := 20 * time.Millisecond
	for {
		err := w.commit(q)
		if err == nil {
			break
		}
		w.setErr(err)
		if deadline.IsZero() && w.closing() {
			deadline = time.Now().Add(w.s.opts.CloseTimeout)
		}
		if !deadline.IsZero() && time.Now().Add(backoff).After(deadline) {
			return false
		}
		w.sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
	if w.s.opts.OnCommit != nil {
		w.s.opts.OnCommit(q.last)
	}
	q.reset()
	w.mu.Lock()
	if w.spare == nil {
		w.spare = q
	}
	w.mu.Unlock()
	return true
}

// sleep waits d before a retry; Flush cuts it short, and so does Close
// before the drain starts.
func (w *writer) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.urgent:
	case <-w.quitIfOpen():
	}
}

func (w *writer) quitIfOpen() <-chan struct{} {
	if w.closing() {
		return nil // closing: sleep the full backoff
	}
	return w.quit
}

func (w *writer) closing() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

func (w *writer) setErr(err error) {
	err = fmt.Errorf("cannot save to the log at %s (will keep retrying; %d writes waiting): %w", w.s.path, w.pending(), err)
	w.mu.Lock()
	changed := w.err == nil || stripCount(w.err.Error()) != stripCount(err.Error())
	w.err = err
	w.mu.Unlock()
	if changed {
		w.report(err)
	}
}

// stripCount drops the changing "N writes waiting" so one persistent error
// is reported once.
func stripCount(msg string) string {
	if i := strings.Index(msg, "writes waiting"); i >= 0 {
		if j := strings.LastIndex(msg[:i], ";"); j >= 0 {
			return msg[:j] + msg[i:]
		}
	}
	return msg
}

// commit writes q in one transaction. If a row is refused for what it
// holds (a constraint), the transaction is redone row by row and only the
// refused rows are left out, each reported; one bad row must not stop the
// log.
func (w *writer) commit(q *queue) error {
	ctx := context.Background()
	t := &txn{ctx: ctx, c: w.conn}
	err := w.apply(t, q)
	if err != nil && permanent(err) {
		t = &txn{ctx: ctx, c: w.conn, isolate: true}
		err = w.apply(t, q)
	}
	if err != nil {
		return err
	}
	w.commitMu.Lock()
	_, err = w.conn.ExecContext(ctx, "COMMIT")
	if err == nil {
		w.mu.Lock()
		w.inflight = nil
		w.committed = q.last
		w.err = nil
		close(w.commitCh)
		w.commitCh = make(chan struct{})
		w.mu.Unlock()
	}
	w.commitMu.Unlock()
	if err != nil {
		w.rollback()
		return err
	}
	for _, r := range t.rejected {
		w.report(r)
	}
	return nil
}

func (w *writer) rollback() {
	_, _ = w.conn.ExecContext(context.Background(), "ROLLBACK")
}

// apply runs q's statements inside BEGIN IMMEDIATE; on error it rolls back.
func (w *writer) apply(t *txn, q *queue) error {
	if _, err := w.conn.ExecContext(t.ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := w.sql.write(t, q); err != nil {
		w.rollback()
		return err
	}
	return nil
}

func (w *writer) flush(ctx context.Context) error {
	w.mu.Lock()
	target := w.seq
	w.mu.Unlock()
	for {
		w.mu.Lock()
		committed, ch := w.committed, w.commitCh
		w.mu.Unlock()
		if committed >= target {
			return nil
		}
		signal(w.urgent)
		select {
		case <-ch:
		case <-w.done:
			if w.committedCount() >= target {
				return nil
			}
			return fmt.Errorf("store: %d writes were not saved before Close: %w", target-w.committedCount(), ErrClosed)
		case <-ctx.Done():
			if werr := w.currentErr(); werr != nil {
				return fmt.Errorf("%w: %w", ctx.Err(), werr)
			}
			return ctx.Err()
		}
	}
}

func (w *writer) close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	close(w.quit)
	<-w.done
	w.sql.close()
	cerr := w.conn.Close()
	if lost := w.pending(); lost > 0 {
		cause := w.currentErr()
		if u := errors.Unwrap(cause); u != nil {
			cause = u // without "will keep retrying"
		}
		if cause == nil {
			cause = errors.New("the writer stopped")
		}
		return &lostError{n: lost, path: w.s.path, cause: cause}
	}
	return cerr
}

// lostError is what Close says when the disk kept failing past
// CloseTimeout: how many writes are lost and the disk's own reason, in one
// sentence. It is ErrClosed too, without repeating its words: the retry
// messages before it said "will keep retrying", and this is the end of
// that.
type lostError struct {
	n     int64
	path  string
	cause error // the last failure, as SQLite said it
}

func (e *lostError) Error() string {
	return fmt.Sprintf("store: %d writes could not be saved to %s before it closed, and are lost: %v", e.n, e.path, e.cause)
}

func (e *lostError) Unwrap() []error { return []error{e.cause, ErrClosed} }

func (w *writer) currentErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) pending() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq - w.committed
}

func (w *writer) committedCount() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.committed
}

// pendingRequests counts request events for imei at or after sinceMS that
// are queued or being committed. Call with commitMu held for reading.
func (w *writer) pendingRequests(imei string, sinceMS int64) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, q := range []*queue{w.inflight, w.q} {
		if q == nil {
			continue
		}
		for i := range q.events {
			e := &q.events[i]
			if e.Kind == KindRequest && e.IMEI == imei && e.Time.UnixMilli() >= sinceMS {
				n++
			}
		}
	}
	return n
}
