package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
	"unsafe"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// The three USB CDC-ACM interfaces of an _AT build, in the order their links
// appear at boot (if06, the documented AT port, last).
const (
	IF02 = "if02" // answers AT, gets URCs
	IF04 = "if04" // binary diagnostic log
	IF06 = "if06" // the documented AT port
)

var ifaces = [3]string{IF02, IF04, IF06}

// Queue bounds: a port nobody reads keeps at most this many frames, then
// drops output instead of blocking the module.
const (
	atQueue    = 1024
	noiseQueue = 16
)

// frame is one write: bytes and the number of lines in them, or a flush
// marker.
type frame struct {
	b     []byte
	lines int
	flush chan struct{}
}

// port is one interface of a powered module: a pty whose slave the console
// opens through DIR/<slot>/<iface>. One writer goroutine owns the master's
// write side; a reader goroutine (AT ports only) owns its read side.
type port struct {
	iface   string
	master  *os.File // a pollable duplicate of the pty master
	slave   *os.File // kept open so the master never sees EIO when the console closes
	out     chan frame
	stop    chan struct{} // closed at teardown
	done    chan struct{} // closed when the writer has returned
	chunked bool
	g       *rng
	lines   func(n int) // counts lines written
	echo    bool        // ATE state; owned by the reader goroutine
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

func newPort(iface string, master, slave *os.File, chunked bool, g *rng, lines func(int)) *port {
	q := atQueue
	if iface == IF04 {
		q = noiseQueue
	}
	return &port{
		iface: iface, master: master, slave: slave,
		out: make(chan frame, q), stop: make(chan struct{}), done: make(chan struct{}),
		chunked: chunked, g: g, lines: lines, echo: true,
	}
}

// writer writes queued frames to the master until stop.
func (p *port) writer() {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			return
		case f := <-p.out:
			if f.flush != nil {
				close(f.flush)
				continue
			}
			if err := p.write(f.b); err != nil {
				return
			}
			if f.lines > 0 && p.lines != nil {
				p.lines(f.lines)
			}
		}
	}
}

// write writes b, in 1–3 byte pieces with tiny gaps for a chunked port.
func (p *port) write(b []byte) error {
	if !p.chunked {
		_, err := p.master.Write(b)
		return err
	}
	gap := time.NewTimer(time.Hour)
	defer gap.Stop()
	for len(b) > 0 {
		n := min(1+p.g.intn(3), len(b))
		if _, err := p.master.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
		if len(b) > 0 {
			gap.Reset(p.g.between(50*time.Microsecond, 400*time.Microsecond))
			select {
			case <-p.stop:
				return os.ErrClosed
			case <-gap.C:
			}
		}
	}
	return nil
}

// send queues b (holding lines lines) without blocking; it reports false
// when the queue is full and the output was dropped.
func (p *port) send(b []byte, lines int) bool {
	select {
	case p.out <- frame{b: b, lines: lines}:
		return true
	default:
		return false
	}
}

// flush waits until everything queued so far is written, at most d.
func (p *port) flush(d time.Duration) {
	ch := make(chan struct{})
	select {
	case p.out <- frame{flush: ch}:
	default:
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-p.done:
	case <-t.C:
	}
}

// drain waits, at most d, until a console that is reading has read what
// the slave holds: closing the master throws away unread input (a hangup
// flushes the tty). It gives up early when nobody reads.
func (p *port) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	last, still := -1, 0
	for time.Now().Before(deadline) {
		var n int32
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, p.slave.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		if errno != 0 || n == 0 {
			return
		}
		if int(n) == last {
			if still++; still >= 50 {
				return // nobody has read for 100 ms: nobody reads this port
			}
		} else {
			last, still = int(n), 0
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// close ends the port: the console's reads fail, the goroutines return.
func (p *port) close() {
	close(p.stop)
	p.master.Close()
	<-p.done
	p.slave.Close()
}

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
