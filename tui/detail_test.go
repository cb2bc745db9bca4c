package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"airfleet/upgrade"
)

// longWait is an engine message longer than an 80-column event line.
const longWait = "the platform is still making the delta for this firmware; it will ask the platform again in 90 s, 3 requests left today"

// detailOn opens the detail pane at w×h on a module in slot 1-1.2 with n
// events, the last but one of which says longWait, and a long transcript.
func detailOn(t *testing.T, w, h, n int) *Model {
	t.Helper()
	b := NewFakeBackend(testPlan, 0)
	var tr []string
	for i := range 60 {
		tr = append(tr, fmt.Sprintf("< +UPGRADEIND: %d", i))
	}
	b.SetTranscript("1-1.2", tr)
	m := newTestModel(t, b, "en", w, h)
	send(m, discovered(0, "1-1.1", imeiN(1), "Air780E", 2004), discovered(0, "1-1.2", imeiN(2), "Air780E", 2004),
		discovered(0, "1-1.7", imeiN(7), "Air780E", 2004))
	for i := 1; i < n-1; i++ {
		step := upgrade.StateRequesting
		if i%2 == 0 {
			step = upgrade.StateWaitNetwork
		}
		send(m, ev(i, "1-1.2", step))
	}
	e := ev(n-1, "1-1.2", upgrade.StateWaitPlatform)
	e.Code, e.Sentence = 43, upgrade.Verbatim(longWait)
	send(m, e, ev(n, "1-1.2", upgrade.StateRequesting))
	press(m, "j")
	feed(m, press(m, "enter"))
	if !m.showDetail || m.detail.slot != "1-1.2" {
		t.Fatalf("the pane is not on 1-1.2:\n%s", screen(m))
	}
	return m
}

// flat is the screen with its lines joined by spaces and runs of spaces
// folded, so that wrapped text reads as one.
func flat(m *Model) string { return strings.Join(strings.Fields(screen(m)), " ") }

func TestDetailSelectedEventWraps(t *testing.T) {
	m := detailOn(t, 80, 24, 3)
	press(m, "up")
	if !strings.Contains(flat(m), "it will ask the platform again in 90 s, 3 requests left today") {
		t.Errorf("the event chosen with up is cut:\n%s", screen(m))
	}
}

func TestDetailScrollsEvents(t *testing.T) {
	m := detailOn(t, 80, 24, 20)
	first := "09:30:01 request"
	if strings.Contains(screen(m), first) {
		t.Fatalf("the first of 20 events fits at once; the test needs more:\n%s", screen(m))
	}
	if f := ansi.Strip(m.footer); !strings.Contains(f, "scroll events") || !strings.Contains(f, "tab transcript") {
		t.Errorf("the footer does not say what scrolls: %q", f)
	}
	press(m, "home")
	if !strings.Contains(screen(m), first) {
		t.Errorf("home did not show the first event:\n%s", screen(m))
	}
	press(m, "tab")
	if f := ansi.Strip(m.footer); !strings.Contains(f, "scroll transcript") || !strings.Contains(f, "tab events") {
		t.Errorf("after tab the footer does not say what scrolls: %q", f)
	}
	if n := strings.Count(screen(m), "< +UPGRADEIND"); n < 8 {
		t.Errorf("the transcript has the focus but shows %d lines:\n%s", n, screen(m))
	}
	press(m, "home")
	if !strings.Contains(screen(m), "< +UPGRADEIND: 0\n") && !strings.Contains(screen(m), "< +UPGRADEIND: 0 ") {
		t.Errorf("home did not scroll the transcript to its top:\n%s", screen(m))
	}
}

func TestDetailScanJumps(t *testing.T) {
	m := detailOn(t, 80, 24, 3)
	typeText(m, imeiN(7))
	feed(m, press(m, "enter"))
	if !m.showDetail || m.detail.slot != "1-1.7" {
		t.Errorf("a scan in the pane: shown %v, slot %q; want the pane on 1-1.7:\n%s", m.showDetail, m.detail.slot, screen(m))
	}
	if got := m.statusText(); got != "IMEI "+imeiN(7)+" is in slot 1-1.7." {
		t.Errorf("status %q", got)
	}
}

// With no target in the batch, the detail pane says the version a module
// reached, as the table's target column does, not "-".
func TestDetailSaysTheVersionReached(t *testing.T) {
	plan := testPlan
	plan.Target = 0
	m := newTestModel(t, NewFakeBackend(plan, 0), "en", 120, 40)
	d := discovered(0, "1-1.1", imeiN(1), "Air780EP", 1006)
	done := ev(60, "1-1.1", upgrade.StatePassed)
	done.IMEI = imeiN(1)
	done.Result = &upgrade.Result{Slot: "1-1.1", IMEI: imeiN(1), Outcome: upgrade.Upgraded, From: 1006, To: 1007}
	send(m, d, done)
	press(m, "enter")
	if s := screen(m); !strings.Contains(s, "→ target 1007") {
		t.Errorf("the detail pane does not say the version reached:\n%s", s)
	}
}
