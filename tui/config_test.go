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
	os.WriteFile(path, []byte(`{"mode": "url", "url": "http://x.example/d.bin"}`), 0o600)
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

// Every field of the settings file with a wrong value: the file is
// refused with the field named (and the line, for JSON errors), never
// half-used.
func TestLoadSettingsRefusesBadFields(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"not JSON", "{\n  \"mode\": \"key\",\n  \"key\": abc\n}", []string{"line 3", "invalid character"}},
		{"cut short", `{"mode": "key", "key": "abc`, []string{"the file ends inside a value"}},
		{"two objects", `{"mode": "iot"} {"mode": "key"}`, []string{"more than one JSON object"}},
		{"misspelt field", `{"mode": "iot", "concurency": 4}`, []string{`unknown field "concurency"`}},
		{"mode", `{"mode": "cloud"}`, []string{`field "mode" "cloud"`, "give iot"}},
		{"mode iot with a key", `{"mode": "iot", "key": "abc"}`, nil}, // kept for later, never sent
		{"key empty", `{"mode": "key"}`, []string{`field "key": project key is empty`}},
		{"key injection", `{"mode": "key", "key": "abc\"\r\nAT+RESET"}`, []string{`field "key"`, "letters and digits"}},
		{"url quote", `{"mode": "url", "url": "http://h/x\".bin"}`, []string{`field "url"`, "double quote"}},
		{"url CR LF", `{"mode": "url", "url": "http://h/x.bin\r\nAT+RESET"}`, []string{`field "url"`}},
		{"url scheme", `{"mode": "url", "url": "ftp://h/x.bin"}`, []string{`field "url"`, "http://"}},
		{"target negative", `{"mode": "iot", "target": -1}`, []string{`field "target" -1`}},
		{"target text", `{"mode": "iot", "target": "1007"}`, []string{"line 1", `field "target" wants a int, not a JSON string`}},
		{"concurrency negative", `{"mode": "iot", "concurrency": -2}`, []string{`field "concurrency" -2`, "give 1 or more"}},
		{"concurrency fraction", `{"mode": "iot", "concurrency": 1.5}`, []string{`field "concurrency" wants a int`}},
		{"canary negative", `{"mode": "iot", "canary": -1}`, []string{`field "canary" -1`}},
		{"auto_start text", `{"mode": "iot", "auto_start": "yes"}`, []string{`field "auto_start" wants a bool`}},
		{"bell number", `{"mode": "iot", "bell": 1}`, []string{`field "bell" wants a bool`}},
		{"lang", `{"mode": "iot", "lang": "fr"}`, []string{`field "lang": "fr": give zh`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadSettings(path)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var se *SettingsError
			if !errors.As(err, &se) || se.Path != path {
				t.Fatalf("error %v, want a *SettingsError naming the file", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.HasPrefix(tc.name, "key") && strings.Contains(err.Error(), "AT+RESET") {
				t.Errorf("error %q repeats the key", err)
			}
			if got != DefaultSettings() {
				t.Errorf("a refused file gave %+v, want the defaults", got)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.file {
				t.Error("the file was changed")
			}
		})
	}
}
