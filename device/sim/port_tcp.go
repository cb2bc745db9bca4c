package sim

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// tcpEndpoint is a port over TCP, as a serial server (ser2net in raw mode)
// offers one: a listener on 127.0.0.1 whose address, socket://127.0.0.1:PORT,
// the slot's entry holds. One console at a time: a new connection takes
// the port over and the previous one is closed (a console that closes and
// reopens the port at once must not find it busy with its own old
// connection; two airfleets are kept apart by their slot locks).
//
// Like a pty, it keeps up to ptyBuffer bytes written while no console is
// connected and hands them to the next one; more are dropped. Hanging up
// closes the listener and the connection after what was written to it.
type tcpEndpoint struct {
	ln   net.Listener
	addr string

	mu      sync.Mutex
	changed *sync.Cond // conn or closed changed
	conn    net.Conn
	pending []byte
	closed  bool
}

// ptyBuffer is what a pty keeps for a console that has not read it: the
// line discipline's 4 KB less one.
const ptyBuffer = 4095

// openTCPEndpoint listens on a new port of 127.0.0.1.
func openTCPEndpoint() (endpoint, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sim: cannot listen on 127.0.0.1: %w", err)
	}
	e := &tcpEndpoint{ln: ln, addr: "socket://" + ln.Addr().String()}
	e.changed = sync.NewCond(&e.mu)
	go e.accept()
	return e, nil
}

// accept hands each new connection the port, until hangUp.
func (e *tcpEndpoint) accept() {
	for {
		c, err := e.ln.Accept()
		if err != nil {
			return // hung up
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			c.Close()
			return
		}
		if e.conn != nil {
			e.conn.Close()
		}
		e.conn = c
		if len(e.pending) > 0 {
			if _, err := c.Write(e.pending); err != nil {
				e.conn = nil
				c.Close()
			}
			e.pending = nil
		}
		e.changed.Broadcast()
		e.mu.Unlock()
	}
}

// Read waits for a console and returns what it wrote; a console that goes
// away is waited for again, as a pty outlives the consoles that open it.
func (e *tcpEndpoint) Read(b []byte) (int, error) {
	for {
		e.mu.Lock()
		for e.conn == nil && !e.closed {
			e.changed.Wait()
		}
		if e.closed {
			e.mu.Unlock()
			return 0, os.ErrClosed
		}
		c := e.conn
		e.mu.Unlock()
		n, err := c.Read(b)
		if n > 0 {
			return n, nil
		}
		if err != nil {
			e.drop(c)
		}
	}
}

// drop forgets connection c, which ended.
func (e *tcpEndpoint) drop(c net.Conn) {
	e.mu.Lock()
	if e.conn == c {
		e.conn = nil
	}
	e.mu.Unlock()
	c.Close()
}

// Write sends b to the console, or keeps it for the next one.
func (e *tcpEndpoint) Write(b []byte) (int, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return 0, os.ErrClosed
	}
	c := e.conn
	if c == nil {
		n := e.keep(b)
		e.mu.Unlock()
		return n, nil
	}
	e.mu.Unlock()
	n, err := c.Write(b)
	if err == nil {
		return n, nil
	}
	e.drop(c)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return n, os.ErrClosed
	}
	return n + e.keep(b[n:]), nil
}

// keep buffers b for the next console, as far as the buffer goes; it
// returns how much it took. Call it with mu held.
func (e *tcpEndpoint) keep(b []byte) int {
	n := min(len(b), ptyBuffer-len(e.pending))
	e.pending = append(e.pending, b[:n]...)
	return n
}

func (e *tcpEndpoint) address() string { return e.addr }

// unread is what waits for the next console: what a connected console was
// sent is its own (its kernel holds it even after the hang-up).
func (e *tcpEndpoint) unread() (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending), nil
}

// unheard is 0: Read takes whatever arrives.
func (e *tcpEndpoint) unheard() (int, error) { return 0, nil }

// hangUp closes the listener and the connection: the console's next read
// ends (EOF once it has read what was sent), its next connect is refused.
func (e *tcpEndpoint) hangUp() {
	e.mu.Lock()
	e.closed = true
	c := e.conn
	e.conn = nil
	e.changed.Broadcast()
	e.mu.Unlock()
	e.ln.Close()
	if c != nil {
		c.Close()
	}
}

func (e *tcpEndpoint) release() {}

// link writes DIR/<slot>/<name> as a regular file holding the address,
// through a temporary file and a rename, so that a watcher never reads a
// half-written one.
func (e *tcpEndpoint) link(dir, name string) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(e.addr+"\n"), 0o644); err != nil {
		return fmt.Errorf("sim: cannot write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("sim: cannot write %s/%s: %w", dir, name, err)
	}
	return nil
}
