package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/device/sim"

	"github.com/charmbracelet/x/ansi"
)

// TestScanNoPermission runs `airfleet scan` by a user who may not open
// the modules' ports (outside the dialout group; as root the test runs
// it as nobody, else it takes the permission away from the ports): one
// row per module that keeps the table's columns, the explanation with the
// fix once, in the operator's language, and exit status 1 (issue 9.7/9.8).
func TestScanNoPermission(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildAirfleet(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 3, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Everyone may walk to the fleet and run the binary; only the ports
	// are closed to them.
	for p := f.Dir(); ; p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if p == dir {
			break
		}
	}
	for _, p := range []string{filepath.Dir(dir), filepath.Dir(bin)} { // the test's own folders
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	nobody := os.Geteuid() == 0
	if !nobody {
		links, _ := filepath.Glob(filepath.Join(f.Dir(), "*", "if0[26]"))
		for _, l := range links {
			if err := os.Chmod(l, 0); err != nil { // the pty the link names
				t.Skipf("cannot take the permission away from %s: %v", l, err)
			}
		}
	}
	scan := func(lang string, args ...string) (code int, stdout, stderr string) {
		cmd := exec.Command(bin, append([]string{"scan", "--ports", f.Dir(), "--db", ""}, args...)...)
		cmd.Env = append(os.Environ(), "LC_ALL=", "LC_MESSAGES=", "LANG="+lang, "HOME="+dir)
		if nobody {
			asNobody(cmd)
		}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("scan: %v", err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errb.String()
	}
	for _, c := range []struct {
		name, lang string
		args       []string
		state, fix string
	}{
		{"zh from LANG", "zh_CN.UTF-8", nil, "无权限", "请把当前用户加入 dialout 组"},
		{"en from LANG", "en_US.UTF-8", nil, "permission denied", "add your user to the dialout group"},
		{"--lang en", "zh_CN.UTF-8", []string{"--lang", "en"}, "permission denied", "add your user to the dialout group"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errb := scan(c.lang, c.args...)
			t.Logf("stdout:\n%s\nstderr:\n%s", out, errb)
			if code != 1 {
				t.Errorf("exit %d, want 1: no module could be identified", code)
			}
			rows := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if len(rows) != 4 {
				t.Fatalf("%d lines, want a header and one row per module", len(rows))
			}
			// The state stands in the IMEI column, in terminal cells.
			col := ansi.StringWidth(rows[0][:strings.Index(rows[0], "IMEI")])
			for _, r := range rows[1:] {
				i := strings.Index(r, c.state)
				if i < 0 || ansi.StringWidth(r[:i]) != col {
					t.Errorf("row %q does not say %q in the IMEI column (cell %d)", r, c.state, col)
				}
			}
			if n := strings.Count(out+errb, c.fix); n != 1 {
				t.Errorf("the fix %q is said %d times, want once", c.fix, n)
			}
		})
	}
	code, out, _ := scan("zh_CN.UTF-8", "--json")
	if code != 1 {
		t.Errorf("--json: exit %d, want 1", code)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Slot, Error string }
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Slot == "" || !strings.Contains(r.Error, "permission denied") {
			t.Errorf("--json line %q (%v): want the slot and the error, in English", l, err)
		}
	}
}
