package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// eventsMsg carries module transitions from the forwarder, oldest first.
// Download progress of one slot may have been coalesced; every other
// transition, and every final state, is present.
type eventsMsg struct{ Events []upgrade.Event }

// eventsClosedMsg says that the engine closed its event channel.
type eventsClosedMsg struct{}

// maxBatch bounds how many events one eventsMsg carries, so that a flood of
// events still reaches the screen in steps.
const maxBatch = 512

// frameInterval is the renderer's frame time (60 fps): the forwarder sends
// at most one batch per frame, since the screen cannot show more.
const frameInterval = time.Second / 60

// forward is the one goroutine that moves events from the engine into the
// program. An event after a quiet spell goes at once; in a burst, the
// events of one frame travel together: the forwarder keeps taking events
// until the frame is over, so that 256 modules starting at once cost 60
// Update+View a second, not one per event, and a key press waits behind
// at most one of them. It also blocks in send while the program is busy.
// Consecutive download progress of one slot collapses into the latest. It
// returns when ctx is done or after reporting that the channel closed.
func forward(ctx context.Context, events <-chan upgrade.Event, send func(tea.Msg)) {
	var sent time.Time
	for {
		var first upgrade.Event
		var ok bool
		select {
		case <-ctx.Done():
			return
		case first, ok = <-events:
		}
		if !ok {
			send(eventsClosedMsg{})
			return
		}
		b := newBatch(first)
		open := true
		if wait := frameInterval - time.Since(sent); wait > 0 {
			if open, ok = b.collect(ctx, events, wait); !ok {
				return
			}
		}
		if open {
			open = b.drain(events)
		}
		send(eventsMsg{Events: b.events})
		sent = time.Now()
		if !open {
			send(eventsClosedMsg{})
			return
		}
	}
}

// batch is the events of one message, with each slot's latest index.
type batch struct {
	events []upgrade.Event
	last   map[string]int
}

func newBatch(first upgrade.Event) *batch {
	return &batch{events: []upgrade.Event{first}, last: map[string]int{first.Slot: 0}}
}

func (b *batch) full() bool { return len(b.events) >= maxBatch }

// collect takes events for d, or until the batch is full. open is false
// when the channel closed; ok is false when ctx ended.
func (b *batch) collect(ctx context.Context, events <-chan upgrade.Event, d time.Duration) (open, ok bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	for !b.full() {
		select {
		case <-ctx.Done():
			return true, false
		case <-t.C:
			return true, true
		case e, more := <-events:
			if !more {
				return false, true
			}
			b.add(e)
		}
	}
	return true, true
}

// drain takes whatever else is waiting, without blocking. It returns false
// when the channel closed.
func (b *batch) drain(events <-chan upgrade.Event) (open bool) {
	for !b.full() {
		select {
		case e, ok := <-events:
			if !ok {
				return false
			}
			b.add(e)
		default:
			return true
		}
	}
	return true
}

// add appends e, or replaces the slot's previous event when both are mere
// download progress.
func (b *batch) add(e upgrade.Event) {
	if i, ok := b.last[e.Slot]; ok && isProgress(b.events[i]) && isProgress(e) {
		b.events[i] = e
		return
	}
	b.last[e.Slot] = len(b.events)
	b.events = append(b.events, e)
}

// isProgress reports whether e only moves a download forward.
func isProgress(e upgrade.Event) bool {
	return e.Step.Transferring() && e.Result == nil && e.Code == 0 && e.ModuleError == 0
}
