package device

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A port over TCP: pyserial's and ser2net's convention, socket://host:port,
// raw bytes both ways and no line settings (a remote hub behind ser2net in
// raw mode, or the simulator's tcp transport). A dropped connection is an
// unplug, as a vanished device node is.

// NetworkScheme is the prefix of a port over TCP.
const NetworkScheme = "socket://"

// dialTimeout bounds the connection to a port over TCP: a hub on the
// station's network answers in milliseconds, and a port that does not
// answer is as good as unplugged.
const dialTimeout = 3 * time.Second

// ErrBadAddress is wrapped by the error of a port address that is not
// socket://host:port.
var ErrBadAddress = errors.New("not a socket://host:port address")

// IsNetworkPort reports whether path names a port over TCP (any scheme, so
// that rfc2217:// is refused with its reason rather than taken for a file).
func IsNetworkPort(path string) bool {
	return strings.Contains(path, "://")
}

// ParseNetworkPort checks a port address and returns its host:port. Only
// socket://host:port is taken: host a name or an IP address (IPv6 in
// brackets), port 1 to 65535, nothing after. The address goes on no AT
// command line, but it is shown to people and logged, so it carries no
// control characters, spaces, user names or passwords.
func ParseNetworkPort(addr string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: %q %s; write it as socket://HOST:PORT, e.g. socket://192.168.1.20:4001 (ser2net in raw mode)", ErrBadAddress, redactAddress(addr), why)
	}
	scheme, rest, ok := strings.Cut(addr, "://")
	switch {
	case !ok:
		return "", bad("has no scheme")
	case scheme == "rfc2217":
		return "", bad("is RFC 2217 (telnet with line control), which airfleet does not speak: set the ser2net port to raw mode")
	case scheme != "socket":
		return "", bad("has scheme " + strconv.Quote(scheme) + ", not socket")
	case strings.ContainsAny(rest, "@/?#"):
		return "", bad("holds a user, a path or a query")
	case strings.ContainsFunc(rest, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }):
		return "", bad("holds spaces or control characters")
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || host == "" {
		return "", bad("lacks a host or a port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", bad("has port " + strconv.Quote(port) + ", not 1 to 65535")
	}
	return net.JoinHostPort(host, port), nil
}

// redactAddress keeps a password that someone put in an address out of
// messages: "socket://user:secret@host:1" shows as "socket://user:***@host:1".
func redactAddress(addr string) string {
	scheme, rest, ok := strings.Cut(addr, "://")
	if !ok {
		return addr
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return addr
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return addr
	}
	return scheme + "://" + user + ":***" + rest[at:]
}

// Fixes shown with a port over TCP.
const (
	fixNetDown = "nothing answers there: start the serial server (ser2net) or the simulator, check the address and the network; " +
		"if it is a module behind a hub, the module may be rebooting"
	fixNetAddress = "write the address as socket://HOST:PORT"
)

// openNetworkPort connects to a port over TCP. Errors are *PortError.
func openNetworkPort(addr string) (io.ReadWriteCloser, error) {
	hostPort, err := ParseNetworkPort(addr)
	if err != nil {
		return nil, &PortError{Path: redactAddress(addr), Kind: PortNotSerial, Fix: fixNetAddress, Err: err}
	}
	c, err := net.DialTimeout("tcp", hostPort, dialTimeout)
	if err != nil {
		markDropped(addr)
		return nil, &PortError{Path: addr, Kind: PortNotFound, Fix: fixNetDown, Err: err}
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // a command is a few bytes: send it now
	}
	return &netConn{Conn: c, addr: addr}, nil
}

// A port over TCP whose address never changes (a hub behind ser2net) does
// not vanish when its module reboots: the connection drops, the entry
// stays. So a dropped connection is the unplug: its address is held down
// for dropHoldDown, during which DirSource lists the entry as absent (the
// watcher sees the module go), and then the entry is back (the replug: the
// module is identified again, which connects again; if the module is still
// away, that connection drops in turn, and so on until it is back).
// Addresses that change at each reboot (the simulator's) vanish anyway.
const dropHoldDown = time.Second

var dropped struct {
	sync.Mutex
	at map[string]time.Time // address → when its connection dropped
}

// markDropped holds addr down from now. It forgets the addresses whose
// hold-down has passed: the simulator's are never asked about again.
func markDropped(addr string) {
	dropped.Lock()
	defer dropped.Unlock()
	if dropped.at == nil {
		dropped.at = map[string]time.Time{}
	}
	now := time.Now()
	for a, t := range dropped.at {
		if now.Sub(t) >= dropHoldDown {
			delete(dropped.at, a)
		}
	}
	dropped.at[addr] = now
	// No file changes when a connection drops: tell the watchers that
	// list on notification to look now (the module is gone) and once the
	// hold-down is over (it may be back).
	drops.tell()
	time.AfterFunc(dropHoldDown+10*time.Millisecond, drops.tell)
}

// drops tells the watchers that a port over TCP dropped or came out of its
// hold-down: a change of the listing that no file shows.
var drops broadcast

// broadcast is a channel closed, and replaced, at each tell: every
// waiter wakes once.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns the channel the next tell closes.
func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) tell() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
	}
	b.ch = make(chan struct{})
}

// heldDown reports whether addr dropped less than dropHoldDown ago.
func heldDown(addr string) bool {
	dropped.Lock()
	defer dropped.Unlock()
	t, ok := dropped.at[addr]
	if ok && time.Since(t) >= dropHoldDown {
		delete(dropped.at, addr)
		ok = false
	}
	return ok
}

// netConn is a connection to a port over TCP that tells a drop (the far
// end, or the network) from our own Close.
type netConn struct {
	net.Conn
	addr   string
	closed atomic.Bool
}

func (c *netConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && !c.closed.Load() {
		markDropped(c.addr)
	}
	return n, err
}

func (c *netConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if err != nil && !c.closed.Load() {
		markDropped(c.addr)
	}
	return n, err
}

// Close closes the connection; it is not a drop.
func (c *netConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}
