package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"airfleet/upgrade"
)

// Settings are what the operator chooses on the settings screen, as the
// settings file remembers them. The project key is stored in the file,
// which is written readable by its owner only; the console never shows
// more than its last four characters.
type Settings struct {
	Mode upgrade.Mode `json:"mode"`
	Key  string       `json:"key,omitempty"` // kept when another mode is chosen
	URL  string       `json:"url,omitempty"` // kept when another mode is chosen
	// Deltas is the delta map's file (url and local mode): each module
	// gets the delta for its own base. Empty keeps the station's map
	// (airfleet --deltas), if it has one.
	Deltas      string `json:"deltas,omitempty"`
	Target      int    `json:"target"`      // 0 = the latest the platform offers
	Concurrency int    `json:"concurrency"` // 0 = all at once
	Canary      int    `json:"canary"`
	Operator    string `json:"operator,omitempty"` // who works the station; recorded with every batch
	// Central is the factory's central log (postgres://…), kept here like
	// the key: the file is its owner's only, and the console shows the
	// URL with its password masked. Empty: this station's log only.
	Central   string `json:"central,omitempty"`
	AutoStart bool   `json:"auto_start"` // start a module as soon as it is plugged in
	Lang      string `json:"lang,omitempty"`
	Bell      bool   `json:"bell"`
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
		if base.Deltas == nil { // a station's delta map gives each module its URL
			base.URL = s.URL
		}
	}
	base.Target, base.Concurrency, base.Canary = s.Target, s.Concurrency, s.Canary
	if s.Operator != "" {
		base.Operator = s.Operator
	}
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

// Error says which file could not be used, why, and what to do.
func (e *SettingsError) Error() string { return e.In("en") }

// msgSettingsFile is a SettingsError's sentence.
var msgSettingsFile = upgrade.NewMessage("settings.file",
	"the settings file %s cannot be used (%v): fix the file or delete it (airfleet then starts on the default settings)",
	"设置文件 %s 无法使用(%v):请修改或删除该文件(删除后 airfleet 以默认设置启动)")

// In says the error in lang ("zh" or "en"): the frame and the fix in the
// operator's language, the cause as it was found (a JSON position, a
// field's name).
func (e *SettingsError) In(lang string) string {
	return msgSettingsFile.In(lang, e.Path, causeIn(e.Err, lang))
}

// causeIn says a settings file's cause in lang: a wrong value through the
// catalogue, anything else (a JSON position) as it was found.
func causeIn(err error, lang string) string {
	errs := unjoin(err)
	lines := make([]string, len(errs))
	for i, e := range errs {
		var fe *fileFieldError
		if errors.As(e, &fe) {
			lines[i] = fe.in(lang)
		} else {
			lines[i] = e.Error()
		}
	}
	return strings.Join(lines, "\n")
}

// fileFieldError is a wrong value of a settings file, named as the file
// names the field.
type fileFieldError struct{ fe *upgrade.FieldError }

// msgSettingsField names a field of the settings file.
var msgSettingsField = upgrade.NewMessage("settings.field", "field %q", "字段 %q")

func (e *fileFieldError) Error() string { return e.in("en") }
func (e *fileFieldError) Unwrap() error { return e.fe }
func (e *fileFieldError) in(lang string) string {
	return e.fe.In(lang, msgSettingsField.In(lang, e.fe.Field))
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt field would silently do nothing
	if err := dec.Decode(&s); err != nil {
		return DefaultSettings(), &SettingsError{Path: path, Err: jsonError(data, err)}
	}
	if dec.More() {
		return DefaultSettings(), &SettingsError{Path: path, Err: errors.New("more than one JSON object")}
	}
	if err := s.Validate(); err != nil {
		return DefaultSettings(), &SettingsError{Path: path, Err: err}
	}
	return s, nil
}

// jsonError says where in data a decoding error is, by line.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the file ends inside a value: it was cut short")
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: %w", 1+bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n")), err)
	case errors.As(err, &typ):
		return fmt.Errorf("line %d: field %q wants a %s, not a JSON %s", 1+bytes.Count(data[:min(int(typ.Offset), len(data))], []byte("\n")), typ.Field, typ.Type, typ.Value)
	}
	return err
}

// Validate checks every field the way the settings screen does, and names
// the fields as the file does.
func (s Settings) Validate() error {
	var errs []error
	if err := CheckLang(s.Lang); err != nil {
		errs = append(errs, fmt.Errorf("field \"lang\": %w", err))
	}
	err := s.Config(upgrade.Config{}).Validate()
	for _, e := range unjoin(err) {
		var fe *upgrade.FieldError
		if errors.As(e, &fe) {
			e = &fileFieldError{fe}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// unjoin splits an errors.Join result into its errors.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// CheckLang accepts a language setting: empty (from the locale), or one
// starting with zh or en ("zh", "en", "zh_CN.UTF-8").
func CheckLang(s string) error {
	l := strings.ToLower(s)
	if s == "" || strings.HasPrefix(l, "zh") || strings.HasPrefix(l, "en") {
		return nil
	}
	return fmt.Errorf("%q: give zh (中文) or en (English)", s)
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
