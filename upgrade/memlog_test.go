package upgrade

import (
	"context"
	"sync"
	"time"

	"airfleet/device"
)

// memLog is an in-memory Log for tests of the engine alone.
type memLog struct {
	mu          sync.Mutex
	next        int64
	attempts    map[int64]*memAttempt
	events      []memEvent
	transcripts map[int64][]device.Record
	batches     map[int64]string
	unfinished  []Unfinished // what an earlier run left mid-upgrade
}

type memAttempt struct {
	rec    AttemptRecord
	result *Result
}

type memEvent struct {
	batch, attempt int64
	e              Event
	kind           EventKind
}

func newMemLog() *memLog {
	return &memLog{attempts: map[int64]*memAttempt{}, transcripts: map[int64][]device.Record{}, batches: map[int64]string{}}
}

func (l *memLog) id() int64 { l.next++; return l.next }

func (l *memLog) StartBatch(BatchRecord) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.id()
	l.batches[id] = "running"
	return id
}

func (l *memLog) EndBatch(id int64, status BatchStatus, _ time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batches[id] = string(status)
}

func (l *memLog) StartAttempt(a AttemptRecord) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.id()
	l.attempts[id] = &memAttempt{rec: a}
	return id
}

func (l *memLog) EndAttempt(id int64, r Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts[id].result = &r
}

func (l *memLog) Event(batch, attempt int64, e Event, kind EventKind) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, memEvent{batch, attempt, e, kind})
}

func (l *memLog) Transcript(attempt int64, _, _ string, r device.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.transcripts[attempt] = append(l.transcripts[attempt], r)
}

func (l *memLog) SeenModule(string, device.Info, time.Time) {}

func (l *memLog) Sync(context.Context) error { return nil } // in memory: nothing to wait for

func (l *memLog) RequestsSince(imei string, t time.Time) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if e.kind == KindRequest && e.e.IMEI == imei && !e.e.Time.Before(t) {
			n++
		}
	}
	return n, nil
}

// addRequests pretends earlier requests of imei.
func (l *memLog) addRequests(imei string, n int) {
	for range n {
		l.Event(0, 0, Event{Time: time.Now().Add(-time.Hour), IMEI: imei}, KindRequest)
	}
}

// sent reports whether any attempt's transcript holds the command cmd
// as sent to a module.
func (l *memLog) sent(cmd string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, lines := range l.transcripts {
		for _, r := range lines {
			if r.Dir == device.Out && r.Text == cmd {
				return true
			}
		}
	}
	return false
}

func (l *memLog) Reached(firmware string, version int) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range l.attempts {
		if a.result != nil && a.result.Outcome == Upgraded && a.result.To == version && a.rec.FirmwareName == firmware {
			return true, nil
		}
	}
	return false, nil
}

func (l *memLog) LastPassed(imei string) (int, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var best *memAttempt
	for _, a := range l.attempts {
		if a.rec.IMEI == imei && a.result != nil && (a.result.Outcome == Upgraded || a.result.Outcome == Current) &&
			(best == nil || a.rec.Started.After(best.rec.Started)) {
			best = a
		}
	}
	if best == nil {
		return 0, false, nil
	}
	return best.result.To, true, nil
}

func (l *memLog) Unfinished(time.Time) ([]Unfinished, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unfinished, nil
}
