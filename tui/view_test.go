package tui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"airfleet/upgrade"
)

// scenario builds a console in one state for golden and layout tests.
type scenario struct {
	name  string
	setup func(m *Model, b *FakeBackend)
	opts  []func(*Options)
}

// testKey is a project key as the IoT platform gives them.
const testKey = "0123456789abcdef0123456789abhl0o"

var scenarios = []scenario{
	{name: "empty", setup: func(*Model, *FakeBackend) {}},
	{name: "running", setup: func(m *Model, _ *FakeBackend) { send(m, runningEvents(12)...) }},
	{name: "mixed", setup: func(m *Model, _ *FakeBackend) {
		send(m, mixedEvents()...)
		press(m, "j", "space")
	}},
	{name: "detail", setup: func(m *Model, b *FakeBackend) {
		send(m, mixedEvents()...)
		b.SetTranscript("1-1.2", transcript2)
		press(m, "j")
		feed(m, press(m, "enter"))
	}},
	{name: "settings", setup: func(m *Model, b *FakeBackend) {
		b.SetConfig(upgrade.Config{Mode: upgrade.ModeKey, Key: testKey, Target: 2010, Concurrency: 8, Station: "L3-07"})
		settleCmd(m, loadPlan(b))
		send(m, mixedEvents()...)
		settleCmd(m, press(m, "o"))
		toField(m, fieldConcurrency)
		press(m, "ctrl+u")
		typeText(m, "-3")
		press(m, "enter")
	}},
	{name: "history", opts: []func(*Options){withHistory(sampleHistory())}, setup: func(m *Model, _ *FakeBackend) {
		send(m, mixedEvents()...)
		settleCmd(m, press(m, "h"))
	}},
	{name: "attempt", opts: []func(*Options){withHistory(sampleHistory())}, setup: func(m *Model, _ *FakeBackend) {
		settleCmd(m, press(m, "h"))
		settleCmd(m, press(m, "enter"))
	}},
}

// TestViewGolden compares each scenario's screen, stripped of styling, with
// testdata/TestViewGolden/<scenario>_<w>x<h>[_zh].golden; go test ./tui/
// -update rewrites them.
func TestViewGolden(t *testing.T) {
	for _, sc := range scenarios {
		for _, size := range [][2]int{{80, 24}, {160, 48}} {
			for _, lang := range []string{"en", "zh"} {
				if lang == "zh" && size[0] != 80 {
					continue
				}
				name := fmt.Sprintf("%s_%dx%d", sc.name, size[0], size[1])
				if lang == "zh" {
					name += "_zh"
				}
				t.Run(name, func(t *testing.T) {
					b := NewFakeBackend(testPlan, 0)
					m := newTestModel(t, b, lang, size[0], size[1], sc.opts...)
					sc.setup(m, b)
					golden.RequireEqual(t, []byte(screen(m)))
				})
			}
		}
	}
}

// TestViewFits checks that every screen is exactly the terminal's size.
func TestViewFits(t *testing.T) {
	for _, sc := range scenarios {
		for _, size := range [][2]int{{60, 16}, {80, 24}, {100, 30}, {160, 48}, {240, 70}} {
			for _, lang := range []string{"en", "zh"} {
				b := NewFakeBackend(testPlan, 0)
				m := newTestModel(t, b, lang, size[0], size[1], sc.opts...)
				sc.setup(m, b)
				ls := lines(screen(m))
				if len(ls) != size[1] {
					t.Errorf("%s %v %s: %d lines, want %d", sc.name, size, lang, len(ls), size[1])
				}
				for i, l := range ls {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("%s %v %s: line %d is %d wide: %q", sc.name, size, lang, i, w, l)
					}
				}
			}
		}
	}
}
