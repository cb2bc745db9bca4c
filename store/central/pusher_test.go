package central

import (
	"context"
	"errors"
	"testing"
	"time"
)

// waitStatus waits until the pusher's status satisfies ok.
func waitStatus(t *testing.T, p *Pusher, what string, ok func(s PushStatus) bool) PushStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := p.Status()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: the status is still %+v", what, s)
		}
		p.Kick()
		time.Sleep(5 * time.Millisecond)
	}
}

// allSent: the pusher has tried and the centre holds every row.
func allSent(s PushStatus) bool { return s.Tried && s.Err == nil && s.Waiting == 0 }

// A station that works while the centre is down (from the start, then
// again midway) keeps upgrading, says how many rows wait, and catches up
// when the centre comes back: every row once.
func TestPusherCentreDown(t *testing.T) {
	url := newCentral(t)
	st := openStation(t, "a")
	if err := server.Halt(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			server.Restart() //nolint:errcheck
		}
	}()
	p := StartPusher(url, st.s, PushOptions{Chunk: 50}, 10*time.Millisecond)
	defer p.Stop()
	st.batch(t, "line 1", 3) // the station upgrades meanwhile (16 rows): its log never waits
	down := waitStatus(t, p, "unreachable with rows waiting", func(s PushStatus) bool {
		return s.Failing() && errors.Is(s.Err, ErrUnreachable) && s.Waiting == 16
	})
	t.Logf("%+v", down)
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitStatus(t, p, "all sent", allSent)

	// Down again midway, more batches, back.
	if err := server.Halt(); err != nil {
		t.Fatal(err)
	}
	restarted = false
	st.batch(t, "line 1", 2)
	waitStatus(t, p, "unreachable again", func(s PushStatus) bool {
		return s.Failing() && errors.Is(s.Err, ErrUnreachable) && s.Waiting > 0
	})
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitStatus(t, p, "all sent again", allSent)
	db := open(t, url)
	if bad, err := db.Verify(context.Background(), st.s.Reader, PushOptions{}); err != nil || len(bad) != 0 {
		t.Fatalf("Verify: %+v, %v", bad, err)
	}
	if s := p.Status(); !allSent(s) || s.Failing() {
		t.Errorf("status after the catch-up: %+v", s)
	}
}
