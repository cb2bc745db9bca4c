package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/store"
)

// The Wine smoke run (issue 15): airfleet.exe, run by Wine, upgrades a
// fleet that a Linux simulator offers over TCP. It runs only when
// AIRFLEET_WINE_EXE names the .exe (scripts/wine-smoke.sh builds it, the
// ProcessPrng shim and the Wine prefix, then runs this test): it is not
// part of CI because Wine is not reliable enough to gate on (README,
// "Windows").
func TestWineSmoke(t *testing.T) {
	exe := os.Getenv("AIRFLEET_WINE_EXE")
	if exe == "" {
		t.Skip("AIRFLEET_WINE_EXE is not set: run scripts/wine-smoke.sh")
	}
	wine := wineCommand(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	runWine := func(args ...string) (string, string, int) {
		cmd := exec.CommandContext(ctx, wine, append([]string{exe}, args...)...)
		cmd.Env = append(os.Environ(), "WINEDEBUG=-all",
			store.RegistryEnv+"="+winePath(filepath.Join(dir, "logs.txt")),
			device.LockDirEnv+"="+winePath(filepath.Join(dir, "locks")))
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err != nil && code < 0 {
			t.Fatalf("wine %v: %v; stderr %s", args, err, errb.String())
		}
		return out.String(), errb.String(), code
	}

	if out, errs, code := runWine("version"); code != 0 || !strings.HasPrefix(out, "airfleet ") {
		t.Fatalf("airfleet.exe version: exit %d, %q; stderr %s", code, out, errs)
	}
	if out, errs, code := runWine("codes", "43"); code != 0 || !strings.Contains(out, "正在生成版本") || !strings.Contains(out, "please wait") {
		t.Fatalf("airfleet.exe codes 43: exit %d, %q; stderr %s", code, out, errs)
	}

	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 4, Scenario: "happy", Speed: 50, Transport: sim.TransportTCP})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, errs, code := runWine("upgrade", "--ports", winePath(f.Dir()), "--mode", "iot", "--json",
		"--db", winePath(filepath.Join(dir, "log.db")), "--retry-after", "2s", "--reboot-timeout", "8s")
	if code != 0 {
		t.Fatalf("airfleet.exe upgrade: exit %d; stdout %s; stderr %s", code, out, errs)
	}
	ff, err := sim.ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(ff.Modules)+1 {
		t.Fatalf("%d lines, want %d results and a summary:\n%s", len(lines), len(ff.Modules), out)
	}
	want := map[string]sim.ModuleInfo{}
	for _, m := range ff.Modules {
		want[m.IMEI] = m
	}
	for _, l := range lines[:len(lines)-1] {
		var r struct {
			Slot, IMEI, Result string
			To                 int
			Requests           int
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		m, ok := want[r.IMEI]
		if !ok || r.Slot != m.Slot || r.Result != m.Expect.Result || r.To != m.Target || r.Requests < 1 {
			t.Errorf("%s %s: %s to %d (%d requests); the fleet says %s %s to %d", r.Slot, r.IMEI, r.Result, r.To, r.Requests, m.Slot, m.Expect.Result, m.Target)
		}
		delete(want, r.IMEI)
	}
	if len(want) != 0 {
		t.Errorf("no result for %v", want)
	}
	var sum struct {
		Summary         bool
		Total, Upgraded int
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || !sum.Summary || sum.Total != 4 || sum.Upgraded != 4 {
		t.Errorf("summary %q (%v)", lines[len(lines)-1], err)
	}
}

// wineCommand is $AIRFLEET_WINE, else wine64 on the PATH, else Debian's
// /usr/lib/wine/wine64.
func wineCommand(t *testing.T) string {
	if w := os.Getenv("AIRFLEET_WINE"); w != "" {
		return w
	}
	if w, err := exec.LookPath("wine64"); err == nil {
		return w
	}
	if _, err := os.Stat("/usr/lib/wine/wine64"); err == nil {
		return "/usr/lib/wine/wine64"
	}
	t.Skip("no wine64: apt-get install wine64")
	return ""
}

// winePath is a Linux path as a Wine program sees it (drive Z: is /).
func winePath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}
