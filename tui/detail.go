package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"airfleet/store"
	"airfleet/upgrade"
)

// transcriptMsg carries the AT transcript of the module in Slot.
type transcriptMsg struct {
	Slot  string
	Lines []string
}

// fetchTranscript reads a transcript off the Update goroutine.
func fetchTranscript(b Backend, slot string) tea.Cmd {
	return func() tea.Msg { return transcriptMsg{Slot: slot, Lines: b.Transcript(slot)} }
}

// imeiHistoryMsg carries a module's attempts from the log, newest first.
type imeiHistoryMsg struct {
	IMEI string
	Rows []store.AttemptRow
	Err  error
}

// fetchIMEIHistory reads a module's attempts off the Update goroutine.
func fetchIMEIHistory(h History, imei string) tea.Cmd {
	return func() tea.Msg {
		rows, err := h.History(imei)
		return imeiHistoryMsg{IMEI: imei, Rows: rows, Err: err}
	}
}

// wideDetail is the width from which the transcript sits beside the rest.
const wideDetail = 120

// Attempts from the log that the pane shows, narrow and wide.
const (
	logRowsNarrow = 3
	logRowsWide   = 6
)

// detail is the pane about one module: identity, state and codes, what a
// failure means and what to do, its events, and its AT transcript.
type detail struct {
	c          *common
	slot       string   // the module shown
	info       []string // rendered lines beside or above the transcript
	transcript []string
	pending    bool // a fetch is on its way
	stale      bool // refetch when it arrives
	vp         viewport.Model

	// The events: the chosen one is shown whole, the others on one line
	// each. The scrolling keys move the choice, or, with onTranscript,
	// the transcript; tab switches.
	onTranscript bool
	evSel        int    // the chosen event, an index into the row's events
	evLatest     bool   // the choice follows the newest event
	evCount      int    // the row's events at the last sync
	evHeight     int    // the lines the events had at the last sync
	evSelLines   [2]int // the lines of the chosen event in eventBlock

	// The module's attempts from the log, when there is a log.
	logOn                bool
	logIMEI              string
	logRows              []store.AttemptRow
	logErr               error
	logKnown             bool // logRows is the answer for logIMEI
	logPending, logStale bool
	width                int
	height               int
}

func newDetail(c *common, logOn bool) *detail {
	vp := viewport.New()
	vp.SoftWrap = true
	return &detail{c: c, vp: vp, logOn: logOn}
}

// showLog asks the log for the attempts of the module shown, if it has an
// IMEI and there is a log.
func (d *detail) showLog(h History, imei string) tea.Cmd {
	if d.logIMEI != imei {
		d.logIMEI, d.logRows, d.logErr, d.logKnown, d.logStale = imei, nil, nil, false, false
	}
	return d.refreshLog(h)
}

// refreshLog asks for the module's attempts again, one query at a time.
func (d *detail) refreshLog(h History) tea.Cmd {
	if h == nil || d.logIMEI == "" {
		return nil
	}
	if d.logPending {
		d.logStale = true
		return nil
	}
	d.logPending = true
	return fetchIMEIHistory(h, d.logIMEI)
}

// gotLog takes a module's attempts; it asks again when the log changed
// meanwhile. It reports whether the pane must be laid out again.
func (d *detail) gotLog(h History, msg imeiHistoryMsg) (tea.Cmd, bool) {
	if msg.IMEI != d.logIMEI { // the pane moved on meanwhile
		d.logPending, d.logStale = false, false
		return d.refreshLog(h), false
	}
	d.logPending = false
	d.logRows, d.logErr, d.logKnown = msg.Rows, msg.Err, true
	if d.logStale {
		d.logStale = false
		return d.refreshLog(h), true
	}
	return nil, true
}

// logLines are the newest of the module's attempts from the log: date,
// from→to, result and code.
func (d *detail) logLines(width int) []string {
	if !d.logOn || d.logIMEI == "" {
		return nil
	}
	s, l := d.c.styles, d.c.lang
	out := []string{s.Section.Render(l.T(msgDetLog))}
	muted := s.Tone[toneMuted]
	switch {
	case d.logErr != nil:
		return append(out, wrap(l.F(msgHistError, d.logErr), width)...)
	case !d.logKnown:
		return append(out, muted.Render(l.T(msgHistLoading)))
	case len(d.logRows) == 0:
		return append(out, muted.Render(l.T(msgDetNolog)))
	}
	n := logRowsNarrow
	if d.wide() {
		n = logRowsWide
	}
	for _, a := range d.logRows[:min(n, len(d.logRows))] {
		line := d.c.local(a.Started).Format(histTime) + "  " + pad(versions(a.FromVersion, a.ToVersion), 9) + "  " +
			resultText(a.Result, l)
		if c := attemptCode(a); c != "" {
			line += "  " + c
		}
		out = append(out, s.Tone[resultTone(a.Result)].Render(ansi.Truncate(line, width, "…")))
	}
	if more := len(d.logRows) - n; more > 0 {
		out = append(out, muted.Render(ansi.Truncate(l.F(msgDetLogmore, more), width, "…")))
	}
	return out
}

// show switches the pane to the module in slot and asks for its transcript.
func (d *detail) show(b Backend, r *row) tea.Cmd {
	d.slot, d.transcript, d.pending, d.stale = r.slot, nil, false, false
	d.onTranscript, d.evLatest = false, true
	d.sync(r)
	d.setTranscript(nil)
	return d.refresh(b)
}

// refresh asks for the transcript again, at most one request at a time.
func (d *detail) refresh(b Backend) tea.Cmd {
	if d.pending {
		d.stale = true
		return nil
	}
	d.pending = true
	return fetchTranscript(b, d.slot)
}

// gotTranscript takes a fetched transcript; it returns a new fetch when
// events came in meanwhile.
func (d *detail) gotTranscript(b Backend, msg transcriptMsg) tea.Cmd {
	if msg.Slot != d.slot {
		return nil
	}
	d.pending = false
	d.setTranscript(msg.Lines)
	if d.stale {
		d.stale = false
		return d.refresh(b)
	}
	return nil
}

func (d *detail) setTranscript(lines []string) {
	d.transcript = lines
	follow := d.vp.AtBottom() || d.vp.TotalLineCount() == 0
	out := make([]string, 0, max(1, len(lines)))
	for _, l := range lines {
		l = clean(l)
		if strings.HasPrefix(l, ">") {
			l = d.c.styles.Tone[toneAccent].Render(l)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		out = append(out, d.c.styles.Tone[toneMuted].Render(d.c.lang.T(msgDetNotranscript)))
	}
	d.vp.SetContentLines(out)
	if follow {
		d.vp.GotoBottom()
	}
}

// clean drops control characters that would upset the screen.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, ansi.Strip(s))
}

// Update switches between the events and the transcript on tab, and
// moves the chosen event or scrolls the transcript; call sync afterwards.
func (d *detail) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	keys := &d.c.keys
	if key.Matches(k, keys.Switch) {
		d.onTranscript = !d.onTranscript
		return nil
	}
	if d.onTranscript {
		d.scrollTranscript(k)
		return nil
	}
	sel, page := d.evSel, max(1, d.evHeight-1)
	switch {
	case key.Matches(k, keys.Up):
		sel--
	case key.Matches(k, keys.Down):
		sel++
	case key.Matches(k, keys.PageUp):
		sel -= page
	case key.Matches(k, keys.PageDown):
		sel += page
	case key.Matches(k, keys.Home):
		sel = 0
	case key.Matches(k, keys.End):
		sel = d.evCount - 1
	}
	d.evSel = max(0, min(sel, d.evCount-1))
	d.evLatest = d.evSel == d.evCount-1
	return nil
}

func (d *detail) scrollTranscript(k tea.KeyPressMsg) { d.c.scroll(&d.vp, k) }

// SetSize sets the pane's size; call sync afterwards.
func (d *detail) SetSize(width, height int) { d.width, d.height = width, height }

// Keys are the scrolling keys and tab.
func (d *detail) Keys() []*key.Binding {
	k := &d.c.keys
	return []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End, &k.Switch}
}

// localizeKeys says in the footer what the scrolling keys scroll and where
// tab goes.
func (d *detail) localizeKeys() {
	k, l := &d.c.keys, d.c.lang
	scroll, other := msgKeyScrollevents, msgKeyTotranscript
	if d.onTranscript {
		scroll, other = msgKeyScrolltranscript, msgKeyToevents
	}
	k.Up.SetHelp("↑↓", l.T(scroll))
	k.Switch.SetHelp("tab", l.T(other))
}

// wide reports whether the transcript sits beside the information.
func (d *detail) wide() bool { return d.width >= wideDetail }

// sync lays the pane out again for module r: after its events, a resize or
// a change of language.
func (d *detail) sync(r *row) {
	infoW, vpW := d.width, d.width
	if d.wide() {
		infoW = d.width/2 - 2
		vpW = d.width - infoW - 3
	}
	top := d.summary(r, infoW)
	d.evCount = len(r.events)
	if d.evLatest || d.evSel >= d.evCount {
		d.evSel = max(0, d.evCount-1)
	}
	evs := d.eventBlock(r, infoW)
	var evH, vpH int
	if d.wide() {
		evH = max(0, d.height-len(top)-1)
		vpH = max(1, d.height-1)
	} else {
		// The part with the keys gets the room; the other keeps a few lines.
		rest := max(0, d.height-len(top)-2)
		few := min(3, rest/3)
		if d.onTranscript {
			evH = min(len(evs), few)
		} else {
			evH = max(min(len(evs), rest-few), min(len(evs), rest/2))
		}
		vpH = max(1, rest-evH)
	}
	d.evHeight = evH
	d.info = append(top, d.c.styles.Section.Render(d.c.lang.T(msgDetEvents)))
	d.info = append(d.info, window(evs, d.evSelLines, evH)...)
	// A transcript that showed its end keeps showing it at the new size.
	follow := d.vp.AtBottom() || d.vp.TotalLineCount() == 0
	d.vp.SetWidth(vpW)
	d.vp.SetHeight(vpH)
	if len(d.transcript) > 0 || d.vp.TotalLineCount() > 0 {
		d.setTranscript(d.transcript)
	}
	if follow {
		d.vp.GotoBottom()
	}
}

// summary is the title, identity, state and explanation lines.
func (d *detail) summary(r *row, width int) []string {
	s, l := d.c.styles, d.c.lang
	kv := func(k *upgrade.Message, v string) string { return s.Label.Render(l.T(k)) + " " + v }
	lines := []string{
		s.Section.Render(l.F(msgDetTitle, r.slot)),
		kv(msgDetIMEI, orDash(r.imei)) + "   " + kv(msgDetModel, orDash(r.model)),
		kv(msgDetFirmware, version(r.from)) + " → " + kv(msgDetTarget, d.c.target(r)),
	}
	fields := []string{kv(msgDetState, s.Tone[stateTone(r.state)].Render(stateGlyph(r.state)+r.state.Name().ShortIn(string(l))))}
	for _, c := range []struct {
		k *upgrade.Message
		v int
	}{{msgDetCode, r.code}, {msgDetModerr, r.modErr}, {msgDetHttp, r.http}} {
		if c.v != 0 {
			fields = append(fields, kv(c.k, fmt.Sprint(c.v)))
		}
	}
	if res := r.result; res != nil {
		fields = append(fields, kv(msgDetRequests, fmt.Sprint(res.Requests)), kv(msgDetRetries, fmt.Sprint(res.Retries)))
	}
	lines = append(lines, joinFields(fields, "   ", width)...)
	lines = append(lines, d.c.explanation(r.code, r.modErr, r.say(d.c.lang), stateTone(r.state), width)...)
	return append(lines, d.logLines(width)...)
}

// joinFields lays fields out sep apart, breaking lines between fields,
// never inside one (a field wider than the line is cut).
func joinFields(fields []string, sep string, width int) []string {
	var out []string
	line, lw := "", 0
	for _, f := range fields {
		fw := ansi.StringWidth(f)
		if fw > width {
			f, fw = ansi.Truncate(f, width, "…"), width
		}
		switch {
		case lw == 0:
			line, lw = f, fw
		case lw+len(sep)+fw <= width:
			line, lw = line+sep+f, lw+len(sep)+fw
		default:
			out = append(out, line)
			line, lw = f, fw
		}
	}
	if lw > 0 {
		out = append(out, line)
	}
	return out
}

// eventBlock is every event, oldest first, one line each but the chosen
// one, which is wrapped whole; it notes in evSelLines where that one is.
func (d *detail) eventBlock(r *row, width int) []string {
	out := make([]string, 0, len(r.events)+2)
	for i, e := range r.events {
		if i != d.evSel {
			out = append(out, ansi.Truncate("  "+d.eventLine(e), width, "…"))
			continue
		}
		d.evSelLines[0] = len(out)
		mark := "› "
		if d.onTranscript {
			mark = "  "
		}
		for j, w := range wrap(d.eventLine(e), max(1, width-2)) {
			if j > 0 {
				mark = "  "
			}
			out = append(out, d.c.styles.Tone[tonePlain].Render(mark+w))
		}
		d.evSelLines[1] = len(out)
	}
	return out
}

// window is the n lines of lines that show the span sel (from, to), the
// newest lines when they can.
func window(lines []string, sel [2]int, n int) []string {
	if n <= 0 {
		return nil
	}
	start := max(0, len(lines)-n)
	if sel[0] < start {
		start = sel[0]
	}
	return lines[start:min(len(lines), start+n)]
}

func (d *detail) eventLine(e upgrade.Event) string {
	l := d.c.lang
	line := e.Time.Format("15:04:05") + " " + pad(e.Step.Name().ShortIn(string(l)), d.c.stateWidth)
	if e.Step.Transferring() {
		line += fmt.Sprintf(" %3d%%", e.Percent)
	}
	if e.Code != 0 {
		line += fmt.Sprintf(" [%d]", e.Code)
	}
	if e.ModuleError != 0 {
		line += fmt.Sprintf(" [%d]", e.ModuleError)
	}
	if msg := e.Sentence.In(string(l)); msg != "" && !e.Sentence.Is(upgrade.MsgProgress) {
		line += " " + clean(msg)
	}
	return line
}

// View renders the pane, exactly height lines.
func (d *detail) View() string {
	title := d.c.styles.Section.Render(d.c.lang.T(msgDetTranscript))
	if !d.wide() {
		lines := append(append([]string{}, d.info...), title)
		return strings.Join(append(lines, d.vp.View()), "\n")
	}
	infoW := d.width/2 - 2
	left := fit(strings.Join(d.info, "\n"), infoW, d.height)
	right := fit(title+"\n"+d.vp.View(), d.width-infoW-3, d.height)
	sep := d.c.styles.Label.Render(" │ ")
	var b strings.Builder
	for i := range left {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pad(left[i], infoW) + sep + right[i])
	}
	return b.String()
}
