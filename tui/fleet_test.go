package tui

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"airfleet/upgrade"
)

func slotsOf(rs []*row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.slot)
	}
	return out
}

func TestRowsAppearSortedAndVanish(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m,
		discovered(0, "1-1.10", imeiN(10), "Air780E", 2004),
		discovered(0, "1-1.2", imeiN(2), "Air780E", 2004),
		discovered(0, "1-1.1", imeiN(1), "Air780E", 2004),
		discovered(0, "1-1.3", imeiN(3), "Air780E", 2004),
	)
	if got, want := slotsOf(m.fleet.rows), []string{"1-1.1", "1-1.2", "1-1.3", "1-1.10"}; !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	// An idle module that detaches disappears.
	send(m, ev(5, "1-1.3", upgrade.StateDisconnected))
	if m.fleet.bySlot["1-1.3"] != nil {
		t.Error("idle module still listed after it detached")
	}
	// A module detached mid-upgrade shows as unplugged.
	send(m, ev(6, "1-1.2", upgrade.StateDownloading), ev(7, "1-1.2", upgrade.StateDisconnected))
	if r := m.fleet.bySlot["1-1.2"]; r == nil || r.state != upgrade.StateDisconnected {
		t.Fatalf("running module after detach: %+v", r)
	}
	if !strings.Contains(screen(m), "unplugged") {
		t.Error("screen does not say unplugged")
	}
	// It comes back and finishes.
	send(m, ev(8, "1-1.2", upgrade.StateVerifying), ev(9, "1-1.2", upgrade.StatePassed))
	if r := m.fleet.bySlot["1-1.2"]; r.state != upgrade.StatePassed {
		t.Fatalf("state %s, want passed", r.state)
	}
	// A finished module that detaches keeps its answer, marked unplugged.
	send(m, ev(10, "1-1.2", upgrade.StateDisconnected))
	if r := m.fleet.bySlot["1-1.2"]; r == nil || r.state != upgrade.StatePassed || !r.gone {
		t.Fatalf("finished module after detach: %+v", r)
	}
	// Another module in the same slot replaces the row.
	send(m, discovered(11, "1-1.2", imeiN(99), "Air780EP", 2004))
	if r := m.fleet.bySlot["1-1.2"]; r.imei != imeiN(99) || r.state != upgrade.StateIdle || r.gone || len(r.events) != 1 {
		t.Fatalf("replaced row: %+v", r)
	}
	if got := m.header.counts.total; got != 3 {
		t.Errorf("total %d, want 3", got)
	}
}

func TestRowEventsBoundedAndCoalesced(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1))
	for p := 0; p <= 100; p++ {
		e := ev(1, "1", upgrade.StateDownloading)
		e.Percent = p
		send(m, e)
	}
	r := m.fleet.bySlot["1"]
	if len(r.events) != 2 || r.events[1].Percent != 100 || r.percent != 100 {
		t.Fatalf("progress not folded: %d events, percent %d", len(r.events), r.percent)
	}
	for i := range 2 * maxRowEvents {
		s := upgrade.StateRequesting
		if i%2 == 0 {
			s = upgrade.StateWaitPlatform
		}
		send(m, ev(2+i, "1", s))
	}
	if len(r.events) != maxRowEvents {
		t.Fatalf("%d events kept, want %d", len(r.events), maxRowEvents)
	}
}

func TestCursorKeys(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 12) // 7 rows on screen
	var evs []upgrade.Event
	for i := 1; i <= 30; i++ {
		evs = append(evs, discovered(0, "1-1."+strconv.Itoa(i), imeiN(i), "Air780E", 1))
	}
	send(m, evs...)
	cur := func() string { return m.fleet.current().slot }
	for _, step := range []struct {
		key  string
		want string
	}{
		{"down", "1-1.2"}, {"j", "1-1.3"}, {"up", "1-1.2"}, {"k", "1-1.1"}, {"k", "1-1.1"},
		{"pgdown", "1-1.7"}, {"pgdown", "1-1.13"}, {"pgup", "1-1.7"}, // a page less the "more" line
		{"end", "1-1.30"}, {"j", "1-1.30"}, {"home", "1-1.1"}, {"G", "1-1.30"}, {"g", "1-1.1"},
	} {
		press(m, step.key)
		if got := cur(); got != step.want {
			t.Fatalf("after %s: cursor on %s, want %s", step.key, got, step.want)
		}
	}
	press(m, "end")
	body := screen(m)
	if !strings.Contains(body, "> 1-1.30") || strings.Contains(body, " 1-1.1 ") {
		t.Errorf("the cursor's row is not on screen, or the top is:\n%s", body)
	}
	// The cursor stays on its module when rows appear before it.
	send(m, discovered(1, "1-1.0", imeiN(100), "Air780E", 1))
	if cur() != "1-1.30" {
		t.Errorf("cursor moved to %s when a row appeared", cur())
	}
}

func TestSelection(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, runningEvents(5)...)
	press(m, "space", "j", "j", "space")
	if got := m.fleet.targets(func(*row) bool { return true }); !slices.Equal(got, []string{"1-1.1", "1-1.3"}) {
		t.Fatalf("selected %v", got)
	}
	press(m, "space") // unselect 1-1.3
	press(m, "a")
	if n := m.fleet.selectedShown(); n != 5 {
		t.Fatalf("select all: %d selected", n)
	}
	press(m, "a")
	if n := m.fleet.selectedShown(); n != 0 {
		t.Fatalf("select none: %d selected", n)
	}
	press(m, "space", "esc")
	if n := m.fleet.selectedShown(); n != 0 {
		t.Fatalf("esc left %d selected", n)
	}
	// Without a selection, actions target the cursor's module.
	if got := m.fleet.targets(func(*row) bool { return true }); !slices.Equal(got, []string{"1-1.3"}) {
		t.Fatalf("targets %v, want the cursor's", got)
	}
}

func TestNarrowColumnsCollapse(t *testing.T) {
	for _, tc := range []struct {
		width      int
		msg, model bool
	}{{200, true, true}, {80, false, true}, {70, false, false}} {
		m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", tc.width, 24)
		send(m, mixedEvents()...)
		l := m.fleet.layout()
		if (l.w[colMessage] > 0) != tc.msg || (l.w[colModel] > 0) != tc.model {
			t.Errorf("width %d: message %d model %d", tc.width, l.w[colMessage], l.w[colModel])
		}
	}
}
