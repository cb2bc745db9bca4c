//go:build !windows

package device

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lockFileNB takes an exclusive flock(2) on f without waiting; held is true
// when another descriptor holds it.
func lockFileNB(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	return errors.Is(err, syscall.EWOULDBLOCK), err
}

// openLockFile opens path, a regular file, making it if missing. It never
// follows a symbolic link (O_NOFOLLOW; O_EXCL when it creates), and opens
// an existing file without O_CREAT: Linux's protected_regular refuses
// O_CREAT on another user's file in a sticky directory.
func openLockFile(path string) (*os.File, error) {
	const flags = syscall.O_RDWR | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	fd, err := syscall.Open(path, flags, 0)
	if errors.Is(err, syscall.ENOENT) {
		fd, err = syscall.Open(path, flags|syscall.O_CREAT|syscall.O_EXCL, 0o666)
		if err == nil {
			syscall.Fchmod(fd, 0o666) // past the umask, as for the directory
		} else if errors.Is(err, syscall.EEXIST) {
			fd, err = syscall.Open(path, flags, 0) // made meanwhile, or a dangling link
		}
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link; a lock file must be a regular file: remove it", path)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is %s; a lock file must be a regular file: remove it", path, describeFileMode(fi.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
