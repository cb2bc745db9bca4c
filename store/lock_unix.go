//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// lockLog takes an exclusive flock on the database file itself, so that
// one airfleet at a time writes a log whatever name it was opened by (a
// hard link, a symbolic link): IDs are allocated in memory and open
// attempts are marked interrupted on open, both of which assume a single
// writer. SQLite locks with fcntl (POSIX) locks, which are independent of
// flock on Linux and the BSDs, so the lock keeps out a second airfleet and
// no SQLite connection (TestSecondWriterRefusedThroughOtherNames). A log
// that does not exist yet is created empty first, then locked, then
// opened. The kernel drops the lock when the process dies, even on kill -9.
func lockLog(dbPath string) (*os.File, error) {
	f, err := os.OpenFile(dbPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, unwritable(dbPath, err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		f.Close()
		return nil, notDatabase(dbPath, fmt.Errorf("it is not a regular file (%s)", st.Mode().Type()))
	}
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if pid := flockHolder(st); pid > 0 {
				who = fmt.Sprintf("pid %d", pid)
			}
			return nil, inUse(dbPath, who)
		}
		return nil, unwritable(dbPath, err)
	}
	hold(f, st)
	return f, nil
}

// The logs this process holds. Open refuses a second Open of one of them
// in the same process before it opens the file (heldHere): closing a
// descriptor of a file drops every fcntl lock the process holds on it,
// SQLite's included.
var held struct {
	sync.Mutex
	files map[*os.File]os.FileInfo
}

func hold(f *os.File, st os.FileInfo) {
	held.Lock()
	defer held.Unlock()
	if held.files == nil {
		held.files = map[*os.File]os.FileInfo{}
	}
	held.files[f] = st
}

// heldHere reports whether this process holds the log at dbPath, under
// whatever name.
func heldHere(dbPath string) bool {
	st, err := os.Stat(dbPath)
	if err != nil {
		return false
	}
	held.Lock()
	defer held.Unlock()
	for _, h := range held.files {
		if os.SameFile(h, st) {
			return true
		}
	}
	return false
}

// flockHolder finds in /proc/locks (Linux) the process that holds an
// exclusive flock on the file st; 0 if it cannot tell.
func flockHolder(st os.FileInfo) int {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0
	}
	dev := uint64(sys.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	exact := fmt.Sprintf("%02x:%02x:%d", major, minor, sys.Ino)
	ino := ":" + strconv.FormatUint(uint64(sys.Ino), 10)
	byIno := 0
	for _, line := range strings.Split(string(b), "\n") {
		// "3: FLOCK  ADVISORY  WRITE 11793 fe:00:9980609 0 EOF"; waiters
		// have "->" after the number.
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" || f[3] != "WRITE" {
			continue
		}
		pid, err := strconv.Atoi(f[4])
		if err != nil {
			continue
		}
		if f[5] == exact {
			return pid
		}
		if strings.HasSuffix(f[5], ino) {
			byIno = pid // another device numbering (overlay, containers)
		}
	}
	return byIno
}

// unlockLog releases the lock taken by lockLog.
func unlockLog(f *os.File) {
	if f == nil {
		return
	}
	held.Lock()
	delete(held.files, f)
	held.Unlock()
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}

// oNoFollow makes an open fail on a symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

// lockFile takes a flock on f, exclusive or shared, waiting up to wait for
// another process to let go.
func lockFile(f *os.File, exclusive bool, wait time.Duration) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still locked by another process after %v", wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
