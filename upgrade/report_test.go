package upgrade

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is a bytes.Buffer safe for the Live goroutine and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLiveStatusLine(t *testing.T) {
	p := NewProgress(time.Now())
	p.Observe(Event{Slot: "1-1.1", Step: StateDownloading, Percent: 40})
	var out, status syncBuf
	l := p.Live(&out, &status, time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(status.String(), "1 downloading") {
		if time.Now().After(deadline) {
			t.Fatalf("no status line drawn: %q", status.String())
		}
		time.Sleep(time.Millisecond) // polling the drawn output
	}
	l.Print([]byte("PASSED 1-1.1\n"))
	l.Stop()
	if out.String() != "PASSED 1-1.1\n" {
		t.Fatalf("results %q", out.String())
	}
	if !strings.HasSuffix(status.String(), "\r\033[K") {
		t.Fatalf("the status line was not cleared: %q", status.String())
	}

	// Piped: no status line at all.
	var piped syncBuf
	l = p.Live(&piped, nil, time.Millisecond)
	l.Print([]byte("x\n"))
	l.Stop()
	if piped.String() != "x\n" {
		t.Fatalf("piped output %q", piped.String())
	}
}

func TestSummary(t *testing.T) {
	now := time.Now()
	rs := []Result{{Outcome: Upgraded, Requests: 1}, {Outcome: Current}, {Outcome: Failed, Requests: 2}, {Outcome: Held}}
	s := Summarize(rs, 3*time.Second)
	if s.Total != 4 || s.Upgraded != 1 || s.Current != 1 || s.Failed != 1 || s.Held != 1 || s.Requests != 3 || s.OK() {
		t.Fatalf("%+v", s)
	}
	if !Summarize(rs[:2], time.Second).OK() {
		t.Fatal("upgraded and current should be OK")
	}
	j := Result{Slot: "1-1.1", IMEI: "861234567890123", Outcome: Failed, Code: 25, ModuleError: -1004, HTTPStatus: 400, Started: now, Ended: now.Add(1500 * time.Millisecond)}.JSON()
	if *j.Code != 25 || *j.ModuleError != -1004 || j.Attempts != 1 || j.Seconds != 1.5 {
		t.Fatalf("%+v", j)
	}
	if k := (Result{Outcome: Upgraded}).JSON(); k.Code != nil || k.ModuleError != nil || k.HTTPStatus != nil {
		t.Fatal("absent codes must be null")
	}
}
