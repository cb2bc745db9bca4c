package tui

import (
	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// action is something the operator asks the engine to do.
type action int

const (
	actStartAll action = iota
	actStart
	actRetry
	actCancel
	actCancelAll
)

// actionKeys name each action in messages, by its key's description.
var actionKeys = [...]*upgrade.Message{msgKeyStartall, msgKeyStart, msgKeyRetry, msgKeyCancel, msgKeyCancelall}

// actionDoneMsg reports that the backend took (Err nil) or refused an action.
type actionDoneMsg struct {
	Action action
	Slots  []string // the modules it was for; nil for the batch-wide ones
	Batch  int      // the batches ended when it was asked for (Model.batches)
	Err    error
	Plan   upgrade.Sentence // a batch started with a delta map: its plan
}

// act runs a backend action in a command. Per-module actions go to the
// targets; with none, the status line says so and nothing runs.
func (m *Model) act(a action) tea.Cmd {
	var slots []string
	if a == actStart || a == actCancel {
		slots = m.actionTargets(a)
		if len(slots) == 0 {
			m.setStatus(toneWarn, map[action]*upgrade.Message{actStart: msgStNostart, actCancel: msgStNothing}[a])
			return nil
		}
	}
	if a == actRetry && !m.fleet.any(func(r *row) bool { return r.state == upgrade.StateFailed }) {
		m.setStatus(toneWarn, msgStNoretry, m.fleet.counts().held)
		return nil
	}
	batch := m.batches
	b := m.backend
	return func() tea.Msg {
		msg := actionDoneMsg{Action: a, Slots: slots, Batch: batch, Err: callBackend(b, a, slots)}
		if msg.Err == nil && (a == actStartAll || a == actStart || a == actRetry) {
			msg.Plan = b.BatchPlan()
		}
		return msg
	}
}

// callBackend performs the action; it runs in a command, off Update.
func callBackend(b Backend, a action, slots []string) error {
	switch a {
	case actStartAll:
		return b.StartAll()
	case actStart:
		return b.Start(slots)
	case actRetry:
		return b.RetryFailed()
	case actCancel:
		return b.Cancel(slots)
	default:
		return b.CancelAll()
	}
}

// actionTargets are the modules Start or Cancel would act on: the module in
// the detail pane, else the selection, else the cursor's module.
func (m *Model) actionTargets(a action) []string {
	ok := (*row).startable
	if a == actCancel {
		ok = (*row).working
	}
	if m.showDetail {
		if r := m.fleet.bySlot[m.detail.slot]; r != nil && ok(r) {
			return []string{r.slot}
		}
		return nil
	}
	return m.fleet.targets(ok)
}

// handleActionDone reports the outcome of an action in the status line.
func (m *Model) handleActionDone(msg actionDoneMsg) {
	if msg.Err != nil {
		m.status = func(l lang) string { return l.F(msgStError, l.T(actionKeys[msg.Action]), msg.Err) }
		m.statusTone = toneFail
		return
	}
	n := len(msg.Slots)
	if msg.Batch != m.batches && !m.busy {
		// The batch it started has ended already: its end says more.
		msg.Action = -1
	}
	switch {
	case msg.Action >= 0 && !msg.Plan.IsZero():
		plan := msg.Plan
		m.status = func(l lang) string { return l.F(msgStPlan, plan.In(string(l))) }
		m.statusTone = toneAccent
		return
	}
	switch msg.Action {
	case actStartAll:
		m.setStatus(toneAccent, msgStStartall)
	case actStart:
		m.setStatus(toneAccent, msgStStart, n)
	case actRetry:
		m.setStatus(toneAccent, msgStRetry)
	case actCancel:
		m.setStatus(toneWarn, msgStCancel, n)
	case actCancelAll:
		m.setStatus(toneWarn, msgStCancelall)
	}
	if msg.Action == actStart || msg.Action == actCancel {
		for _, s := range msg.Slots {
			delete(m.fleet.selected, s)
		}
	}
}

// setStatus shows the text for key, formatted with args, in the status line
// in the colour of t; it follows language switches.
func (m *Model) setStatus(t tone, key *upgrade.Message, args ...any) {
	m.status = func(l lang) string { return l.F(key, args...) }
	m.statusTone = t
}

// statusText is the status line's message in the current language.
func (m *Model) statusText() string {
	if m.status == nil {
		return ""
	}
	return m.status(m.c.lang)
}
