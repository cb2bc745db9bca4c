package tui

import (
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

func TestHeaderPlan(t *testing.T) {
	for _, tc := range []struct {
		plan Plan
		lang string
		want []string
	}{
		{Plan{Mode: upgrade.ModeKey, KeyMasked: "ab****yz", Concurrency: 4, Station: "R2"}, "en",
			[]string{"mode project key ab****yz", "target latest", "parallel 4", "station R2"}},
		{Plan{Mode: upgrade.ModeURL, URL: "http://fw.example/a.bin", Target: 2012}, "zh",
			[]string{"模式 自有服务器 http://fw.example/a.bin", "目标 2012", "工位 -"}},
	} {
		m := newTestModel(t, NewFakeBackend(tc.plan, 0), tc.lang, 160, 24)
		top := lines(screen(m))[0]
		for _, w := range tc.want {
			if !strings.Contains(top, w) {
				t.Errorf("header %q lacks %q", top, w)
			}
		}
	}
}

func TestElapsedFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "00:00", 59 * time.Second: "00:59", 61*time.Minute + 5*time.Second: "1:01:05", -time.Second: "00:00",
	} {
		if got := elapsed(d); got != want {
			t.Errorf("elapsed(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestLightBackground(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, mixedEvents()...)
	before := screen(m)
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if screen(m) != before {
		t.Error("the background changed the text")
	}
}

func TestInitAsksForPlan(t *testing.T) {
	b := NewFakeBackend(Plan{Station: "X9"}, 0)
	m := New(b, Options{Lang: "en"})
	var got Plan
	for _, msg := range run(m.Init()) {
		if p, ok := msg.(planMsg); ok {
			got = p.Plan
		}
	}
	if got.Station != "X9" {
		t.Errorf("Init did not load the plan: %+v", got)
	}
	if v := m.View(); !v.AltScreen {
		t.Error("the view does not ask for the alternate screen")
	}
}

// TestElapsedRestartsPerBatch checks that the clock counts the batch
// running now, not the time since the console's first batch.
func TestElapsedRestartsPerBatch(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1))
	send(m, ev(10, "1", upgrade.StateRequesting))
	send(m, ev(40, "1", upgrade.StateFailed))
	send(m, ev(300, "1", upgrade.StateRequesting)) // the operator retries
	m.Update(tickMsg{Time: at(312)})
	if top := lines(screen(m))[1]; !strings.Contains(top, "elapsed 00:12") {
		t.Errorf("the second batch's clock: %q, want elapsed 00:12", top)
	}
}

// TestBatchDoneCountsHeld checks that the end-of-batch line counts the
// held modules too: they are neither passed nor failed, but they are there.
func TestBatchDoneCountsHeld(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1), discovered(0, "2", imeiN(2), "Air780E", 1))
	send(m, ev(1, "1", upgrade.StateRequesting), ev(1, "2", upgrade.StateRequesting))
	send(m, ev(2, "1", upgrade.StatePassed), ev(2, "2", upgrade.StateHeld))
	if got := m.statusText(); got != "Batch finished: 1 passed, 0 failed, 1 held." {
		t.Errorf("status %q", got)
	}
	m.c.setLang("zh")
	if got := m.statusText(); got != "本批完成：成功 1 个，失败 0 个，暂缓 1 个。" {
		t.Errorf("status %q", got)
	}
}

// TestTodaySaysModules checks that today's tallies say that they count
// modules, not attempts.
func TestTodaySaysModules(t *testing.T) {
	h := sampleHistory()
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 160, 24, withHistory(h))
	if top := lines(screen(m))[1]; !strings.Contains(top, "modules today here: passed 41 / failed 3") {
		t.Errorf("header %q", top)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if top := lines(screen(m))[1]; !strings.Contains(top, "modules today ✔41 ✘3") {
		t.Errorf("narrow header %q", top)
	}
}

// The header names the operator beside the station (issue 12.6: both
// are recorded with every batch and shown).
func TestHeaderNamesTheOperator(t *testing.T) {
	plan := testPlan
	plan.Operator = "wang.li"
	for lang, want := range map[string]string{"en": "station L3-07", "zh": "工位 L3-07"} {
		m := newTestModel(t, NewFakeBackend(plan, 0), lang, 160, 24)
		top := lines(screen(m))[0]
		if !strings.Contains(top, want) || !strings.Contains(top, "wang.li") {
			t.Errorf("%s: the header %q does not name the station and the operator", lang, top)
		}
	}
}
