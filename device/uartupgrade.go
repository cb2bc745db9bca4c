package device

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AT+UARTUPGRADE writes a delta into the module's FOTA area through the AT
// port and applies it: no SIM, no network, no platform (spec §9, from the
// vendor's AT manual, "串口升级"). The steps are <cmd> 0 erase, 1 write one
// segment, 2 verify, 3 file name, 4 version, 5 apply.

// Segment sizes of AT+UARTUPGRADE=1: 4…1024 bytes, a multiple of 4.
const (
	UARTSegmentMax  = 1024
	uartSegmentMin  = 4
	uartSegmentUnit = 4
)

// UARTCommandTimeout bounds each AT+UARTUPGRADE command (the manual's
// longest response time).
const UARTCommandTimeout = 10 * time.Second

// UARTState is the delta's state in the FOTA area, as AT+UARTUPGRADE=2
// names it. Only XOTA_PS_PKG_VERIFIED's number (6) is published, so the
// driver keys on the name.
type UARTState string

// States of the FOTA area.
const (
	UARTUnfound    UARTState = "XOTA_PS_PKG_UNFOUND"    // nothing written, or writing started
	UARTUnverified UARTState = "XOTA_PS_PKG_UNVERIFIED" // written, not verified
	UARTVerified   UARTState = "XOTA_PS_PKG_VERIFIED"   // verified: may be applied
	UARTVerifailed UARTState = "XOTA_PS_PKG_VERIFAILED" // verification failed
	UARTUpgraded   UARTState = "XOTA_PS_PKG_UPGRADED"
	UARTUndef      UARTState = "XOTA_PS_PKG_UNDEF"
	UARTPartial    UARTState = "XOTA_PS_PKG_PARTIAL"
)

// ErrUARTUnsupported: the build does not know AT+UARTUPGRADE (it answered
// ERROR to the test command, or listed no write and apply).
var ErrUARTUnsupported = errors.New("AT+UARTUPGRADE not supported by this build")

// UARTError is an error code of AT+UARTUPGRADE: "+UARTUPGRAE ERROR: <n>"
// (the manual's spelling), "+UARTUPGRADE ERROR: <n>" or "+CME ERROR: <n>".
// It wraps ErrCommand.
type UARTError struct {
	Port string
	Cmd  int // the <cmd> that failed: 0 erase … 5 apply
	Code int // 1 … 10 per the manual; -1 when the line held no number
	Line string
}

// UART error codes (the manual's list).
const (
	UARTErrParam       = 1  // parameter error
	UARTErrUnsupported = 2  // command not supported
	UARTErrSize        = 3  // wrong file size
	UARTErrSequence    = 4  // segment numbers do not start at 0 or skip
	UARTErrChecksum    = 5  // checksum (XOR8) failed
	UARTErrNotErased   = 6  // download area not erased
	UARTErrErase       = 7  // erase failed
	UARTErrWrite       = 8  // write failed
	UARTErrRead        = 9  // read failed
	UARTErrNoFile      = 10 // no file found in the area
)

func (e *UARTError) Error() string {
	return fmt.Sprintf("%s: AT+UARTUPGRADE=%d: error %d (%s)", e.Port, e.Cmd, e.Code, e.Line)
}

func (e *UARTError) Unwrap() error { return ErrCommand }

// Resend reports whether the same segment may simply be sent again: a
// checksum failure (the line garbled a byte) or a failed write.
func (e *UARTError) Resend() bool { return e.Code == UARTErrChecksum || e.Code == UARTErrWrite }

// uartErrorPrefixes are the final-result lines of a failed AT+UARTUPGRADE.
var uartErrorPrefixes = []string{"+UARTUPGRAE ERROR:", "+UARTUPGRADE ERROR:"}

// uartCommand runs AT+UARTUPGRADE=<args> and turns its error lines into
// *UARTError. shown, when not empty, is what the transcript records instead
// of the command line (a segment's hex payload is abbreviated).
func uartCommand(ctx context.Context, s *Session, cmd int, args, shown string, extra ...CmdOption) ([]string, error) {
	line := "AT+UARTUPGRADE=" + strconv.Itoa(cmd) + args
	opts := []CmdOption{WithTimeout(UARTCommandTimeout), WithPrefix("+UARTUPGRADE:")}
	for _, p := range uartErrorPrefixes {
		opts = append(opts, WithFinal(p, true))
	}
	if shown != "" {
		opts = append(opts, RecordAs(shown))
	}
	opts = append(opts, extra...)
	lines, err := s.Command(ctx, line, opts...)
	if err == nil {
		return lines, nil
	}
	var ce *CommandError
	if errors.As(err, &ce) {
		for _, p := range uartErrorPrefixes {
			if strings.HasPrefix(ce.Final, p) {
				return nil, &UARTError{Port: s.Name(), Cmd: cmd, Code: atoiOr(strings.TrimPrefix(ce.Final, p), -1), Line: ce.Final}
			}
		}
	}
	var cme *CMEError
	if errors.As(err, &cme) {
		return nil, &UARTError{Port: s.Name(), Cmd: cmd, Code: cme.Code, Line: "+CME ERROR: " + strconv.Itoa(cme.Code)}
	}
	return nil, err
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

// UARTSupport asks AT+UARTUPGRADE=? which <cmd> values the build takes. A
// build that answers ERROR, or lists no erase, write, verify and apply,
// yields ErrUARTUnsupported. The listing's format is not published
// ([unknown]): "(0-5)", "(0,1,2,3,4,5)" and "0,1,2,3,4,5" are all read.
func UARTSupport(ctx context.Context, s *Session) ([]int, error) {
	lines, err := s.Command(ctx, "AT+UARTUPGRADE=?", WithTimeout(UARTCommandTimeout), WithPrefix("+UARTUPGRADE:"))
	if err != nil {
		if errors.Is(err, ErrCommand) {
			return nil, fmt.Errorf("%s: %w", s.Name(), ErrUARTUnsupported)
		}
		return nil, err
	}
	var cmds []int
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "+UARTUPGRADE:"); ok {
			cmds = append(cmds, parseIntList(v)...)
		}
	}
	need := map[int]bool{0: true, 1: true, 2: true, 5: true}
	for _, c := range cmds {
		delete(need, c)
	}
	if len(need) > 0 {
		return cmds, fmt.Errorf("%s: %w (it lists %v)", s.Name(), ErrUARTUnsupported, cmds)
	}
	return cmds, nil
}

// parseIntList reads "(0-5)", "(0,1,2)", "0,1,2" or "(0-2,5)".
func parseIntList(v string) []int {
	v = strings.NewReplacer("(", "", ")", "", " ", "").Replace(strings.TrimSpace(v))
	var out []int
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b-a > 64 {
				continue
			}
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

// UARTErase erases the FOTA download area (<cmd> 0).
func UARTErase(ctx context.Context, s *Session) error {
	_, err := uartCommand(ctx, s, 0, "", "")
	return err
}

// UARTSegment is one segment write's command arguments: the data padded
// with zero bytes to a multiple of 4, as upper-case hex, and its XOR8 (BCC).
type UARTSegment struct {
	SN     int
	NBytes int    // padded length
	Hex    string // 2 × NBytes characters
	XOR    byte
}

// MakeUARTSegment pads data and computes its hex and checksum. data must
// hold 1…1024 bytes and sn lie in 0…65535.
func MakeUARTSegment(sn int, data []byte) (UARTSegment, error) {
	if sn < 0 || sn > 65535 {
		return UARTSegment{}, fmt.Errorf("segment number %d outside 0…65535: the delta is too big for AT+UARTUPGRADE", sn)
	}
	if len(data) == 0 || len(data) > UARTSegmentMax {
		return UARTSegment{}, fmt.Errorf("segment %d holds %d bytes; a segment holds 1…%d", sn, len(data), UARTSegmentMax)
	}
	n := (len(data) + uartSegmentUnit - 1) / uartSegmentUnit * uartSegmentUnit
	if n < uartSegmentMin {
		n = uartSegmentMin
	}
	padded := make([]byte, n)
	copy(padded, data)
	var x byte
	for _, b := range padded {
		x ^= b
	}
	return UARTSegment{SN: sn, NBytes: n, Hex: strings.ToUpper(hex.EncodeToString(padded)), XOR: x}, nil
}

// args is the part of the command line after "AT+UARTUPGRADE=1".
func (g UARTSegment) args() string {
	return fmt.Sprintf(",%d,%d,%s,%02x", g.SN, g.NBytes, g.Hex, g.XOR)
}

// Shown is the segment's command line as the transcript keeps it: the
// payload abbreviated to its first and last four bytes and its length, so
// that a log does not grow by the delta's size per module.
func (g UARTSegment) Shown() string {
	h := g.Hex
	if len(h) > 32 {
		h = h[:8] + "…" + h[len(h)-8:] + " (" + strconv.Itoa(g.NBytes) + " bytes, abbreviated)"
	}
	return fmt.Sprintf("AT+UARTUPGRADE=1,%d,%d,%s,%02x", g.SN, g.NBytes, h, g.XOR)
}

// UARTSegments is how many segments of UARTSegmentMax bytes a delta of
// size bytes takes.
func UARTSegments(size int) int { return (size + UARTSegmentMax - 1) / UARTSegmentMax }

// UARTWrite writes one segment (<cmd> 1).
func UARTWrite(ctx context.Context, s *Session, g UARTSegment) error {
	_, err := uartCommand(ctx, s, 1, g.args(), g.Shown())
	return err
}

// UARTVerify asks the module to verify the whole delta (<cmd> 2) and returns
// the state it names, e.g. "+UARTUPGRADE: 6, XOTA_PS_PKG_VERIFIED".
func UARTVerify(ctx context.Context, s *Session) (UARTState, error) {
	lines, err := uartCommand(ctx, s, 2, "", "")
	if err != nil {
		return "", err
	}
	for _, l := range lines {
		if st, ok := ParseUARTState(l); ok {
			return st, nil
		}
	}
	return "", fmt.Errorf("%s: AT+UARTUPGRADE=2: %w: no state in %q", s.Name(), ErrUnexpected, lines)
}

// ParseUARTState reads "+UARTUPGRADE: <n>, <NAME>" (or the name alone).
func ParseUARTState(line string) (UARTState, bool) {
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "+UARTUPGRADE:")
	if !ok {
		return "", false
	}
	for _, f := range strings.Split(v, ",") {
		f = strings.Trim(strings.TrimSpace(f), `"`)
		if strings.HasPrefix(f, "XOTA_PS_PKG_") {
			return UARTState(f), true
		}
	}
	return "", false
}

// UARTInfo reads the written delta's file name (<cmd> 3) or version (<cmd>
// 4): the text after "+UARTUPGRADE:", or "" when the module prints none.
func UARTInfo(ctx context.Context, s *Session, cmd int) (string, error) {
	if cmd != 3 && cmd != 4 {
		return "", fmt.Errorf("AT+UARTUPGRADE=%d is not a read", cmd)
	}
	lines, err := uartCommand(ctx, s, cmd, "", "")
	if err != nil {
		return "", err
	}
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "+UARTUPGRADE:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"`), nil
		}
	}
	return "", nil
}

// UARTApply applies the verified delta (<cmd> 5); the module then reboots
// (about two minutes). sent is called just before the command leaves, as
// with WhenSent: from then on the module may be rebooting.
func UARTApply(ctx context.Context, s *Session, sent func()) error {
	var extra []CmdOption
	if sent != nil {
		extra = append(extra, WhenSent(sent))
	}
	_, err := uartCommand(ctx, s, 5, "", "", extra...)
	return err
}
