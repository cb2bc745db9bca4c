package sim

import (
	"errors"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The USB CDC-ACM interfaces of the builds (spec §6). An _AT or _LPAT
// build has three: if02 (answers AT, gets URCs), if04 (binary log), if06
// (the documented AT port). An _LSAT or _AUAT build has two: if00 (AT) and
// if02 (binary log).
const (
	IF00 = "if00" // two-port builds: the AT port
	IF02 = "if02" // three-port builds: answers AT, gets URCs; two-port builds: binary log
	IF04 = "if04" // three-port builds: binary diagnostic log
	IF06 = "if06" // three-port builds: the documented AT port
)

// Interface names a module may give in its USB descriptors (spec §6: a
// two-port module seen on Windows named its interfaces "at" and "log").
const (
	NameAT  = "at"
	NameLog = "log"
)

// iface is one USB serial interface of a build.
type iface struct {
	name string // IF02 …
	log  bool   // a binary log: never answers, streams noise
}

// label is the interface's name in the USB descriptors.
func (i iface) label() string {
	if i.log {
		return NameLog
	}
	return NameAT
}

// Layouts, each in the order its links appear at boot: the AT port the
// documentation names last.
var (
	threePort = []iface{{name: IF02}, {name: IF04, log: true}, {name: IF06}}
	twoPort   = []iface{{name: IF02, log: true}, {name: IF00}}
)

// linkName is the name of an interface's entry in the slot directory:
// "if02", or "if02-log" for a module that names its interfaces.
func linkName(i iface, named bool) string {
	if named {
		return i.name + "-" + i.label()
	}
	return i.name
}

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

// port is one interface of a powered module: an endpoint (a pty, or a TCP
// listener) that the console opens through DIR/<slot>/<iface>. One writer
// goroutine owns the endpoint's write side; a reader goroutine owns its
// read side (on a log port it only counts the bytes a console wrote there,
// which should be none).
type port struct {
	iface   string
	log     bool     // a binary log port: noise out, nothing answered
	ep      endpoint // the module's side of the port
	out     chan frame
	stop    chan struct{} // closed at teardown
	done    chan struct{} // closed when the writer has returned
	chunked bool
	g       *rng
	lines   func(n int) // counts lines written
	echo    bool        // ATE state; owned by the reader goroutine

	rx       *received   // AT ports: what a reader can take from the pty
	heard    atomic.Bool // a console wrote to the port, so it had it open
	stopOnce sync.Once
}

func newPort(ifc iface, ep endpoint, chunked bool, g *rng, lines func(int)) *port {
	q := atQueue
	if ifc.log {
		q = noiseQueue
	}
	p := &port{
		iface: ifc.name, log: ifc.log, ep: ep,
		out: make(chan frame, q), stop: make(chan struct{}), done: make(chan struct{}),
		chunked: chunked, g: g, lines: lines, echo: true,
	}
	if !ifc.log {
		p.rx = &received{}
	}
	return p
}

// writer writes queued frames to the endpoint until stop.
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

// chunkedHead is how much of a write a chunked port splits into 1–3 byte
// pieces with gaps; the rest goes in USB full-speed packets (64 bytes)
// without gaps, as a real module's long answer (a 2 KB segment's echo)
// arrives: a line split across many reads all the same, without the
// thousand timer waits that made a segment's echo take a second.
const chunkedHead = 32

// usbPacket is a USB full-speed bulk packet's payload.
const usbPacket = 64

// write writes b, in 1–3 byte pieces with tiny gaps for a chunked port.
func (p *port) write(b []byte) error {
	if !p.chunked {
		return p.put(b)
	}
	gap := time.NewTimer(time.Hour)
	defer gap.Stop()
	for sent := 0; len(b) > 0; {
		n := min(1+p.g.intn(3), len(b))
		if sent >= chunkedHead {
			n = min(usbPacket, len(b))
		}
		if err := p.put(b[:n]); err != nil {
			return err
		}
		b, sent = b[n:], sent+n
		if len(b) > 0 && sent < chunkedHead {
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

// put writes b to the endpoint and counts what it took.
func (p *port) put(b []byte) error {
	n, err := p.ep.Write(b)
	if p.rx != nil {
		p.rx.add(b[:n])
	}
	return err
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
// the endpoint holds: closing a pty master throws away unread input (a
// hangup flushes the tty). It gives up early when nobody reads.
func (p *port) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	last, still := -1, 0
	for time.Now().Before(deadline) {
		n, err := p.ep.unread()
		if err != nil || n == 0 {
			return
		}
		if n == last {
			if still++; still >= 50 {
				return // nobody has read for 100 ms: nobody reads this port
			}
		} else {
			last, still = n, 0
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stopWriter stops the writer (what is still queued is dropped) and waits
// for it, at most d: a writer blocked on a full pty returns only at close.
func (p *port) stopWriter(d time.Duration) {
	p.stopOnce.Do(func() { close(p.stop) })
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
	}
}

// close ends the port: the console's reads fail, the goroutines return. It
// returns how many lines a reader took from the port (see linesRead).
func (p *port) close() int64 {
	p.stopOnce.Do(func() { close(p.stop) })
	n := p.linesRead()
	p.ep.hangUp()
	<-p.done
	p.ep.release()
	return n
}

// ldiscFull is the most unread bytes TIOCINQ reports: the line discipline's
// buffer (4 KB, less one) is full and more may wait behind it.
const ldiscFull = 4095

// linesRead returns how many lines a reader has taken from an AT port: the
// lines that ended within the bytes written less those still unread. Lines
// written before a console opened the port count once it read them (the
// pty keeps them), lines it left unread when it closed the port do not.
// It is exact while fewer than ldiscFull bytes wait unread; a port nobody
// wrote to and whose buffer is full counts 0 (nobody had it open). Call it
// with the writer stopped and the endpoint not yet hung up.
func (p *port) linesRead() int64 {
	if p.rx == nil {
		return 0
	}
	unread, err := p.ep.unread()
	if err != nil {
		return 0
	}
	heard := p.heard.Load()
	if n, err := p.ep.unheard(); err == nil && n > 0 {
		heard = true // the console's last command is still on its way in
	}
	if unread >= ldiscFull && !heard {
		return 0
	}
	return p.rx.linesUpTo(p.rx.bytes() - int64(unread))
}

// received follows the bytes a pty took, as a reader that splits lines
// sees them: a line is a non-empty run of bytes ended by CR or LF (an LF
// right after a CR ends nothing more), so a burst of garbage makes a line
// of its own, or joins the line it precedes.
type received struct {
	mu      sync.Mutex
	written int64
	afterCR bool
	inLine  bool    // bytes since the last line ending
	ends    []int64 // offset just past the ending of each line
}

func (r *received) add(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range b {
		r.written++
		if c == '\n' && r.afterCR {
			r.afterCR = false
			continue
		}
		r.afterCR = c == '\r'
		if c != '\r' && c != '\n' {
			r.inLine = true
			continue
		}
		if r.inLine {
			r.ends = append(r.ends, r.written)
			r.inLine = false
		}
	}
}

func (r *received) bytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

// linesUpTo returns how many lines ended within the first n bytes.
func (r *received) linesUpTo(n int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(sort.Search(len(r.ends), func(i int) bool { return r.ends[i] > n }))
}

// endpoint is the module's side of one port, what the console opens
// through DIR/<slot>/<iface>: a pty (the Linux default) or a TCP listener
// on 127.0.0.1 (socket://127.0.0.1:PORT, where ptys do not exist).
type endpoint interface {
	// Read returns what a console wrote; an error once hung up.
	Read(b []byte) (int, error)
	// Write sends b towards the console; n is what the endpoint took.
	Write(b []byte) (int, error)
	// address is what the console opens: /dev/pts/N, socket://….
	address() string
	// unread is how many bytes written wait unread by a console.
	unread() (int, error)
	// unheard is how many bytes a console wrote wait unread by Read.
	unheard() (int, error)
	// hangUp makes the console see the port vanish and Read fail.
	hangUp()
	// release frees what outlived hangUp, once the writer has returned.
	release()
	// link makes the DIR/<slot>/<iface> entry that points at the endpoint.
	link(dir, name string) error
}

// Transports of the simulated ports (Config.Transport).
const (
	TransportPTY = "pty" // DIR/<slot>/<iface> links to a pty: Linux
	TransportTCP = "tcp" // DIR/<slot>/<iface> is a file holding socket://127.0.0.1:PORT
)

// Transports lists the transports that work on this system, the default
// first.
func Transports() []string { return transports() }

// errUnknownTransport is Start's error for a Config.Transport this system
// does not have.
var errUnknownTransport = errors.New("unknown transport")
