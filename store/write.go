package store

import (
	"airfleet/device"
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// The write methods below never wait for the disk: they fill in defaults,
// queue the row for the writer goroutine and return. Rows reach the file
// within Options.FlushInterval; Flush waits for them. A mistake in a row
// (an unknown attempt ID, say) is repaired where possible and reported on
// Errors(); the row is kept.

// UpsertModule records what is known of a module.
func (s *Store) UpsertModule(m Module) {
	if m.Seen.IsZero() {
		m.Seen = time.Now()
	}
	s.w.enqueue(1, func(q *queue) { q.modules = append(q.modules, m) })
}

// StartBatch records the start of a batch and returns its ID at once. Only
// device.MaskKey(b.Key) and device.MaskURL(b.URL) are stored.
func (s *Store) StartBatch(b Batch) int64 {
	b.ID = s.batchID.Add(1)
	b.StationID = s.stationID
	b.Key = device.MaskKey(strings.TrimSpace(b.Key))
	b.URL = device.MaskURL(b.URL)
	if b.Host == "" {
		b.Host, _ = os.Hostname()
	}
	if b.Station == "" {
		b.Station = b.Host
	}
	if b.Started.IsZero() {
		b.Started = time.Now()
	}
	s.w.enqueue(1, func(q *queue) { q.batches = append(q.batches, b) })
	return b.ID
}

// EndBatch records how a batch ended; a zero ended means now.
func (s *Store) EndBatch(id int64, status BatchStatus, ended time.Time) {
	if ended.IsZero() {
		ended = time.Now()
	}
	if !s.knownBatch(id) {
		s.w.report(fmt.Errorf("store: EndBatch(%d): no such batch; ignored", id))
		return
	}
	if status == "" || status == BatchRunning {
		s.w.report(fmt.Errorf("store: EndBatch(%d) with status %q; stored as done", id, status))
		status = BatchDone
	}
	s.w.enqueue(1, func(q *queue) { q.ends = append(q.ends, end{batch: true, id: id, status: status, ended: ended}) })
}

// StartAttempt records the start of an attempt and returns its ID at once.
func (s *Store) StartAttempt(a Attempt) int64 {
	a.ID = s.attemptID.Add(1)
	if a.BatchID != 0 && !s.knownBatch(a.BatchID) {
		s.w.report(fmt.Errorf("store: attempt %d (IMEI %s) names unknown batch %d; stored without a batch", a.ID, a.IMEI, a.BatchID))
		a.BatchID = 0
	}
	if a.Started.IsZero() {
		a.Started = time.Now()
	}
	s.w.enqueue(1, func(q *queue) { q.attempts = append(q.attempts, a) })
	return a.ID
}

// EndAttempt records how an attempt ended. A password in a URL of the
// messages is masked (MaskURL).
func (s *Store) EndAttempt(id int64, r AttemptResult) {
	r.Message, r.MessageZH = device.MaskURL(r.Message), device.MaskURL(r.MessageZH)
	if r.Ended.IsZero() {
		r.Ended = time.Now()
	}
	if !s.knownAttempt(id) {
		s.w.report(fmt.Errorf("store: EndAttempt(%d, %s): no such attempt; ignored", id, r.Result))
		return
	}
	if r.Result == "" || r.Result == ResultRunning {
		s.w.report(fmt.Errorf("store: EndAttempt(%d) with result %q; stored as failed", id, r.Result))
		r.Result = ResultFailed
	}
	s.w.enqueue(1, func(q *queue) { q.ends = append(q.ends, end{id: id, result: r, ended: r.Ended}) })
}

// Event records one event. A password in a URL of its detail is masked
// (MaskURL).
func (s *Store) Event(e Event) {
	e.Detail, e.DetailZH = device.MaskURL(e.Detail), device.MaskURL(e.DetailZH)
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Kind == "" {
		e.Kind = KindInfo
	}
	if e.AttemptID != 0 && !s.knownAttempt(e.AttemptID) {
		s.w.report(fmt.Errorf("store: event %s/%s of IMEI %s names unknown attempt %d; stored without it", e.Step, e.Kind, e.IMEI, e.AttemptID))
		e.AttemptID = 0
	}
	if e.BatchID != 0 && !s.knownBatch(e.BatchID) {
		s.w.report(fmt.Errorf("store: event %s/%s of IMEI %s names unknown batch %d; stored without it", e.Step, e.Kind, e.IMEI, e.BatchID))
		e.BatchID = 0
	}
	e.ID = 0
	s.w.enqueue(1, func(q *queue) { q.events = append(q.events, e) })
}

// Transcript records one transcript line. A password in a URL the line
// carries is masked (MaskURL).
func (s *Store) Transcript(l Line) {
	l = s.fixLine(l)
	s.w.enqueue(1, func(q *queue) { q.lines = append(q.lines, l) })
}

// TranscriptBatch records many transcript lines at once, in order. The
// slice may be reused when it returns.
func (s *Store) TranscriptBatch(lines []Line) {
	if len(lines) == 0 {
		return
	}
	fixed := make([]Line, len(lines))
	for i, l := range lines {
		fixed[i] = s.fixLine(l)
	}
	s.w.enqueue(len(fixed), func(q *queue) { q.lines = append(q.lines, fixed...) })
}

func (s *Store) fixLine(l Line) Line {
	l.Text = device.MaskURL(l.Text)
	if l.Time.IsZero() {
		l.Time = time.Now()
	}
	if l.Dir == "" {
		l.Dir = DirNote
	}
	if l.AttemptID != 0 && !s.knownAttempt(l.AttemptID) {
		s.w.report(fmt.Errorf("store: transcript line of IMEI %s names unknown attempt %d; stored without it", l.IMEI, l.AttemptID))
		l.AttemptID = 0
	}
	return l
}

// IDs are allocated in order and never reused, so every ID up to the last
// one allocated names a row that is in the log or queued before any row
// that can refer to it.
func (s *Store) knownBatch(id int64) bool   { return id > 0 && id <= s.batchID.Load() }
func (s *Store) knownAttempt(id int64) bool { return id > 0 && id <= s.attemptID.Load() }

// Flush waits until every write made before it is committed. If ctx ends
// first it returns ctx's error and, if the disk is failing, why.
func (s *Store) Flush(ctx context.Context) error { return s.w.flush(ctx) }

// Err returns the error that currently keeps queued rows from the disk
// (disk full, a lock held past the busy timeout, …), or nil when the writer
// is healthy. The writer keeps retrying; no row is dropped.
func (s *Store) Err() error { return s.w.currentErr() }

// Errors delivers the writer's errors as they happen: each new disk error
// once, and each mistake in a written row. It is buffered; errors that find
// it full are dropped (Err still holds a disk error).
func (s *Store) Errors() <-chan error { return s.w.errs }

// Pending is the number of writes queued and not yet committed.
func (s *Store) Pending() int64 { return s.w.pending() }

// Committed is the number of writes committed since Open.
func (s *Store) Committed() int64 { return s.w.committedCount() }

// RequestsSince counts the upgrade requests (events of kind request) sent
// to imei since the given time, including those still queued: the 24-hour
// request budget. With a registry (Options.Registry) it adds the requests
// recorded in the other logs listed there; if one of them cannot be read
// it fails rather than count short.
func (s *Store) RequestsSince(imei string, since time.Time) (int, error) {
	n, err := s.ownRequestsSince(imei, since)
	if err != nil || s.others == nil {
		return n, err
	}
	m, err := s.others.requestsSince(imei, since)
	if err != nil {
		return 0, err
	}
	return n + m, nil
}

func (s *Store) ownRequestsSince(imei string, since time.Time) (int, error) {
	// Hold the commit lock so that no batch moves from the queue to the
	// file between the query and the count of the queue.
	s.w.commitMu.RLock()
	defer s.w.commitMu.RUnlock()
	n, err := s.Reader.RequestsSince(imei, since)
	if err != nil {
		return 0, err
	}
	return n + s.w.pendingRequests(imei, since.UnixMilli()), nil
}

// OtherLogsWithRequests returns the other logs of the registry that hold
// requests since the given time for any of imeis: a new log beside them
// means a run of these modules went to another log, whose requests the
// budget counts too. Without a registry it returns nothing.
func (s *Store) OtherLogsWithRequests(imeis []string, since time.Time) ([]string, error) {
	if s.others == nil {
		return nil, nil
	}
	return s.others.withRequests(imeis, since)
}
