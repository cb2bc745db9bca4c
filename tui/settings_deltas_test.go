package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/upgrade"
)

// The delta map is chosen in the settings form itself (issue 13): typed as
// a path, read when the settings are applied (off Update), and given to
// the backend; the map names each module's delta in own-server and local
// mode. A map that does not parse is refused beside its row, with its line.
func TestSettingsDeltaMap(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "deltas.json")
	if err := os.WriteFile(good, []byte(`{"deltas": [
  {"firmware": "AirM2M_780E_LTE_AT", "from": 1161, "to": 1162, "file": "d/1161.bin"}
]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d", "1161.bin"), []byte("delta"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"deltas\": [\n  {\"firmware\": 1161}\n]}"), 0o644); err != nil {
		t.Fatal(err)
	}

	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "en", 120, 30)
	openSettingsForm(t, m)
	press(m, "left") // iot → local (the last mode)
	if !strings.Contains(screen(m), "local (AT port)") {
		t.Fatalf("left from the IoT platform does not reach local mode:\n%s", screen(m))
	}
	toField(m, fieldDeltas)
	typeText(m, bad)
	settleCmd(m, press(m, "enter"))
	if s := flat(m); !strings.Contains(s, "Delta map") || !strings.Contains(s, "line 2") || m.screen != screenSettings {
		t.Fatalf("a map that does not parse is not refused beside its row:\n%s", screen(m))
	}
	press(m, "ctrl+u")
	typeText(m, good)
	settleCmd(m, press(m, "enter"))
	var got upgrade.Config
	for _, c := range b.Calls() {
		if c.Method == "SetConfig" && c.Config.Deltas != nil && c.Config.Deltas.Path == good {
			got = c.Config
		}
	}
	if got.Mode != upgrade.ModeLocal || got.Deltas == nil || got.Deltas.Len() != 1 {
		t.Fatalf("the backend got mode %q, map %+v; want local with the map's one delta", got.Mode, got.Deltas)
	}
	if m.screen != screenFleet {
		t.Errorf("the settings were not applied:\n%s", screen(m))
	}
}

var testPlanSaid = upgrade.NewMessage("test.plan", "3 modules: 1006→1007→1009; 1 held: no delta from 1005", "3 个模块:1006→1007→1009;1 个暂缓:没有从 1005 起的差分包")

// A batch started with a delta map says its plan in the status line: which
// modules take which deltas, which are held.
func TestStartAllSaysThePlan(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "Starting: 3 modules: 1006→1007→1009; 1 held: no delta from 1005.",
		"zh": "正在开始:3 个模块:1006→1007→1009;1 个暂缓:没有从 1005 起的差分包。",
	} {
		b := NewFakeBackend(testPlan, 0)
		b.SetPlan(testPlanSaid.With())
		m := newTestModel(t, b, lang, 120, 30)
		send(m, manyModules(4)...)
		settleCmd(m, press(m, "s"))
		if got := m.statusText(); got != want {
			t.Errorf("%s: status %q, want %q", lang, got, want)
		}
	}
}
