package store

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRequestsSinceCountsQueued(t *testing.T) {
	// A flush interval of an hour keeps rows queued until Flush.
	s := openTest(t, Options{FlushInterval: time.Hour})
	now := time.Now()
	since := now.Add(-24 * time.Hour)
	s.Event(Event{IMEI: testIMEI, Time: now.Add(-25 * time.Hour), Step: "trigger", Kind: KindRequest}) // too old
	s.Event(Event{IMEI: "864536070000000", Time: now, Step: "trigger", Kind: KindRequest})             // another module
	s.Event(Event{IMEI: testIMEI, Time: now, Step: "trigger", Kind: KindInfo})                         // not a request
	for range 3 {
		s.Event(Event{IMEI: testIMEI, Step: "trigger", Kind: KindRequest})
	}
	if s.Pending() != 6 {
		t.Fatalf("Pending = %d, want 6 (rows should still be queued)", s.Pending())
	}
	n, err := s.RequestsSince(testIMEI, since)
	if err != nil || n != 3 {
		t.Fatalf("RequestsSince with rows queued = %d, %v; want 3", n, err)
	}
	flush(t, s)
	s.Event(Event{IMEI: testIMEI, Step: "reboot", Kind: KindRequest})
	if n, err := s.RequestsSince(testIMEI, since); err != nil || n != 4 {
		t.Fatalf("RequestsSince with 3 saved and 1 queued = %d, %v; want 4", n, err)
	}
	if n, err := s.Reader.RequestsSince(testIMEI, since); err != nil || n != 3 {
		t.Fatalf("Reader.RequestsSince (saved only) = %d, %v; want 3", n, err)
	}
}

// fixture writes three batches on two stations and returns the attempt IDs.
func fixture(t *testing.T, s *Store, now time.Time) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	yesterday := now.AddDate(0, 0, -1)
	b1 := s.StartBatch(Batch{Mode: ModeIoT, Station: "line-1", Started: now.Add(-time.Hour)})
	b2 := s.StartBatch(Batch{Mode: ModeURL, Station: "line-2", URL: "http://fw.example/780.bin", Started: now.Add(-time.Hour)})
	b0 := s.StartBatch(Batch{Mode: ModeIoT, Station: "line-1", Started: yesterday})
	add := func(name string, b int64, imei string, started time.Time, r AttemptResult) {
		id := s.StartAttempt(Attempt{BatchID: b, IMEI: imei, Slot: "1-1.4", Model: "Air780E", FromVersion: 1101, Started: started})
		if r.Ended.IsZero() {
			r.Ended = started.Add(time.Minute)
		}
		s.EndAttempt(id, r)
		ids[name] = id
	}
	add("up", b1, "864536071000001", now.Add(-50*time.Minute), AttemptResult{Result: ResultUpgraded, ToVersion: 1103, Requests: 2})
	add("cur", b1, "864536071000002", now.Add(-40*time.Minute), AttemptResult{Result: ResultCurrent, PlatformCode: 27, ToVersion: 1103})
	add("fail17", b1, "864536071000003", now.Add(-30*time.Minute), AttemptResult{Result: ResultFailed, PlatformCode: 17, HTTPStatus: 200,
		Message: `无权限 (no permission): "ask Luat support", then retry`, MessageZH: "无权限:请联系合宙"})
	add("fail1003", b2, "864536071000003", now.Add(-20*time.Minute), AttemptResult{Result: ResultFailed, ModuleError: -1003, Retries: 2,
		Message: "delta invalid\nor too big"})
	add("held", b2, "864536071000004", now.Add(-10*time.Minute), AttemptResult{Result: ResultHeld})
	add("old", b0, "864536071000001", yesterday, AttemptResult{Result: ResultFailed, PlatformCode: 43})
	s.EndBatch(b1, BatchDone, now)
	return ids
}

func TestAttemptsFilter(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Now()
	ids := fixture(t, s, now)
	flush(t, s)
	names := func(rows []AttemptRow) string {
		var out []string
		for _, r := range rows {
			for n, id := range ids {
				if id == r.ID {
					out = append(out, n)
				}
			}
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		f    AttemptFilter
		want string
	}{
		{AttemptFilter{}, "held fail1003 fail17 cur up old"},
		{AttemptFilter{IMEI: "864536071000003"}, "fail1003 fail17"},
		{AttemptFilter{IMEI: "1000003"}, "fail1003 fail17"},                       // the last digits
		{AttemptFilter{IMEI: "8645360710000"}, "held fail1003 fail17 cur up old"}, // the first
		{AttemptFilter{Code: 17}, "fail17"},
		{AttemptFilter{Code: -1003}, "fail1003"},
		{AttemptFilter{Result: ResultFailed}, "fail1003 fail17 old"},
		{AttemptFilter{Station: "line-2"}, "held fail1003"},
		{AttemptFilter{BatchID: 3}, "old"}, // b0, the third batch started
		{AttemptFilter{Since: now.Add(-35 * time.Minute), Until: now.Add(-15 * time.Minute)}, "fail1003 fail17"},
		{AttemptFilter{Limit: 2}, "held fail1003"},
	} {
		rows, err := s.Attempts(c.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(rows); got != c.want {
			t.Errorf("Attempts(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	h, err := s.History("864536071000001")
	if err != nil || names(h) != "up old" {
		t.Errorf("History = %q, %v", names(h), err)
	}
	a, err := s.Attempt(ids["fail17"])
	if err != nil {
		t.Fatal(err)
	}
	if a.PlatformCode != 17 || a.HTTPStatus != 200 || a.ModuleError != 0 || a.Station != "line-1" || a.Mode != ModeIoT || a.FromVersion != 1101 {
		t.Errorf("Attempt = %+v", a)
	}
	bs, err := s.Batches(2)
	if err != nil || len(bs) != 2 {
		t.Fatalf("Batches(2) = %+v, %v", bs, err)
	}
	if bs[0].ID != 3 || bs[1].ID != 2 || bs[1].Attempts != 2 || bs[1].Failed != 1 || bs[1].URL == "" {
		t.Errorf("Batches = %+v", bs)
	}
	b1, err := s.Batch(1)
	if err != nil || b1.Status != BatchDone || b1.Passed != 2 || b1.Failed != 1 || b1.Ended.IsZero() || b1.Host == "" {
		t.Errorf("Batch(1) = %+v, %v", b1, err)
	}
}

func TestCountsToday(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Date(2025, 11, 25, 15, 0, 0, 0, time.Local)
	fixture(t, s, now)
	flush(t, s)
	for _, c := range []struct {
		station        string
		passed, failed int
	}{
		{"line-1", 2, 1}, // yesterday's failure does not count
		{"line-2", 0, 1}, // held is neither
		{"", 2, 1},       // 000003 failed on both lines: one module
		{"nowhere", 0, 0},
	} {
		p, f, err := s.CountsToday(c.station, now)
		if err != nil || p != c.passed || f != c.failed {
			t.Errorf("CountsToday(%q) = %d, %d, %v; want %d, %d", c.station, p, f, err, c.passed, c.failed)
		}
	}
	if p, f, _ := s.CountsToday("line-1", now.AddDate(0, 0, -1)); p != 0 || f != 1 {
		t.Errorf("yesterday on line-1: %d passed, %d failed; want 0, 1", p, f)
	}
}

// TestCountsTodayCountsModules checks that a module retried today counts
// once, by its latest result: five bad modules retried are five failures,
// and a module that failed then passed is a pass.
func TestCountsTodayCountsModules(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Date(2025, 11, 25, 15, 0, 0, 0, time.Local)
	b := s.StartBatch(Batch{Mode: ModeIoT, Station: "line-1", Started: now.Add(-time.Hour)})
	add := func(imei string, min int, r Result) {
		started := now.Add(time.Duration(min-60) * time.Minute)
		id := s.StartAttempt(Attempt{BatchID: b, IMEI: imei, Slot: "1-1.4", Model: "Air780E", FromVersion: 1101, Started: started})
		s.EndAttempt(id, AttemptResult{Result: r, Ended: started.Add(time.Minute)})
	}
	for try := 0; try < 3; try++ {
		for i := 1; i <= 5; i++ {
			add(fmt.Sprintf("86453607100001%d", i), try*10+i, ResultFailed)
		}
	}
	add("864536071000011", 40, ResultUpgraded) // failed, then passed
	// A chain's first step passed and its second runs: the module is
	// still being upgraded, neither passed nor failed yet.
	add("864536071000099", 41, ResultUpgraded)
	s.StartAttempt(Attempt{BatchID: b, IMEI: "864536071000099", Slot: "1-1.9", Model: "Air780E", FromVersion: 1102, Started: now.Add(-10 * time.Minute)})
	flush(t, s)
	if p, f, err := s.CountsToday("line-1", now); err != nil || p != 1 || f != 4 {
		t.Errorf("CountsToday = %d passed, %d failed, %v; want 1, 4 (modules, not attempts; not the one still upgrading)", p, f, err)
	}
}

func TestExportCSV(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Now()
	ids := fixture(t, s, now)
	flush(t, s)
	var buf bytes.Buffer
	if err := s.ExportCSV(&buf, AttemptFilter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := readCSV(t, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("header %v", recs[0])
	}
	if len(recs) != 1+len(ids) {
		t.Fatalf("%d records, want header + %d", len(recs), len(ids))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var f17 []string
	for _, r := range recs[1:] {
		if r[col["platform_code"]] == "17" {
			f17 = r
		}
		for _, c := range []string{"started", "ended"} {
			if _, err := time.Parse(time.RFC3339, r[col[c]]); err != nil {
				t.Errorf("%s %q is not RFC 3339: %v", c, r[col[c]], err)
			}
		}
	}
	if f17 == nil {
		t.Fatal("no row with platform code 17")
	}
	if f17[col["message"]] != `无权限 (no permission): "ask Luat support", then retry` || f17[col["message_zh"]] != "无权限:请联系合宙" ||
		f17[col["module_error"]] != "" || f17[col["station"]] != "line-1" || f17[col["result"]] != "failed" {
		t.Errorf("row: %q", f17)
	}

	buf.Reset()
	if err := s.ExportCSV(&buf, AttemptFilter{Code: -1003}); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][col["message"]] != "delta invalid\nor too big" {
		t.Errorf("filtered export: %q, %v", recs, err)
	}
}

func TestTranscriptQueries(t *testing.T) {
	s := openTest(t, Options{})
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	s.Transcript(Line{IMEI: testIMEI, Slot: "1-1.4", Time: t0, Dir: DirOut, Text: "AT+CGSN"}) // before any attempt
	a := s.StartAttempt(Attempt{IMEI: testIMEI, Slot: "1-1.4"})
	s.TranscriptBatch([]Line{
		{AttemptID: a, IMEI: testIMEI, Slot: "1-1.4", Time: t0.Add(time.Second), Dir: DirOut, Text: `AT+UPGRADE="URL","http://x"`},
		{AttemptID: a, IMEI: testIMEI, Slot: "1-1.4", Time: t0.Add(time.Second), Dir: DirIn, Text: "OK"},
		{AttemptID: a, IMEI: testIMEI, Slot: "1-1.4", Time: t0.Add(2 * time.Second), Text: "waiting for +UPGRADEIND"},
	})
	s.Transcript(Line{IMEI: "864536070000000", Time: t0, Dir: DirIn, Text: "other"})
	flush(t, s)
	lines, err := s.TranscriptOf(a)
	if err != nil || len(lines) != 3 || lines[1].Text != "OK" || lines[1].Dir != DirIn || lines[2].Dir != DirNote ||
		!lines[2].Time.Equal(t0.Add(2*time.Second)) {
		t.Errorf("TranscriptOf = %+v, %v", lines, err)
	}
	lines, err = s.TranscriptOfIMEI(testIMEI, t0)
	if err != nil || len(lines) != 4 || lines[0].Text != "AT+CGSN" || lines[0].AttemptID != 0 {
		t.Errorf("TranscriptOfIMEI = %+v, %v", lines, err)
	}
	lines, _ = s.TranscriptOfIMEI(testIMEI, t0.Add(1500*time.Millisecond))
	if len(lines) != 1 {
		t.Errorf("TranscriptOfIMEI since: %d lines, want 1", len(lines))
	}
}

// An attempt cut by a crash never got its EndAttempt, which carries the
// count of requests: the history and the CSV count its request events.
func TestRequestsOfInterruptedAttempt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.StartBatch(Batch{Mode: ModeIoT})
	a := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI})
	s.Event(Event{AttemptID: a, BatchID: b, IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	s.Event(Event{AttemptID: a, BatchID: b, IMEI: testIMEI, Step: "waiting-platform", Kind: KindError, Code: 43})
	s.Event(Event{AttemptID: a, BatchID: b, IMEI: testIMEI, Step: "requesting", Kind: KindRequest})
	flush(t, s)
	if h, err := s.History(testIMEI); err != nil || len(h) != 1 || h[0].Requests != 2 {
		t.Errorf("running attempt: %+v, %v; want 2 requests", h, err)
	}
	if err := s.Close(); err != nil { // the crash: no EndAttempt
		t.Fatal(err)
	}

	s = openIn(t, path, "")
	h, err := s.History(testIMEI)
	if err != nil || len(h) != 1 || h[0].Result != ResultInterrupted || h[0].Requests != 2 {
		t.Fatalf("interrupted attempt: %+v, %v; want interrupted with 2 requests", h, err)
	}
	var buf bytes.Buffer
	if err := s.ExportCSV(&buf, AttemptFilter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := readCSV(t, &buf)
	if err != nil || len(recs) != 2 {
		t.Fatalf("CSV %q, %v", recs, err)
	}
	if got := recs[1][slices.Index(csvHeader, "requests")]; got != "2" {
		t.Errorf("CSV requests %q, want 2", got)
	}
}

// A cell a spreadsheet would run as a formula is exported with a leading
// single quote; numbers, negative ones included, stay numbers.
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	s := openTest(t, Options{})
	b := s.StartBatch(Batch{Mode: ModeIoT, Station: `=HYPERLINK("http://evil.example/x","click")`})
	a := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, Slot: "@SUM(A1)", Model: "\t=1+1"})
	s.EndAttempt(a, AttemptResult{Result: ResultFailed, ModuleError: -1003, Message: "=cmd|' /C calc'!A0",
		MessageZH: "-2+3", Retries: 1})
	flush(t, s)
	var buf bytes.Buffer
	if err := s.ExportCSV(&buf, AttemptFilter{}); err != nil {
		t.Fatal(err)
	}
	recs, err := readCSV(t, &buf)
	if err != nil || len(recs) != 2 {
		t.Fatalf("CSV %q, %v", recs, err)
	}
	row := recs[1]
	col := func(name string) string { return row[slices.Index(csvHeader, name)] }
	for name, want := range map[string]string{
		"station":      `'=HYPERLINK("http://evil.example/x","click")`,
		"slot":         "'@SUM(A1)",
		"model":        "'\t=1+1",
		"message":      "'=cmd|' /C calc'!A0",
		"message_zh":   "'-2+3",
		"module_error": "-1003",
		"retries":      "1",
	} {
		if got := col(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "1103": "1103", "-1003": "-1003", "+3": "+3", "-1.5": "-1.5", "1-2": "1-2",
		"-": "'-", "--1": "'--1", "-1.": "'-1.", "-.5": "'-.5", "-1e5": "'-1e5", "+1+1": "'+1+1",
		"=1": "'=1", "@A1": "'@A1", "\r=1": "'\r=1", "\t1": "'\t1", "a=1": "a=1", "'=1": "'=1",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
