package sim

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"airfleet/device/sim/delta"
	"airfleet/device/sim/platform"
)

// AT+UARTUPGRADE: the delta written into the FOTA area through the AT port
// (no SIM, no network), from the vendor's AT manual ("串口升级"), the
// simulator's own reading. What the manual leaves open is the simulator's
// choice, marked so here and in the package documentation.

// Pkg states printed by verify, +UARTUPGRADE: <n>, <name>. Only 6
// (VERIFIED) is published; the other numbers are invented by the
// simulator (a driver keys on the name).
const (
	PkgUnfound    = "XOTA_PS_PKG_UNFOUND"    // 1 (invented): nothing written, or writing under way
	PkgUnverified = "XOTA_PS_PKG_UNVERIFIED" // 2 (invented): written, not verified yet
	PkgVerifailed = "XOTA_PS_PKG_VERIFAILED" // 3 (invented): verification failed
	PkgUpgraded   = "XOTA_PS_PKG_UPGRADED"   // 4 (invented): applied
	PkgPartial    = "XOTA_PS_PKG_PARTIAL"    // 5 (invented): an incomplete delta left by an earlier power-on
	PkgVerified   = "XOTA_PS_PKG_VERIFIED"   // 6 (published)
	PkgUndef      = "XOTA_PS_PKG_UNDEF"      // 7 (invented): after an apply that failed
)

var pkgNumbers = map[string]int{
	PkgUnfound: 1, PkgUnverified: 2, PkgVerifailed: 3, PkgUpgraded: 4,
	PkgPartial: 5, PkgVerified: 6, PkgUndef: 7,
}

// AT+UARTUPGRADE error codes, as the manual numbers them.
const (
	UartErrParam       = 1  // parameter error
	UartErrUnsupported = 2  // <cmd> not supported
	UartErrSize        = 3  // wrong file size (the sim: the FOTA area overflows)
	UartErrSequence    = 4  // <sn> does not start at 0 or is not consecutive
	UartErrChecksum    = 5  // <xor8sum> does not match
	UartErrNotErased   = 6  // no erase in this power-on
	UartErrErase       = 7  // erase failed
	UartErrWrite       = 8  // flash write failed
	UartErrRead        = 9  // read failed
	UartErrNoFile      = 10 // no (verified) file in the area
)

// UartMinCore is the first core version with AT+UARTUPGRADE (EC618,
// standard AT and LPAT builds).
const UartMinCore = 1155

// Pacing of AT+UARTUPGRADE, simulated time (Config.Speed divides it), all
// [unknown] on real modules: the manual only says "at most 10 s per
// command" and "about two minutes" to apply. A segment costs a fixed
// command overhead plus its bytes over a USB serial link and into flash:
// about 16 ms for a 1 KB segment, 3.4 s for a 200 KB delta. Every wait is
// a timer (clock.sleep): 256 modules transferring at once cost no CPU while
// they wait.
const (
	UartEraseTime   = 1500 * time.Millisecond // AT+UARTUPGRADE=0 → OK
	UartSegmentBase = 4 * time.Millisecond    // per segment write
	UartPerByte     = 12 * time.Microsecond   // per <nbytes>
	UartVerifyTime  = time.Second             // AT+UARTUPGRADE=2 → the result
	UartReadTime    = 50 * time.Millisecond   // =3, =4
	UartApplyMin    = 110 * time.Second       // =5 → ports back on the new version ("about two minutes")
	UartApplyMax    = 130 * time.Second
)

// uartSegmentTime is how long a segment write of n bytes takes.
func uartSegmentTime(n int) time.Duration {
	return UartSegmentBase + time.Duration(n)*UartPerByte
}

// uartHeaderRoom is how much more than the model's FOTAArea (the largest
// delta payload) the download area holds: room for the file's header. A
// write beyond FOTAArea+uartHeaderRoom fails with error 3; a delta whose
// payload is bigger than FOTAArea but fits the area fails at verify.
// [unknown]: the real area is one flash region.
const uartHeaderRoom = 4096

// fotaArea is the FOTA download area as AT+UARTUPGRADE sees it. It is
// flash: what was written, and the last verify's verdict, survive reboots
// and unplugging. The write sequence does not: it belongs to the power-on
// that erased (erasedIn), so after a reboot a write without a new erase
// gets error 6 (the simulator's choice; [unknown]).
type fotaArea struct {
	data     []byte
	erasedIn int    // session id of the last erase, 0: none
	next     int    // next segment number expected
	state    string // verdict of the last verify; "" once written since
	target   int    // the verified delta's target
	checkAt  time.Time
	applying bool // an apply's reboot is under way
}

// UartCounts are what a module received through AT+UARTUPGRADE since the
// fleet started (over every power-on), counted by form whether the build
// has the command or not.
type UartCounts struct {
	Tests      int   // AT+UARTUPGRADE=? received
	Other      int   // forms that are no command: AT+UARTUPGRADE, =x, =6, …
	Erases     int   // =0 received
	Segments   int   // =1,… received, answered OK or not
	Verifies   int   // =2 received
	Reads      int   // =3 and =4 received
	Applies    int   // =5 received
	Errors     int   // answers that were an error (ERROR included)
	BytesAcked int64 // <nbytes> of the segment writes answered OK, padding included
	Applied    int   // applies accepted (OK): the module went to apply the delta
}

// UartCounts returns the module's AT+UARTUPGRADE counters.
func (m *Module) UartCounts() UartCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.uartN
}

// UartState returns what verify would report now about the module's FOTA
// area (without the verify's time or counters): XOTA_PS_PKG_… .
func (m *Module) UartState() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fota.state != "" {
		return m.fota.state
	}
	if len(m.fota.data) == 0 {
		return PkgUnfound
	}
	return PkgUnverified
}

// UartSupported reports whether the module's build has AT+UARTUPGRADE:
// an EC618 model (the Air780E series) on a standard AT or LPAT build at
// core UartMinCore or later, without the UartUnsupported fault.
func (m *Module) UartSupported() bool {
	return uartBuild(m.model, m.Version()) && !m.Faults().UartUnsupported
}

// uartBuild reports whether a model's build at core v has the command.
func uartBuild(md Model, v int) bool {
	return platform.FamilyOf(md.FirmwareName()) == platform.FamilyEC618 &&
		(md.Variant == "LTE_AT" || md.Variant == "LTE_LPAT") && v >= UartMinCore
}

// uartErr is the final line of AT+UARTUPGRADE error n, in the module's
// format.
func (m *Module) uartErr(n int) answer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.uartErrLocked(n)
}

// uartErrLocked is uartErr for callers holding m.mu.
func (m *Module) uartErrLocked(n int) answer {
	switch m.quirks.UartError {
	case UartErrorSpelled:
		return answer{lines: []string{"+UARTUPGRADE ERROR: " + strconv.Itoa(n)}}
	case UartErrorCME:
		if m.cmee == 0 {
			return errorAnswer
		}
		return answer{lines: []string{"+CME ERROR: " + strconv.Itoa(n)}}
	}
	return answer{lines: []string{"+UARTUPGRAE ERROR: " + strconv.Itoa(n)}}
}

// count updates the counters under the lock.
func (m *Module) count(f func(*UartCounts)) {
	m.mu.Lock()
	f(&m.uartN)
	m.mu.Unlock()
}

// uartCmd handles AT+UARTUPGRADE; rest follows "+UARTUPGRADE". It counts
// the command by its form, on a build without the command too.
func (m *Module) uartCmd(s *session, rest string) answer {
	body, isSet := strings.CutPrefix(rest, "=")
	args := strings.Split(body, ",")
	cmd, good := uartNum(args[0], 5)
	if rest == "=?" {
		cmd, good = -1, true
	}
	m.count(func(c *UartCounts) {
		switch {
		case !isSet || !good:
			c.Other++
		case cmd == -1:
			c.Tests++
		case cmd == 0:
			c.Erases++
		case cmd == 1:
			c.Segments++
		case cmd == 2:
			c.Verifies++
		case cmd == 3 || cmd == 4:
			c.Reads++
		case cmd == 5:
			c.Applies++
		default:
			c.Other++
		}
	})
	a := m.uartExec(s, isSet, good, cmd, args)
	if n := len(a.lines); n > 0 && a.lines[n-1] != "OK" {
		m.count(func(c *UartCounts) { c.Errors++ })
	}
	return a
}

// uartNum reads a decimal number of at most digits digits, nothing else
// (no sign, no spaces).
func uartNum(s string, digits int) (int, bool) {
	if s == "" || len(s) > digits || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// uartExec runs AT+UARTUPGRADE=<cmd>,<args…> (cmd -1: =?).
func (m *Module) uartExec(s *session, isSet, good bool, cmd int, args []string) answer {
	switch {
	case !m.UartSupported():
		return errorAnswer
	case !isSet:
		return errorAnswer // AT+UARTUPGRADE, AT+UARTUPGRADE?: no such forms
	case !good:
		return m.uartErr(UartErrParam)
	case cmd == -1 && m.quirks.UartListing:
		return ok("+UARTUPGRADE: (0,1,2,3,4,5)")
	case cmd == -1:
		return ok("+UARTUPGRADE: (0-5)")
	case cmd > 5:
		return m.uartErr(UartErrUnsupported)
	case cmd == 1:
		return m.uartWrite(s, args[1:])
	case len(args) != 1:
		return m.uartErr(UartErrParam)
	}
	switch cmd {
	case 0:
		return m.uartErase(s)
	case 2:
		return m.uartVerify(s)
	case 3, 4:
		return m.uartRead(cmd)
	}
	return m.uartApply(s)
}

// uartErase erases the download area and starts a write sequence.
func (m *Module) uartErase(s *session) answer {
	if m.Faults().UartEraseFail {
		a := m.uartErr(UartErrErase)
		a.delay = UartEraseTime
		return a
	}
	m.mu.Lock()
	m.fota = fotaArea{erasedIn: s.id}
	m.mu.Unlock()
	return answer{lines: []string{"OK"}, delay: UartEraseTime}
}

// parseSegment checks a segment write's parameters (<sn>, <nbytes>,
// <data>, <xor8sum>) and returns the sequence number and the bytes.
func parseSegment(args []string) (sn int, data []byte, sum byte, ok bool) {
	if len(args) != 4 {
		return 0, nil, 0, false
	}
	sn, good := uartNum(args[0], 5)
	if !good || sn > 65535 {
		return 0, nil, 0, false
	}
	n, good := uartNum(args[1], 4)
	if !good || n < 4 || n > 1024 || n%4 != 0 || len(args[2]) != 2*n || len(args[3]) != 2 {
		return 0, nil, 0, false
	}
	data, err := hex.DecodeString(args[2])
	if err != nil {
		return 0, nil, 0, false
	}
	s, err := hex.DecodeString(args[3])
	if err != nil {
		return 0, nil, 0, false
	}
	return sn, data, s[0], true
}

// xor8 is the BCC of b: the XOR of all its bytes.
func xor8(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// uartWrite writes one segment: parameters (1), an erase in this power-on
// (6), the sequence (4), the checksum (5), room in the area (3), the flash
// (8), in that order (the order is the simulator's choice).
func (m *Module) uartWrite(s *session, args []string) answer {
	sn, data, sum, good := parseSegment(args)
	if !good {
		return m.uartErr(UartErrParam)
	}
	f := m.Faults()
	m.mu.Lock()
	defer m.mu.Unlock()
	ar := &m.fota
	switch {
	case ar.erasedIn != s.id:
		return m.uartErrLocked(UartErrNotErased)
	case sn != ar.next:
		return m.uartErrLocked(UartErrSequence)
	}
	if f.UartUnplugSN > 0 && sn == f.UartUnplugSN && !m.unplugDone {
		m.unplugDone = true
		return answer{after: func() { m.ask(s, ctlMsg{kind: ctlUnplug, delay: f.UnplugFor}) }}
	}
	pace := uartSegmentTime(len(data))
	fail := func(code int) answer {
		a := m.uartErrLocked(code)
		a.delay = pace
		return a
	}
	seg := f.UartSegment
	faulty := seg.Times != 0 && seg.SN == sn && (seg.Times < 0 || m.uartSegFail < seg.Times)
	if faulty {
		m.uartSegFail++
	}
	switch {
	case xor8(data) != sum || faulty && seg.Code == UartErrChecksum:
		return fail(UartErrChecksum)
	case len(ar.data)+len(data) > m.model.FOTAArea+uartHeaderRoom:
		return fail(UartErrSize)
	case faulty:
		return fail(seg.Code)
	}
	ar.data = append(ar.data, data...)
	ar.next++
	ar.state = ""
	m.uartN.BytesAcked += int64(len(data))
	return answer{lines: []string{"OK"}, delay: pace}
}

// uartVerify checks the written delta (cmd 2) and prints the verdict.
func (m *Module) uartVerify(s *session) answer {
	f := m.Faults()
	m.mu.Lock()
	defer m.mu.Unlock()
	ar := &m.fota
	line := func(st string) answer {
		return answer{lines: []string{fmt.Sprintf("+UARTUPGRADE: %d, %s", pkgNumbers[st], st), "OK"}, delay: UartVerifyTime}
	}
	if m.quirks.UartVerifyLater && ar.state == "" && len(ar.data) > 0 {
		if ar.checkAt.IsZero() {
			ar.checkAt = time.Now().Add(m.f.clock.dur(UartVerifyTime))
		}
		if time.Now().Before(ar.checkAt) {
			a := line(PkgUnverified)
			a.delay = UartReadTime
			return a
		}
	}
	st, target := m.judge(s)
	if f.UartVerifyAs != "" {
		st = f.UartVerifyAs
	}
	switch {
	case st == PkgVerified || st == PkgVerifailed || st == PkgUndef:
		ar.state, ar.target = st, target
	case len(ar.data) == 0 && (ar.state == PkgUpgraded || ar.state == PkgUndef):
		st = ar.state // nothing written since the apply
	}
	ar.checkAt = time.Time{}
	return line(st)
}

// judge says what the area holds: UNFOUND (nothing, or a write under way),
// PARTIAL (an incomplete delta left by an earlier power-on), VERIFAILED or
// VERIFIED with the delta's target. The caller holds m.mu.
func (m *Module) judge(s *session) (string, int) {
	ar := &m.fota
	if len(ar.data) == 0 {
		return PkgUnfound, 0
	}
	incomplete := PkgUnfound
	if ar.erasedIn != s.id {
		incomplete = PkgPartial
	}
	_, total, err := delta.Header(ar.data)
	switch {
	case err != nil && len(ar.data) < delta.MaxHeader:
		return incomplete, 0 // the header has not all arrived
	case err != nil:
		return PkgVerifailed, 0
	case len(ar.data) < total:
		return incomplete, 0
	}
	// The last segment was padded with zero bytes to a multiple of 4.
	pad := ar.data[total:]
	if len(pad) > 3 || strings.Trim(string(pad), "\x00") != "" {
		return PkgVerifailed, 0
	}
	d, err := delta.Parse(ar.data[:total])
	if err != nil || d.FirmwareName != m.model.FirmwareName() || d.Base != m.version ||
		d.Target <= d.Base || d.Size > m.model.FOTAArea {
		return PkgVerifailed, 0
	}
	return PkgVerified, d.Target
}

// uartRead answers cmd 3 (the delta's firmware name) and cmd 4 (its base
// and target versions) from the header in the area. The formats are the
// simulator's ([unknown]): +UARTUPGRADE: "AirM2M_780E_LTE_AT" and
// +UARTUPGRADE: 1160,1161.
func (m *Module) uartRead(cmd int) answer {
	if m.Faults().UartReadFail {
		a := m.uartErr(UartErrRead)
		a.delay = UartReadTime
		return a
	}
	m.mu.Lock()
	h, _, err := delta.Header(m.fota.data)
	m.mu.Unlock()
	if err != nil {
		a := m.uartErr(UartErrNoFile)
		a.delay = UartReadTime
		return a
	}
	line := fmt.Sprintf("+UARTUPGRADE: %q", h.FirmwareName)
	if cmd == 4 {
		line = fmt.Sprintf("+UARTUPGRADE: %d,%d", h.Base, h.Target)
	}
	return answer{lines: []string{line, "OK"}, delay: UartReadTime}
}

// uartApply starts the apply (cmd 5) of a verified delta: OK, then the
// module reboots and comes back about two minutes later on the delta's
// target. Without a VERIFIED delta it refuses with error 10 (the
// simulator's choice; [unknown] on real modules).
func (m *Module) uartApply(s *session) answer {
	f := m.Faults()
	m.mu.Lock()
	st, target := m.judge(s)
	verified := m.fota.state == PkgVerified && st == PkgVerified && target == m.fota.target
	if verified {
		m.fota.applying = true
		m.uartN.Applied++
	}
	m.mu.Unlock()
	if !verified {
		return m.uartErr(UartErrNoFile)
	}
	version := target
	if f.FailedApply {
		version = m.Version()
	}
	return answer{lines: []string{"OK"}, after: func() {
		if f.UartApplyCut {
			m.ask(s, ctlMsg{kind: ctlUnplug, delay: f.UnplugFor})
			return
		}
		if m.f.clock.sleep(s.ctx, m.g.between(100*time.Millisecond, 300*time.Millisecond)) {
			delay := m.g.between(UartApplyMin, UartApplyMax)
			if f.UartApplyExact > 0 {
				delay = f.UartApplyExact
			}
			m.ask(s, ctlMsg{kind: ctlReboot, delay: delay, version: version})
		}
	}}
}
