package upgrade

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
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
		Attempts: r.Retries + 1, Requests: r.Requests, Seconds: seconds(r.Ended.Sub(r.Started)), Message: r.Sentence.In("en")}
}

// seconds is d in seconds, to the millisecond: Duration.Seconds of a
// rounded duration still prints as 1.6600000000000001.
func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond).Milliseconds()) / 1000
}

// Line is one human line for a finished module, in English.
func (r Result) Line() string { return r.LineIn("en") }

// LineIn is one human line for a finished module in lang ("zh" or "en").
func (r Result) LineIn(lang string) string {
	code := ""
	switch {
	case r.Code != 0:
		code = " [" + msgCLICode.With(r.Code).In(lang) + "]"
	case r.ModuleError != 0:
		code = " [" + msgCLIModerr.With(r.ModuleError).In(lang) + "]"
	}
	imei := r.IMEI
	if imei == "" {
		imei = "-"
	}
	msg := r.Sentence.In(lang)
	return fmt.Sprintf("%s %-9s %-15s %-10s %4d→%-4d %6.1fs%s %s", padCells(OutcomeWord(r.Outcome).In(lang), 9), r.Slot, imei, r.Model, r.From, r.To,
		r.Ended.Sub(r.Started).Seconds(), code, msg)
}

// padCells pads s with spaces to width terminal cells (a Chinese
// character takes two).
func padCells(s string, width int) string {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x1100 && (unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xff60)) {
			w++
		}
	}
	if w >= width {
		return s
	}
	return s + strings.Repeat(" ", width-w)
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
	// CancelledBatch is set when the batch was cancelled (Ctrl-C,
	// SIGTERM, SIGHUP) before it ended. Cancelled counts the modules it
	// stopped; FollowedThrough those that were already downloading, which
	// a cancel does not stop: they were followed through their reboot and
	// are counted by how they ended.
	CancelledBatch  bool `json:"cancelled_batch,omitempty"`
	FollowedThrough int  `json:"followed_through,omitempty"`
}

// Summarize counts results; elapsed is the batch's wall time.
func Summarize(rs []Result, elapsed time.Duration) Summary {
	s := Summary{Summary: true, Total: len(rs), Seconds: seconds(elapsed)}
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

// MarkCancelled records that the batch of rs was cancelled at: the modules
// that ended after it, and not as cancelled, were followed through.
func (s *Summary) MarkCancelled(rs []Result, at time.Time) {
	s.CancelledBatch = true
	s.FollowedThrough = 0
	for _, r := range rs {
		if r.Outcome != Cancelled && r.Ended.After(at) {
			s.FollowedThrough++
		}
	}
}

// OK reports whether every module ended upgraded or current, in a batch
// that was not cancelled.
func (s Summary) OK() bool { return s.Upgraded+s.Current == s.Total && !s.CancelledBatch }

// CancelSentence says what a cancel did (empty when the batch was not
// cancelled).
func (s Summary) CancelSentence() Sentence {
	if !s.CancelledBatch {
		return Sentence{}
	}
	return msgCLICancelled.With(s.Cancelled, s.FollowedThrough)
}

func (s Summary) String() string { return s.In("en") }

// In says the summary in lang ("zh" or "en").
func (s Summary) In(lang string) string {
	return msgCLISummary.With(s.Total, s.Seconds, s.Upgraded, s.Current, s.Failed, s.Held, s.Cancelled, s.Requests).In(lang)
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
	// Lang is the language of the live line ("zh" or "en"); set it
	// before Live.
	Lang string
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
	if e.Step.Transferring() {
		p.pct[e.Slot] = e.Percent
	}
}

// Line renders the status in English.
func (p *Progress) Line(now time.Time) string { return p.LineIn(now, "en") }

// progressBar is how many cells the status line's bar has.
const progressBar = 20

// LineIn renders the status in lang, e.g.
// "0:42 [█████░░░░░░░░░░░░░░░] 4/16 done · 3 downloading 41 %, 2 rebooting, 4 passed".
// The bar fills as modules finish; a downloading module counts with its
// percentage, so the bar moves during the long download too.
func (p *Progress) LineIn(now time.Time, lang string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	counts := map[State]int{}
	done, sumPct := 0.0, 0
	for slot, s := range p.states {
		counts[s]++
		switch {
		case s.Final():
			done++
		case s.Transferring():
			done += float64(p.pct[slot]) / 100 * 0.8 // the reboot and the check come after
			sumPct += p.pct[slot]
		case s == StateApplying || s == StateRebooting || s == StateVerifying || s == StateRestoring:
			done += 0.8
		}
	}
	var parts []string
	for _, s := range stateOrder {
		n := counts[s]
		if n == 0 {
			continue
		}
		part := msgCLICount.With(n, s.Name().With()).In(lang)
		if s.Transferring() {
			part += fmt.Sprintf(" %d %%", sumPct/n)
		}
		parts = append(parts, part)
	}
	total := len(p.states)
	filled := 0
	if total > 0 {
		filled = int(done / float64(total) * progressBar)
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", progressBar-filled)
	finished := counts[StatePassed] + counts[StateCurrent] + counts[StateFailed] + counts[StateHeld] + counts[StateCancelled]
	el := now.Sub(p.start).Round(time.Second)
	sep := ", "
	if lang == "zh" {
		sep = ","
	}
	return fmt.Sprintf("%d:%02d [%s] %s · %s", int(el.Minutes()), int(el.Seconds())%60, bar,
		msgCLIDone.With(finished, total).In(lang), strings.Join(parts, sep))
}

// stateOrder is the order a module goes through the states, for the
// status line.
var stateOrder = []State{StateIdle, StateIdentifying, StateWaitNetwork, StateConfiguring, StateWaitPlatform,
	StateRequesting, StateDownloading, StateWriting, StateApplying, StateRebooting, StateVerifying, StateRestoring, StateDisconnected,
	StatePassed, StateCurrent, StateFailed, StateHeld, StateCancelled}

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
				fmt.Fprint(l.status, "\r\033[K"+p.LineIn(time.Now(), p.Lang))
				l.mu.Unlock()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

// Print writes one result line above the status line.
func (l *Live) Print(b []byte) { l.PrintTo(l.out, b) }

// PrintTo writes b to w above the status line (e.g. a warning to stderr).
func (l *Live) PrintTo(w io.Writer, b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status != nil {
		fmt.Fprint(l.status, "\r\033[K")
	}
	w.Write(b)
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
