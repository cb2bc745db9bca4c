package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/store"
)

// TestHistoryOnRealLog checks that the SQLite log is a History and that the
// history screen, the detail pane and the header show what it holds.
func TestHistoryOnRealLog(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "airfleet.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batch := s.StartBatch(store.Batch{Mode: store.ModeIoT, Target: 2010, Station: "L3-07", Host: "test", Started: at(0)})
	id := s.StartAttempt(store.Attempt{BatchID: batch, IMEI: imeiN(2), Slot: "1-1.2", Model: "Air780E", FromVersion: 2004, Started: at(10)})
	s.Event(store.Event{AttemptID: id, BatchID: batch, IMEI: imeiN(2), Slot: "1-1.2", Time: at(20), Step: "failed", Kind: store.KindError, Code: 26, Detail: "no such firmware"})
	s.Transcript(store.Line{AttemptID: id, IMEI: imeiN(2), Slot: "1-1.2", Time: at(15), Dir: store.DirIn, Text: "+UPGRADE: 2,-1004,200,26"})
	s.EndAttempt(id, store.AttemptResult{Result: store.ResultFailed, PlatformCode: 26, ModuleError: -1004, Message: "invalid firmware", ToVersion: 2004, Ended: at(60)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 120, 30, withHistory(s))
	if top := lines(screen(m))[1]; !strings.Contains(top, "today here: passed 0 / failed 1") {
		t.Errorf("header %q", top)
	}
	settleCmd(m, press(m, "h"))
	if !strings.Contains(screen(m), "2026-03-02 09:30 1-1.2 "+imeiN(2)+" 2004→2004 ✘ failed") {
		t.Errorf("the history lacks the attempt:\n%s", screen(m))
	}
	settleCmd(m, press(m, "enter"))
	for _, w := range []string{"[26] no such firmware", "< +UPGRADE: 2,-1004,200,26"} {
		if !strings.Contains(screen(m), w) {
			t.Errorf("the attempt lacks %q:\n%s", w, screen(m))
		}
	}
	press(m, "esc", "esc")
	settleCmd(m, send(m, discovered(0, "1-1.2", imeiN(2), "Air780E", 2004)))
	settleCmd(m, press(m, "enter"))
	if !strings.Contains(screen(m), "2026-03-02 09:30  2004→2004  ✘ failed  26") {
		t.Errorf("the detail pane lacks the log:\n%s", screen(m))
	}
}
