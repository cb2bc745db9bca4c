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
)

// TestConsoleCentralDownInTmux runs a station's console with a central
// URL while the centre is down: the modules upgrade all the same, the
// status line says the centre is unreachable and how many rows wait; the
// centre comes back and the status line says all is sent; and the centre
// then holds every row of the log (sync --verify).
func TestConsoleCentralDownInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run in tmux: skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	srv := centralServer(t)
	url := newCentralDB(t)
	bin := buildAirfleet(t)
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 3, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings := filepath.Join(dir, "config.json")
	if err := os.WriteFile(settings, []byte(`{"mode":"iot","auto_start":true,"bell":false,"lang":"en"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.Halt(); err != nil {
		t.Fatal(err)
	}
	up := false
	defer func() {
		if !up {
			srv.Restart() //nolint:errcheck // for the next tests
		}
	}()
	db := filepath.Join(dir, "log.db")
	cmd := fmt.Sprintf("%s --ports %s --db %s --settings %s --central %s 2>%s",
		shellQuote(bin), shellQuote(f.Dir()), shellQuote(db), shellQuote(settings), shellQuote(url), shellQuote(filepath.Join(dir, "stderr")))
	s := startTmux(t, "central", dir, cmd)
	s.onFail = func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		return "stderr " + string(b)
	}
	s.waitFor("the modules to upgrade with the centre down, the status line saying rows wait", func(screen string) bool {
		return count(countsLine(screen), "passed") == 3 && strings.Contains(screen, "central unreachable:") &&
			strings.Contains(screen, "rows waiting, retrying")
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	up = true
	s.waitFor("the status line to say all is sent", func(screen string) bool { return strings.Contains(screen, "central: all sent") })
	s.keys("q")
	s.waitFor("the console to end or ask", func(screen string) bool { return s.gone() || strings.Contains(screen, "Quit? Downloads under way") })
	if !s.gone() {
		s.keys("y")
	}
	s.waitFor("the console to end", func(string) bool { return s.gone() })
	code, out, errs := runCmd(t, "sync", "--db", db, "--to", url, "--verify", "--lang", "en")
	if code != 0 || !strings.Contains(out, "verified") {
		t.Errorf("after the console: sync --verify exit %d, %q %q", code, out, errs)
	}
}
