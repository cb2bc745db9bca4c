package central

import (
	"context"
	"strings"
	"testing"
	"time"
)

// waitStatus waits until the pusher's status satisfies ok.
func waitStatus(t *testing.T, p *Pusher, what string, ok func(text string, failing bool) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		text, failing := p.Status("en")
		if ok(text, failing) {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: the status still says %q", what, text)
		}
		p.Kick()
		time.Sleep(5 * time.Millisecond)
	}
}

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
	text := waitStatus(t, p, "unreachable with rows waiting", func(s string, failing bool) bool {
		return failing && strings.Contains(s, "central unreachable: 16 rows waiting")
	})
	t.Log(text)
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitStatus(t, p, "all sent", func(s string, failing bool) bool { return s == "central: all sent" })

	// Down again midway, more batches, back.
	if err := server.Halt(); err != nil {
		t.Fatal(err)
	}
	restarted = false
	st.batch(t, "line 1", 2)
	waitStatus(t, p, "unreachable again", func(s string, failing bool) bool {
		return failing && strings.Contains(s, "rows waiting")
	})
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitStatus(t, p, "all sent again", func(s string, failing bool) bool { return s == "central: all sent" })
	db := open(t, url)
	if bad, err := db.Verify(context.Background(), st.s.Reader, PushOptions{}); err != nil || len(bad) != 0 {
		t.Fatalf("Verify: %+v, %v", bad, err)
	}
	if zh, _ := p.Status("zh"); zh != "中央：已全部发送" {
		t.Errorf("status in Chinese: %q", zh)
	}
}
