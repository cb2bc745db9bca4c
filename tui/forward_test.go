package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

func progress(slot string, p int) upgrade.Event {
	return upgrade.Event{Slot: slot, Step: upgrade.StateDownloading, Percent: p}
}

func TestForwardCoalescesProgress(t *testing.T) {
	ch := make(chan upgrade.Event, 16)
	for _, e := range []upgrade.Event{
		progress("A", 10), progress("A", 20), progress("B", 5), progress("A", 30),
		{Slot: "A", Step: upgrade.StatePassed}, progress("B", 6),
	} {
		ch <- e
	}
	close(ch)
	var got []tea.Msg
	forward(context.Background(), ch, func(m tea.Msg) { got = append(got, m) })
	if len(got) != 2 {
		t.Fatalf("got %d messages, want a batch and the close: %#v", len(got), got)
	}
	batch := got[0].(eventsMsg).Events
	want := []string{"A downloading 30", "B downloading 6", "A passed 0"}
	if len(batch) != len(want) {
		t.Fatalf("batch %v, want %v", batch, want)
	}
	for i, e := range batch {
		if s := fmt.Sprintf("%s %s %d", e.Slot, e.Step, e.Percent); s != want[i] {
			t.Errorf("event %d = %s, want %s", i, s, want[i])
		}
	}
	if _, ok := got[1].(eventsClosedMsg); !ok {
		t.Errorf("last message %T, want eventsClosedMsg", got[1])
	}
}

// TestForwardNeverDropsFinals floods the forwarder from a producer while the
// consumer is slow, and checks that every slot's progress arrives in order
// and its final state arrives last.
func TestForwardNeverDropsFinals(t *testing.T) {
	const slots, steps = 40, 200
	ch := make(chan upgrade.Event, 64)
	go func() {
		for p := 0; p < steps; p++ {
			for s := 0; s < slots; s++ {
				ch <- progress(fmt.Sprint(s), p*100/steps)
			}
		}
		for s := 0; s < slots; s++ {
			step := upgrade.StatePassed
			if s%3 == 0 {
				step = upgrade.StateFailed
			}
			ch <- upgrade.Event{Slot: fmt.Sprint(s), Step: step}
		}
		close(ch)
	}()
	msgs := make(chan tea.Msg) // unbuffered: each send waits for the test
	go forward(context.Background(), ch, func(m tea.Msg) { msgs <- m })

	last := map[string]int{}
	final := map[string]upgrade.State{}
	total := 0
	for m := range msgs {
		if _, ok := m.(eventsClosedMsg); ok {
			break
		}
		for _, e := range m.(eventsMsg).Events {
			total++
			if final[e.Slot] != "" {
				t.Fatalf("slot %s: %s after final %s", e.Slot, e.Step, final[e.Slot])
			}
			if e.Step.Final() {
				final[e.Slot] = e.Step
				continue
			}
			if e.Percent < last[e.Slot] {
				t.Fatalf("slot %s went back from %d to %d", e.Slot, last[e.Slot], e.Percent)
			}
			last[e.Slot] = e.Percent
		}
	}
	if len(final) != slots {
		t.Fatalf("%d final states arrived, want %d", len(final), slots)
	}
	t.Logf("%d events forwarded of %d", total, slots*(steps+1))
}

func TestForwardStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		forward(ctx, make(chan upgrade.Event), func(tea.Msg) {})
		close(done)
	}()
	cancel()
	<-done
}

// TestForwardPacesBursts: however fast events come, the program gets at
// most one batch per frame (plus the first, and full ones), and none is
// lost.
func TestForwardPacesBursts(t *testing.T) {
	const total = 3000
	ch := make(chan upgrade.Event, 64)
	go func() {
		for i := range total {
			ch <- upgrade.Event{Slot: fmt.Sprint(i % 256), Step: upgrade.StateConfiguring}
		}
		close(ch)
	}()
	start := time.Now()
	msgs, events := 0, 0
	forward(context.Background(), ch, func(m tea.Msg) {
		if b, ok := m.(eventsMsg); ok {
			msgs++
			events += len(b.Events)
		}
	})
	elapsed := time.Since(start)
	if events != total {
		t.Fatalf("%d events arrived, want %d", events, total)
	}
	// One per frame, plus the first, plus those sent early because they
	// were full.
	if limit := 1 + int(elapsed/frameInterval) + (total+maxBatch-1)/maxBatch; msgs > limit {
		t.Fatalf("%d batches in %s: more than one per %s frame and full batch (%d)", msgs, elapsed, frameInterval, limit)
	}
}

// TestForwardKeepsUpWithBursts: while it waits out a frame, the forwarder
// keeps taking events, so a burst reaches the program in a few full
// batches, not a trickle of one per frame. (Sleeping through the frame
// left the console seconds behind the engine while 256 modules were
// identified, and a start-all missed the modules it had not shown yet.)
func TestForwardKeepsUpWithBursts(t *testing.T) {
	const total = 3000
	ch := make(chan upgrade.Event) // unbuffered, as a slow pump would be
	go func() {
		for i := range total {
			ch <- upgrade.Event{Slot: fmt.Sprint(i % 256), Step: upgrade.StateIdentifying}
		}
		close(ch)
	}()
	msgs, events := 0, 0
	forward(context.Background(), ch, func(m tea.Msg) {
		if b, ok := m.(eventsMsg); ok {
			msgs++
			events += len(b.Events)
		}
	})
	if events != total {
		t.Fatalf("%d events arrived, want %d", events, total)
	}
	if msgs > total/50 {
		t.Fatalf("%d events came in %d batches (%.1f per batch): the forwarder does not take events while it waits", total, msgs, float64(total)/float64(msgs))
	}
}
