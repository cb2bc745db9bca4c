package device

import (
	"context"
	"strings"
	"sync"
)

// Subscription is an ordered, never-blocking queue of lines for one reader:
// URCs with given prefixes, or the session's unsolicited stream. The reader
// goroutine only appends; Next takes lines out in arrival order.
type Subscription struct {
	s        *Session
	prefixes []string
	cap      int

	mu      sync.Mutex
	q       []Line
	signal  chan struct{} // has a value when q may be non-empty
	ended   bool
	dropped int
}

func newSubscription(s *Session, prefixes []string, cap int) *Subscription {
	return &Subscription{s: s, prefixes: prefixes, cap: cap, signal: make(chan struct{}, 1)}
}

func (sub *Subscription) matches(text string) bool {
	for _, p := range sub.prefixes {
		if strings.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

func (sub *Subscription) push(l Line) {
	sub.mu.Lock()
	if len(sub.q) >= sub.cap {
		sub.q = sub.q[1:]
		sub.dropped++
	}
	sub.q = append(sub.q, l)
	sub.mu.Unlock()
	sub.wake()
}

func (sub *Subscription) wake() {
	select {
	case sub.signal <- struct{}{}:
	default:
	}
}

func (sub *Subscription) end() {
	sub.mu.Lock()
	sub.ended = true
	sub.mu.Unlock()
	sub.wake()
}

// Next returns the oldest line not yet taken, waiting for one if needed. Once
// the port is gone and the backlog is empty it returns the session's error
// (wrapping ErrClosed); if ctx ends first, ctx's error.
func (sub *Subscription) Next(ctx context.Context) (Line, error) {
	for {
		sub.mu.Lock()
		if len(sub.q) > 0 {
			l := sub.q[0]
			sub.q = sub.q[1:]
			if len(sub.q) > 0 {
				sub.wake()
			}
			sub.mu.Unlock()
			return l, nil
		}
		ended := sub.ended
		sub.mu.Unlock()
		if ended {
			return Line{}, sub.s.closedErr("waiting for " + sub.what())
		}
		select {
		case <-sub.signal:
		case <-ctx.Done():
			return Line{}, ctx.Err()
		}
	}
}

// Signal has a value whenever lines may be waiting, so that a caller can
// select on several subscriptions and then call Next.
func (sub *Subscription) Signal() <-chan struct{} { return sub.signal }

// Dropped counts lines dropped because the reader fell QueueCap lines behind.
func (sub *Subscription) Dropped() int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.dropped
}

// Close stops routing lines to sub; lines already queued stay readable.
func (sub *Subscription) Close() {
	if sub == sub.s.unsol {
		return
	}
	sub.s.unsubscribe(sub)
	sub.end()
}

func (sub *Subscription) what() string {
	if len(sub.prefixes) == 0 {
		return "unsolicited lines"
	}
	return strings.Join(sub.prefixes, " ")
}
