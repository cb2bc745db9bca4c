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
