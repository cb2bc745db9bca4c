package upgrade

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// ResultJSON is one module's result as `airfleet upgrade --json` prints it.
type ResultJSON struct {
	Slot        string  `json:"slot"`
	IMEI        string  `json:"imei"`
	Model       string  `json:"model"`
	From        int     `json:"from"`
	To          int     `json:"to"`
	Result      Outcome `json:"result"`
	Code        *int    `json:"code"`
	ModuleError *int    `json:"module_error"`
	HTTPStatus  *int    `json:"http_status"`
	Attempts    int     `json:"attempts"`
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	Message     string  `json:"message"`
}

func nonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// JSON converts a result for --json output.
func (r Result) JSON() ResultJSON {
	return ResultJSON{Slot: r.Slot, IMEI: r.IMEI, Model: r.Model, From: r.From, To: r.To, Result: r.Outcome,
		Code: nonZero(r.Code), ModuleError: nonZero(r.ModuleError), HTTPStatus: nonZero(r.HTTPStatus),
		Attempts: r.Retries + 1, Requests: r.Requests, Seconds: r.Ended.Sub(r.Started).Round(10 * time.Millisecond).Seconds(), Message: r.Message}
}

// Line is one human line for a finished module.
func (r Result) Line() string {
	code := ""
	switch {
	case r.Code != 0:
		code = fmt.Sprintf(" [code %d]", r.Code)
	case r.ModuleError != 0:
		code = fmt.Sprintf(" [error %d]", r.ModuleError)
	}
	imei := r.IMEI
	if imei == "" {
		imei = "-"
	}
	return fmt.Sprintf("%-9s %-9s %-15s %-10s %4d→%-4d %6.1fs%s %s", strings.ToUpper(string(r.Outcome)), r.Slot, imei, r.Model, r.From, r.To,
		r.Ended.Sub(r.Started).Seconds(), code, r.Message)
}

// Summary counts a batch's results.
type Summary struct {
	Summary   bool    `json:"summary"`
	Total     int     `json:"total"`
	Upgraded  int     `json:"upgraded"`
	Current   int     `json:"current"`
	Failed    int     `json:"failed"`
	Held      int     `json:"held"`
	Cancelled int     `json:"cancelled"`
	Requests  int     `json:"requests"`
	Seconds   float64 `json:"seconds"`
	Batch     int64   `json:"batch,omitempty"`
}

// Summarize counts results; elapsed is the batch's wall time.
func Summarize(rs []Result, elapsed time.Duration) Summary {
	s := Summary{Summary: true, Total: len(rs), Seconds: elapsed.Round(10 * time.Millisecond).Seconds()}
	for _, r := range rs {
		s.Requests += r.Requests
		switch r.Outcome {
		case Upgraded:
			s.Upgraded++
		case Current:
			s.Current++
		case Failed:
			s.Failed++
		case Held:
			s.Held++
		case Cancelled:
			s.Cancelled++
		}
	}
	return s
}

// OK reports whether every module ended upgraded or current.
func (s Summary) OK() bool { return s.Upgraded+s.Current == s.Total }

func (s Summary) String() string {
	return fmt.Sprintf("%d modules in %.1fs: %d upgraded, %d current, %d failed, %d held, %d cancelled; %d requests to the server",
		s.Total, s.Seconds, s.Upgraded, s.Current, s.Failed, s.Held, s.Cancelled, s.Requests)
}

// MarshalLine encodes v as one JSON line without HTML escaping.
func MarshalLine(v any) []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(fmt.Sprintf("{\"error\":%q}\n", err.Error()))
	}
	return []byte(b.String())
}

// Progress follows events and renders a one-line status of the batch.
type Progress struct {
	mu     sync.Mutex
	states map[string]State // by slot
	pct    map[string]int
	start  time.Time
}

// NewProgress starts a status at now.
func NewProgress(now time.Time) *Progress {
	return &Progress{states: map[string]State{}, pct: map[string]int{}, start: now}
}

// Observe takes one event.
func (p *Progress) Observe(e Event) {
	if e.Slot == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states[e.Slot] = e.Step
	if e.Step == StateDownloading {
		p.pct[e.Slot] = e.Percent
	}
}

// Line renders the status, e.g. "0:42  16 modules: 3 downloading, 2 rebooting, 5 passed".
func (p *Progress) Line(now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	counts := map[State]int{}
	for _, s := range p.states {
		counts[s]++
	}
	var parts []string
	for s, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, s))
	}
	sort.Strings(parts)
	el := now.Sub(p.start).Round(time.Second)
	return fmt.Sprintf("%d:%02d  %d modules: %s", int(el.Minutes()), int(el.Seconds())%60, len(p.states), strings.Join(parts, ", "))
}

// Live keeps a status line of the batch at the bottom of a terminal while
// result lines are printed above it.
type Live struct {
	mu     sync.Mutex
	out    io.Writer // results
	status io.Writer // the status line; nil draws none
	stop   chan struct{}
	done   chan struct{}
}

// Live starts redrawing p's status line on status every interval (no line
// at all when status is nil, e.g. when output is piped); Print writes
// result lines to out above it; Stop ends it and clears the line.
func (p *Progress) Live(out, status io.Writer, every time.Duration) *Live {
	l := &Live{out: out, status: status, stop: make(chan struct{}), done: make(chan struct{})}
	if status == nil {
		close(l.done)
		return l
	}
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.mu.Lock()
				fmt.Fprint(l.status, "\r\033[K"+p.Line(time.Now()))
				l.mu.Unlock()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

// Print writes one result line above the status line.
func (l *Live) Print(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status != nil {
		fmt.Fprint(l.status, "\r\033[K")
	}
	l.out.Write(b)
}

// Stop ends the redraws and clears the status line.
func (l *Live) Stop() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	if l.status != nil {
		fmt.Fprint(l.status, "\r\033[K")
	}
}
