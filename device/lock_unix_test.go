//go:build !windows

package device

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

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
