package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// inUseLine is one module as `airfleet upgrade --json` printed it.
type inUseLine struct {
	Slot     string `json:"slot"`
	IMEI     string `json:"imei"`
	Result   string `json:"result"`
	Requests int    `json:"requests"`
	Message  string `json:"message"`
	Summary  bool   `json:"summary"`
}

// Issue 10.3: two `airfleet upgrade` runs on one fleet, each with its own
// log, started together. Each module is driven by exactly one of them: its
// requests are in one log only, it upgrades once, and the other run says
// the module is in use by the first one's PID, having sent it nothing.
// Before the slot lock, both drove every module (as root, TIOCEXCL does not
// bind; as a user, the second fell back to if02).
func TestTwoUpgradesOneFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary twice")
	}
	bin := crashBinary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 6, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	type run struct {
		cmd       *exec.Cmd
		db        string
		out, errb bytes.Buffer
	}
	runs := make([]*run, 2)
	for i := range runs {
		r := &run{db: filepath.Join(dir, fmt.Sprintf("log%d.db", i))}
		r.cmd = exec.CommandContext(ctx, bin, "upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", r.db,
			"--retry-after", "2s", "--reboot-timeout", "20s")
		r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errb
		runs[i] = r
	}
	for _, r := range runs {
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	lines := make([]map[string]inUseLine, len(runs)) // by slot
	for i, r := range runs {
		err := r.cmd.Wait()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
			t.Fatalf("run %d: %v\n%s", i, err, r.errb.String())
		}
		lines[i] = map[string]inUseLine{}
		for _, l := range strings.Split(strings.TrimSpace(r.out.String()), "\n") {
			var m inUseLine
			if json.Unmarshal([]byte(l), &m) != nil || m.Summary || m.Slot == "" {
				continue
			}
			lines[i][m.Slot] = m
		}
		t.Logf("run %d (PID %d):\n%s", i, r.cmd.Process.Pid, r.out.String())
	}

	requests := make([]func(imei string) int, len(runs))
	for i, r := range runs {
		st, err := store.OpenReadOnly(r.db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		requests[i] = func(imei string) int {
			n, err := st.RequestsSince(imei, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	for _, m := range f.Modules() {
		var drivers []int
		for i := range runs {
			if requests[i](m.IMEI()) > 0 {
				drivers = append(drivers, i)
			}
		}
		if len(drivers) != 1 {
			t.Errorf("%s (IMEI %s): requests in the logs of runs %v, want exactly one", m.Slot(), m.IMEI(), drivers)
			continue
		}
		d := drivers[0]
		other := 1 - d
		if got := lines[d][m.Slot()]; got.Result != "upgraded" {
			t.Errorf("%s: run %d, which drove it, says %s: %s", m.Slot(), d, got.Result, got.Message)
		}
		want := fmt.Sprintf("module in slot %s is in use by airfleet PID %d", m.Slot(), runs[d].cmd.Process.Pid)
		if got := lines[other][m.Slot()]; !strings.Contains(got.Message, want) {
			t.Errorf("%s: run %d says %s %q, want %q", m.Slot(), other, got.Result, got.Message, want)
		}
		if v := m.Version(); v != m.Expect().To && m.Expect().To != 0 {
			t.Errorf("%s: on V%d after both runs, want V%d", m.Slot(), v, m.Expect().To)
		}
	}
}

// `airfleet scan` on a fleet one of whose modules another airfleet drives
// lists that module as in use by the holder's PID, opening none of its
// ports, and the others as usual.
func TestScanModuleInUse(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 2, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cands, err := (&device.DirSource{Dir: f.Dir()}).List()
	if err != nil || len(cands) != 2 {
		t.Fatalf("List() = %v, %v", cands, err)
	}
	l, err := device.LockSlot("", cands[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out, errb bytes.Buffer
	// Exit 1: a module could not be identified (scan's rule for any such).
	if code := run(ctx, []string{"scan", "--ports", f.Dir(), "--json", "--db", ""}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errb.String())
	}
	rows := map[string]scanRow{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r scanRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		rows[r.Slot] = r
	}
	want := fmt.Sprintf("module in slot %s is in use by airfleet PID %d", cands[0].Slot, os.Getpid())
	if r := rows[cands[0].Slot]; !strings.HasPrefix(r.Error, want) || r.IMEI != "" {
		t.Errorf("%s: %+v, want the error %q", cands[0].Slot, r, want)
	}
	if r := rows[cands[1].Slot]; r.Error != "" || r.IMEI == "" {
		t.Errorf("%s: %+v, want identified", cands[1].Slot, r)
	}
}
