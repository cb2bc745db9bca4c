//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockLog takes an exclusive lock on PATH.lock so that one airfleet at a
// time writes a log: IDs are allocated in memory and open attempts are
// marked interrupted on open, both of which assume a single writer. The
// kernel drops the lock when the process dies, even on kill -9.
func lockLog(dbPath string) (*os.File, error) {
	name := dbPath + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, unwritable(dbPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := "another process"
			if b, rerr := os.ReadFile(name); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					who = fmt.Sprintf("pid %d", pid)
				}
			}
			return nil, &openError{
				msg:  fmt.Sprintf("the log at %s is in use by another airfleet (%s): close that one or use --db to choose another file", dbPath, who),
				kind: ErrInUse,
			}
		}
		return nil, unwritable(dbPath, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// unlockLog releases the lock taken by lockLog.
func unlockLog(f *os.File) {
	if f == nil {
		return
	}
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
