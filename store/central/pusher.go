package central

import (
	"context"
	"sync"
	"time"

	"airfleet/store"
)

// Pusher sends a station's new rows to the centre in the background while
// the station works: it connects when it can, pushes every Every, and
// retries when the centre is down. Nothing of the station ever waits on
// it: the log's writer only queues the marks it sets.
type Pusher struct {
	url   string
	s     *store.Store
	o     PushOptions
	every time.Duration

	mu      sync.Mutex
	central string // the centre's ID once known
	waiting int64
	err     error
	tried   bool // a push (or a connection) was tried

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// maxRetryWait is the longest wait between two tries of a failing centre.
const maxRetryWait = 15 * time.Second

// StartPusher starts pushing s to the centre at url every every (0: 5 s).
func StartPusher(url string, s *store.Store, o PushOptions, every time.Duration) *Pusher {
	if every <= 0 {
		every = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pusher{url: url, s: s, o: o, every: every, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go p.run(ctx)
	return p
}

func (p *Pusher) run(ctx context.Context) {
	defer close(p.done)
	var db *DB
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	wait, failing := p.every, false
	for {
		var err error
		if db == nil {
			db, err = Open(ctx, p.url, OpenOptions{Migrate: true, ConnectTimeout: 10 * time.Second})
		}
		if db != nil {
			p.mu.Lock()
			p.central = db.ID()
			p.mu.Unlock()
			_, err = db.Push(ctx, p.s, p.o)
		}
		if ctx.Err() != nil {
			return
		}
		p.note(ctx, err)
		if err != nil && db != nil {
			// Connect afresh next round: the centre may have been
			// restored or replaced under the same URL (its schema gone,
			// another ID), which only Open sees.
			db.Close()
			db = nil
		}
		// While the centre fails, wait longer (up to maxRetryWait): a
		// connection refused costs nothing, and a centre back up should
		// see the station's rows within seconds.
		switch {
		case err != nil && failing:
			wait = min(2*wait, maxRetryWait)
		case err != nil:
			failing = true
		default:
			wait, failing = p.every, false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-p.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// note records the outcome of a round and how many rows wait.
func (p *Pusher) note(ctx context.Context, err error) {
	p.mu.Lock()
	central := p.central
	p.mu.Unlock()
	if central == "" {
		central, _ = p.s.LastCentral(ctx)
	}
	var waiting int64
	for _, t := range p.o.Tables() {
		mark, _ := p.s.SyncMark(ctx, central, t.Name)
		n, _ := p.s.Unsent(ctx, t, mark)
		waiting += n
	}
	p.mu.Lock()
	p.err, p.waiting, p.tried = err, waiting, true
	p.mu.Unlock()
}

// Kick asks for a push now (rows were just written).
func (p *Pusher) Kick() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stop ends the pusher; rows not sent wait in the log for the next run.
func (p *Pusher) Stop() {
	p.cancel()
	<-p.done
}

// PushStatus is where the background sync stands, as facts for the
// console's status line (said at the edges, in the operator's language).
type PushStatus struct {
	Tried   bool  // a push (or a connection) was tried
	Waiting int64 // rows of the station's log the centre lacks, as last counted
	Err     error // the last round's error (nil: it succeeded); an *Error says its fault
}

// Failing is true while the centre cannot be reached or refuses.
func (s PushStatus) Failing() bool { return s.Tried && s.Err != nil }

// Status says where the background sync stands. It never blocks on the
// network.
func (p *Pusher) Status() PushStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PushStatus{Tried: p.tried, Waiting: p.waiting, Err: p.err}
}

// Err is the last round's error (nil: the last round succeeded).
func (p *Pusher) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}
