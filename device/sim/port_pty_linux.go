package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"unsafe"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// transports: the pty is the default on Linux, TCP works too.
func transports() []string { return []string{TransportPTY, TransportTCP} }

// ptyEndpoint is a port on a pty: the console opens the slave (through a
// link to /dev/pts/N), the module reads and writes the master.
type ptyEndpoint struct {
	master *os.File // a pollable duplicate of the pty master
	slave  *os.File // kept open so the master never sees EIO when the console closes
}

func (e *ptyEndpoint) Read(b []byte) (int, error)  { return e.master.Read(b) }
func (e *ptyEndpoint) Write(b []byte) (int, error) { return e.master.Write(b) }
func (e *ptyEndpoint) address() string             { return e.slave.Name() }
func (e *ptyEndpoint) unread() (int, error)        { return inQueue(e.slave) }
func (e *ptyEndpoint) unheard() (int, error)       { return inQueue(e.master) }
func (e *ptyEndpoint) hangUp()                     { e.master.Close() }
func (e *ptyEndpoint) release()                    { e.slave.Close() }
func (e *ptyEndpoint) link(dir, name string) error { return linkPort(dir, name, e.slave.Name()) }

// openPTYEndpoint opens a pty pair in raw mode.
func openPTYEndpoint() (endpoint, error) {
	m, s, err := openPTY()
	if err != nil {
		return nil, err
	}
	return &ptyEndpoint{master: m, slave: s}, nil
}

// openPTY opens a pty pair in raw mode and returns a master that the Go
// runtime polls (so Close wakes a blocked Read or Write) and the slave.
func openPTY() (master, slave *os.File, err error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("sim: cannot open a pty: %w", err)
	}
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, nil, fmt.Errorf("sim: cannot put %s in raw mode: %w", s.Name(), err)
	}
	// pty.Open's ioctls leave the master in blocking mode, where Close does
	// not interrupt a pending Read. A non-blocking duplicate is pollable.
	fd, err := syscall.Dup(int(m.Fd()))
	if err == nil {
		syscall.CloseOnExec(fd)
		err = syscall.SetNonblock(fd, true)
		if err != nil {
			syscall.Close(fd)
		}
	}
	name := m.Name()
	m.Close()
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("sim: cannot duplicate the pty master: %w", err)
	}
	return os.NewFile(uintptr(fd), name), s, nil
}

// inQueue returns how many bytes wait unread on a tty. It polls the tty
// first, which makes the kernel hand bytes still in flight from the other
// end to the line discipline: a bare TIOCINQ right after a write often
// says 0.
func inQueue(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int32
	var errno syscall.Errno
	cerr := rc.Control(func(fd uintptr) {
		pfd := pollFd{fd: int32(fd), events: pollIn}
		var zero syscall.Timespec
		syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	})
	if cerr != nil {
		return 0, cerr
	}
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// pollFd is struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn = 0x1

// linkPort points dir/iface at the slave through a temporary link and a
// rename, so a watcher never sees a half-made link.
func linkPort(dir, iface, target string) error {
	tmp := filepath.Join(dir, "."+iface+".tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("sim: cannot link %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, iface)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("sim: cannot link %s/%s: %w", dir, iface, err)
	}
	return nil
}
