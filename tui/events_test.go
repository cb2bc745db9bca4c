package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// bells counts the bell commands in cmd.
func bells(cmd tea.Cmd) int {
	n := 0
	for _, msg := range run(cmd) {
		if r, ok := msg.(tea.RawMsg); ok && r.Msg == bell {
			n++
		}
	}
	return n
}

func TestBell(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1), discovered(0, "2", imeiN(2), "Air780E", 1))
	if n := bells(send(m, ev(1, "1", upgrade.StateRequesting), ev(1, "2", upgrade.StateRequesting))); n != 0 {
		t.Fatalf("%d bells on start", n)
	}
	if n := bells(send(m, ev(2, "1", upgrade.StateFailed))); n != 1 {
		t.Fatalf("%d bells on a failure, want 1", n)
	}
	if n := bells(send(m, ev(3, "2", upgrade.StatePassed))); n != 1 {
		t.Fatalf("%d bells at the end of the batch, want 1", n)
	}
	if got := m.statusText(); got != "Batch finished: 1 passed, 1 failed." {
		t.Errorf("status %q", got)
	}
	m.bell = false
	send(m, ev(4, "2", upgrade.StateRequesting))
	if n := bells(send(m, ev(5, "2", upgrade.StateFailed))); n != 0 {
		t.Fatalf("%d bells with the bell off", n)
	}
}

func TestElapsedTicksOnlyWhileRunning(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1))
	if m.ticking || strings.Contains(screen(m), "elapsed") {
		t.Fatal("clock runs before a start")
	}
	msgs := run(send(m, ev(10, "1", upgrade.StateRequesting)))
	if len(msgs) != 1 || !m.ticking {
		t.Fatalf("no tick asked for when the batch started: %v", msgs)
	}
	if cmd := send(m, ev(11, "1", upgrade.StateDownloading)); cmd != nil {
		t.Error("a second tick chain started")
	}
	_, cmd := m.Update(msgs[0]) // tickMsg at the test clock: t0+75 s
	if cmd == nil {
		t.Fatal("the tick did not ask for the next one while running")
	}
	if s := screen(m); !strings.Contains(s, "elapsed 01:05") {
		t.Errorf("elapsed not shown:\n%s", s)
	}
	send(m, ev(80, "1", upgrade.StatePassed))
	if _, cmd := m.Update(tickMsg{Time: at(81)}); cmd != nil || m.ticking {
		t.Error("the clock kept ticking after the batch ended")
	}
	if s := screen(m); !strings.Contains(s, "elapsed 01:11") {
		t.Errorf("elapsed at the end:\n%s", s)
	}
}

func TestEventsClosed(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, mixedEvents()...)
	m.Update(eventsClosedMsg{})
	if !strings.Contains(screen(m), "engine stopped") || m.fleet.bySlot["1-1.2"] == nil {
		t.Error("closing lost the results or did not say so")
	}
}

func TestFind(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 24)
	send(m, mixedEvents()...)
	press(m, "/")
	typeText(m, "43")
	if got := slotsOf(m.fleet.view); len(got) != 1 || got[0] != "2-1" {
		t.Fatalf("filter 43 shows %v", got)
	}
	press(m, "backspace")
	typeText(m, "6")
	if got := slotsOf(m.fleet.view); len(got) != 0 {
		t.Fatalf("filter 46 shows %v", got)
	}
	if !strings.Contains(screen(m), `No module matches "46"`) {
		t.Error("no-match message missing")
	}
	press(m, "esc")
	if m.find.active || m.fleet.query != "" || len(m.fleet.view) != 9 {
		t.Fatal("esc did not clear the filter")
	}
	// Filter by state word, apply with enter, then clear with esc.
	press(m, "/")
	typeText(m, "FAIL")
	press(m, "enter")
	if m.find.active || len(m.fleet.view) != 1 || m.fleet.view[0].slot != "1-1.2" {
		t.Fatalf("filter by state: %v", slotsOf(m.fleet.view))
	}
	if !strings.Contains(screen(m), `filter "fail": 1 of 9`) {
		t.Error("applied filter not shown")
	}
	press(m, "esc")
	if m.fleet.query != "" {
		t.Fatal("esc did not clear the applied filter")
	}
	// Slot substring.
	press(m, "/")
	typeText(m, "2-")
	if got := slotsOf(m.fleet.view); len(got) != 1 || got[0] != "2-1" {
		t.Fatalf("filter 2- shows %v", got)
	}
	press(m, "esc")
}

func TestScannerJumpsToIMEI(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 100, 24)
	send(m, mixedEvents()...)
	// A scanner types digits and Enter at the table, without "/".
	typeText(m, imeiN(6))
	if !m.find.active {
		t.Fatal("a digit did not open the finder")
	}
	press(m, "enter")
	if m.find.active || m.fleet.query != "" {
		t.Fatal("the filter was not cleared after the jump")
	}
	if r := m.fleet.current(); r == nil || r.slot != "1-1.6" {
		t.Fatalf("cursor on %v, want 1-1.6", r)
	}
	if got := m.statusText(); got != "IMEI "+imeiN(6)+" is in slot 1-1.6." {
		t.Errorf("status %q", got)
	}
	press(m, "/")
	typeText(m, "999999999999999")
	press(m, "enter")
	if got := m.statusText(); !strings.Contains(got, "not in this batch") || m.statusTone != toneFail {
		t.Errorf("status %q", got)
	}
	if r := m.fleet.current(); r.slot != "1-1.6" {
		t.Error("cursor moved on an unknown IMEI")
	}
	// Pasted (some scanners paste) works as well.
	press(m, "/")
	m.Update(tea.PasteMsg{Content: imeiN(2) + "\n"})
	press(m, "enter")
	if r := m.fleet.current(); r.slot != "1-1.2" {
		t.Errorf("paste: cursor on %s", r.slot)
	}
}

func TestDetailPane(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	b.SetTranscript("1-1.2", transcript2[:3])
	m := newTestModel(t, b, "en", 80, 24)
	send(m, mixedEvents()...)
	press(m, "j")
	cmd := press(m, "enter")
	if !m.showDetail || cmd == nil {
		t.Fatal("enter did not open the detail pane and ask for the transcript")
	}
	if s := screen(m); !strings.Contains(s, "(no transcript yet)") {
		t.Errorf("before the transcript arrives:\n%s", s)
	}
	feed(m, cmd)
	s := screen(m)
	for _, w := range []string{"Module in slot 1-1.2", "IMEI 861234050000002", "invalid firmware",
		"What to do", "Upload the matching", "> AT+CGSN", "platform code 26", "module error -1004"} {
		if !strings.Contains(s, w) {
			t.Errorf("detail lacks %q:\n%s", w, s)
		}
	}
	// The module's events refresh the transcript; others do not.
	if cmd := send(m, ev(70, "1-1.7", upgrade.StateDownloading)); len(run(cmd)) != 0 {
		t.Error("another module's event fetched this transcript")
	}
	b.SetTranscript("1-1.2", transcript2)
	cmd = send(m, ev(71, "1-1.2", upgrade.StateRequesting))
	// While that fetch is out, another event only marks it stale.
	if c2 := send(m, ev(72, "1-1.2", upgrade.StateWaitPlatform)); len(run(c2)) != 0 {
		t.Error("a second fetch while one is pending")
	}
	msgs := run(cmd)
	if len(msgs) != 1 {
		t.Fatalf("refresh messages: %v", msgs)
	}
	_, again := m.Update(msgs[0])
	if again == nil {
		t.Error("no refetch for the events that came meanwhile")
	}
	if s := screen(m); !strings.Contains(s, "< +UPGRADE: 2,-1004,200,26") || !strings.Contains(s, "wait plat") {
		t.Errorf("after refresh:\n%s", s)
	}
	// Scrolling the transcript, after tab: home shows its first line.
	press(m, "tab", "home")
	if s := screen(m); !strings.Contains(s, "> AT\n") && !strings.Contains(s, "> AT ") {
		t.Errorf("home did not scroll to the top:\n%s", s)
	}
	press(m, "end", "up", "pgup", "pgdown", "down")
	// Actions in the pane act on its module.
	if got := m.actionTargets(actCancel); len(got) != 1 || got[0] != "1-1.2" {
		t.Errorf("cancel targets %v", got)
	}
	press(m, "esc")
	if m.showDetail {
		t.Fatal("esc did not close")
	}
	press(m, "enter")
	press(m, "enter")
	if m.showDetail {
		t.Fatal("enter did not toggle")
	}
	// The pane closes when its module vanishes.
	press(m, "end")
	feed(m, press(m, "enter"))
	send(m, ev(73, "2-1", upgrade.StateIdle), ev(74, "2-1", upgrade.StateDisconnected))
	if m.showDetail {
		t.Error("the pane shows a module that is gone")
	}
}

// A module being identified as it is plugged in is not a batch: no bell, no
// "batch finished" when it turns idle, no clock.
func TestIdentifyingIsNotABatch(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	if n := bells(send(m, ev(0, "1", upgrade.StateIdentifying))); n != 0 {
		t.Fatalf("%d bells on identification", n)
	}
	if n := bells(send(m, discovered(1, "1", imeiN(1), "Air780E", 1))); n != 0 {
		t.Fatalf("%d bells when identification ended", n)
	}
	if got := m.statusText(); strings.Contains(got, "finished") {
		t.Fatalf("status %q after a mere identification", got)
	}
	if m.ticking {
		t.Fatal("the clock runs without a batch")
	}
}

// A whole batch folded into one message still ends with "batch finished".
func TestBatchInOneMessage(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, discovered(0, "1", imeiN(1), "Air780E", 1))
	send(m, ev(1, "1", upgrade.StateRequesting), ev(2, "1", upgrade.StateDownloading), ev(3, "1", upgrade.StatePassed))
	if got := m.statusText(); got != "Batch finished: 1 passed, 0 failed." {
		t.Fatalf("status %q", got)
	}
}

// A station event without a slot (the source cannot be listed) makes no
// row and is said in the status line.
func TestStationTroubleInStatusLine(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	send(m, upgrade.Event{Step: upgrade.StateDisconnected, Sentence: upgrade.Verbatim("cannot read the fleet directory /x: no such file")})
	if len(m.fleet.rows) != 0 {
		t.Fatalf("%d rows for a slot-less event", len(m.fleet.rows))
	}
	if got := m.statusText(); !strings.Contains(got, "cannot read the fleet directory") {
		t.Fatalf("status %q", got)
	}
}

// The station may identify a module again after the reboot that ended its
// attempt, once the attempt's result is in: the row keeps the result until
// the module is unplugged (then a plug-in shows it idle) or starts again.
func TestResultStaysUntilUnplug(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 80, 24)
	imei := imeiN(1)
	send(m, discovered(0, "1", imei, "Air780E", 1006))
	passed := ev(3, "1", upgrade.StatePassed)
	passed.IMEI, passed.Result = imei, &upgrade.Result{Outcome: upgrade.Upgraded, From: 1006, To: 1007}
	send(m, ev(1, "1", upgrade.StateRequesting), passed)
	late := discovered(4, "1", imei, "Air780E", 1007)
	send(m, ev(4, "1", upgrade.StateIdentifying), late)
	if r := m.fleet.bySlot["1"]; r.state != upgrade.StatePassed {
		t.Fatalf("after a late re-identification the row is %s, want passed", r.state)
	}
	if got := m.statusText(); got != "Batch finished: 1 passed, 0 failed." {
		t.Fatalf("status %q", got)
	}
	gone := ev(5, "1", upgrade.StateDisconnected)
	gone.IMEI = imei
	send(m, gone)
	send(m, discovered(6, "1", imei, "Air780E", 1007))
	if r := m.fleet.bySlot["1"]; r.state != upgrade.StateIdle {
		t.Fatalf("after unplug and plug the row is %s, want idle", r.state)
	}
	// Another module in the slot is always shown.
	send(m, passed)
	send(m, discovered(7, "1", imeiN(2), "Air780E", 1006))
	if r := m.fleet.bySlot["1"]; r.state != upgrade.StateIdle || r.imei != imeiN(2) {
		t.Fatalf("another module in the slot: %s %s", r.state, r.imei)
	}
}

// The detail pane on a narrow screen: the state's fields wrap whole, a
// message that only restates the remedy is not said twice, and a resize
// keeps the transcript's end in view.
func TestDetailLayout(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	long := make([]string, 0, 200)
	for i := range 199 {
		long = append(long, fmt.Sprintf("< +UPGRADEIND: %d", i))
	}
	long = append(long, "< +UPGRADE: 2,-1004,200,26")
	b.SetTranscript("1-1.2", long)
	m := newTestModel(t, b, "en", 160, 48)
	evs := mixedEvents()
	for i := range evs {
		if evs[i].Slot == "1-1.2" && evs[i].Result != nil {
			evs[i].Sentence = upgrade.Verbatim("platform code 26 (invalid firmware): Upload the matching *.dfota.bin; compare the device's firmware name with the platform's.")
		}
	}
	send(m, evs...)
	press(m, "j")
	feed(m, press(m, "enter"))
	if s := screen(m); !strings.Contains(s, "< +UPGRADE: 2,-1004,200,26") {
		t.Fatalf("the transcript's end is not in view:\n%s", s)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	s := screen(m)
	if !strings.Contains(s, "< +UPGRADE: 2,-1004,200,26") {
		t.Errorf("after a resize the transcript's end is out of view:\n%s", s)
	}
	if n := strings.Count(s, "Upload the matching"); n != 1 {
		t.Errorf("the remedy is said %d times:\n%s", n, s)
	}
	for _, f := range []string{"requests 2", "retries 1", "platform code 26", "module error -1004"} {
		if !strings.Contains(s, f) {
			t.Errorf("field %q broken or missing:\n%s", f, s)
		}
	}
}
