//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
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
