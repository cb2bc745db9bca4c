package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/device/sim"
	"airfleet/store"
)

// TestStationConsoleInTmux runs the console of a real station (airfleet
// with --ports, the operator's settings file, the log) on a simulated
// hub in tmux, with auto-start on as on a production line: the modules
// present upgrade on their own, and a module plugged in later upgrades as
// soon as it is identified, its row turning green.
func TestStationConsoleInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run in tmux: skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	bin := buildAirfleet(t)
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 5, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	late := f.Modules()[4]
	late.Unplug()

	settings := filepath.Join(dir, "config.json")
	if err := os.WriteFile(settings, []byte(`{"mode":"iot","auto_start":true,"bell":false,"lang":"en"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "log.db")
	cmd := fmt.Sprintf("%s --ports %s --db %s --settings %s 2>%s",
		shellQuote(bin), shellQuote(f.Dir()), shellQuote(db), shellQuote(settings), shellQuote(filepath.Join(dir, "stderr")))
	s := startTmux(t, "station", dir, cmd)
	s.onFail = func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		return "stderr " + string(b)
	}
	passed := func(n int) func(string) bool {
		return func(screen string) bool { return count(countsLine(screen), "passed") == n }
	}
	s.waitFor("the four modules present to upgrade on their own", passed(4))

	late.Plug()
	screen := s.waitFor("the module plugged in later to upgrade", passed(5))
	if !strings.Contains(screen, late.IMEI()) {
		t.Errorf("the late module %s has no row:\n%s", late.IMEI(), screen)
	}
	s.keys("q")
	s.waitFor("the console to end or ask", func(screen string) bool { return s.gone() || strings.Contains(screen, "Quit? Downloads under way") })
	if !s.gone() {
		s.keys("y")
	}
	s.waitFor("the console to end", func(string) bool { return s.gone() })

	st, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.Attempts(store.AttemptFilter{Result: store.ResultUpgraded})
	if err != nil || len(rows) != 5 {
		t.Fatalf("%d upgraded attempts in the log (%v), want 5", len(rows), err)
	}
}
