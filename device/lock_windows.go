package device

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// lockFileNB takes an exclusive LockFileEx lock on f without waiting; held
// is true when another handle holds it. Windows drops the lock when its
// holder's handle closes, the process's death included, as flock does.
//
// The lock covers one byte far past the end of the file: a Windows lock is
// mandatory, and one over the PID at offset 0 would keep the next airfleet
// from reading who holds the module.
func lockFileNB(f *os.File) (held bool, err error) {
	ol := windows.Overlapped{OffsetHigh: 0x7fffffff}
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	return errors.Is(err, windows.ERROR_LOCK_VIOLATION), err
}

// openLockFile opens path, a regular file, making it if missing. Windows
// has no O_NOFOLLOW: a lock file that is a link (a reparse point) is
// refused after a look with Lstat.
func openLockFile(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s; a lock file must be a regular file: remove it", path, describeFileMode(fi.Mode()))
	}
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
}
