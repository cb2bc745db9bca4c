package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"airfleet/device"
	"airfleet/upgrade"
)

// handleKey routes a key press: a pending question first, then the finder,
// then the console's own keys, then the part on screen.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.c.keys
	switch {
	case m.confirm != confirmNone:
		return m.handleConfirm(k)
	case m.find.active:
		return m.handleFindInput(k)
	case m.history.input.active:
		return m.handleHistoryInput(k)
	case m.screen == screenSettings:
		return m.handleSettingsKey(k)
	case key.Matches(k, keys.Quit):
		if m.busy {
			m.confirm = confirmQuit
			return nil
		}
		return tea.Quit
	case key.Matches(k, keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(k, keys.Lang):
		m.setLang(m.c.lang.other())
	case key.Matches(k, keys.Settings):
		return m.openSettings()
	case key.Matches(k, keys.History):
		return m.openHistory()
	case m.screen == screenHistory && !m.showHelp:
		return m.handleHistoryKey(k)
	case key.Matches(k, keys.Back):
		m.handleBack()
	case key.Matches(k, keys.Detail):
		return m.openDetail()
	case key.Matches(k, keys.Find):
		return m.find.open("")
	case key.Matches(k, keys.StartAll):
		return m.act(actStartAll)
	case key.Matches(k, keys.Start):
		return m.act(actStart)
	case key.Matches(k, keys.Retry):
		return m.act(actRetry)
	case key.Matches(k, keys.Cancel):
		m.confirm = confirmCancel
	case key.Matches(k, keys.CancelAll):
		m.confirm = confirmCancelAll
	case m.scannerDigit(k):
		m.find.close(true)
		cmd := m.find.open(k.Text)
		m.fleet.setQuery(m.find.query())
		return cmd
	case m.showDetail:
		cmd := m.detail.Update(k)
		m.syncDetail()
		return cmd
	case !m.showHelp:
		return m.fleet.Update(k)
	}
	return nil
}

// scannerDigit reports whether k is a digit typed at the table or the
// detail pane, which is how a barcode scanner starts an IMEI: it opens the
// finder.
func (m *Model) scannerDigit(k tea.KeyPressMsg) bool {
	return !m.showHelp && len(k.Text) == 1 && isDigit(k.Text[0]) && k.Mod == 0
}

// syncDetail lays the detail pane out again for its module.
func (m *Model) syncDetail() {
	if r := m.fleet.bySlot[m.detail.slot]; r != nil && m.showDetail {
		m.detail.sync(r)
	}
}

// handleConfirm answers the pending question.
func (m *Model) handleConfirm(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.c.keys
	asked := m.confirm
	switch {
	case key.Matches(k, keys.Yes), asked == confirmQuit && k.String() == "ctrl+c":
		m.confirm = confirmNone
		switch asked {
		case confirmQuit:
			return tea.Quit
		case confirmCancel:
			return m.act(actCancel)
		}
		return m.act(actCancelAll)
	case key.Matches(k, keys.No):
		m.confirm = confirmNone
	}
	return nil
}

// handleFindInput edits the query, applies it, or jumps to a scanned IMEI.
func (m *Model) handleFindInput(msg tea.Msg) tea.Cmd {
	keys := &m.c.keys
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, keys.Clear):
			m.find.close(true)
			m.fleet.setQuery("")
			return nil
		case key.Matches(k, keys.Apply):
			q := m.find.query()
			if !device.IsIMEI(q) {
				// Over the detail pane a filter would hide behind it.
				m.find.close(m.showDetail)
				if m.showDetail {
					m.fleet.setQuery("")
				}
				return nil
			}
			m.find.close(true)
			m.fleet.setQuery("")
			r, ok := m.fleet.jumpIMEI(q)
			if !ok {
				m.setStatus(toneFail, msgStNotfound, q)
				return nil
			}
			m.setStatus(toneOK, msgStFound, q, r.slot)
			if m.showDetail && r.slot != m.detail.slot {
				return m.openDetail()
			}
			return nil
		}
	}
	cmd := m.find.Update(msg)
	m.fleet.setQuery(m.find.query())
	return cmd
}

// handleBack closes the help or the detail pane, else clears the filter,
// else the selection.
func (m *Model) handleBack() {
	switch {
	case m.showHelp:
		m.showHelp = false
	case m.showDetail:
		m.showDetail = false
	case m.fleet.query != "":
		m.find.close(true)
		m.fleet.setQuery("")
	default:
		clear(m.fleet.selected)
	}
}

// openDetail shows the detail pane for the cursor's module.
func (m *Model) openDetail() tea.Cmd {
	r := m.fleet.current()
	if r == nil {
		return nil
	}
	m.showDetail = true
	m.detail.SetSize(m.width, m.bodyHeight())
	return tea.Batch(m.detail.show(m.backend, r), m.detail.showLog(m.hist, r.imei))
}

// setLang switches the language and lays out again.
func (m *Model) setLang(l lang) {
	m.c.setLang(l)
	m.fleet.refresh()
	m.history.layoutAttempt()
	m.syncDetail()
}

// handleResize sizes every part.
func (m *Model) handleResize(width, height int) {
	m.width, m.height = width, height
	m.header.SetSize(width, headerHeight)
	m.fleet.SetSize(width, m.bodyHeight())
	m.detail.SetSize(width, m.bodyHeight())
	m.find.SetSize(width, 1)
	m.settings.SetSize(width, m.bodyHeight())
	m.history.SetSize(width, m.bodyHeight())
	m.history.input.SetSize(width, 1)
	m.help.SetWidth(width)
	if r := m.fleet.bySlot[m.detail.slot]; r != nil && m.showDetail {
		m.detail.sync(r)
	}
}

// handleBackground rebuilds the styles for the terminal's background.
func (m *Model) handleBackground(isDark bool) {
	m.c.styles = DefaultStyles(isDark)
	m.help.Styles = m.c.styles.Help
	m.history.layoutAttempt()
	if r := m.fleet.bySlot[m.detail.slot]; r != nil && m.showDetail {
		m.detail.sync(r)
	}
}

// syncKeys enables exactly the keys that do something now, so that they
// alone match and the footer shows them.
func (m *Model) syncKeys() {
	k := &m.c.keys
	for _, b := range k.all() {
		b.SetEnabled(false)
	}
	on := func(bs ...*key.Binding) {
		for _, b := range bs {
			b.SetEnabled(true)
		}
	}
	k.Back.SetKeys("esc")
	k.Back.SetHelp("esc", m.c.lang.T(msgKeyBack))
	k.Detail.SetHelp("enter", m.c.lang.T(msgKeyDetail))
	k.Switch.SetHelp("tab", m.c.lang.T(msgKeySwitch))
	k.Up.SetHelp("↑/k", m.c.lang.T(msgKeyUp))
	switch {
	case m.confirm != confirmNone:
		on(&k.Yes, &k.No)
		return
	case m.find.active:
		on(m.find.Keys()...)
		return
	case m.history.input.active:
		on(m.history.input.Keys()...)
		return
	case m.showHelp:
		on(&k.Back, &k.Help, &k.Lang, &k.Quit)
		return
	case m.screen == screenSettings:
		k.Back.SetHelp("esc", m.c.lang.T(msgKeyDiscard))
		on(m.settings.Keys()...)
		return
	case m.screen == screenHistory:
		k.Detail.SetHelp("enter", m.c.lang.T(msgKeyOpen))
		if m.history.page == pageBatches {
			k.Switch.SetHelp("tab", m.c.lang.T(msgKeyToattempts))
		} else {
			k.Switch.SetHelp("tab", m.c.lang.T(msgKeyTobatches))
		}
		on(m.history.Keys()...)
		on(&k.Lang, &k.Help, &k.Quit)
		return
	case m.showDetail:
		k.Back.SetKeys("esc", "enter")
		k.Back.SetHelp("esc/enter", m.c.lang.T(msgKeyBack))
		m.detail.localizeKeys()
		on(m.detail.Keys()...)
		on(&k.Back)
	default:
		on(m.fleet.Keys()...)
		on(&k.Find)
		if m.fleet.query != "" || m.fleet.selectedShown() > 0 {
			k.Back.SetHelp("esc", m.c.lang.T(msgKeyClear))
			on(&k.Back)
		}
	}
	on(&k.Lang, &k.Help, &k.Quit, &k.Settings, &k.History)
	m.syncActionKeys()
}

// syncActionKeys enables the actions that have something to act on.
func (m *Model) syncActionKeys() {
	k := &m.c.keys
	f := m.fleet
	k.StartAll.SetEnabled(f.any((*row).startable))
	// S and r answer even when they have nothing to do, to say why.
	k.Start.SetEnabled(len(m.actionTargets(actStart)) > 0 || f.selectedShown() > 0)
	k.Retry.SetEnabled(f.any(func(r *row) bool { return r.state == upgrade.StateFailed || r.state == upgrade.StateHeld }))
	k.Cancel.SetEnabled(len(m.actionTargets(actCancel)) > 0)
	k.CancelAll.SetEnabled(m.busy)
}
