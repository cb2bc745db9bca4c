package device

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// lockCandidate is a module of a fleet directory, as DirSource keys it.
func lockCandidate(slot string) Candidate {
	return Candidate{Slot: slot, Key: "dir:/fleet/" + slot, Source: DirSourceName}
}

// A second hold on one module is refused, even from this process through
// another descriptor (two Stations in one console), and the refusal names
// the holder's PID and the slot.
func TestSlotLockRefusesSecondHolder(t *testing.T) {
	dir := t.TempDir()
	c := lockCandidate("1-1.1.1")
	l, err := LockSlot(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l2, err := LockSlot(dir, c)
	if err == nil {
		l2.Close()
		t.Fatal("second LockSlot on the same module succeeded")
	}
	var iu *InUseError
	if !errors.As(err, &iu) || iu.Slot != "1-1.1.1" || iu.PID != os.Getpid() {
		t.Fatalf("second LockSlot: %v (%T), want *InUseError for slot 1-1.1.1, PID %d", err, err, os.Getpid())
	}
	want := fmt.Sprintf("module in slot 1-1.1.1 is in use by airfleet PID %d: ", os.Getpid())
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
	// Another module, even in a slot of the same name in another fleet
	// directory, is free.
	other := Candidate{Slot: "1-1.1.1", Key: "dir:/other-fleet/1-1.1.1"}
	l3, err := LockSlot(dir, other)
	if err != nil {
		t.Fatalf("the same slot name in another fleet: %v", err)
	}
	l3.Close()
}

// Closing the lock frees the module for the next holder.
func TestSlotLockReleasedOnClose(t *testing.T) {
	dir := t.TempDir()
	c := lockCandidate("1-1.2")
	l, err := LockSlot(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := LockSlot(dir, c)
	if err != nil {
		t.Fatalf("LockSlot after Close: %v", err)
	}
	l2.Close()
}

// The env var chooses the directory, so tests (and odd hosts) can isolate.
func TestLockDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(LockDirEnv, dir)
	if got := LockDir(); got != dir {
		t.Fatalf("LockDir() = %q with %s=%s", got, LockDirEnv, dir)
	}
}

// childLockEnv holds "DIR KEY SLOT" for TestSlotLockChild.
const childLockEnv = "AIRFLEET_TEST_LOCK"

// TestSlotLockChild is not a test: lockChild runs it in another process
// to take a module's lock, say so, and hold it until its stdin closes.
func TestSlotLockChild(t *testing.T) {
	spec := os.Getenv(childLockEnv)
	if spec == "" {
		t.Skip("run by lockChild only")
	}
	f := strings.Fields(spec)
	l, err := LockSlot(f[0], Candidate{Key: f[1], Slot: f[2]})
	if err != nil {
		var iu *InUseError
		if errors.As(err, &iu) {
			fmt.Printf("INUSE %d\n", iu.PID)
		} else {
			fmt.Printf("ERROR %v\n", err)
		}
		return
	}
	fmt.Println("LOCKED")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	l.Close()
}

// lockChild starts this test binary as a helper process that locks c in
// dir, and returns the first line it printed (LOCKED, INUSE <pid> or
// ERROR …), its PID, and a function that ends it.
func lockChild(t *testing.T, dir string, c Candidate) (string, int, func()) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return runLockChild(t, exec.Command(exe, "-test.run=^TestSlotLockChild$"), dir, c)
}

// runLockChild runs cmd, a TestSlotLockChild, as lockChild says.
func runLockChild(t *testing.T, cmd *exec.Cmd, dir string, c Candidate) (string, int, func()) {
	t.Helper()
	cmd.Env = append(os.Environ(), childLockEnv+"="+dir+" "+c.Key+" "+c.Slot, "GOCOVERDIR=")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	end := func() { stdin.Close(); cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		end()
		t.Fatalf("helper process printed nothing: %v", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid, end
}

// The lock binds across processes: a module held by another airfleet is
// refused here with that process's PID, and the other way round; once the
// holder ends, the module is free.
func TestSlotLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	c := lockCandidate("1-1.6")
	line, pid, end := lockChild(t, dir, c)
	if line != "LOCKED" {
		end()
		t.Fatalf("helper: %s", line)
	}
	_, err := LockSlot(dir, c)
	var iu *InUseError
	if !errors.As(err, &iu) || iu.PID != pid {
		end()
		t.Fatalf("LockSlot while PID %d holds it: %v, want *InUseError naming it", pid, err)
	}
	end() // the holder exits: the kernel drops its lock
	l, err := LockSlot(dir, c)
	if err != nil {
		t.Fatalf("LockSlot once the holder exited: %v", err)
	}
	defer l.Close()
	line, _, end = lockChild(t, dir, c)
	end()
	if line != "INUSE "+strconv.Itoa(os.Getpid()) {
		t.Fatalf("helper while this process holds the lock: %s, want INUSE %d", line, os.Getpid())
	}
}

// TestMain keeps the package's slot locks (Inspect takes them) in a
// directory of its own, away from the host's airfleets and from the other
// packages' tests.
func TestMain(m *testing.M) {
	if os.Getenv(LockDirEnv) != "" { // chosen by the caller, or a helper process of ours
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "airfleet-device-locks-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(LockDirEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
