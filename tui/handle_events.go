package tui

import (
	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// bell is the terminal bell, rung through the program's output.
const bell = "\a"

// handleEvents folds a batch of engine events into the table, starts the
// clock with the first working module, rings on a new failure and at the end
// of a batch, and refreshes the detail pane when its module moved.
func (m *Model) handleEvents(evs []upgrade.Event) tea.Cmd {
	var cmds []tea.Cmd
	ring, touched, final := false, false, false
	sawActive := false // a whole batch may arrive in one message
	idle := !m.busy    // no batch ran before these events: the first active module starts one
	for _, e := range evs {
		if e.Slot == "" {
			// The station's own trouble (e.g. sysfs cannot be read): no
			// row to put it on, so the status line says it.
			if n := e.Sentence; !n.IsZero() {
				m.status = func(l lang) string { return n.In(string(l)) }
				m.statusTone = toneWarn
			}
			continue
		}
		before, after := m.fleet.apply(e)
		if after == upgrade.StateFailed && before != upgrade.StateFailed {
			ring = true
		}
		final = final || finalTransition(before, after)
		t := e.Time
		if t.IsZero() {
			t = m.now()
		}
		if r := m.fleet.bySlot[e.Slot]; r != nil && r.active() {
			if idle && !sawActive {
				m.header.start(t)
			}
			sawActive = true
		}
		m.header.clock(t)
		touched = touched || e.Slot == m.detail.slot
	}
	m.fleet.refresh()
	m.header.counts = m.fleet.counts()

	wasBusy := m.busy
	m.busy = m.fleet.any((*row).working)
	if (wasBusy || sawActive) && !m.busy {
		ring = true
		m.batches++
		c := m.header.counts
		if c.held > 0 {
			m.setStatus(toneOK, msgStDoneheld, c.passed, c.failed, c.held)
		} else {
			m.setStatus(toneOK, msgStDone, c.passed, c.failed)
		}
		if c.failed > 0 {
			m.statusTone = toneFail
		}
	}
	if m.busy && !m.ticking {
		m.ticking = true
		cmds = append(cmds, m.ticker(m.now))
	}
	if m.showDetail && touched {
		if r := m.fleet.bySlot[m.detail.slot]; r != nil {
			m.detail.sync(r)
			cmds = append(cmds, m.detail.refresh(m.backend))
			if r.imei != m.detail.logIMEI {
				cmds = append(cmds, m.detail.showLog(m.hist, r.imei))
			}
		} else {
			m.showDetail = false
		}
	}
	if final {
		cmds = append(cmds, m.logChanged())
	}
	if ring && m.bell {
		cmds = append(cmds, tea.Raw(bell))
	}
	return tea.Batch(cmds...)
}

// handleTick moves the clock and asks for the next tick while a batch runs.
func (m *Model) handleTick(msg tickMsg) tea.Cmd {
	m.header.clock(msg.Time)
	if !m.busy {
		m.ticking = false
		return nil
	}
	return m.ticker(m.now)
}
