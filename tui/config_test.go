package tui

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/upgrade"
)

func TestSettingsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet", "config.json")
	want := Settings{Mode: upgrade.ModeKey, Key: "0123456789abcdef0123456789abhl0o", URL: "http://fw.example/a.bin",
		Target: 2012, Concurrency: 4, Canary: 2, AutoStart: true, Lang: "zh", Bell: false}
	if err := SaveSettings(path, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("settings file mode %v, want 0600", perm)
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("settings folder mode %v, want 0700", di.Mode().Perm())
	}
	got, err := LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("read back %+v, want %+v", got, want)
	}
	// Saving again replaces the file and keeps it private.
	want.Concurrency = 0
	if err := SaveSettings(path, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadSettings(path); got != want {
		t.Errorf("second save read back %+v", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after a second save %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestLoadSettingsMissingAndPartial(t *testing.T) {
	dir := t.TempDir()
	got, err := LoadSettings(filepath.Join(dir, "none.json"))
	if err != nil || got != DefaultSettings() {
		t.Errorf("missing file: %+v, %v; want the defaults and no error", got, err)
	}
	path := filepath.Join(dir, "partial.json")
	os.WriteFile(path, []byte(`{"mode": "url", "url": "http://x.example/d.bin", "future_field": 1}`), 0o600)
	got, err = LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != upgrade.ModeURL || got.URL != "http://x.example/d.bin" || !got.Bell {
		t.Errorf("partial file: %+v (missing fields keep their defaults)", got)
	}
}

func TestLoadSettingsCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	junk := []byte(`{"mode": "key", "key": "abc`)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSettings(path)
	if err == nil {
		t.Fatal("a corrupt file gave no error")
	}
	var se *SettingsError
	if !errors.As(err, &se) || se.Path != path {
		t.Errorf("error %v does not carry the file", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "default settings") {
		t.Errorf("error %q does not name the file and say what happens", err)
	}
	if got != DefaultSettings() {
		t.Errorf("corrupt file gave %+v, want the defaults", got)
	}
	if b, _ := os.ReadFile(path); string(b) != string(junk) {
		t.Error("the corrupt file was changed")
	}
}

func TestSettingsConfig(t *testing.T) {
	base := upgrade.Config{Mode: upgrade.ModeIoT, Station: "L3-07", Budget: 4, Key: "old", URL: "http://old"}
	s := Settings{Mode: upgrade.ModeKey, Key: "k1234", URL: "http://kept.example/x", Target: 7, Concurrency: 2, Canary: 1}
	cfg := s.Config(base)
	if cfg.Mode != upgrade.ModeKey || cfg.Key != "k1234" || cfg.URL != "" || cfg.Target != 7 ||
		cfg.Concurrency != 2 || cfg.Canary != 1 || cfg.Station != "L3-07" || cfg.Budget != 4 {
		t.Errorf("Config = %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("a valid key mode config fails: %v", err)
	}
	s.Mode = upgrade.ModeIoT
	if cfg := s.Config(base); cfg.Key != "" || cfg.URL != "" || cfg.Validate() != nil {
		t.Errorf("iot mode keeps a key or URL: %+v", cfg)
	}
}

func TestDefaultSettingsPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/etc/xdg-test")
	if got := DefaultSettingsPath(); got != "/etc/xdg-test/airfleet/config.json" {
		t.Errorf("DefaultSettingsPath() = %s", got)
	}
}

// TestSettingsFileKeepsKey documents that the key is in the file (the
// operator needs it next time) and the file is private.
func TestSettingsFileKeepsKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	SaveSettings(path, Settings{Mode: upgrade.ModeKey, Key: "secretkey1234"})
	var raw map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &raw); err != nil || raw["key"] != "secretkey1234" {
		t.Errorf("file %s lacks the key", b)
	}
}
