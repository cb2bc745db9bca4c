package device

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The exclusive open of a port (TIOCEXCL) guards one port, not a module: a
// second airfleet that finds if06 busy could reach the same module through
// if02, and root ignores TIOCEXCL altogether. A slot lock guards the
// module: one lock file per module in a directory that every airfleet on
// the host shares, held with flock(2) by the process that drives it. The
// kernel drops a flock when its holder dies, even by kill -9, so a crash
// never leaves a module locked.

// LockDirEnv names the environment variable that chooses the directory of
// slot locks (tests set it to keep to themselves).
const LockDirEnv = "AIRFLEET_LOCKDIR"

// LockDir returns the directory of slot locks every airfleet on this host
// shares: $AIRFLEET_LOCKDIR if set; else /run/lock/airfleet where
// /run/lock is sticky and writable by all (Debian, Ubuntu: a tmpfs
// emptied at boot); else /tmp/airfleet-locks. The choice depends on
// nothing of the user (not $TMPDIR, not whether the user may write
// /run/lock), so that every user's airfleet picks the same directory.
func LockDir() string {
	if d := os.Getenv(LockDirEnv); d != "" {
		return d
	}
	const everyone = fs.ModeSticky | 0o002
	if fi, err := os.Stat("/run/lock"); err == nil && fi.IsDir() && fi.Mode()&everyone == everyone {
		return "/run/lock/airfleet"
	}
	if fi, err := os.Stat("/tmp"); err == nil && fi.IsDir() {
		return "/tmp/airfleet-locks"
	}
	return filepath.Join(os.TempDir(), "airfleet-locks")
}

// InUseError says that another airfleet process (or another station of
// this one) holds the module's slot lock: nothing of the module was opened.
type InUseError struct {
	Slot Slot
	PID  int    // the holder's process ID; 0 if it could not be read
	Lock string // the lock file (not in the message: it is long, and rarely the point)
}

func (e *InUseError) Error() string {
	who := "another airfleet"
	if e.PID > 0 {
		who = "airfleet PID " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("module in slot %s is in use by %s: only one airfleet may drive a module; "+
		"let that one finish or quit it, then try again", e.Slot, who)
}

// SlotLock is this process's hold on one module. Close releases it.
type SlotLock struct {
	f    *os.File
	slot Slot
}

// Path is the lock file.
func (l *SlotLock) Path() string { return l.f.Name() }

// Slot is the slot of the module held.
func (l *SlotLock) Slot() Slot { return l.slot }

// Close releases the module. The file stays, empty: removing it could let
// two processes lock two different files of one name.
func (l *SlotLock) Close() error {
	l.f.Truncate(0)
	return l.f.Close()
}

// LockSlot takes the host-wide lock of module c (by c.Key, else by its
// source and slot) in dir (LockDir() if empty), without waiting. If
// another process, or another descriptor of this one, holds it, the error
// is an *InUseError naming the holder's PID. The directory is made sticky
// and writable by all, like /run/lock, and each lock file readable and
// writable by all, so that the airfleets of different users exclude each
// other; a lock file that is a symbolic link or not a regular file is
// refused, never followed.
func LockSlot(dir string, c Candidate) (*SlotLock, error) {
	if dir == "" {
		dir = LockDir()
	}
	if err := ensureLockDir(dir); err != nil {
		return nil, fmt.Errorf("module %s: cannot lock its slot: %w; set %s to a directory every airfleet user may write", c.Slot, err, LockDirEnv)
	}
	path := filepath.Join(dir, lockFileName(c))
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("module %s: cannot lock its slot: %w", c.Slot, err)
	}
	if held, err := lockFileNB(f); err != nil {
		pid := holderPID(f)
		f.Close()
		if held {
			return nil, &InUseError{Slot: c.Slot, PID: pid, Lock: path}
		}
		return nil, fmt.Errorf("module %s: cannot lock its slot with %s: %w", c.Slot, path, err)
	}
	// Who holds it, for the next one to name; what it is, for people.
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("%d\n%s\n%s\n", os.Getpid(), c.Slot, c.LockKey())), 0)
	return &SlotLock{f: f, slot: c.Slot}, nil
}

// LockKey is what names module c's slot lock: its Key, else its source
// and slot.
func (c Candidate) LockKey() string {
	if c.Key != "" {
		return c.Key
	}
	return c.Source + ":" + c.Slot
}

// lockFileName is the slot, for people, and a hash of the key, which is
// unique on the host: "1-1.4.2.3f9a0c…lock".
func lockFileName(c Candidate) string {
	sum := sha256.Sum256([]byte(c.LockKey()))
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '_'
	}, c.Slot)
	return safe + "." + hex.EncodeToString(sum[:8]) + ".lock"
}

// ensureLockDir makes dir (sticky, writable by all) unless it exists; an
// existing one must be a directory, not a link to one.
func ensureLockDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		switch err := os.Mkdir(dir, 0o777); {
		case err == nil:
			// Past the umask: every user's airfleet makes its files here.
			if err := os.Chmod(dir, 0o777|fs.ModeSticky); err != nil {
				return err
			}
		case !errors.Is(err, fs.ErrExist): // another airfleet made it meanwhile
			return err
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// holderPID reads the PID the holder of f's lock wrote. The holder writes
// it just after it locks, so an empty file is read again for a little
// while; 0 if no PID came.
func holderPID(f *os.File) int {
	buf := make([]byte, 32)
	for range 20 {
		n, _ := f.ReadAt(buf, 0)
		line, _, _ := strings.Cut(string(buf[:n]), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0
}
