package tui

// The settings screen's messages and the commands that read, apply, load and
// save settings: all I/O of the screen, off Update.

import (
	"os"

	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// settingsReadMsg carries the backend's settings, to fill the form.
type settingsReadMsg struct {
	Config    upgrade.Config
	AutoStart bool
	Central   string // the central URL in use
}

// readSettings asks the backend and the central link (nil: none) for
// their settings off the Update goroutine.
func readSettings(b Backend, c Central) tea.Cmd {
	return func() tea.Msg {
		msg := settingsReadMsg{Config: b.Config(), AutoStart: b.AutoStart()}
		if c != nil {
			msg.Central = c.URL()
		}
		return msg
	}
}

// settingsAppliedMsg reports whether the backend took Settings (Err nil).
// FromFile marks the settings read from the file at start.
type settingsAppliedMsg struct {
	Settings Settings
	FromFile bool
	Err      error
}

// applySettings gives s to the backend over its current config: SetConfig
// first, and auto-start only once the config was taken. The central URL
// goes to the link c (nil: none) before anything else, so that a URL it
// refuses leaves every setting as it was; the settings file's URL at
// start was used by package main already, before any flag's.
func applySettings(b Backend, c Central, s Settings, fromFile bool) tea.Cmd {
	return func() tea.Msg {
		if c != nil && !fromFile && s.Central != c.URL() {
			if err := c.Set(s.Central); err != nil {
				return settingsAppliedMsg{Settings: s, FromFile: fromFile, Err: err}
			}
		}
		base := b.Config()
		if s.Deltas != "" && (base.Deltas == nil || base.Deltas.Path != s.Deltas) {
			// The map is read here, off Update, and each time the
			// settings are applied with another file.
			m, err := upgrade.ReadDeltaMap(s.Deltas)
			if err != nil {
				return settingsAppliedMsg{Settings: s, FromFile: fromFile, Err: upgrade.DeltaMapFieldError(err)}
			}
			base.Deltas = m
		}
		err := b.SetConfig(s.Config(base))
		if err == nil {
			b.SetAutoStart(s.AutoStart)
		}
		return settingsAppliedMsg{Settings: s, FromFile: fromFile, Err: err}
	}
}

// settingsFileMsg carries the settings file read at start. Found is false
// when there is no file; Err says why a file could not be used.
type settingsFileMsg struct {
	Path     string
	Settings Settings
	Found    bool
	Err      error
}

// loadSettingsFile reads the settings file off the Update goroutine.
func loadSettingsFile(path string) tea.Cmd {
	return func() tea.Msg {
		_, statErr := os.Stat(path)
		s, err := LoadSettings(path)
		return settingsFileMsg{Path: path, Settings: s, Found: statErr == nil, Err: err}
	}
}

// settingsSavedMsg reports the writing of the settings file.
type settingsSavedMsg struct {
	Path string
	Err  error
}

// saveSettings writes the settings file off the Update goroutine.
func saveSettings(path string, s Settings) tea.Cmd {
	return func() tea.Msg { return settingsSavedMsg{Path: path, Err: SaveSettings(path, s)} }
}
