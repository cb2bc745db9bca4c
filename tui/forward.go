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
// events of one frame travel together, so that 256 modules starting at
// once cost 60 Update+View a second, not one per event, and a key press
// waits behind at most one of them. It also blocks in send while the
// program is busy. Whatever arrives meanwhile is drained into the next
// batch, where consecutive download progress of one slot collapses into
// the latest. It returns when ctx is done or after reporting that the
// channel closed.
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
		if wait := frameInterval - time.Since(sent); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		batch, open := drain(first, events)
		send(eventsMsg{Events: batch})
		sent = time.Now()
		if !open {
			send(eventsClosedMsg{})
			return
		}
	}
}

// drain collects first and whatever else is waiting, without blocking.
func drain(first upgrade.Event, events <-chan upgrade.Event) (batch []upgrade.Event, open bool) {
	batch = []upgrade.Event{first}
	last := map[string]int{first.Slot: 0}
	for len(batch) < maxBatch {
		select {
		case e, ok := <-events:
			if !ok {
				return batch, false
			}
			batch = coalesce(batch, last, e)
		default:
			return batch, true
		}
	}
	return batch, true
}

// coalesce appends e, or replaces the slot's previous event when both are
// mere download progress. last maps a slot to its latest index in batch.
func coalesce(batch []upgrade.Event, last map[string]int, e upgrade.Event) []upgrade.Event {
	if i, ok := last[e.Slot]; ok && isProgress(batch[i]) && isProgress(e) {
		batch[i] = e
		return batch
	}
	last[e.Slot] = len(batch)
	return append(batch, e)
}

// isProgress reports whether e only moves a download forward.
func isProgress(e upgrade.Event) bool {
	return e.Step == upgrade.StateDownloading && e.Result == nil && e.Code == 0 && e.ModErr == 0
}
