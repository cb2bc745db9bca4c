package sim

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The tests talk to the simulated modules over the real ptys with this tiny
// reader; it shares nothing with the driver (device/).

const waitLong = 20 * time.Second

// tconn is an open AT port: lines arrive on lines (split at CR or LF, blank
// lines dropped); the channel closes when the port fails (unplug, reboot).
type tconn struct {
	t     testing.TB
	f     io.ReadWriteCloser // a pty, or a TCP connection
	lines chan string
	n     atomic.Int64 // lines read so far
}

func dialPort(t testing.TB, path string) *tconn {
	t.Helper()
	var f io.ReadWriteCloser
	var err error
	if addr, isTCP := strings.CutPrefix(entryAddress(path), "socket://"); isTCP {
		f, err = net.Dial("tcp", addr)
	} else {
		f, err = os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	c := &tconn{t: t, f: f, lines: make(chan string, 4096)}
	go func() {
		defer close(c.lines)
		buf := make([]byte, 1024)
		var cur []byte
		for {
			n, err := f.Read(buf)
			for _, b := range buf[:n] {
				if b == '\r' || b == '\n' {
					if len(cur) > 0 {
						c.n.Add(1)
						c.lines <- string(cur)
						cur = nil
					}
					continue
				}
				cur = append(cur, b)
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { f.Close() })
	return c
}

func (c *tconn) send(s string) {
	c.t.Helper()
	if _, err := c.f.Write([]byte(s + "\r")); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// next returns the next line, failing after d.
func (c *tconn) next(d time.Duration) (string, bool) {
	select {
	case l, ok := <-c.lines:
		return l, ok
	case <-time.After(d):
		c.t.Fatalf("no line within %v", d)
		return "", false
	}
}

// waitFor reads lines until one satisfies ok; it returns that line and the
// lines before it.
func (c *tconn) waitFor(what string, ok func(string) bool) (string, []string) {
	c.t.Helper()
	var seen []string
	deadline := time.After(waitLong)
	for {
		select {
		case l, open := <-c.lines:
			if !open {
				c.t.Fatalf("port closed while waiting for %s; saw %q", what, seen)
			}
			if ok(l) {
				return l, seen
			}
			seen = append(seen, l)
		case <-deadline:
			c.t.Fatalf("timed out waiting for %s; saw %q", what, seen)
		}
	}
}

func (c *tconn) waitLine(want string) []string {
	c.t.Helper()
	_, seen := c.waitFor(want, func(l string) bool { return l == want })
	return seen
}

// waitClosed waits for the port to fail (EOF/EIO).
func (c *tconn) waitClosed() {
	c.t.Helper()
	deadline := time.After(waitLong)
	for {
		select {
		case _, open := <-c.lines:
			if !open {
				return
			}
		case <-deadline:
			c.t.Fatal("port did not close")
		}
	}
}

func isFinal(l string) bool {
	return l == "OK" || l == "ERROR" || strings.HasPrefix(l, "+CME ERROR:") ||
		strings.HasPrefix(l, "+UARTUPGRAE ERROR:") || strings.HasPrefix(l, "+UARTUPGRADE ERROR:")
}

// cmd sends a command and returns the lines up to and including the final
// result, with the echo (if any) and URCs left in.
func (c *tconn) cmd(s string) []string {
	c.t.Helper()
	c.send(s)
	final, seen := c.waitFor("final result of "+s, isFinal)
	return append(seen, final)
}

// answer sends a command and returns its answer lines without the echo,
// the final result, and well-known URCs.
func (c *tconn) answer(s string) (lines []string, final string) {
	c.t.Helper()
	all := c.cmd(s)
	final = all[len(all)-1]
	for _, l := range all[:len(all)-1] {
		if l == s || isURC(l) {
			continue
		}
		lines = append(lines, l)
	}
	return lines, final
}

func isURC(l string) bool {
	for _, p := range []string{"RDY", "^MODE", "+E_UTRAN", "+CGEV", "+NITZ", "+CSCON", "+UPGRADEIND", "+UPGRADEDL", "+UPGRADEVER"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// waitRegistered polls AT+CREG? until the module is registered.
func (c *tconn) waitRegistered() {
	c.t.Helper()
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		lines, _ := c.answer("AT+CREG?")
		if len(lines) == 1 && (lines[0] == "+CREG: 0,1" || lines[0] == "+CREG: 0,5") {
			return
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a wait for an outcome
	}
	c.t.Fatal("module never registered")
}

// startFleet starts a fleet in a temporary directory, closed at cleanup.
func startFleet(t *testing.T, cfg Config) *Fleet {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Speed == 0 {
		cfg.Speed = 100
	}
	f, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return f
}

// linkTarget returns where dir/iface points, or "": the pty a link names,
// or the socket:// address a file holds (the tcp transport).
func linkTarget(m *Module, iface string) string {
	if s, err := os.Readlink(m.Link(iface)); err == nil {
		return s
	}
	return entryAddress(m.Link(iface))
}

// entryAddress returns the socket:// address a regular file holds, or "".
func entryAddress(path string) string {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// waitUntil polls cond (an observable state: a link, a file) until true.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// dialAT opens module m's documented AT port (if06; if00 on a two-port
// build).
func dialAT(t *testing.T, m *Module) *tconn {
	t.Helper()
	at := atIface(m)
	waitUntil(t, at+" link", func() bool { return linkTarget(m, at) != "" })
	return dialPort(t, m.Link(at))
}

// atIface is module m's documented AT interface.
func atIface(m *Module) string {
	if m.Model().TwoPort {
		return IF00
	}
	return IF06
}
