package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"airfleet/upgrade"
)

// Settings are what the operator chooses on the settings screen, as the
// settings file remembers them. The project key is stored in the file,
// which is written readable by its owner only; the console never shows
// more than its last four characters.
type Settings struct {
	Mode        upgrade.Mode `json:"mode"`
	Key         string       `json:"key,omitempty"` // kept when another mode is chosen
	URL         string       `json:"url,omitempty"` // kept when another mode is chosen
	Target      int          `json:"target"`        // 0 = the latest the platform offers
	Concurrency int          `json:"concurrency"`   // 0 = all at once
	Canary      int          `json:"canary"`
	AutoStart   bool         `json:"auto_start"` // start a module as soon as it is plugged in
	Lang        string       `json:"lang,omitempty"`
	Bell        bool         `json:"bell"`
}

// DefaultSettings are the settings before the operator chose any: the IoT
// platform's default project, the latest version, every module at once,
// the bell on, the language from the locale.
func DefaultSettings() Settings {
	return Settings{Mode: upgrade.ModeIoT, Bell: true}
}

// Config is base with the settings' batch fields: mode, the key or the URL
// that the mode uses (the other is left empty), target, concurrency and
// canary. The rest of base (timeouts, budget, station) stays.
func (s Settings) Config(base upgrade.Config) upgrade.Config {
	base.Mode, base.Key, base.URL = s.Mode, "", ""
	switch s.Mode {
	case upgrade.ModeKey:
		base.Key = s.Key
	case upgrade.ModeURL:
		base.URL = s.URL
	}
	base.Target, base.Concurrency, base.Canary = s.Target, s.Concurrency, s.Canary
	return base
}

// DefaultSettingsPath is where the settings live: airfleet/config.json in
// the user's configuration folder ($XDG_CONFIG_HOME or ~/.config on
// Linux), else airfleet-config.json in the working directory.
func DefaultSettingsPath() string {
	dir, err := os.UserConfigDir()
	if err != nil || dir == "" {
		return "airfleet-config.json"
	}
	return filepath.Join(dir, "airfleet", "config.json")
}

// SettingsError is why LoadSettings could not use a settings file: the
// file and the cause. The defaults were used and the file left as it was.
type SettingsError struct {
	Path string
	Err  error
}

// Error says which file could not be used, why, and what happens now.
func (e *SettingsError) Error() string {
	return fmt.Sprintf("the settings file %s cannot be used (%v): using the default settings; fix the file or delete it, then apply the settings again", e.Path, e.Err)
}

// Unwrap is the cause.
func (e *SettingsError) Unwrap() error { return e.Err }

// LoadSettings reads the settings file at path. A missing file gives the
// defaults and no error. A file that cannot be read or parsed gives the
// defaults and a *SettingsError that names the file; the file is left as
// it is. Fields the file lacks keep their defaults.
func LoadSettings(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return DefaultSettings(), &SettingsError{Path: path, Err: err}
	}
	s := DefaultSettings()
	if err := json.Unmarshal(data, &s); err != nil {
		return DefaultSettings(), &SettingsError{Path: path, Err: err}
	}
	return s, nil
}

// SaveSettings writes s to path as JSON, readable and writable by its
// owner only (mode 0600), creating the folder (0700) if needed. It writes
// a temporary file and renames it over path, so a crash never leaves half
// a file.
func SaveSettings(path string, s Settings) (err error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the folder for the settings file %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return fmt.Errorf("cannot write the settings file %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("cannot protect the settings file %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write the settings file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot write the settings file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write the settings file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write the settings file %s: %w", path, err)
	}
	return nil
}
