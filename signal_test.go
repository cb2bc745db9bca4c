//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/store"
)

// TestHangupUpgrade closes the terminal under a running `airfleet upgrade`
// (SIGHUP, as a dropped SSH session sends): it ends on its own like after
// Ctrl-C, with the cancel status, and leaves no batch or attempt running
// in the log (issue 10.14).
func TestHangupUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	w := startWaitingUpgrade(t)
	w.waitFor("module waiting for the platform", func() bool { return waitingIn(w.db) })
	w.child.Process.Signal(syscall.SIGHUP)
	err := w.child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitCancelled {
		t.Fatalf("exit: %v, want status %d (cancelled); stderr:\n%s", err, exitCancelled, w.errb.String())
	}
	noneRunning(t, w.db)
}

// noneRunning fails the test if the log at db holds a batch or an attempt
// still marked running.
func noneRunning(t *testing.T, db string) {
	t.Helper()
	st, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	batches, err := st.Batches(10)
	if err != nil || len(batches) == 0 {
		t.Fatalf("batches: %+v (%v)", batches, err)
	}
	for _, b := range batches {
		if b.Status == store.BatchRunning {
			t.Errorf("batch %d is still running in the log", b.ID)
		}
	}
	rows, err := st.Attempts(store.AttemptFilter{Result: store.ResultRunning})
	if err != nil || len(rows) != 0 {
		t.Errorf("%d attempts still running in the log (%v)", len(rows), err)
	}
}

// TestHangupConsoleInTmux closes the tmux session of a station console
// whose batch waits for the platform (tmux sends SIGHUP, as a closed
// terminal window or a dropped SSH session does): the console ends by
// itself, and the log holds no batch or attempt still running.
func TestHangupConsoleInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run in tmux: skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	bin := buildAirfleet(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 3, Scenario: "code-43", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings := filepath.Join(dir, "config.json")
	if err := os.WriteFile(settings, []byte(`{"mode":"iot","auto_start":true,"bell":false,"lang":"en"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "log.db")
	// exec: the pane's process is airfleet itself, which tmux hangs up.
	cmd := fmt.Sprintf("exec %s --ports %s --db %s --settings %s 2>%s",
		shellQuote(bin), shellQuote(f.Dir()), shellQuote(db), shellQuote(settings), shellQuote(filepath.Join(dir, "stderr")))
	s := startTmux(t, "hangup", dir, cmd)
	out, err := s.output("list-panes", "-t", s.name, "-F", "#{pane_pid}")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("pane pid %q: %v", out, err)
	}
	s.waitFor("a module waiting for the platform", func(string) bool { return waitingIn(db) })

	if err := s.tmux("kill-session", "-t", s.name); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil { // tmux's server reaps it
		if time.Now().After(deadline) {
			// SIGQUIT makes the Go runtime write every goroutine's
			// stack to stderr: what it was stuck on.
			syscall.Kill(pid, syscall.SIGQUIT)
			for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
				time.Sleep(50 * time.Millisecond) // polling the process
			}
			syscall.Kill(pid, syscall.SIGKILL)
			stacks, _ := os.ReadFile(filepath.Join(dir, "stderr"))
			t.Fatalf("the console did not end within 30 s of the hangup; its stderr:\n%s", stacks)
		}
		time.Sleep(50 * time.Millisecond) // polling the process
	}
	noneRunning(t, db)
}

// TestInterruptDuringDownload sends Ctrl-C while every module downloads:
// they cannot be stopped mid-flash, so they are followed through their
// reboot and end upgraded; the summary says the batch was cancelled and
// how many were followed through, and the exit status is the cancel
// status, not 0 (issue 9: it said "cancelled", "0 cancelled", and exited 0).
func TestInterruptDuringDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := crashBinary(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 2
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: n, Scenario: "happy", Speed: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db := filepath.Join(dir, "log.db")
	var out strings.Builder
	var errb syncBuffer
	child := exec.Command(bin, "upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", db, "--lang", "en")
	child.Stdout, child.Stderr = &out, &errb
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	w := &waitingUpgrade{t: t, child: child, db: db}
	w.waitFor("every module downloading", func() bool { return downloadingIn(db) == n })
	child.Process.Signal(os.Interrupt)
	err = child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitCancelled {
		t.Errorf("exit: %v, want status %d (cancelled); stderr:\n%s", err, exitCancelled, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var sum struct {
		Summary             bool
		Upgraded, Cancelled int
		FollowedThrough     int  `json:"followed_through"`
		CancelledBatch      bool `json:"cancelled_batch"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || !sum.Summary {
		t.Fatalf("summary %q (%v)", lines[len(lines)-1], err)
	}
	if sum.Upgraded != n || sum.Cancelled != 0 || !sum.CancelledBatch || sum.FollowedThrough != n {
		t.Errorf("summary %s: want %d upgraded, followed through after the cancel, in a cancelled batch", lines[len(lines)-1], n)
	}
	if s := errb.String(); !strings.Contains(s, "followed through") || strings.Contains(s, "the log records the cancelled modules") {
		t.Errorf("stderr does not say what happened:\n%s", s)
	}
	noneRunning(t, db)
}

// downloadingIn counts the running attempts of the log at db that have
// begun to download.
func downloadingIn(db string) int {
	st, err := store.OpenReadOnly(db)
	if err != nil {
		return 0
	}
	defer st.Close()
	rows, err := st.Attempts(store.AttemptFilter{Result: store.ResultRunning})
	if err != nil {
		return 0
	}
	n := 0
	for _, a := range rows {
		evs, _ := st.Events(a.ID)
		if slices.ContainsFunc(evs, func(e store.Event) bool { return e.Step == "downloading" }) {
			n++
		}
	}
	return n
}
