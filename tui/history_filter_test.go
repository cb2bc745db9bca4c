package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func openHistoryOn(t *testing.T, h *fakeHistory) *Model {
	t.Helper()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 120, 30, withHistory(h))
	settleCmd(m, press(m, "h"))
	return m
}

func TestHistoryIMEIPartLive(t *testing.T) {
	h := sampleHistory()
	m := openHistoryOn(t, h)
	press(m, "/")
	typeText(m, "00")
	if s := screen(m); !strings.Contains(s, "at least 4 digits") {
		t.Errorf("no live hint for 2 digits:\n%s", s)
	}
	typeText(m, "02")
	if s := screen(m); strings.Contains(s, "at least 4 digits") {
		t.Errorf("the hint stays for 4 digits:\n%s", s)
	}
	settleCmd(m, press(m, "enter"))
	if f := lastFilter(t, h); f.IMEI != "0002" || m.history.input.active {
		t.Errorf("the last four digits were not taken: %+v, input open %v", f, m.history.input.active)
	}
	if a := m.history.attempts; len(a) != 2 || a[0].IMEI != imeiN(2) || a[1].IMEI != imeiN(2) {
		t.Errorf("rows %+v", a)
	}
}

func TestHistoryYesterday(t *testing.T) {
	h := sampleHistory()
	m := openHistoryOn(t, h)
	settleCmd(m, press(m, "d")) // today
	settleCmd(m, press(m, "d")) // yesterday
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if f := lastFilter(t, h); !f.Since.Equal(day.AddDate(0, 0, -1)) || !f.Until.Equal(day) {
		t.Errorf("yesterday: %+v", f)
	}
	if !strings.Contains(screen(m), "date yesterday") {
		t.Errorf("the filter line:\n%s", screen(m))
	}
}

func TestHistoryBatchClearsFilters(t *testing.T) {
	h := sampleHistory()
	m := openHistoryOn(t, h)
	press(m, "#")
	typeText(m, "26")
	settleCmd(m, press(m, "enter"))
	if f := lastFilter(t, h); f.Code != 26 {
		t.Fatalf("code filter %+v", f)
	}
	settleCmd(m, press(m, "tab"))
	if f := ansi.Strip(m.footer); strings.Contains(f, "d dates") || strings.Contains(f, "# code") {
		t.Errorf("the batches' footer lists keys that do nothing there: %q", f)
	}
	settleCmd(m, press(m, "enter"))
	if f := lastFilter(t, h); f.Code != 0 || f.BatchID == 0 {
		t.Errorf("a batch opened with the code filter on: %+v", f)
	}
}

func TestHistoryOneAttempt(t *testing.T) {
	h := sampleHistory()
	m := openHistoryOn(t, h)
	press(m, "/")
	typeText(m, imeiN(4))
	settleCmd(m, press(m, "enter"))
	if n := len(m.history.attempts); n != 1 {
		t.Fatalf("want one attempt of %s, got %d", imeiN(4), n)
	}
	if s := screen(m); !strings.Contains(s, "1 attempt\n") && !strings.Contains(s, "1 attempt ") {
		t.Errorf("the count:\n%s", s)
	}
}
