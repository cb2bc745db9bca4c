//go:build !windows

package device

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// A lock file replaced by a symbolic link (another user's trap in a
// world-writable directory) is refused, and what it points at is neither
// created nor written.
func TestSlotLockRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	c := lockCandidate("1-1.3")
	name := lockFileName(c)
	for _, tc := range []struct {
		name   string
		target string
		exists bool
	}{
		{"existing target", filepath.Join(t.TempDir(), "victim"), true},
		{"dangling", filepath.Join(t.TempDir(), "would-be-created"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.exists {
				if err := os.WriteFile(tc.target, []byte("precious\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			link := filepath.Join(dir, name)
			os.Remove(link)
			if err := os.Symlink(tc.target, link); err != nil {
				t.Fatal(err)
			}
			l, err := LockSlot(dir, c)
			if err == nil {
				l.Close()
				t.Fatal("LockSlot through a symbolic link succeeded")
			}
			if !strings.Contains(err.Error(), link) {
				t.Errorf("error %q does not name the lock file %s", err, link)
			}
			b, rerr := os.ReadFile(tc.target)
			switch {
			case tc.exists && string(b) != "precious\n":
				t.Errorf("the link's target now holds %q", b)
			case !tc.exists && !errors.Is(rerr, os.ErrNotExist):
				t.Errorf("the link's missing target was created (%v)", rerr)
			}
		})
	}
}

// Any other file that is not a regular file is refused too.
func TestSlotLockRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	c := lockCandidate("1-1.4")
	if err := syscall.Mkfifo(filepath.Join(dir, lockFileName(c)), 0o666); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	l, err := LockSlot(dir, c)
	if err == nil {
		l.Close()
		t.Fatal("LockSlot on a FIFO succeeded")
	}
}

// The lock directory is made for every user: sticky and world-writable
// like /run/lock, the lock files readable and writable by all.
func TestSlotLockModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	l, err := LockSlot(dir, lockCandidate("1-1.5"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModePerm != 0o777 || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("lock directory mode %v, want drwxrwxrwt", fi.Mode())
	}
	fi, err = os.Stat(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o666 {
		t.Errorf("lock file mode %v, want -rw-rw-rw-", fi.Mode())
	}
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

// As root, the lock binds a process of another user too (CI runs as root;
// on a station, root's airfleet and the operator's share the directory):
// the directory root made lets nobody lock a module of its own, and a
// module root holds is refused to nobody with root's PID.
func TestSlotLockAcrossUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a helper as nobody")
	}
	bin, tmp := binaryForNobody(t)
	asNobody := func() *exec.Cmd {
		cmd := exec.Command(bin, "-test.run=^TestSlotLockChild$")
		cmd.Dir = tmp
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		return cmd
	}
	dir := filepath.Join(tmp, "locks")
	held := lockCandidate("1-1.7")
	l, err := LockSlot(dir, held)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	line, _, end := runLockChild(t, asNobody(), dir, held)
	end()
	if line != "INUSE "+strconv.Itoa(os.Getpid()) {
		t.Errorf("nobody, on the module root holds: %s, want INUSE %d", line, os.Getpid())
	}
	line, _, end = runLockChild(t, asNobody(), dir, lockCandidate("1-1.8"))
	end()
	if line != "LOCKED" {
		t.Errorf("nobody, on a free module in root's lock directory: %s, want LOCKED", line)
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

// With no variable, the directory is the same for every user: /run/lock's
// where it is open to all, else /tmp's; never one that follows $TMPDIR.
func TestLockDirDefault(t *testing.T) {
	t.Setenv(LockDirEnv, "")
	t.Setenv("TMPDIR", t.TempDir())
	got := LockDir()
	if got != "/run/lock/airfleet" && got != "/tmp/airfleet-locks" {
		t.Fatalf("LockDir() = %q with TMPDIR=%s", got, os.Getenv("TMPDIR"))
	}
	fi, err := os.Stat("/run/lock")
	open := err == nil && fi.Mode()&(os.ModeSticky|0o002) == os.ModeSticky|0o002
	if open != (got == "/run/lock/airfleet") {
		t.Errorf("LockDir() = %q, /run/lock: %v %v", got, fi.Mode(), err)
	}
}
