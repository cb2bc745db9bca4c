package store

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/windows"
)

// On Windows the single-writer lock is a LockFileEx lock on the database
// file itself, as flock is on Unix: one airfleet at a time writes a log,
// whatever name it was opened by, and Windows drops the lock when its
// handle closes, the process's death included. A Windows lock is
// mandatory for the bytes it covers, so it covers one byte far past any
// page (offset 2^62): SQLite's own locks (at 1 GB) and its reads and writes
// never touch it, in this process or another.

// lockOffsetHigh is the high 32 bits of the locked byte's offset.
const lockOffsetHigh = 1 << 30

// lockLog takes the exclusive lock on the log at dbPath, creating it empty
// if needed.
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
		err = lockHandle(f, windows.LOCKFILE_EXCLUSIVE_LOCK)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, inUse(dbPath, "another process")
		}
		return nil, unwritable(dbPath, err)
	}
	hold(f, st)
	return f, nil
}

// lockHandle locks the far byte of f without waiting.
func lockHandle(f *os.File, flags uint32) error {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	return windows.LockFileEx(windows.Handle(f.Fd()), flags|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
}

// The logs this process holds (heldHere): a second Open in this process
// is refused before it opens the file, as on Unix.
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

// unlockLog releases the lock taken by lockLog.
func unlockLog(f *os.File) {
	if f == nil {
		return
	}
	held.Lock()
	delete(held.files, f)
	held.Unlock()
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
	_ = f.Close()
}

// oNoFollow: Windows has no O_NOFOLLOW.
const oNoFollow = 0

// lockFile takes a lock on f, exclusive or shared, waiting up to wait for
// another process to let go.
func lockFile(f *os.File, exclusive bool, wait time.Duration) error {
	var flags uint32
	if exclusive {
		flags = windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	deadline := time.Now().Add(wait)
	for {
		err := lockHandle(f, flags)
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still locked by another process after %v", wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
