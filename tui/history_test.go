package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"airfleet/device"
	"airfleet/store"
	"airfleet/upgrade"
)

// withExportDir sends exports to dir.
func withExportDir(dir string) func(*Options) { return func(o *Options) { o.ExportDir = dir } }

// imeiOrder lists the IMEIs of the history's rows on screen, top down.
func imeiOrder(m *Model) []string {
	var out []string
	for _, l := range lines(screen(m)) {
		for _, f := range strings.Fields(l) {
			if device.IsIMEI(f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// lastFilter is the filter of the fake's latest Attempts query.
func lastFilter(t *testing.T, h *fakeHistory) store.AttemptFilter {
	t.Helper()
	fs, _, _, _ := h.calls()
	if len(fs) == 0 {
		t.Fatal("no attempts query")
	}
	return fs[len(fs)-1]
}

func TestHistoryListAndFilters(t *testing.T) {
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 30, withHistory(h))
	cmd := press(m, "h")
	if m.screen != screenHistory || cmd == nil {
		t.Fatal("h did not open the history")
	}
	if fs, _, _, _ := h.calls(); len(fs) != 0 {
		t.Fatal("queried in Update")
	}
	if !strings.Contains(screen(m), "Reading the log") {
		t.Error("no reading note")
	}
	settleCmd(m, cmd)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if f := lastFilter(t, h); !f.Since.Equal(day.AddDate(0, 0, -6)) || f.Limit != maxHistoryRows || f.IMEI != "" {
		t.Errorf("first query %+v", f)
	}
	want := []string{imeiN(2), imeiN(1), imeiN(4), imeiN(2), imeiN(3)} // newest first
	if got := imeiOrder(m); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows %v, want %v", got, want)
	}
	if !strings.Contains(screen(m), "request budget used up (4 in 24 h)") {
		t.Error("the held attempt does not show its reason")
	}

	settleCmd(m, press(m, "d")) // today
	if f := lastFilter(t, h); !f.Since.Equal(day) || len(imeiOrder(m)) != 3 {
		t.Errorf("today: %+v, %d rows", f, len(imeiOrder(m)))
	}
	settleCmd(m, press(m, "d", "d")) // yesterday, all
	if f := lastFilter(t, h); !f.Since.IsZero() || len(imeiOrder(m)) != 6 || !strings.Contains(screen(m), "date all") {
		t.Errorf("all: %+v, %d rows", f, len(imeiOrder(m)))
	}

	press(m, "/")
	typeText(m, imeiN(2))
	settleCmd(m, press(m, "enter"))
	if f := lastFilter(t, h); f.IMEI != imeiN(2) || len(imeiOrder(m)) != 3+1 { // 3 rows and the filter line
		t.Errorf("IMEI filter: %+v, %v", f, imeiOrder(m))
	}
	press(m, "#")
	typeText(m, "26")
	settleCmd(m, press(m, "enter"))
	if f := lastFilter(t, h); f.Code != 26 || f.IMEI != imeiN(2) || len(imeiOrder(m)) != 2 {
		t.Errorf("code filter: %+v, %v", f, imeiOrder(m))
	}

	// A bad IMEI or code is refused and the input stays open; esc leaves
	// the filter as it was.
	n := len(h.filters)
	press(m, "/", "ctrl+u")
	typeText(m, "123")
	if cmd := press(m, "enter"); cmd != nil || !m.history.input.active || !strings.Contains(m.statusText(), `"123" finds no IMEI`) {
		t.Errorf("bad IMEI: active %v, status %q", m.history.input.active, m.statusText())
	}
	press(m, "esc")
	press(m, "#", "ctrl+u")
	typeText(m, "x1")
	press(m, "enter", "esc")
	if m.history.input.active || m.history.imei != imeiN(2) || m.history.code != 26 || len(h.filters) != n {
		t.Errorf("esc changed the filter: %q %d", m.history.imei, m.history.code)
	}
	// Emptying a filter clears it; a scanned IMEI starts with its digit.
	press(m, "#", "ctrl+u")
	settleCmd(m, press(m, "enter"))
	press(m, "8")
	if !m.history.input.active || m.history.input.query() != "8" || m.history.inputFor != inputIMEI {
		t.Fatal("a digit did not start an IMEI")
	}
	typeText(m, imeiN(3)[1:])
	settleCmd(m, press(m, "enter"))
	if f := lastFilter(t, h); f.IMEI != imeiN(3) || f.Code != 0 {
		t.Errorf("scanned filter: %+v", f)
	}
	press(m, "esc")
	if m.screen != screenFleet {
		t.Error("esc did not leave the history")
	}
}

func TestHistoryOpenAttempt(t *testing.T) {
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 40, withHistory(h))
	settleCmd(m, press(m, "h"))
	cmd := press(m, "enter")
	if m.history.page != pageAttempt || cmd == nil {
		t.Fatal("enter did not open the attempt")
	}
	settleCmd(m, cmd)
	s := screen(m)
	for _, w := range []string{"History · attempt 6", "IMEI 861234050000002", "platform code 26", "What it means invalid firmware",
		"09:21:10 failed    [26] the platform has no firmware with this name", "09:21:05.000 < +UPGRADE: 2,-1004,200,26"} {
		if !strings.Contains(s, w) {
			t.Errorf("attempt lacks %q:\n%s", w, s)
		}
	}
	if h.opened[0] != 6 {
		t.Errorf("opened %v", h.opened)
	}
	press(m, "L")
	if !strings.Contains(screen(m), "含义 找不到固件") {
		t.Error("the attempt did not follow the language")
	}
	press(m, "L", "esc")
	if m.history.page != pageAttempts || m.screen != screenHistory {
		t.Error("esc did not go back to the list")
	}
	// An answer for an attempt no longer open is dropped.
	m.Update(attemptMsg{ID: 5, Events: []store.Event{{Step: "passed"}}})
	for _, e := range m.history.events {
		if e.Step == "passed" {
			t.Error("a late answer was taken")
		}
	}
}

func TestHistoryBatches(t *testing.T) {
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 30, withHistory(h))
	settleCmd(m, press(m, "h"))
	settleCmd(m, press(m, "tab"))
	s := screen(m)
	if m.history.page != pageBatches || !strings.Contains(s, "#3") || !strings.Contains(s, "interrupted") {
		t.Fatalf("batches page:\n%s", s)
	}
	settleCmd(m, press(m, "j", "enter")) // batch #2
	if f := lastFilter(t, h); f.BatchID != 2 || !f.Since.IsZero() || m.history.page != pageAttempts {
		t.Errorf("batch filter %+v, page %d", f, m.history.page)
	}
	if got := imeiOrder(m); len(got) != 2 || !strings.Contains(screen(m), "esc batch #2") {
		t.Errorf("batch #2 rows %v:\n%s", got, screen(m))
	}
	settleCmd(m, press(m, "esc"))
	if m.history.page != pageBatches || m.history.batch != 0 || m.screen != screenHistory {
		t.Error("esc did not go back to the batches")
	}
}

func TestHistoryExport(t *testing.T) {
	dir := t.TempDir()
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 30, withHistory(h), withExportDir(dir))
	settleCmd(m, press(m, "h"))
	settleCmd(m, press(m, "d")) // today
	cmd := press(m, "e")
	if cmd == nil || m.statusText() != "Exporting…" {
		t.Fatalf("e: status %q", m.statusText())
	}
	settleCmd(m, cmd)
	path := filepath.Join(dir, "airfleet-history-20260302-093115.csv")
	if got := m.statusText(); got != "Exported to "+path || m.statusTone != toneOK {
		t.Errorf("status %q", got)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(data), "\n"); got != 4 || !strings.HasPrefix(string(data), "attempt_id,") {
		t.Errorf("CSV has %d lines:\n%s", got, data)
	}
	_, exports, _, _ := h.calls()
	if f := exports[0]; f.Limit != 0 || !f.Since.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("export filter %+v", f)
	}
	// A second export in the same second does not overwrite the first.
	settleCmd(m, press(m, "e"))
	if got := m.statusText(); !strings.HasPrefix(got, "The export did not work:") || m.statusTone != toneFail {
		t.Errorf("second export: %q", got)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Error("the first export was overwritten")
	}
	// A failing log leaves no file.
	h.err = errors.New("disk I/O error")
	m.now = func() time.Time { return at(80) }
	settleCmd(m, press(m, "e"))
	if _, err := os.Stat(filepath.Join(dir, "airfleet-history-20260302-093120.csv")); !os.IsNotExist(err) {
		t.Error("a failed export left its file")
	}
}

func TestHistoryWithoutLog(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	if cmd := press(m, "h"); cmd != nil {
		t.Error("queried without a log")
	}
	if !strings.Contains(screen(m), "The log is not available") {
		t.Errorf("no note:\n%s", screen(m))
	}
	if cmd := press(m, "e"); cmd != nil || m.c.keys.Export.Enabled() {
		t.Error("export without a log")
	}
	press(m, "esc")
	if m.screen != screenFleet {
		t.Error("esc did not leave")
	}
}

func TestHistoryErrorsAndStaleAnswers(t *testing.T) {
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 30, withHistory(h))
	cmd := press(m, "h")
	press(m, "d") // a second query before the first answered
	first := run(cmd)
	for _, msg := range first {
		if a, ok := msg.(attemptsMsg); ok {
			a.Rows = nil
			m.Update(a) // seq 1: stale
		}
	}
	if !m.history.loading {
		t.Error("a stale answer was taken")
	}
	h.err = errors.New("database is locked")
	settleCmd(m, m.history.reload())
	if !strings.Contains(screen(m), "The log could not be read: database is locked") {
		t.Errorf("no error:\n%s", screen(m))
	}
}

func TestHeaderTodayCounts(t *testing.T) {
	h := sampleHistory()
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 160, 24, withHistory(h))
	if _, _, today, _ := h.calls(); len(today) != 1 || today[0] != "L3-07" {
		t.Fatalf("today asked %v", today)
	}
	if top := lines(screen(m))[1]; !strings.Contains(top, "today here: passed 41 / failed 3") {
		t.Errorf("header %q", top)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if top := lines(screen(m))[1]; !strings.Contains(top, "today ✔41 ✘3") {
		t.Errorf("narrow header %q", top)
	}

	send(m, discovered(0, "1", imeiN(1), "Air780E", 1), discovered(0, "2", imeiN(2), "Air780E", 1))
	if cmd := send(m, ev(1, "1", upgrade.StateRequesting), ev(1, "2", upgrade.StateRequesting)); len(run(cmd)) != 1 {
		t.Fatal("more than the tick on a start")
	}
	// A final state: the log is read again in a moment, once.
	msgs := run(send(m, ev(2, "1", upgrade.StatePassed)))
	if !gotMsg[logChangedMsg](msgs) || !m.logDue {
		t.Fatalf("no log refresh after a final state: %v", msgs)
	}
	if gotMsg[logChangedMsg](run(send(m, ev(3, "2", upgrade.StateFailed)))) {
		t.Error("a second refresh while one is due")
	}
	_, query := m.Update(logChangedMsg{})
	if query == nil || !m.todayBusy {
		t.Fatal("no today query")
	}
	// Another final state while the query is out: coalesced into one more.
	send(m, ev(4, "2", upgrade.StateRequesting))
	_, cmd := m.Update(logChangedMsg{})
	if msgs := run(cmd); gotMsg[todayMsg](msgs) {
		t.Error("a second query while one is in flight")
	}
	h.passed, h.failed = 42, 4
	var answer tea.Msg
	for _, msg := range run(query) {
		answer = msg
	}
	_, again := m.Update(answer)
	if again == nil {
		t.Fatal("the stale tallies were not asked again")
	}
	settleCmd(m, again)
	if _, _, today, _ := h.calls(); len(today) != 3 {
		t.Errorf("%d today queries, want 3", len(today))
	}
	if top := lines(screen(m))[1]; !strings.Contains(top, "today ✔42 ✘4") {
		t.Errorf("header %q", top)
	}
}

// gotMsg reports whether msgs holds a T.
func gotMsg[T any](msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(T); ok {
			return true
		}
	}
	return false
}

func TestHeaderTodayWithoutLog(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1))
	send(m, ev(1, "1", upgrade.StateRequesting))
	if gotMsg[logChangedMsg](run(send(m, ev(2, "1", upgrade.StatePassed)))) {
		t.Error("log refresh without a log")
	}
	if strings.Contains(screen(m), "today") {
		t.Error("today's tallies without a log")
	}
}

func TestDetailShowsLog(t *testing.T) {
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 30, withHistory(h))
	settleCmd(m, send(m, mixedEvents()...))
	settleCmd(m, press(m, "j", "enter")) // 1-1.2, IMEI 2
	s := screen(m)
	for _, w := range []string{"From the log", "2026-03-02 09:20  2004→2004  ✘ failed  26",
		"2026-03-01 09:30  2004→2004  ✘ failed  43", "2026-02-20 09:30  2004→-     ! interrupted"} {
		if !strings.Contains(s, w) {
			t.Errorf("detail lacks %q:\n%s", w, s)
		}
	}
	// The module ends again: the pane asks the log again.
	send(m, ev(70, "1-1.2", upgrade.StateRequesting))
	settleCmd(m, send(m, ev(71, "1-1.2", upgrade.StateFailed)))
	if _, _, _, imeis := h.calls(); len(imeis) != 2 || imeis[1] != imeiN(2) {
		t.Errorf("History asked for %v", imeis)
	}
	press(m, "esc", "home", "enter")
	if m.detail.logIMEI != imeiN(1) {
		t.Error("another module kept the log of the first")
	}
}

func TestFooterOnNewScreens(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 200, 24, withHistory(sampleHistory()))
	footer := func() string { return lines(screen(m))[23] }
	check := func(state, want string) {
		t.Helper()
		if got := footer(); !strings.HasPrefix(got, want) {
			t.Errorf("%s: footer %q, want it to start with %q", state, got, want)
		}
	}
	cmd := press(m, "o")
	check("settings loading", "esc discard")
	settleCmd(m, cmd)
	check("settings on a choice", "enter apply • esc discard • ←/→/space change • ↓/tab next • ↑/⇧tab previous")
	press(m, "down")
	check("settings on a field", "enter apply • esc discard • ctrl+u clear field • ↓/tab next • ↑/⇧tab previous")
	press(m, "esc")
	settleCmd(m, press(m, "h"))
	check("history", "enter open • esc back • e export CSV • tab batches • ? keys • q quit • / IMEI • # code • d dates • L 中文 • ↑/k up")
	press(m, "/")
	check("history filter", "enter apply • esc clear")
	press(m, "esc", "tab")
	check("batches", "enter open • esc back • e export CSV • tab attempts")
	settleCmd(m, press(m, "tab", "enter"))
	check("attempt", "esc back • ? keys • q quit • L 中文 • ↑/k up")
}

// An attempt of another station (found in the central log) has no ID in
// this station's log: its page names the station it came from, not the
// negative number the central view gives it.
func TestForeignAttemptPageNamesItsStation(t *testing.T) {
	h := sampleHistory()
	foreign := h.attempts[0]
	foreign.ID, foreign.Station, foreign.Started = -1, "L2-01", at(-60)
	h.attempts = append([]store.AttemptRow{foreign}, h.attempts...)
	for _, c := range []struct{ lang, want string }{{"en", "attempt at station L2-01"}, {"zh", "工位 L2-01 的记录"}} {
		m := newTestModel(t, NewFakeBackend(testPlan, 0), c.lang, 160, 40, withHistory(h))
		settleCmd(m, press(m, "h"))
		settleCmd(m, press(m, "enter"))
		if s := screen(m); !strings.Contains(s, c.want) || strings.Contains(s, "attempt -1") || strings.Contains(s, "记录 -1") {
			t.Errorf("%s: the foreign attempt's page:\n%s", c.lang, s)
		}
	}
}
