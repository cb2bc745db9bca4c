package tui

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"airfleet/store"
)

// fakeHistory is an in-memory History that records what it was asked.
type fakeHistory struct {
	mu       sync.Mutex
	attempts []store.AttemptRow // any order
	batches  []store.BatchRow   // newest first
	events   map[int64][]store.Event
	lines    map[int64][]store.Line
	passed   int
	failed   int
	err      error // every query fails with it when set

	filters  []store.AttemptFilter // of Attempts, in order
	exports  []store.AttemptFilter // of ExportCSV
	today    []string              // the stations CountsToday was asked for
	imeis    []string              // of History
	opened   []int64               // of Events
	batchesN int                   // calls of Batches
}

func (f *fakeHistory) match(a store.AttemptRow, flt store.AttemptFilter) bool {
	switch {
	case flt.IMEI != "" && a.IMEI != flt.IMEI && (len(flt.IMEI) >= 15 ||
		!strings.HasPrefix(a.IMEI, flt.IMEI) && !strings.HasSuffix(a.IMEI, flt.IMEI)),
		flt.Code != 0 && a.PlatformCode != flt.Code && a.ModuleError != flt.Code,
		flt.Result != "" && a.Result != flt.Result,
		flt.Station != "" && a.Station != flt.Station,
		flt.BatchID != 0 && a.BatchID != flt.BatchID,
		!flt.Since.IsZero() && a.Started.Before(flt.Since),
		!flt.Until.IsZero() && !a.Started.Before(flt.Until):
		return false
	}
	return true
}

func (f *fakeHistory) query(flt store.AttemptFilter) []store.AttemptRow {
	var out []store.AttemptRow
	for _, a := range f.attempts {
		if f.match(a, flt) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b store.AttemptRow) int { return b.Started.Compare(a.Started) })
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out
}

func (f *fakeHistory) Attempts(flt store.AttemptFilter) ([]store.AttemptRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, flt)
	if f.err != nil {
		return nil, f.err
	}
	return f.query(flt), nil
}

func (f *fakeHistory) Batches(limit int) ([]store.BatchRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batchesN++
	if limit > 0 && len(f.batches) > limit {
		return slices.Clone(f.batches[:limit]), f.err
	}
	return slices.Clone(f.batches), f.err
}

func (f *fakeHistory) Events(id int64) ([]store.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, id)
	return slices.Clone(f.events[id]), f.err
}

func (f *fakeHistory) TranscriptOf(id int64) ([]store.Line, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.lines[id]), f.err
}

func (f *fakeHistory) History(imei string) ([]store.AttemptRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imeis = append(f.imeis, imei)
	return f.query(store.AttemptFilter{IMEI: imei}), f.err
}

func (f *fakeHistory) CountsToday(station string, _ time.Time) (int, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.today = append(f.today, station)
	return f.passed, f.failed, f.err
}

func (f *fakeHistory) ExportCSV(w io.Writer, flt store.AttemptFilter) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exports = append(f.exports, flt)
	if f.err != nil {
		return f.err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"attempt_id", "imei", "result", "platform_code"})
	for _, a := range f.query(flt) {
		cw.Write([]string{strconv.FormatInt(a.ID, 10), a.IMEI, string(a.Result), strconv.Itoa(a.PlatformCode)})
	}
	cw.Flush()
	return cw.Error()
}

// calls returns copies of what the fake was asked.
func (f *fakeHistory) calls() (filters, exports []store.AttemptFilter, today, imeis []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters), slices.Clone(f.exports), slices.Clone(f.today), slices.Clone(f.imeis)
}

// withZH gives an attempt its message in Chinese, as the log keeps it.
func withZH(a store.AttemptRow, zh string) store.AttemptRow {
	a.MessageZH = zh
	return a
}

// sampleHistory is a log of two stations' batches over ten days, relative
// to the test clock (t0 + 75 s).
func sampleHistory() *fakeHistory {
	day := 24 * time.Hour
	attempt := func(id, batch int64, started time.Time, imei, slot string, res store.Result, from, to, code, modErr int, msg string) store.AttemptRow {
		return store.AttemptRow{
			Attempt: store.Attempt{ID: id, BatchID: batch, IMEI: imei, Slot: slot, Model: "Air780E",
				FromVersion: from, Started: started},
			AttemptResult: store.AttemptResult{Result: res, PlatformCode: code, ModuleError: modErr, Requests: 1,
				Message: msg, ToVersion: to, Ended: started.Add(70 * time.Second)},
			Station: "L3-07", Mode: store.ModeIoT,
		}
	}
	h := &fakeHistory{
		attempts: []store.AttemptRow{
			attempt(6, 3, at(-600), imeiN(2), "1-1.2", store.ResultFailed, 2004, 2004, 26, -1004, "invalid firmware"),
			withZH(attempt(5, 3, at(-610), imeiN(1), "1-1.1", store.ResultUpgraded, 2004, 2010, 0, 0, "upgraded to 2010"), "已升级到 2010"),
			attempt(4, 3, at(-620), imeiN(4), "1-1.4", store.ResultHeld, 2004, 2004, 0, 0, "request budget used up (4 in 24 h)"),
			attempt(3, 2, t0.Add(-day), imeiN(2), "1-1.2", store.ResultFailed, 2004, 2004, 43, 0, "delta not ready"),
			attempt(2, 2, t0.Add(-day-time.Minute), imeiN(3), "1-1.3", store.ResultCurrent, 2010, 2010, 27, 0, "already at the target"),
			attempt(1, 1, t0.Add(-10*day), imeiN(2), "1-1.2", store.ResultInterrupted, 2004, 0, 0, 0, ""),
		},
		batches: []store.BatchRow{
			{Batch: store.Batch{ID: 3, Mode: store.ModeIoT, Target: 2010, Station: "L3-07", Started: at(-630)},
				Status: store.BatchDone, Ended: at(-500), Attempts: 3, Passed: 1, Failed: 1},
			{Batch: store.Batch{ID: 2, Mode: store.ModeKey, Key: "…hl0o", Station: "L3-07", Started: t0.Add(-day - 2*time.Minute)},
				Status: store.BatchDone, Ended: t0.Add(-day), Attempts: 2, Passed: 1, Failed: 1},
			{Batch: store.Batch{ID: 1, Mode: store.ModeIoT, Station: "R2", Started: t0.Add(-10 * day)},
				Status: store.BatchInterrupted, Attempts: 1},
		},
		events: map[int64][]store.Event{
			6: {
				{ID: 1, AttemptID: 6, Time: at(-600), Step: "identifying", Kind: store.KindInfo},
				{ID: 2, AttemptID: 6, Time: at(-590), Step: "requesting", Kind: store.KindRequest, Detail: "AT+UPGRADE"},
				{ID: 3, AttemptID: 6, Time: at(-530), Step: "failed", Kind: store.KindError, Code: 26, Detail: "the platform has no firmware with this name", DetailZH: "平台上没有这个名字的固件"},
			},
		},
		lines: map[int64][]store.Line{
			6: {
				{AttemptID: 6, Time: at(-590), Dir: store.DirOut, Text: "AT+UPGRADE"},
				{AttemptID: 6, Time: at(-590), Dir: store.DirIn, Text: "OK"},
				{AttemptID: 6, Time: at(-540), Dir: store.DirIn, Text: "+UPGRADEIND: -1004"},
				{AttemptID: 6, Time: at(-535), Dir: store.DirOut, Text: "AT+UPGRADE?"},
				{AttemptID: 6, Time: at(-535), Dir: store.DirIn, Text: "+UPGRADE: 2,-1004,200,26"},
			},
		},
		passed: 41,
		failed: 3,
	}
	return h
}
