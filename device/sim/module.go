package sim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// settings are the AT+UPGRADE tags. A module keeps two copies: the one in
// NV (survives power-off) and the working one in RAM (savetoNV = 1 changes
// only this one; every boot reloads it from NV).
type settings struct {
	Key    string `json:"key"`
	URL    string `json:"url"`
	Period int64  `json:"period"` // seconds
	Auto   bool   `json:"auto"`
}

// defaultSettings are a factory-fresh module's: no key, no URL, a daily
// automatic check.
var defaultSettings = settings{Period: 86400, Auto: true}

// upState is the AT+UPGRADE? state.
type upState struct {
	state   int // 0 idle, 1 downloading, 2 finished with a result
	percent int
	err     int // module error (0 or -100x)
	http    int // HTTP status, 0 if none
	code    int // platform code, 0 if none
	busy    bool
}

// Module is one simulated Air780-family module in its USB slot. Its methods
// are safe for concurrent use.
type Module struct {
	f      *Fleet
	index  int
	slot   string
	dir    string
	model  Model
	imei   string
	iccid  string
	imsi   string
	role   string
	quirks Quirks
	csq    int
	g      *rng
	ctl    chan ctlMsg
	layout []iface        // the build's interfaces, in link order
	named  bool           // names its interfaces in its USB descriptors
	lines  []atomic.Int64 // by layout index
	read   []atomic.Int64 // by layout index, over ended power-ons
	logIn  atomic.Int64   // bytes consoles wrote to its log ports

	mu          sync.Mutex
	version     int // core version in flash
	nextVersion int // version after the pending reboot's apply, 0 if none
	postCheck   bool
	target      int
	expect      Expect
	faults      Faults
	faultsSet   chan struct{} // closed and replaced by SetFaults
	nv, ram     settings
	cmee        int
	up          upState
	sess        *session
	sessSeq     int
	powered     bool
	ptys        map[string]string
	oldPTYs     map[string]bool
	commands    int
	stallUntil  time.Time
	stallDone   bool
	unplugDone  bool
	fota        fotaArea   // AT+UARTUPGRADE's download area (flash)
	uartN       UartCounts // AT+UARTUPGRADE counters
	uartSegFail int        // writes failed so far by Faults.UartSegment
	checks      []Check    // the checks that asked the server, in order
}

// Check is one upgrade check of a module that asked the server: when its
// request went out, and what started it.
type Check struct {
	Time time.Time
	Kind string // "AT+UPGRADE", "auto" (the AUTO/PERIOD timer), "after-reboot"
}

func (k checkKind) String() string {
	switch k {
	case checkAuto:
		return "auto"
	case checkPostReboot:
		return "after-reboot"
	}
	return "AT+UPGRADE"
}

// Checks returns the module's checks that asked the server since the
// fleet started, in order: a test that finds more requests on the
// platform than a console counted learns which kind it missed.
func (m *Module) Checks() []Check {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.checks)
}

// session is one power-on of a module: from its ports appearing to their
// vanishing. Everything it runs stops with ctx.
type session struct {
	id         int
	ctx        context.Context
	cancel     context.CancelFunc
	ports      []*port // by layout index
	wg         sync.WaitGroup
	autoReset  chan struct{}
	registered atomic.Bool
}

// cutApply is power lost while an AT+UARTUPGRADE apply runs (unplugged in
// its reboot): the next boot checks the half-applied delta, discards it and
// starts on the old version, with the area empty (the vendor's FAQ; what
// the area then holds is the simulator's choice, [unknown]).
func (m *Module) cutApply() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fota.applying {
		m.nextVersion, m.postCheck = 0, false
		m.fota = fotaArea{state: PkgUnfound}
	}
}

// applied ends an AT+UARTUPGRADE apply at boot: the delta is used up
// (XOTA_PS_PKG_UPGRADED), or the apply failed and the module is still on
// its old version (XOTA_PS_PKG_UNDEF, the simulator's choice). The caller
// holds m.mu.
func (m *Module) applied() {
	st := PkgUpgraded
	if m.version != m.fota.target {
		st = PkgUndef
	}
	m.fota = fotaArea{state: st}
}

// atPorts returns the ports that answer AT and get URCs.
func (s *session) atPorts() []*port {
	return slices.DeleteFunc(slices.Clone(s.ports), func(p *port) bool { return p.log })
}

// logPorts returns the binary log ports.
func (s *session) logPorts() []*port {
	return slices.DeleteFunc(slices.Clone(s.ports), func(p *port) bool { return !p.log })
}

// Slot returns the module's USB physical path, e.g. 1-1.4.2.
func (m *Module) Slot() string { return m.slot }

// IMEI returns the module's IMEI.
func (m *Module) IMEI() string { return m.imei }

// ICCID returns the SIM's ICCID.
func (m *Module) ICCID() string { return m.iccid }

// Model returns the module's model.
func (m *Module) Model() Model { return m.model }

// Role returns the module's role in its scenario.
func (m *Module) Role() string { return m.role }

// Quirks returns the module's quirks.
func (m *Module) Quirks() Quirks { return m.quirks }

// Version returns the core version in the module's flash.
func (m *Module) Version() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version
}

// Firmware returns the module's current firmware string.
func (m *Module) Firmware() string { return m.model.Firmware(m.Version()) }

// Expect returns the outcome a console run in the scenario's intended mode
// should report for this module.
func (m *Module) Expect() Expect {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.expect
}

// Online reports whether the module's ports are present.
func (m *Module) Online() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess != nil
}

// Ports returns the address of each interface (if02, if04, if06; if00,
// if02 on a two-port build) while the module is online, else nil: its pty
// device (/dev/pts/N), or socket://127.0.0.1:PORT over the tcp transport.
func (m *Module) Ports() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ptys == nil {
		return nil
	}
	out := make(map[string]string, len(m.ptys))
	for k, v := range m.ptys {
		out[k] = v
	}
	return out
}

// Dir returns the module's slot directory (holding the if02/if04/if06 links).
func (m *Module) Dir() string { return m.dir }

// Interfaces returns the module's interfaces in link order: if02, if04,
// if06 (three-port builds) or if02, if00 (two-port builds).
func (m *Module) Interfaces() []string {
	out := make([]string, len(m.layout))
	for i, ifc := range m.layout {
		out[i] = ifc.name
	}
	return out
}

// LogInterface returns the module's binary log interface: if04, or if02 on
// a two-port build.
func (m *Module) LogInterface() string {
	for _, ifc := range m.layout {
		if ifc.log {
			return ifc.name
		}
	}
	return ""
}

// Named reports whether the module names its interfaces in its USB
// descriptors ("at", "log"), which its links show: if00-at, if02-log.
func (m *Module) Named() bool { return m.named }

// Link returns the path of the slot directory's entry for an interface
// (DIR/<slot>/if06, or DIR/<slot>/if06-at when the module names its
// interfaces), or "" when the module has no such interface.
func (m *Module) Link(name string) string {
	for _, ifc := range m.layout {
		if ifc.name == name {
			return filepath.Join(m.dir, linkName(ifc, m.named))
		}
	}
	return ""
}

// LogBytesIn returns how many bytes consoles have written to the module's
// log ports (if04; a two-port build's if02) since the fleet started. A
// console must never write there: it stays 0. Bytes still unread when the
// ports vanish count too (a byte read just then may count twice).
func (m *Module) LogBytesIn() int64 { return m.logIn.Load() }

// NV returns the AT+UPGRADE settings stored in NV.
func (m *Module) NV() (key, url string, period int64, auto bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nv.Key, m.nv.URL, m.nv.Period, m.nv.Auto
}

// LinesSent returns how many non-empty lines the module has written on each
// interface since the fleet started (echoes included, garbage and if04's
// binary noise not): a console that logs every line logs at least these.
// A line counts once it is fully written to the pty.
func (m *Module) LinesSent() map[string]int64 {
	out := map[string]int64{}
	for i, ifc := range m.layout {
		out[ifc.name] = m.lines[i].Load()
	}
	return out
}

// LinesRead returns how many lines a console has read from each AT
// interface over the module's power-ons that have ended (so it is exact once
// the module is offline, e.g. after Fleet.Close): every line the module
// wrote on the port, split as any reader splits them (at CR or LF, blank
// lines skipped, so a burst of garbage is a line of its own or part of the
// next), less those still unread in the pty when its ports vanished. Lines
// written before a console opened the port count once it has read them (the
// pty keeps them); lines written after it closed the port do not; a port
// nobody opened counts 0. The kernel reports at most 4 KB of unread bytes: a
// port that a console opened, left, and was then sent more than that is
// counted as read but for 4 KB. A log port counts 0.
func (m *Module) LinesRead() map[string]int64 {
	out := map[string]int64{}
	for i, ifc := range m.layout {
		out[ifc.name] = m.read[i].Load()
	}
	return out
}

// SetFaults replaces the module's faults (they act from the next event on).
func (m *Module) SetFaults(f Faults) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = f
	m.stallDone, m.unplugDone, m.uartSegFail = false, false, 0
	close(m.faultsSet)
	m.faultsSet = make(chan struct{})
}

// faultsNow returns the module's faults and a channel closed when they
// next change.
func (m *Module) faultsNow() (Faults, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.faults, m.faultsSet
}

// Faults returns the module's faults.
func (m *Module) Faults() Faults {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.faults
}

// Stall makes the module stop answering for d (wall time): commands sent
// meanwhile are answered late, after the stall.
func (m *Module) Stall(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until := time.Now().Add(d); until.After(m.stallUntil) {
		m.stallUntil = until
	}
}

// Garbage writes n random bytes (never CR or LF) on the module's AT ports
// at once, between lines. It does nothing while the module is offline.
func (m *Module) Garbage(n int) {
	m.mu.Lock()
	s := m.sess
	m.mu.Unlock()
	if s == nil || n <= 0 {
		return
	}
	for _, p := range s.atPorts() {
		p.send(m.garbage(n), 0)
	}
}

// garbage returns n random bytes that are neither CR nor LF.
func (m *Module) garbage(n int) []byte {
	b := make([]byte, n)
	m.g.bytes(b)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = 0xff
		}
	}
	return b
}

// ctlKind is a request to a module's lifecycle goroutine.
type ctlKind int

const (
	ctlReboot ctlKind = iota // the running session reboots
	ctlUnplug                // power off, optionally plug back later
	ctlPlug                  // power on
)

type ctlMsg struct {
	kind      ctlKind
	sess      int           // ctlReboot: the session that asks
	delay     time.Duration // ctlReboot: time down; ctlUnplug: plug back after (0: stay out)
	version   int           // ctlReboot: core version after the reboot
	postCheck bool          // ctlReboot: ask the server once after booting
	done      chan struct{}
}

// Unplug pulls the module out: its links vanish, the console's open ports
// fail, RAM state and any download are lost. It returns once the ports are
// gone. Unplugging an unplugged module does nothing.
func (m *Module) Unplug() { m.control(ctlMsg{kind: ctlUnplug}) }

// Plug powers the module back on; its ports come back (under new pty names)
// PlugDelay later. It returns at once.
func (m *Module) Plug() { m.control(ctlMsg{kind: ctlPlug}) }

// control hands c to the lifecycle goroutine and waits for it to act.
func (m *Module) control(c ctlMsg) {
	c.done = make(chan struct{})
	select {
	case m.ctl <- c:
	case <-m.f.ctx.Done():
		return
	}
	select {
	case <-c.done:
	case <-m.f.ctx.Done():
	}
}

// ask sends c from inside session s; it gives up when s ends.
func (m *Module) ask(s *session, c ctlMsg) {
	c.sess = s.id
	select {
	case m.ctl <- c:
	case <-s.ctx.Done():
	}
}

// run is the module's lifecycle goroutine: it owns power, boots and
// teardowns, and lives until the fleet closes.
func (m *Module) run(ctx context.Context) {
	defer m.f.wg.Done()
	boot := time.NewTimer(time.Hour)
	boot.Stop()
	plug := time.NewTimer(time.Hour)
	plug.Stop()
	defer boot.Stop()
	defer plug.Stop()
	for {
		select {
		case <-ctx.Done():
			m.powerDown()
			return
		case <-boot.C:
			if err := m.boot(ctx); err != nil {
				m.f.logf("module %s: boot failed, retrying: %v", m.slot, err)
				boot.Reset(m.f.clock.dur(PlugDelay))
			}
		case <-plug.C:
			if m.setPowered(true) {
				boot.Reset(m.f.clock.dur(PlugDelay))
			}
		case c := <-m.ctl:
			switch c.kind {
			case ctlReboot:
				if m.sessionID() == c.sess {
					m.powerDown()
					m.mu.Lock()
					m.nextVersion, m.postCheck = c.version, c.postCheck
					m.mu.Unlock()
					boot.Reset(m.f.clock.dur(c.delay))
				}
			case ctlUnplug:
				m.powerDown()
				m.setPowered(false)
				m.cutApply()
				boot.Stop()
				plug.Stop()
				if c.delay > 0 {
					plug.Reset(m.f.clock.dur(c.delay))
				}
			case ctlPlug:
				plug.Stop()
				if m.setPowered(true) {
					boot.Reset(m.f.clock.dur(PlugDelay))
				}
			}
			if c.done != nil {
				close(c.done)
			}
		}
	}
}

// setPowered sets the power and reports whether it changed.
func (m *Module) setPowered(on bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := m.powered != on
	m.powered = on
	return changed
}

func (m *Module) sessionID() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess == nil {
		return -1
	}
	return m.sess.id
}

// boot powers the application up: new ptys, links (the documented AT port
// last), the goroutines of the session, then the boot lines.
func (m *Module) boot(ctx context.Context) (err error) {
	ports := make([]*port, len(m.layout))
	names := map[string]string{}
	var held []endpoint
	defer func() {
		for _, e := range held {
			e.hangUp()
			e.release()
		}
		if err != nil {
			for _, p := range ports {
				if p != nil {
					p.ep.hangUp()
					p.ep.release()
				}
			}
		}
	}()
	m.mu.Lock()
	old := m.oldPTYs
	m.mu.Unlock()
	for i, ifc := range m.layout {
		var ep endpoint
		for try := 0; ; try++ {
			ep, err = m.f.openEndpoint()
			if err != nil {
				return err
			}
			if !old[ep.address()] || try == 8 {
				break
			}
			held = append(held, ep) // the console's old name: take another
		}
		ports[i] = newPort(ifc, ep, m.quirks.Chunked && !ifc.log, m.g,
			func(n int) { m.lines[i].Add(int64(n)) })
		names[ifc.name] = ep.address()
	}

	sctx, cancel := context.WithCancel(ctx)
	m.mu.Lock()
	m.sessSeq++
	s := &session{id: m.sessSeq, ctx: sctx, cancel: cancel, ports: ports, autoReset: make(chan struct{}, 1)}
	fotaBoot := m.fota.applying
	if m.nextVersion != 0 {
		m.version, m.nextVersion = m.nextVersion, 0
	}
	if fotaBoot {
		m.applied()
	}
	postCheck := m.postCheck
	m.postCheck = false
	m.ram = m.nv
	m.up = upState{}
	m.cmee = 1
	m.sess = s
	m.ptys = names
	m.oldPTYs = map[string]bool{}
	for _, n := range names {
		m.oldPTYs[n] = true
	}
	m.mu.Unlock()

	for _, p := range ports {
		go p.writer()
	}
	for _, p := range s.atPorts() {
		s.wg.Add(1)
		go m.reader(s, p)
	}
	for _, p := range s.logPorts() {
		s.wg.Add(2)
		go m.logReader(s, p)
		go m.noise(s, p)
	}
	s.wg.Add(2)
	go m.bootLines(s, postCheck, fotaBoot && m.quirks.UartQIND)
	go m.autoLoop(s)
	if m.Faults().GarbageEvery > 0 {
		s.wg.Add(1)
		go m.garbageLoop(s)
	}
	for i, ifc := range m.layout { // if02, if04, then if06; if02, then if00
		if err := ports[i].ep.link(m.dir, linkName(ifc, m.named)); err != nil {
			m.f.logf("module %s: %v", m.slot, err)
		}
	}
	m.f.changed()
	return nil
}

// powerDown ends the running session, if any: links removed, masters closed
// (the console sees EOF or EIO), goroutines gone.
func (m *Module) powerDown() {
	m.mu.Lock()
	s := m.sess
	m.sess = nil
	m.ptys = nil
	m.mu.Unlock()
	if s == nil {
		return
	}
	s.cancel()
	// Let what the module said last (OK, +UPGRADEIND: 100) reach a reading
	// console before the ports vanish; nothing is written after that.
	var wg sync.WaitGroup
	for _, p := range s.atPorts() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.flush(100 * time.Millisecond)
			p.stopWriter(100 * time.Millisecond)
			p.drain(500 * time.Millisecond)
		}()
	}
	wg.Wait()
	for i := len(m.layout) - 1; i >= 0; i-- {
		_ = os.Remove(filepath.Join(m.dir, linkName(m.layout[i], m.named)))
	}
	for i, p := range s.ports {
		if p.log {
			if n, err := p.ep.unheard(); err == nil {
				m.logIn.Add(int64(n)) // written, not yet read by logReader
			}
		}
		m.read[i].Add(p.close())
	}
	s.wg.Wait()
	m.f.changed()
}

// reader reads commands from an AT port and answers them, one at a time.
// A command ends with CR or LF; an LF right after a CR is ignored.
func (m *Module) reader(s *session, p *port) {
	defer s.wg.Done()
	buf := make([]byte, 512)
	var line []byte
	lastCR := false
	for {
		n, err := p.ep.Read(buf)
		if n > 0 {
			p.heard.Store(true)
		}
		if err != nil {
			return
		}
		for _, c := range buf[:n] {
			if c == '\n' && lastCR {
				lastCR = false
				continue
			}
			lastCR = c == '\r'
			if c == '\r' || c == '\n' {
				m.command(s, p, string(line), c)
				line = line[:0]
				continue
			}
			if len(line) < 4096 {
				line = append(line, c)
			}
		}
	}
}

// frame turns lines into bytes in the module's framing (\r\n<line>\r\n)
// and counts the non-empty ones.
func (m *Module) frame(lines ...string) ([]byte, int) {
	eol := m.quirks.eol()
	var b strings.Builder
	n := 0
	for _, l := range lines {
		if m.quirks.BlankLines && m.g.chance(0.3) {
			b.WriteString(eol)
		}
		b.WriteString(eol)
		b.WriteString(l)
		b.WriteString(eol)
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return []byte(b.String()), n
}

// reply writes lines on one port.
func (m *Module) reply(p *port, lines ...string) {
	b, n := m.frame(lines...)
	p.send(b, n)
}

// urc writes unsolicited lines on both AT ports.
func (m *Module) urc(s *session, lines ...string) {
	for _, p := range s.atPorts() {
		m.reply(p, lines...)
	}
}

// logReader counts what a console writes to a log port: the module never
// reads it, and a console must never write there.
func (m *Module) logReader(s *session, p *port) {
	defer s.wg.Done()
	buf := make([]byte, 512)
	for {
		n, err := p.ep.Read(buf)
		m.logIn.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// noise streams binary diagnostic bytes on a log port, a few hundred bytes
// a second of wall time, dropping them when nobody reads.
func (m *Module) noise(s *session, p *port) {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		b := make([]byte, 20+m.g.intn(40))
		m.g.bytes(b)
		b[0] = 0x7e // HDLC-like frame flags around non-text bytes
		for i := 1; i < len(b)-1; i++ {
			if b[i] < 0x80 && b[i]%5 != 0 {
				b[i] |= 0x80
			}
		}
		b[len(b)-1] = 0x7e
		p.send(b, 0)
	}
}

// garbageLoop sends bursts of garbage about every Faults.GarbageEvery.
func (m *Module) garbageLoop(s *session) {
	defer s.wg.Done()
	every := m.Faults().GarbageEvery
	for m.f.clock.sleep(s.ctx, m.g.between(every/2, every*3/2)) {
		m.Garbage(1 + m.g.intn(12))
	}
}

// String names the module for people: slot and IMEI.
func (m *Module) String() string { return fmt.Sprintf("%s (IMEI %s)", m.slot, m.imei) }
