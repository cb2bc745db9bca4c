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

// The CLI speaks the operator's language: result line, summary and live
// line; the live line's bar fills with finished and downloading modules.
func TestReportInChinese(t *testing.T) {
	now := time.Now()
	r := Result{Slot: "1-1.2", IMEI: "864468068303845", Model: "Air780EP", From: 1006, To: 1006, Outcome: Failed,
		Code: 25, Started: now, Ended: now.Add(2 * time.Second), Sentence: MsgCode.With(25)}
	if got := r.LineIn("zh"); !strings.HasPrefix(got, "失败      1-1.2") || !strings.Contains(got, "[代码 25]") || !strings.Contains(got, "未找到项目") {
		t.Errorf("zh line: %q", got)
	}
	if got := r.Line(); !strings.HasPrefix(got, "FAILED    1-1.2") || !strings.Contains(got, "[code 25]") || !strings.Contains(got, "invalid project") {
		t.Errorf("en line: %q", got)
	}
	s := Summarize([]Result{r, {Outcome: Upgraded, Requests: 1}}, 3*time.Second)
	if got := s.In("zh"); got != "2 个模块,用时 3.0s:已升级 1,无需升级 0,失败 1,暂缓 0,已取消 0;向服务器请求 1 次" {
		t.Errorf("zh summary: %q", got)
	}

	p := NewProgress(now)
	p.Observe(Event{Slot: "a", Step: StatePassed})
	p.Observe(Event{Slot: "b", Step: StateDownloading, Percent: 50})
	p.Observe(Event{Slot: "c", Step: StateWaitPlatform})
	p.Observe(Event{Slot: "d", Step: StateFailed})
	// 2 finished + 0.5×0.8 of one: 2.4 of 4 modules = 12 of 20 cells.
	want := "0:42 [" + strings.Repeat("█", 12) + strings.Repeat("░", 8) + "] "
	if got := p.LineIn(now.Add(42*time.Second), "en"); got != want+"2/4 done · 1 waiting for the platform, 1 downloading 50 %, 1 passed, 1 failed" {
		t.Errorf("en live line: %q", got)
	}
	if got := p.LineIn(now.Add(42*time.Second), "zh"); got != want+"完成 2/4 · 等待平台 1,下载中 1 50 %,成功 1,失败 1" {
		t.Errorf("zh live line: %q", got)
	}
}

// --json prints seconds rounded to the millisecond, not the float noise of
// Duration.Seconds ("seconds":1.6600000000000001, issue 10.17).
func TestJSONSeconds(t *testing.T) {
	start := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{1660 * time.Millisecond, 1661400 * time.Microsecond, 1659600 * time.Microsecond, 70*time.Second + 300*time.Millisecond} {
		r := Result{Outcome: Upgraded, Started: start, Ended: start.Add(d)}
		want := `"seconds":` + strings.TrimRight(strings.TrimRight(strings.TrimSuffix(d.Round(time.Millisecond).String(), "s"), "0"), ".")
		if d >= time.Minute {
			want = `"seconds":70.3`
		}
		if line := string(MarshalLine(r.JSON())); !strings.Contains(line, want+",") {
			t.Errorf("%v: %s, want %s", d, line, want)
		}
		s := Summarize([]Result{r}, d)
		if line := string(MarshalLine(s)); !strings.Contains(line, want+",") && !strings.Contains(line, want+"}") {
			t.Errorf("summary of %v: %s, want %s", d, line, want)
		}
	}
}

// A cancelled batch is not OK even when every module ended well, and its
// summary counts the modules followed through after the cancel.
func TestSummaryCancelled(t *testing.T) {
	at := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	rs := []Result{
		{Outcome: Upgraded, Ended: at.Add(-time.Second)}, // before the cancel
		{Outcome: Upgraded, Ended: at.Add(40 * time.Second)},
		{Outcome: Failed, Ended: at.Add(60 * time.Second)}, // did not come back
		{Outcome: Cancelled, Ended: at.Add(time.Second)},
	}
	s := Summarize(rs, time.Minute)
	if s.CancelSentence().Key() != "" {
		t.Errorf("a batch not cancelled has a cancel note: %v", s.CancelSentence())
	}
	s.MarkCancelled(rs, at)
	if !s.CancelledBatch || s.FollowedThrough != 2 || s.Cancelled != 1 || s.OK() {
		t.Errorf("%+v: want a cancelled batch, 2 followed through, 1 cancelled, not OK", s)
	}
	all := Summarize(rs[:2], time.Minute)
	all.MarkCancelled(rs[:2], at)
	if all.OK() {
		t.Error("a cancelled batch whose modules all upgraded is OK")
	}
	for lang, want := range map[string]string{"en": "cancelled: 1 stopped", "zh": "本批已取消:1 个模块已停止"} {
		if got := s.CancelSentence().In(lang); !strings.Contains(got, want) {
			t.Errorf("%s: %q does not say %q", lang, got, want)
		}
	}
}
