package tui

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"airfleet/store"
	"airfleet/upgrade"
)

// History is what the console reads from the log: past batches and
// attempts, an attempt's events and AT transcript, a module's attempts,
// today's tallies, and the CSV export. *store.Store and *store.Reader
// satisfy it. Every method is called from a tea.Cmd, never from Update.
type History interface {
	// Attempts returns the attempts that match the filter, newest first.
	Attempts(store.AttemptFilter) ([]store.AttemptRow, error)
	// Batches returns the latest batches, newest first; limit <= 0: all.
	Batches(limit int) ([]store.BatchRow, error)
	// Events returns an attempt's events in order.
	Events(attemptID int64) ([]store.Event, error)
	// TranscriptOf returns an attempt's AT transcript in order.
	TranscriptOf(attemptID int64) ([]store.Line, error)
	// History returns every attempt on imei, newest first.
	History(imei string) ([]store.AttemptRow, error)
	// CountsToday counts the modules of station whose latest attempt of
	// now's day passed or failed; an empty station counts every station.
	CountsToday(station string, now time.Time) (passed, failed int, err error)
	// ExportCSV writes the attempts that match the filter as CSV.
	ExportCSV(w io.Writer, f store.AttemptFilter) error
}

// The log satisfies History, writable or read-only.
var (
	_ History = (*store.Store)(nil)
	_ History = (*store.Reader)(nil)
)

// attemptsMsg carries the attempts of the history screen's query Seq.
type attemptsMsg struct {
	Seq  int
	Rows []store.AttemptRow
	Err  error
}

// batchesMsg carries the latest batches.
type batchesMsg struct {
	Rows []store.BatchRow
	Err  error
}

// attemptMsg carries one attempt's events and transcript.
type attemptMsg struct {
	ID     int64
	Events []store.Event
	Lines  []store.Line
	Err    error
}

// exportMsg reports a CSV export: the file written, or why not.
type exportMsg struct {
	Path string
	Err  error
}

// Bounds of what the history screen lists (the export has none).
const (
	maxHistoryRows = 1000
	maxBatches     = 200
)

func queryAttempts(h History, seq int, f store.AttemptFilter) tea.Cmd {
	return func() tea.Msg {
		rows, err := h.Attempts(f)
		return attemptsMsg{Seq: seq, Rows: rows, Err: err}
	}
}

func queryBatches(h History) tea.Cmd {
	return func() tea.Msg {
		rows, err := h.Batches(maxBatches)
		return batchesMsg{Rows: rows, Err: err}
	}
}

func queryAttempt(h History, id int64) tea.Cmd {
	return func() tea.Msg {
		evs, err := h.Events(id)
		if err != nil {
			return attemptMsg{ID: id, Err: err}
		}
		lines, err := h.TranscriptOf(id)
		return attemptMsg{ID: id, Events: evs, Lines: lines, Err: err}
	}
}

// exportName is the export's file name for the time t.
func exportName(t time.Time) string {
	return "airfleet-history-" + t.Format("20060102-150405") + ".csv"
}

// exportHistory writes the attempts that match f to a new file in dir
// (the working directory when empty); a file that already exists is not
// overwritten, and a failed export leaves no file behind.
func exportHistory(h History, dir string, t time.Time, f store.AttemptFilter) tea.Cmd {
	return func() tea.Msg {
		path := filepath.Join(dir, exportName(t))
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return exportMsg{Path: path, Err: writeExport(h, path, f)}
	}
}

func writeExport(h History, path string, f store.AttemptFilter) (err error) {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	w := bufio.NewWriter(file)
	if err := h.ExportCSV(w, f); err != nil {
		return err
	}
	return w.Flush()
}

// dateRange is the history screen's date filter.
type dateRange int

// Date filters, in the order d cycles through them.
const (
	rangeWeek dateRange = iota // today and the six days before
	rangeToday
	rangeYesterday
	rangeAll
	rangeCount
)

var rangeKeys = [rangeCount]*upgrade.Message{msgHistWeek, msgHistToday, msgHistYesterday, msgHistAll}

// since is the start of the range for the clock time now, zero for all.
func (r dateRange) since(now time.Time) time.Time {
	y, m, d := now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	switch r {
	case rangeToday:
		return day
	case rangeYesterday:
		return day.AddDate(0, 0, -1)
	case rangeWeek:
		return day.AddDate(0, 0, -6)
	}
	return time.Time{}
}

// until is the end of the range for the clock time now, zero for none.
func (r dateRange) until(now time.Time) time.Time {
	if r != rangeYesterday {
		return time.Time{}
	}
	y, m, d := now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, now.Location())
}

// histPage is what the history screen shows.
type histPage int

const (
	pageAttempts histPage = iota
	pageBatches
	pageAttempt // one attempt's events and transcript
)

// histList is a cursor over a list of rows.
type histList struct{ cursor, offset int }

// move puts the cursor on i, within n rows and height lines.
func (l *histList) move(i, n, height int) {
	l.cursor = max(0, min(i, n-1))
	height = max(1, height)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+height {
		l.offset = l.cursor - height + 1
	}
	l.offset = max(0, min(l.offset, n-height))
}

// historyScreen lists past attempts (filtered by IMEI, code, date and
// batch) or past batches from the log, and shows one attempt's events and
// transcript. The root asks it for queries and runs them as commands.
type historyScreen struct {
	c *common
	h History // nil: no log

	imei  string
	code  int
	rng   dateRange
	batch int64 // 0: every batch

	input    *finder   // the IMEI or code being typed
	inputFor histInput // which of them

	page     histPage
	back     histPage // the list an opened attempt returns to
	seq      int      // the latest attempts query
	loading  bool
	attempts []store.AttemptRow
	err      error
	batches  []store.BatchRow
	batchErr error
	lists    [2]histList

	open     store.AttemptRow
	events   []store.Event
	lines    []store.Line
	openErr  error
	openBusy bool
	vp       viewport.Model

	width, height int
}

func newHistoryScreen(c *common, h History) *historyScreen {
	vp := viewport.New()
	vp.SoftWrap = true
	in := newFinder(c)
	return &historyScreen{c: c, h: h, input: in, vp: vp}
}

// filter is the attempts filter at the clock time now; limit bounds the
// rows (0: all, for the export).
func (hs *historyScreen) filter(now time.Time, limit int) store.AttemptFilter {
	return store.AttemptFilter{IMEI: hs.imei, Code: hs.code, BatchID: hs.batch,
		Since: hs.rng.since(now), Until: hs.rng.until(now), Limit: limit}
}

// show switches to the lists and asks for the batches and the attempts.
func (hs *historyScreen) show() tea.Cmd {
	if hs.page == pageAttempt {
		hs.page = hs.back
	}
	if hs.h == nil {
		return nil
	}
	return tea.Batch(hs.reload(), queryBatches(hs.h))
}

// reload asks for the attempts again; an answer to an older query is
// dropped when it arrives.
func (hs *historyScreen) reload() tea.Cmd {
	if hs.h == nil {
		return nil
	}
	hs.seq++
	hs.loading = true
	return queryAttempts(hs.h, hs.seq, hs.filter(hs.c.now(), maxHistoryRows))
}

// gotAttempts takes the answer to the latest query.
func (hs *historyScreen) gotAttempts(msg attemptsMsg) {
	if msg.Seq != hs.seq {
		return
	}
	hs.loading = false
	hs.attempts, hs.err = msg.Rows, msg.Err
	l := &hs.lists[pageAttempts]
	l.move(l.cursor, len(hs.attempts), hs.listHeight())
}

// gotBatches takes the latest batches.
func (hs *historyScreen) gotBatches(msg batchesMsg) {
	hs.batches, hs.batchErr = msg.Rows, msg.Err
	l := &hs.lists[pageBatches]
	l.move(l.cursor, len(hs.batches), hs.listHeight())
}

// gotAttempt takes the opened attempt's events and transcript.
func (hs *historyScreen) gotAttempt(msg attemptMsg) {
	if hs.page != pageAttempt || msg.ID != hs.open.ID {
		return
	}
	hs.openBusy = false
	hs.events, hs.lines, hs.openErr = msg.Events, msg.Lines, msg.Err
	hs.layoutAttempt()
	hs.vp.GotoTop()
}

// rows is the number of rows in the list on screen.
func (hs *historyScreen) rows() int {
	if hs.page == pageBatches {
		return len(hs.batches)
	}
	return len(hs.attempts)
}

// listHeight is the number of rows on screen: the title, the filter line
// and the column titles take three lines.
func (hs *historyScreen) listHeight() int { return max(1, hs.height-3) }

// Update moves through the list or the opened attempt, cycles the date
// filter, switches between attempts and batches, and opens the row under
// the cursor. Filters, export and esc belong to the root.
func (hs *historyScreen) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	keys := &hs.c.keys
	if hs.page == pageAttempt {
		hs.c.scroll(&hs.vp, k)
		return nil
	}
	l, n, h := &hs.lists[hs.page], hs.rows(), hs.listHeight()
	switch {
	case key.Matches(k, keys.Up):
		l.move(l.cursor-1, n, h)
	case key.Matches(k, keys.Down):
		l.move(l.cursor+1, n, h)
	case key.Matches(k, keys.PageUp):
		l.move(l.cursor-h, n, h)
	case key.Matches(k, keys.PageDown):
		l.move(l.cursor+h, n, h)
	case key.Matches(k, keys.Home):
		l.move(0, n, h)
	case key.Matches(k, keys.End):
		l.move(n-1, n, h)
	case key.Matches(k, keys.Range) && hs.page == pageAttempts:
		hs.rng = (hs.rng + 1) % rangeCount
		return hs.reload()
	case key.Matches(k, keys.Switch):
		hs.page = pageBatches - hs.page
		if hs.page == pageBatches {
			return queryBatches(hs.h)
		}
	case key.Matches(k, keys.Detail):
		return hs.enter()
	}
	return nil
}

// enter opens the attempt under the cursor, or lists the attempts of the
// batch under the cursor.
func (hs *historyScreen) enter() tea.Cmd {
	l := hs.lists[hs.page]
	if hs.page == pageBatches {
		if l.cursor >= len(hs.batches) {
			return nil
		}
		// A batch lists all its attempts: the IMEI and code filters would
		// hide some without saying so.
		hs.batch, hs.rng, hs.page = hs.batches[l.cursor].ID, rangeAll, pageAttempts
		hs.imei, hs.code = "", 0
		hs.lists[pageAttempts] = histList{}
		return hs.reload()
	}
	if l.cursor >= len(hs.attempts) {
		return nil
	}
	hs.open, hs.events, hs.lines, hs.openErr = hs.attempts[l.cursor], nil, nil, nil
	hs.back, hs.page, hs.openBusy = hs.page, pageAttempt, true
	hs.layoutAttempt()
	return queryAttempt(hs.h, hs.open.ID)
}

// goBack leaves the opened attempt, or a batch's attempts for the batches;
// false when the lists are already at the top and the screen should close.
func (hs *historyScreen) goBack() (bool, tea.Cmd) {
	switch {
	case hs.page == pageAttempt:
		hs.page = hs.back
		return true, nil
	case hs.page == pageAttempts && hs.batch != 0:
		hs.batch, hs.page = 0, pageBatches
		return true, hs.reload()
	}
	return false, nil
}

// SetSize sets the screen's room.
func (hs *historyScreen) SetSize(width, height int) {
	hs.width, hs.height = width, height
	for p := range hs.lists {
		l := &hs.lists[p]
		n := len(hs.attempts)
		if histPage(p) == pageBatches {
			n = len(hs.batches)
		}
		l.move(l.cursor, n, hs.listHeight())
	}
	hs.layoutAttempt()
}

// Keys are the screen's keys in footer order.
func (hs *historyScreen) Keys() []*key.Binding {
	k := &hs.c.keys
	if hs.input.active {
		return hs.input.Keys()
	}
	if hs.h == nil {
		return []*key.Binding{&k.Back}
	}
	if hs.page == pageAttempt {
		return []*key.Binding{&k.Back, &k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End}
	}
	var out []*key.Binding
	if hs.rows() > 0 {
		out = append(out, &k.Detail)
	}
	out = append(out, &k.Back, &k.Export, &k.FilterIMEI)
	if hs.page == pageAttempts { // the batches are neither coded nor dated
		out = append(out, &k.FilterCode, &k.Range)
	}
	out = append(out, &k.Switch)
	if hs.rows() > 0 {
		out = append(out, &k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End)
	}
	return out
}

// histInput is the filter being typed.
type histInput int

const (
	inputIMEI histInput = iota
	inputCode
)

// openInput starts typing a filter, starting with text.
func (hs *historyScreen) openInput(which histInput, text string) {
	hs.inputFor = which
	hs.input.promptKey, hs.input.placeholderKey = msgHistImeiprompt, msgHistImeiholder
	hs.input.check = func(v string) *upgrade.Message {
		if imeiPart(strings.TrimSpace(v)) {
			return nil
		}
		return msgHistBadimei
	}
	if which == inputCode {
		hs.input.promptKey, hs.input.placeholderKey = msgHistCodeprompt, msgHistCodeholder
		hs.input.check = func(v string) *upgrade.Message {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n != 0 {
				return nil
			}
			return msgHistBadcode
		}
	}
	hs.input.close(true)
	hs.input.open(text)
}

// codeText is the code filter as typed, "" for none.
func (hs *historyScreen) codeText() string {
	if hs.code == 0 {
		return ""
	}
	return fmt.Sprint(hs.code)
}
