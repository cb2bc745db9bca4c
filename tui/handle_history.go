package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// logChangedMsg says that a module reached a final state a moment ago, so
// the log has news.
type logChangedMsg struct{}

// openHistory shows the history screen and asks the log for its lists.
func (m *Model) openHistory() tea.Cmd {
	m.screen = screenHistory
	m.history.SetSize(m.width, m.bodyHeight())
	return m.history.show()
}

// handleHistoryKey leaves the screen (esc at the top), exports, opens a
// filter, or passes the key to the screen. A digit starts an IMEI, as a
// scanner types it.
func (m *Model) handleHistoryKey(k tea.KeyPressMsg) tea.Cmd {
	keys, hs := &m.c.keys, m.history
	switch {
	case key.Matches(k, keys.Back):
		ok, cmd := hs.goBack()
		if !ok {
			m.screen = screenFleet
		}
		return cmd
	case key.Matches(k, keys.Export):
		return m.export()
	case key.Matches(k, keys.FilterIMEI):
		hs.openInput(inputIMEI, hs.imei)
	case key.Matches(k, keys.FilterCode) && hs.page == pageAttempts:
		hs.openInput(inputCode, hs.codeText())
	case hs.h != nil && hs.page != pageAttempt && len(k.Text) == 1 && isDigit(k.Text[0]) && k.Mod == 0:
		hs.openInput(inputIMEI, k.Text)
	default:
		return hs.Update(k)
	}
	return nil
}

// handleHistoryInput edits a history filter; enter applies it and lists
// the attempts again, esc leaves the filter as it was.
func (m *Model) handleHistoryInput(msg tea.Msg) tea.Cmd {
	keys, hs := &m.c.keys, m.history
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case ok && key.Matches(k, keys.Clear):
		hs.input.close(true)
		return nil
	case ok && key.Matches(k, keys.Apply):
		v := strings.TrimSpace(hs.input.query())
		switch hs.inputFor {
		case inputIMEI:
			if v != "" && !imeiPart(v) {
				m.setStatus(toneFail, msgStBadimei, v)
				return nil
			}
			hs.imei = v
		case inputCode:
			n := 0
			if v != "" {
				var err error
				if n, err = strconv.Atoi(v); err != nil || n == 0 {
					m.setStatus(toneFail, msgStBadcode, v)
					return nil
				}
			}
			hs.code = n
		}
		m.status = nil
		hs.input.close(true)
		hs.page, hs.lists[pageAttempts] = pageAttempts, histList{}
		return hs.reload()
	}
	return hs.input.Update(msg)
}

// handlePaste gives pasted text to whichever input has the keyboard.
func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	switch {
	case m.confirm != confirmNone:
	case m.find.active:
		return m.handleFindInput(msg)
	case m.history.input.active:
		return m.handleHistoryInput(msg)
	case m.screen == screenSettings:
		return m.settings.Update(msg)
	}
	return nil
}

// export writes the attempts of the current filter to a CSV file.
func (m *Model) export() tea.Cmd {
	if m.hist == nil {
		return nil
	}
	now := m.now()
	m.setStatus(toneAccent, msgStExporting)
	return exportHistory(m.hist, m.exportDir, now, m.history.filter(now, 0))
}

// handleExport says where the export went, or why it failed.
func (m *Model) handleExport(msg exportMsg) {
	if msg.Err != nil {
		m.setStatus(toneFail, msgStExportfail, msg.Err)
		return
	}
	m.setStatus(toneOK, msgStExported, msg.Path)
}

// finalTransition reports whether a module just reached a final state.
func finalTransition(before, after upgrade.State) bool {
	return after.Final() && before != after
}

// logChanged asks for a logChangedMsg in a moment, unless one is coming.
func (m *Model) logChanged() tea.Cmd {
	if m.hist == nil || m.logDue {
		return nil
	}
	m.logDue = true
	if m.logDelay <= 0 {
		return func() tea.Msg { return logChangedMsg{} }
	}
	return tea.Tick(m.logDelay, func(time.Time) tea.Msg { return logChangedMsg{} })
}

// handleLogChanged reads again what the console shows from the log:
// today's tallies, the detail pane's attempts and the history's list.
func (m *Model) handleLogChanged() tea.Cmd {
	m.logDue = false
	cmds := []tea.Cmd{m.refreshToday()}
	if m.showDetail {
		cmds = append(cmds, m.detail.refreshLog(m.hist))
	}
	if m.screen == screenHistory && m.history.page != pageAttempt {
		cmds = append(cmds, m.history.reload())
	}
	return tea.Batch(cmds...)
}

// refreshToday asks the log for the station's tallies of the day, with at
// most one query on its way: a request meanwhile asks again after it.
func (m *Model) refreshToday() tea.Cmd {
	if m.hist == nil {
		return nil
	}
	if m.todayBusy {
		m.todayStale = true
		return nil
	}
	m.todayBusy = true
	return queryToday(m.hist, m.header.plan.Station, m.now())
}

// handleToday shows the tallies, and asks again if they went stale.
func (m *Model) handleToday(msg todayMsg) tea.Cmd {
	m.todayBusy = false
	m.header.today = &msg
	if m.todayStale {
		m.todayStale = false
		return m.refreshToday()
	}
	return nil
}

// handleIMEIHistory shows a module's attempts in the detail pane.
func (m *Model) handleIMEIHistory(msg imeiHistoryMsg) tea.Cmd {
	cmd, changed := m.detail.gotLog(m.hist, msg)
	if changed && m.showDetail {
		if r := m.fleet.bySlot[m.detail.slot]; r != nil {
			m.detail.sync(r)
		}
	}
	return cmd
}
