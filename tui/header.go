package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"airfleet/upgrade"
)

// planMsg carries the batch's plan and whether auto-start is on, read
// from the backend at start and after the settings changed.
type planMsg struct {
	Plan      Plan
	AutoStart bool
}

// loadPlan reads the plan off the Update goroutine.
func loadPlan(b Backend) tea.Cmd {
	return func() tea.Msg { return planMsg{Plan: b.Plan(), AutoStart: b.AutoStart()} }
}

// tickMsg moves the elapsed-time clock; it arrives once a second while a
// batch runs.
type tickMsg struct{ Time time.Time }

// tick asks for the next tickMsg in a second, stamped by now.
func tick(now func() time.Time) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{Time: now()} })
}

// todayMsg carries the station's tallies of the day from the log.
type todayMsg struct {
	Passed, Failed int
	Err            error
}

// queryToday counts the day's passed and failed modules of station off the
// Update goroutine.
func queryToday(h History, station string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		p, f, err := h.CountsToday(station, now)
		return todayMsg{Passed: p, Failed: f, Err: err}
	}
}

// header shows the plan on one line and the counts, today's tallies of
// the station and the elapsed time on a second.
type header struct {
	c       *common
	plan    Plan
	auto    bool // auto-start on plug-in is on
	counts  counts
	today   *todayMsg // nil until the log answered, or without a log
	started time.Time // the start of the latest batch; zero before the first
	now     time.Time // latest tick or event
	width   int
}

// Update takes the plan; the root moves the clock.
func (h *header) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(planMsg); ok {
		h.plan, h.auto = msg.Plan, msg.AutoStart
	}
	return nil
}

// clock moves now forward to t.
func (h *header) clock(t time.Time) {
	if t.After(h.now) {
		h.now = t
	}
}

// start restarts the clock at t, the start of a batch.
func (h *header) start(t time.Time) {
	h.started = t
	h.clock(t)
}

// SetSize sets the width; the header is always two lines.
func (h *header) SetSize(width, _ int) { h.width = width }

// Keys: the header answers to no key.
func (h *header) Keys() []*key.Binding { return nil }

// View renders the two header lines.
func (h *header) View() string {
	return h.planLine() + "\n" + h.countLine()
}

func (h *header) planLine() string {
	s, l := h.c.styles, h.c.lang
	field := func(label *upgrade.Message, value string) string {
		return "  " + s.Label.Render(l.T(label)+" ") + value
	}
	mode := l.T(h.plan.Mode.Name())
	switch h.plan.Mode {
	case upgrade.ModeKey:
		mode += " " + h.plan.KeyMasked
	case upgrade.ModeURL, upgrade.ModeLocal:
		mode += " " + h.plan.URL
	case "":
		mode = "-"
	}
	target := l.T(msgHdrLatest)
	if h.plan.Target != 0 {
		target = strconv.Itoa(h.plan.Target)
	}
	line := s.Title.Render(l.T(msgAppTitle)) +
		field(msgHdrTarget, target) +
		field(msgHdrConcurrency, concurrency(h.plan.Concurrency, l)) +
		field(msgHdrStation, orDash(h.plan.Station)) +
		field(msgHdrMode, mode)
	if h.plan.Operator != "" {
		line += field(msgHdrOperator, h.plan.Operator)
	}
	return ansi.Truncate(line, h.width, "…")
}

func (h *header) countLine() string {
	s, l, c := h.c.styles, h.c.lang, h.counts
	// Most telling first: when the line is too narrow, the tail goes.
	parts := []string{s.Label.Render(l.T(msgHdrTotal)) + " " + strconv.Itoa(c.total)}
	if h.auto { // next to the total: it changes what plugging in does
		parts = append(parts, s.Tone[toneAccent].Render(l.T(msgHdrAuto)))
	}
	for _, g := range []struct {
		key *upgrade.Message
		n   int
		t   tone
	}{
		{msgCountPassed, c.passed, toneOK},
		{msgCountFailed, c.failed, toneFail},
		{msgCountRunning, c.running, toneAccent},
		{msgCountWaiting, c.waiting, toneWarn},
		{msgCountHeld, c.held, toneWarn},
		{msgCountDisconnected, c.disconnected, toneWarn},
		{msgCountCancelled, c.cancelled, toneMuted},
		{msgCountIdle, c.idle, toneMuted},
	} {
		if g.n > 0 {
			parts = append(parts, s.tone[g.t].apply(l.T(g.key)+" "+strconv.Itoa(g.n)))
		}
	}
	var right []string
	if t := h.today; t != nil {
		right = append(right, h.todayText(*t, h.width < wideAt))
	}
	if !h.started.IsZero() {
		right = append(right, s.Label.Render(l.T(msgHdrElapsed))+" "+elapsed(h.now.Sub(h.started)))
	}
	return h.spread(parts, strings.Join(right, "  "))
}

// todayText is the station's tallies of the day, in modules: "modules
// today here: passed N / failed M", or "modules today ✔N ✘M" when short.
func (h *header) todayText(t todayMsg, short bool) string {
	s, l := h.c.styles, h.c.lang
	label := l.T(msgHdrToday)
	if short {
		label = l.T(msgHdrTodayshort)
	}
	if t.Err != nil {
		return s.Label.Render(label) + " " + s.tone[toneWarn].apply("?")
	}
	passed, failed := l.T(msgCountPassed)+" "+strconv.Itoa(t.Passed), l.T(msgCountFailed)+" "+strconv.Itoa(t.Failed)
	sep := " / "
	if short {
		passed, failed, sep = "✔"+strconv.Itoa(t.Passed), "✘"+strconv.Itoa(t.Failed), " "
	}
	ft := toneMuted
	if t.Failed > 0 {
		ft = toneFail
	}
	return s.Label.Render(label) + " " + s.tone[toneOK].apply(passed) + s.Label.Render(sep) + s.tone[ft].apply(failed)
}

// spread puts the parts on the left, dropping the last while they do not
// fit, and right on the right.
func (h *header) spread(parts []string, right string) string {
	left := strings.Join(parts, "  ")
	for len(parts) > 1 && ansi.StringWidth(left)+2+ansi.StringWidth(right) > h.width {
		parts = parts[:len(parts)-1]
		left = strings.Join(parts, "  ")
	}
	gap := h.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 2 {
		return ansi.Truncate(left+"  "+right, h.width, "…")
	}
	return left + spaces(gap) + right
}

// elapsed shows a duration as m:ss or h:mm:ss.
func elapsed(d time.Duration) string {
	d = max(0, d.Round(time.Second))
	hh, mm, ss := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if hh > 0 {
		return fmt.Sprintf("%d:%02d:%02d", hh, mm, ss)
	}
	return fmt.Sprintf("%02d:%02d", mm, ss)
}

// concurrency shows the batch's limit; 0 means every module at once.
func concurrency(n int, l lang) string {
	if n <= 0 {
		return l.T(msgHdrAll)
	}
	return strconv.Itoa(n)
}
