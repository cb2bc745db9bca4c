package tui

import (
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// openSettings shows the settings form and asks the backend for the
// settings it holds.
func (m *Model) openSettings() tea.Cmd {
	m.screen = screenSettings
	m.settings.open(m.c.lang, m.bell, len(m.fleet.rows))
	m.settings.SetSize(m.width, m.bodyHeight())
	return readSettings(m.backend, m.central)
}

// handleSettingsKey edits the form, applies it (enter) or leaves it
// without applying (esc). Every other key types into the form, so ctrl+c
// alone quits here.
func (m *Model) handleSettingsKey(k tea.KeyPressMsg) tea.Cmd {
	keys := &m.c.keys
	switch {
	case k.String() == "ctrl+c":
		if m.busy {
			m.confirm = confirmQuit
			return nil
		}
		return tea.Quit
	case key.Matches(k, keys.Back):
		m.screen = screenFleet
		m.status = nil // a complaint about the form it left
	case key.Matches(k, keys.Apply):
		return m.applyForm()
	default:
		return m.settings.Update(k)
	}
	return nil
}

// applyForm checks the form and, when it is valid, gives it to the
// backend in a command; when not, the errors show beside their rows.
func (m *Model) applyForm() tea.Cmd {
	s, ok := m.settings.settings()
	if !ok {
		m.setStatus(toneFail, msgStInvalid)
		return nil
	}
	m.settings.applying = true
	m.status = nil
	return applySettings(m.backend, m.central, s, false)
}

// handleSettingsFile applies the settings file read at start, or says why
// it could not be used.
func (m *Model) handleSettingsFile(msg settingsFileMsg) tea.Cmd {
	if msg.Err != nil {
		cause := msg.Err
		var se *SettingsError
		if errors.As(msg.Err, &se) {
			cause = se.Err
		}
		path := msg.Path
		m.status = func(l lang) string { return l.F(msgStSettingsbad, path, causeIn(cause, string(l))) }
		m.statusTone = toneFail
		return nil
	}
	if !msg.Found {
		return nil
	}
	return applySettings(m.backend, m.central, msg.Settings, true)
}

// handleSettingsApplied takes the outcome of an apply: the console's own
// settings (language, bell) change with the backend's, the header shows
// the new plan, and the file is written.
func (m *Model) handleSettingsApplied(msg settingsAppliedMsg) tea.Cmd {
	path := m.settingsPath
	if msg.Err != nil {
		if msg.FromFile {
			m.setStatus(toneFail, msgStSettingsrefused, path, msg.Err)
			return nil
		}
		m.settings.refused(msg.Err)
		m.setStatus(toneFail, msgStInvalid)
		return nil
	}
	m.bell = msg.Settings.Bell
	if msg.Settings.Lang != "" && !(msg.FromFile && m.langGiven) {
		if l := parseLang(msg.Settings.Lang); l != m.c.lang {
			m.setLang(l)
		}
	}
	cmds := []tea.Cmd{loadPlan(m.backend)}
	switch {
	case msg.FromFile:
		m.setStatus(toneMuted, msgStSettingsloaded, path)
	default:
		m.screen = screenFleet
		m.setStatus(toneOK, msgStApplied)
		if path != "" {
			cmds = append(cmds, saveSettings(path, msg.Settings))
		}
	}
	return tea.Batch(cmds...)
}

// handleSettingsSaved says where the settings were saved, or why not.
func (m *Model) handleSettingsSaved(msg settingsSavedMsg) {
	if msg.Err != nil {
		cause := msg.Err
		if c := errors.Unwrap(cause); c != nil {
			cause = c // SaveSettings names the file, and so does the status
		}
		m.setStatus(toneWarn, msgStNotsaved, msg.Path, cause)
		return
	}
	m.setStatus(toneOK, msgStSaved, msg.Path)
}
