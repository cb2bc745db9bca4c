package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"airfleet/store"
	"airfleet/upgrade"
)

// histTime is how the history shows a date and time.
const histTime = "2006-01-02 15:04"

// resultTone is the colour of an attempt's result.
func resultTone(r store.Result) tone {
	switch r {
	case store.ResultUpgraded, store.ResultCurrent:
		return toneOK
	case store.ResultFailed:
		return toneFail
	case store.ResultHeld, store.ResultInterrupted:
		return toneWarn
	case store.ResultRunning:
		return toneAccent
	}
	return toneMuted
}

// resultText is an attempt's result in l, marked like the fleet's states.
func resultText(r store.Result, l lang) string {
	glyph := "  "
	switch resultTone(r) {
	case toneOK:
		glyph = "✔ "
	case toneFail:
		glyph = "✘ "
	case toneWarn:
		glyph = "! "
	}
	return glyph + known(l, resultWords, string(r), string(r))
}

// known says value in words, or fallback when the console has no words
// for it (a value from a newer log, say).
func known(l lang, words map[string]*upgrade.Message, value, fallback string) string {
	if m, ok := words[value]; ok {
		return m.ShortIn(string(l))
	}
	return fallback
}

// The log's values in words: results, batch statuses, modes and states.
var (
	resultWords = map[string]*upgrade.Message{"upgraded": msgResUpgraded, "current": msgResCurrent, "failed": msgResFailed,
		"held": msgResHeld, "cancelled": msgResCancelled, "interrupted": msgResInterrupted, "running": msgResRunning}
	batchWords = map[string]*upgrade.Message{"running": msgBstRunning, "done": msgBstDone, "cancelled": msgBstCancelled,
		"interrupted": msgBstInterrupted}
	modeWords  = map[string]*upgrade.Message{}
	stateWords = map[string]*upgrade.Message{}
)

func init() {
	for _, m := range []upgrade.Mode{upgrade.ModeIoT, upgrade.ModeKey, upgrade.ModeURL} {
		modeWords[string(m)] = m.Name()
	}
	for _, s := range allStates {
		stateWords[string(s)] = s.Name()
	}
}

// attemptCode is the platform code, else the module error, else "".
func attemptCode(a store.AttemptRow) string { return codeString(a.PlatformCode, a.ModuleError) }

// codeString says upgrade.PrimaryCode, or "" when there is none.
func codeString(code, moduleErr int) string {
	if c := upgrade.PrimaryCode(code, moduleErr); c != 0 {
		return strconv.Itoa(c)
	}
	return ""
}

// versions shows "from→to" core versions.
func versions(from, to int) string { return version(from) + "→" + version(to) }

// column is one column of a history table: its title, its cells' width,
// and when it gives way (0 never; a higher number gives way first).
type column struct {
	title string
	width int
	drop  int
	flex  bool // takes the room left, if at least minMessage
}

// layoutColumns sizes the columns into width: the flexible one takes what
// is left, and columns give way in their drop order while too wide.
func layoutColumns(cols []column, width int) []int {
	w := make([]int, len(cols))
	used := func() int {
		n := markWidth
		for i, c := range cols {
			if w[i] > 0 && !c.flex {
				n += w[i] + 1
			}
		}
		return n
	}
	for i, c := range cols {
		if !c.flex {
			w[i] = max(c.width, ansi.StringWidth(c.title))
		}
	}
	for {
		worst, at := 0, -1
		for i, c := range cols {
			if w[i] > 0 && !c.flex && c.drop > worst {
				worst, at = c.drop, i
			}
		}
		if used() <= width || at < 0 {
			break
		}
		w[at] = 0
	}
	for i, c := range cols {
		if c.flex {
			if rest := width - used(); rest >= minMessage {
				w[i] = rest
			}
		}
	}
	return w
}

// tableLines renders the column titles and rows [offset, offset+height)
// of a table; cells(i) gives row i's cells and tone.
func (hs *historyScreen) tableLines(cols []column, n, offset, height, cursor int, cells func(i int) ([]string, tone)) []string {
	s := hs.c.styles
	w := layoutColumns(cols, hs.width)
	join := func(cs []string) string {
		var parts []string
		for i, c := range cs {
			if w[i] > 0 {
				parts = append(parts, pad(c, w[i]))
			}
		}
		return strings.Join(parts, " ")
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	out := []string{s.Column.Render(ansi.Truncate(spaces(markWidth)+join(titles), hs.width, ""))}
	for i := offset; i < min(n, offset+height); i++ {
		cs, tn := cells(i)
		mark := "  "
		if i == cursor {
			mark = "> "
		}
		line := ansi.Truncate(mark+join(cs), hs.width, "…")
		if i == cursor {
			out = append(out, s.cursor[tn].apply(pad(line, hs.width)))
		} else {
			out = append(out, s.tone[tn].apply(line))
		}
	}
	return out
}

// View renders the screen, at most height lines.
func (hs *historyScreen) View() string {
	s, l := hs.c.styles, hs.c.lang
	if hs.h == nil {
		return s.Section.Render(l.T(msgHistTitle)) + "\n\n" + strings.Join(wrap(l.T(msgHistNolog), hs.width), "\n")
	}
	if hs.page == pageAttempt {
		return hs.titleLine() + "\n" + hs.vp.View()
	}
	out := []string{hs.titleLine(), hs.filterLine()}
	var body []string
	switch {
	case hs.page == pageBatches && hs.batchErr != nil:
		body = wrap(l.F(msgHistError, hs.batchErr), hs.width)
	case hs.page == pageBatches && len(hs.batches) == 0:
		body = []string{l.T(msgHistNobatches)}
	case hs.page == pageBatches:
		out = append(out, hs.batchLines()...)
	case hs.err != nil:
		body = wrap(l.F(msgHistError, hs.err), hs.width)
	case hs.loading && len(hs.attempts) == 0:
		body = []string{l.T(msgHistLoading)}
	case len(hs.attempts) == 0:
		body = []string{l.T(msgHistNone)}
	default:
		out = append(out, hs.attemptLines()...)
	}
	for _, b := range body {
		out = append(out, "", s.Tone[toneMuted].Render("  "+b))
	}
	return strings.Join(out, "\n")
}

// titleLine names the screen and the page, with the count on the right.
func (hs *historyScreen) titleLine() string {
	s, l := hs.c.styles, hs.c.lang
	page := l.T(msgHistAttempts)
	var right string
	switch hs.page {
	case pageBatches:
		page = l.T(msgHistBatches)
		right = l.F(msgHistNbatches, len(hs.batches))
	case pageAttempt:
		page = l.F(msgHistAttempt, hs.open.ID)
		if hs.open.ID < 0 { // another station's, from the central log
			page = l.F(msgHistAttemptAt, hs.open.Station)
		}
	default:
		right = l.F(msgHistNattempts, len(hs.attempts))
		if len(hs.attempts) == 1 {
			right = l.F(msgHistNattempt, 1)
		}
		if len(hs.attempts) >= maxHistoryRows {
			right = l.F(msgHistNewest, maxHistoryRows)
		}
		if hs.loading {
			right = l.T(msgHistLoading)
		}
	}
	left := s.Section.Render(l.T(msgHistTitle)) + s.Label.Render(" · ") + s.Section.Render(page)
	gap := hs.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 2 {
		return left
	}
	return left + spaces(gap) + s.Label.Render(right)
}

// filterLine shows the filters in force.
func (hs *historyScreen) filterLine() string {
	s, l := hs.c.styles, hs.c.lang
	field := func(key string, k *upgrade.Message, v string) string {
		return s.Section.Render(key) + " " + s.Label.Render(l.T(k)+" ") + v
	}
	imei := l.T(msgHistAny)
	code := imei
	if hs.imei != "" {
		imei = hs.imei
	}
	if hs.code != 0 {
		code = hs.codeText()
	}
	keys := &hs.c.keys
	parts := []string{field(keys.FilterIMEI.Help().Key, msgHistIMEI, imei), field(keys.FilterCode.Help().Key, msgHistCode, code),
		field(keys.Range.Help().Key, msgHistDate, l.T(rangeKeys[hs.rng]))}
	if hs.batch != 0 {
		parts = append(parts, field(keys.Back.Help().Key, msgHistBatch, "#"+strconv.FormatInt(hs.batch, 10)))
	}
	if hs.page == pageBatches {
		parts = []string{s.Label.Render(l.F(msgHistLatestbatches, maxBatches))}
	}
	return ansi.Truncate(strings.Join(parts, "   "), hs.width, "…")
}

// attemptLines is the attempts table.
func (hs *historyScreen) attemptLines() []string {
	l := hs.c.lang
	resW := 0
	for _, r := range []store.Result{store.ResultUpgraded, store.ResultCurrent, store.ResultFailed,
		store.ResultHeld, store.ResultCancelled, store.ResultInterrupted, store.ResultRunning} {
		resW = max(resW, ansi.StringWidth(resultText(r, l)))
	}
	slotW, stationW := 0, 0
	for _, a := range hs.attempts {
		slotW, stationW = max(slotW, len(a.Slot)), max(stationW, ansi.StringWidth(a.Station))
	}
	cols := []column{
		{title: l.T(msgHistColStarted), width: len(histTime)},
		{title: l.T(msgColSlot), width: min(slotW, 12), drop: 2},
		{title: l.T(msgColIMEI), width: imeiWidth},
		{title: l.T(msgHistColFw), width: 2*numberWidth + 1, drop: 1},
		{title: l.T(msgHistColResult), width: resW},
		{title: l.T(msgColCode), width: codeWidth},
		{title: l.T(msgHdrStation), width: min(stationW, 16), drop: 3},
		{title: l.T(msgColMessage), flex: true},
	}
	list := hs.lists[pageAttempts]
	return hs.tableLines(cols, len(hs.attempts), list.offset, hs.listHeight(), list.cursor, func(i int) ([]string, tone) {
		a := hs.attempts[i]
		return []string{hs.c.local(a.Started).Format(histTime), a.Slot, a.IMEI, versions(a.FromVersion, a.ToVersion),
			resultText(a.Result, l), attemptCode(a), a.Station, clean(inLang(l, a.Message, a.MessageZH))}, resultTone(a.Result)
	})
}

// batchLines is the batches table.
func (hs *historyScreen) batchLines() []string {
	l := hs.c.lang
	stationW, statusW, modeW, idW := 0, 0, 0, 0
	for _, b := range hs.batches {
		stationW = max(stationW, ansi.StringWidth(b.Station))
		statusW = max(statusW, ansi.StringWidth(known(l, batchWords, string(b.Status), string(b.Status))))
		modeW = max(modeW, ansi.StringWidth(known(l, modeWords, string(b.Mode), string(b.Mode))))
		idW = max(idW, len(strconv.FormatInt(b.ID, 10))+1)
	}
	cols := []column{
		{title: l.T(msgHistColBatch), width: idW},
		{title: l.T(msgHistColStarted), width: len(histTime)},
		{title: l.T(msgHdrStation), width: min(stationW, 16), drop: 2},
		{title: l.T(msgHdrMode), width: min(modeW, 16), drop: 3},
		{title: l.T(msgColTarget), width: max(numberWidth, ansi.StringWidth(l.T(msgHdrLatest))), drop: 1},
		{title: l.T(msgHdrTotal), width: 4},
		{title: l.T(msgCountPassed), width: 4},
		{title: l.T(msgCountFailed), width: 4},
		{title: l.T(msgHistColStatus), width: statusW, flex: false},
	}
	list := hs.lists[pageBatches]
	return hs.tableLines(cols, len(hs.batches), list.offset, hs.listHeight(), list.cursor, func(i int) ([]string, tone) {
		b := hs.batches[i]
		tn := tonePlain
		switch {
		case b.Failed > 0:
			tn = toneFail
		case b.Status == store.BatchInterrupted:
			tn = toneWarn
		case b.Status == store.BatchRunning:
			tn = toneAccent
		}
		target := l.T(msgHdrLatest)
		if b.Target != 0 {
			target = strconv.Itoa(b.Target)
		}
		return []string{"#" + strconv.FormatInt(b.ID, 10), hs.c.local(b.Started).Format(histTime), b.Station,
			known(l, modeWords, string(b.Mode), string(b.Mode)), target, strconv.Itoa(b.Attempts),
			strconv.Itoa(b.Passed), strconv.Itoa(b.Failed), known(l, batchWords, string(b.Status), string(b.Status))}, tn
	})
}

// layoutAttempt fills the viewport with the opened attempt: what it was,
// how it ended, what the code means, its events and its AT transcript.
func (hs *historyScreen) layoutAttempt() {
	hs.vp.SetWidth(max(1, hs.width))
	hs.vp.SetHeight(max(1, hs.height-1))
	if hs.page != pageAttempt {
		return
	}
	s, l, a := hs.c.styles, hs.c.lang, hs.open
	kv := func(k *upgrade.Message, v string) string { return s.Label.Render(l.T(k)) + " " + v }
	var out []string
	add := func(line string) { out = append(out, splitLines(ansi.Wrap(line, hs.width, ""))...) }
	add(kv(msgDetIMEI, a.IMEI) + "   " + kv(msgDetSlot, orDash(a.Slot)) + "   " + kv(msgDetModel, orDash(a.Model)))
	add(kv(msgDetFirmware, version(a.FromVersion)) + " → " + version(a.ToVersion) + "   " +
		kv(msgHistColResult, s.Tone[resultTone(a.Result)].Render(resultText(a.Result, l))))
	var codes []string
	for _, c := range []struct {
		k *upgrade.Message
		v int
	}{{msgDetCode, a.PlatformCode}, {msgDetModerr, a.ModuleError}, {msgDetHttp, a.HTTPStatus}} {
		if c.v != 0 {
			codes = append(codes, kv(c.k, strconv.Itoa(c.v)))
		}
	}
	codes = append(codes, kv(msgDetRequests, strconv.Itoa(a.Requests)), kv(msgDetRetries, strconv.Itoa(a.Retries)))
	add(strings.Join(codes, "   "))
	when := kv(msgHistColStarted, hs.c.local(a.Started).Format(histTime+":05"))
	if !a.Ended.IsZero() {
		when += "   " + kv(msgHistEnded, hs.c.local(a.Ended).Format(histTime+":05"))
	}
	add(when)
	where := kv(msgHdrStation, orDash(a.Station)) + "   " + kv(msgHdrMode, known(l, modeWords, string(a.Mode), orDash(string(a.Mode))))
	if a.BatchID != 0 {
		where += "   " + kv(msgHistBatch, "#"+strconv.FormatInt(a.BatchID, 10))
	}
	add(where)
	out = append(out, hs.c.explanation(a.PlatformCode, a.ModuleError, inLang(l, a.Message, a.MessageZH), resultTone(a.Result), hs.width)...)
	out = append(out, "", s.Section.Render(l.T(msgDetEvents)))
	muted := s.Tone[toneMuted]
	switch {
	case hs.openBusy:
		out = append(out, muted.Render(l.T(msgHistLoading)))
	case hs.openErr != nil:
		out = append(out, wrap(l.F(msgHistError, hs.openErr), hs.width)...)
	case len(hs.events) == 0:
		out = append(out, muted.Render(l.T(msgHistNoevents)))
	}
	for _, e := range hs.events {
		line := hs.c.local(e.Time).Format("15:04:05") + " " + pad(known(l, stateWords, e.Step, e.Step), hs.c.stateWidth)
		if e.Code != 0 {
			line += fmt.Sprintf(" [%d]", e.Code)
		}
		if d := inLang(l, e.Detail, e.DetailZH); d != "" {
			line += " " + clean(d)
		}
		out = append(out, ansi.Truncate(line, hs.width, "…"))
	}
	out = append(out, "", s.Section.Render(l.T(msgDetTranscript)))
	if len(hs.lines) == 0 && !hs.openBusy && hs.openErr == nil {
		out = append(out, muted.Render(l.T(msgDetNotranscript)))
	}
	for _, ln := range hs.lines {
		text := hs.c.local(ln.Time).Format("15:04:05.000") + " " + string(ln.Dir) + " " + clean(ln.Text)
		if ln.Dir == store.DirOut {
			text = s.Tone[toneAccent].Render(text)
		}
		out = append(out, text)
	}
	hs.vp.SetContentLines(out)
}

// inLang picks the log's Chinese text when the console speaks Chinese and
// the log has it (rows from before it kept both have English only).
func inLang(l lang, en, zh string) string {
	if l == chinese && zh != "" {
		return zh
	}
	return en
}
