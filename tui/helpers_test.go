package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"airfleet/upgrade"
)

// t0 is the fixed start of every scripted batch.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// at is t0 plus s seconds.
func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

var testPlan = Plan{Mode: upgrade.ModeIoT, Target: 2010, Concurrency: 8, Station: "L3-07"}

// testExplain is a stand-in for the engine's catalogue.
func testExplain(code, modErr int, lang string) (string, string, string) {
	if code == 26 {
		if lang == "zh" {
			return "找不到固件", "项目中没有与模块固件名一致的固件。", "上传匹配的 *.dfota.bin，并核对固件名。"
		}
		return "invalid firmware", "The project has no firmware with the module's firmware name.",
			"Upload the matching *.dfota.bin; compare the device's firmware name with the platform's."
	}
	if modErr == -1001 {
		return "no data connection", "The module has no data connection.", "Check SIM, antenna and AT+CEREG?."
	}
	return "", "", ""
}

// newTestModel is a console over b at the given size and language, with the
// fixed clock, the stand-in catalogue, ticks and log refreshes that arrive
// at once, and whatever else the opts set.
func newTestModel(t testing.TB, b *FakeBackend, lang string, w, h int, opts ...func(*Options)) *Model {
	t.Helper()
	o := Options{Lang: lang, Now: func() time.Time { return at(75) }, Explain: testExplain, Bell: true}
	for _, f := range opts {
		f(&o)
	}
	m := New(b, o)
	m.ticker = func(now func() time.Time) tea.Cmd { return func() tea.Msg { return tickMsg{Time: now()} } }
	m.logDelay = 0
	_, cmd := m.Update(planMsg{Plan: b.Plan()})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	feed(m, cmd)
	return m
}

// withHistory gives the console the log h.
func withHistory(h History) func(*Options) { return func(o *Options) { o.History = h } }

// press sends keys ("enter", "space", "ctrl+c", "j"…) and returns the last
// command.
func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(keyMsg(k))
	}
	return cmd
}

// typeText presses each rune of s.
func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(s string) tea.KeyPressMsg {
	special := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape},
		"space": {Code: tea.KeySpace, Text: " "}, "up": {Code: tea.KeyUp},
		"down": {Code: tea.KeyDown}, "pgup": {Code: tea.KeyPgUp},
		"pgdown": {Code: tea.KeyPgDown}, "home": {Code: tea.KeyHome},
		"end": {Code: tea.KeyEnd}, "backspace": {Code: tea.KeyBackspace},
		"ctrl+c": {Code: 'c', Mod: tea.ModCtrl}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
		"tab": {Code: tea.KeyTab}, "shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight},
	}
	if k, ok := special[s]; ok {
		return tea.KeyPressMsg(k)
	}
	r := []rune(s)
	if len(r) != 1 {
		panic("unknown key " + s)
	}
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

// run executes cmd synchronously and returns its messages, batches
// flattened. It never feeds them back.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// feed runs cmd and feeds its messages back into m, once.
func feed(m *Model, cmd tea.Cmd) {
	for _, msg := range run(cmd) {
		m.Update(msg)
	}
}

// settleCmd runs cmd, feeds its messages back and runs the commands they
// return, until none is left. Ticks are not fed back: while a batch runs
// they would ask for the next one forever.
func settleCmd(m *Model, cmd tea.Cmd) {
	for i := 0; cmd != nil; i++ {
		if i == 50 {
			panic("the commands never settle")
		}
		var next []tea.Cmd
		for _, msg := range run(cmd) {
			if _, ok := msg.(tickMsg); ok {
				continue
			}
			_, c := m.Update(msg)
			next = append(next, c)
		}
		cmd = tea.Batch(next...)
	}
}

// send delivers events as the forwarder does and returns the command.
func send(m *Model, evs ...upgrade.Event) tea.Cmd {
	_, cmd := m.Update(eventsMsg{Events: evs})
	return cmd
}

// screen is the view without styling.
func screen(m *Model) string { return ansi.Strip(m.View().Content) }

// ev builds an event.
func ev(sec int, slot string, step upgrade.State) upgrade.Event {
	return upgrade.Event{Time: at(sec), Slot: slot, Step: step}
}

// discovered is the idle event of a newly found module.
func discovered(sec int, slot, imei, model string, from int) upgrade.Event {
	return upgrade.Event{Time: at(sec), Slot: slot, IMEI: imei, Model: model, From: from, Step: upgrade.StateIdle}
}

// imeiN is a distinct 15-digit IMEI.
func imeiN(n int) string { return fmt.Sprintf("8612340500%05d", n) }

// runningEvents discovers n modules in slots 1-1.1 … and moves them through
// the steps of a running batch.
func runningEvents(n int) []upgrade.Event {
	steps := []upgrade.State{upgrade.StateIdentifying, upgrade.StateWaitNetwork, upgrade.StateConfiguring,
		upgrade.StateRequesting, upgrade.StateWaitPlatform, upgrade.StateDownloading,
		upgrade.StateRebooting, upgrade.StateVerifying}
	var evs []upgrade.Event
	for i := 1; i <= n; i++ {
		slot := fmt.Sprintf("1-1.%d", i)
		model := "Air780E"
		if i%3 == 0 {
			model = "Air780EPM"
		}
		evs = append(evs, discovered(0, slot, imeiN(i), model, 2004))
		e := ev(10+i, slot, steps[i%len(steps)])
		e.Target = 2010
		e.Percent = (i * 37) % 100
		switch e.Step {
		case upgrade.StateWaitPlatform:
			e.Code, e.Sentence = 43, upgrade.Verbatim("platform is making the delta; retry in 90 s")
		case upgrade.StateDownloading:
			e.Sentence = upgrade.Verbatim("downloading delta")
		}
		evs = append(evs, e)
	}
	return evs
}

// mixedEvents is a finished-looking batch with every outcome.
func mixedEvents() []upgrade.Event {
	res := func(slot, imei string, o upgrade.Outcome, to, code, modErr int, msg string) *upgrade.Result {
		return &upgrade.Result{Slot: slot, IMEI: imei, Model: "Air780E", From: 2004, To: to, Outcome: o,
			Code: code, ModuleError: modErr, Requests: 2, Retries: 1, Started: at(10), Ended: at(70), Sentence: upgrade.Verbatim(msg)}
	}
	evs := []upgrade.Event{
		discovered(0, "1-1.10", imeiN(10), "Air780E", 2004),
		discovered(0, "1-1.2", imeiN(2), "Air780E", 2004),
		discovered(0, "1-1.1", imeiN(1), "Air780EP", 2004),
		discovered(0, "1-1.3", imeiN(3), "Air780E", 2010),
		discovered(0, "1-1.4", imeiN(4), "Air780E", 2004),
		discovered(0, "1-1.5", imeiN(5), "Air780E", 2004),
		discovered(0, "1-1.6", imeiN(6), "Air780E", 2004),
		discovered(0, "2-1", imeiN(21), "Air780EPM", 2004),
		discovered(0, "1-1.7", imeiN(7), "Air780E", 2004),
	}
	step := func(sec int, slot string, s upgrade.State, f func(*upgrade.Event)) {
		e := ev(sec, slot, s)
		e.Target = 2010
		if f != nil {
			f(&e)
		}
		evs = append(evs, e)
	}
	step(10, "1-1.1", upgrade.StateDownloading, func(e *upgrade.Event) { e.Percent = 100 })
	step(60, "1-1.1", upgrade.StatePassed, func(e *upgrade.Event) {
		e.Result = res("1-1.1", imeiN(1), upgrade.Upgraded, 2010, 0, 0, "upgraded")
		e.Sentence = upgrade.Verbatim("upgraded to 2010")
	})
	step(61, "1-1.2", upgrade.StateFailed, func(e *upgrade.Event) {
		e.Code, e.ModuleError, e.HTTPStatus = 26, -1004, 200
		e.Result = res("1-1.2", imeiN(2), upgrade.Failed, 2004, 26, -1004, "invalid firmware")
		e.Sentence = upgrade.Verbatim("the platform has no firmware with this name")
	})
	step(62, "1-1.3", upgrade.StateCurrent, func(e *upgrade.Event) {
		e.Result = res("1-1.3", imeiN(3), upgrade.Current, 2010, 27, 0, "already at the target")
		e.Code = 27
	})
	step(63, "1-1.4", upgrade.StateHeld, func(e *upgrade.Event) {
		e.Sentence = upgrade.Verbatim("request budget used up (4 in 24 h)")
		e.Result = res("1-1.4", imeiN(4), upgrade.Held, 2004, 0, 0, "held")
	})
	step(64, "1-1.5", upgrade.StateDownloading, func(e *upgrade.Event) { e.Percent = 42 })
	step(65, "1-1.5", upgrade.StateDisconnected, func(e *upgrade.Event) { e.Sentence = upgrade.Verbatim("port vanished") })
	step(66, "1-1.6", upgrade.StateCancelled, func(e *upgrade.Event) {
		e.Percent = 0
		e.Result = res("1-1.6", imeiN(6), upgrade.Cancelled, 2004, 0, 0, "cancelled by the operator")
	})
	step(67, "2-1", upgrade.StateWaitPlatform, func(e *upgrade.Event) {
		e.Code, e.Sentence = 43, upgrade.Verbatim("platform is making the delta; retry in 90 s")
	})
	step(68, "1-1.7", upgrade.StateDownloading, func(e *upgrade.Event) { e.Percent = 63; e.Sentence = upgrade.Verbatim("downloading delta") })
	return evs
}

// transcript2 is the AT transcript of the failing module in slot 1-1.2.
var transcript2 = []string{
	"> AT", "< OK", "> AT+CGSN", "< 861234050000002", "< OK",
	"> AT+UPGRADE", "< OK", "< +UPGRADEIND: -1004", "> AT+UPGRADE?",
	"< +UPGRADE: 2,-1004,200,26", "< OK",
}

// lines splits a screen into lines.
func lines(s string) []string { return strings.Split(s, "\n") }

// toField moves the settings form's focus to row f with the arrow keys, as
// an operator would.
func toField(m *Model, f settingsField) {
	for i := 0; m.settings.focus != f && i < int(fieldCount); i++ {
		if m.settings.focus < f {
			press(m, "down")
		} else {
			press(m, "up")
		}
	}
}
