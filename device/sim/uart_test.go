package sim

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/device/sim/delta"
)

// The tests of AT+UARTUPGRADE speak raw AT lines over the module's pty,
// with their own segment encoder (nothing shared with uart.go).

// manualHex is the segment data of the manual's example, copied by
// program from the manual's page (openLuat/luatos-doc-pool,
// Configuration/UARTUPGRADE.md): 2048 hex characters, 1024 bytes, XOR c3,
// exactly as its command line says.
const manualHex = "ECDF2040000000807B17000013D739771489369C1B8C99236063348853D2C51279344F6641D8134592F8A474FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF4070004927170000000000000040020054332400543324009D2D5B315D380A7D9660A3B51D0B3FDC8A22ED3F91578800FE3D5FB670D5C60A032400008829B1FF001D8B19A38FED67D70F8A14EE85BA47C7183CD845C4DFB31E3E06E0001445433631385F41502E7061720000000000004250484449000000543324004E6F724F4B0000004B0000004B0000004B0000004B000000630000004B0000004B0000004B0000004F0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004B0000004F0000004253444946463430010000004B00000000800000425A6831314159265359C831E0EA0000C440C0C800000440000008200030CD00549A9EA7B00EA901AD206E01F177245385090C831E0EA04253444946463430010000004B00000000800000425A6831314159265359C831E0EA0000C440C0C800000440000008200030CD00549A9EA7B00EA901AD206E01F177245385090C831E0EA04253444946463430010000004B00000000800000425A6831314159265359C831E0EA0000C440C0C800000440000008200030CD00549A9EA7B00EA901AD206E01F177245385090C831E0EA04253444946463430010000004B00000000800000425A6831314159265359C831E0EA0000C440C0C800000440000008200030CD00549A9EA7B00EA901AD206E01F177245385090C831E0EA04253444946463430010000004B00000000800000425A6831314159265359C831E0EA0000C440C0C800000440000008200030CD00549A9EA7B00EA901AD206E01F177245385090C831E0EA04253444946463430010000006300000000800000425A6831314159265359B2889DFC0000C5D964FE01000140000008400002000040000C200050A600002A4A68069B53DD3152245D20C6E206B3B403359BAFB5BDDDE24057E2EE48A70A12165113BF804253444946463430010000004B00000000800000425A6831314159265359C831E0EA0000C440C0C8000004400000"

// bcc is the XOR of b as two hex characters.
func bcc(b []byte) string {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return fmt.Sprintf("%02x", x)
}

// segLine is the write of segment sn holding b, padded with zero bytes to
// a multiple of 4.
func segLine(sn int, b []byte) string {
	p := append([]byte(nil), b...)
	for len(p)%4 != 0 {
		p = append(p, 0)
	}
	return fmt.Sprintf("AT+UARTUPGRADE=1,%d,%d,%X,%s", sn, len(p), p, bcc(p))
}

// uartFleet starts one plain module (no quirks) of the local-chain
// scenario (Air780E, 1159, target 1162, no SIM) with role and tweak, and
// opens its AT port.
func uartFleet(t *testing.T, role string, tweak func(*ModuleSpec)) (*Fleet, *Module, *tconn) {
	t.Helper()
	f := startFleet(t, Config{Scenario: "local-chain", Modules: 1, NoQuirks: true, Speed: 1000, Seed: 5,
		Roles: []string{role}, Tweak: func(_ int, s *ModuleSpec) {
			if tweak != nil {
				tweak(s)
			}
		}})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.waitLine("RDY")
	return f, m, c
}

// uartDo sends a command and returns its answer lines and final line.
func uartDo(c *tconn, cmd string) ([]string, string) {
	c.t.Helper()
	return c.answer(cmd)
}

// mustFinal sends cmd and fails unless its final line is want.
func mustFinal(t *testing.T, c *tconn, cmd, want string) []string {
	t.Helper()
	lines, final := uartDo(c, cmd)
	if final != want {
		short := cmd
		if len(short) > 40 {
			short = short[:40] + "…"
		}
		t.Fatalf("%s: %q then %q, want %q", short, lines, final, want)
	}
	return lines
}

func uartErrLine(n int) string { return fmt.Sprintf("+UARTUPGRAE ERROR: %d", n) }

// verifyState sends AT+UARTUPGRADE=2 and returns the state's name.
func verifyState(t *testing.T, c *tconn) string {
	t.Helper()
	lines := mustFinal(t, c, "AT+UARTUPGRADE=2", "OK")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "+UARTUPGRADE: ") {
		t.Fatalf("verify: %q", lines)
	}
	n, name, ok := strings.Cut(strings.TrimPrefix(lines[0], "+UARTUPGRADE: "), ", ")
	if !ok || n == "" || !strings.HasPrefix(name, "XOTA_PS_PKG_") {
		t.Fatalf("verify: %q", lines)
	}
	if name == "XOTA_PS_PKG_VERIFIED" && n != "6" {
		t.Fatalf("verify: %q: VERIFIED is 6 in the manual", lines)
	}
	return name
}

// mapDelta returns the file the fleet's delta map lists for the module's
// firmware from base, or nil.
func mapDelta(t *testing.T, f *Fleet, fw string, base int) []byte {
	t.Helper()
	b, err := os.ReadFile(f.DeltaMap())
	if err != nil {
		t.Fatal(err)
	}
	var dm struct {
		Deltas []struct {
			Firmware string
			From, To int
			File     string
		}
	}
	if err := json.Unmarshal(b, &dm); err != nil {
		t.Fatal(err)
	}
	for _, e := range dm.Deltas {
		if e.Firmware == fw && e.From == base {
			d, err := os.ReadFile(filepath.Join(filepath.Dir(f.DeltaMap()), e.File))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	return nil
}

// push erases and writes file in 1 KB segments; it returns the error line
// and the segment that failed, or "" and -1.
func push(t testing.TB, c *tconn, file []byte) (string, int) {
	t.Helper()
	if _, final := uartDo(c, "AT+UARTUPGRADE=0"); final != "OK" {
		return final, -1
	}
	for sn := 0; sn*1024 < len(file); sn++ {
		if _, final := uartDo(c, segLine(sn, file[sn*1024:min(len(file), sn*1024+1024)])); final != "OK" {
			return final, sn
		}
	}
	return "", -1
}

// TestUartManualExample sends the manual's example segment as published
// (OK), and the rules around it: a wrong checksum, lower-case hex, a
// length that does not match <nbytes>.
func TestUartManualExample(t *testing.T) {
	_, _, c := uartFleet(t, "ok", nil)
	mustFinal(t, c, "AT+UARTUPGRADE=0", "OK")
	// The manual's line, as published.
	mustFinal(t, c, "AT+UARTUPGRADE=1,0,1024,"+manualHex+",c3", "OK")
	// The same bytes with a wrong checksum, then lower-case hex.
	mustFinal(t, c, "AT+UARTUPGRADE=1,1,1024,"+manualHex+",c4", uartErrLine(5))
	mustFinal(t, c, "AT+UARTUPGRADE=1,1,1024,"+strings.ToLower(manualHex)+",c3", "OK")
	// 1020 bytes are a valid write of their own (a multiple of 4); 1020
	// bytes said to be 1024 are a parameter error.
	short := manualHex[:2040]
	mustFinal(t, c, "AT+UARTUPGRADE=1,2,1024,"+short+",c3", uartErrLine(1))
	mustFinal(t, c, "AT+UARTUPGRADE=1,2,1020,"+short+","+bcc(mustHex(t, short)), "OK")
	if got := bcc([]byte{0x12, 0x34, 0x56, 0x78}); got != "08" {
		t.Fatalf("test's own bcc = %s", got)
	}
	if got := bcc(mustHex(t, manualHex)); got != "c3" {
		t.Fatalf("the manual's data XOR %s, want c3", got)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUartSegmentRules checks every parameter rule of a segment write.
func TestUartSegmentRules(t *testing.T) {
	_, m, c := uartFleet(t, "ok", nil)
	seg := func(sn, n int, data, sum string) string {
		return fmt.Sprintf("AT+UARTUPGRADE=1,%d,%d,%s,%s", sn, n, data, sum)
	}
	four := "DEADBEEF"
	mustFinal(t, c, seg(0, 4, four, bcc([]byte{0xde, 0xad, 0xbe, 0xef})), uartErrLine(6)) // no erase yet
	mustFinal(t, c, "AT+UARTUPGRADE=0", "OK")
	for _, tc := range []struct {
		line string
		code int
	}{
		{seg(0, 3, "DEADBE", "00"), 1},                      // nbytes below 4
		{seg(0, 6, "DEADBEEF0000", "00"), 1},                // not a multiple of 4
		{seg(0, 1028, strings.Repeat("00", 1028), "00"), 1}, // above 1024
		{seg(0, 8, four, "22"), 1},                          // data shorter than 2 × nbytes
		{seg(0, 4, "DEADBEEF00", "22"), 1},                  // longer
		{seg(0, 4, "DEADBEEG", "22"), 1},                    // not hex
		{seg(0, 4, four, "2"), 1},                           // checksum of one character
		{seg(0, 4, four, "x2"), 1},                          // checksum not hex
		{seg(65536, 4, four, "22"), 1},                      // sn above 65535
		{seg(-1, 4, four, "22"), 1},                         // negative sn
		{"AT+UARTUPGRADE=1,0,4," + four, 1},                 // a parameter missing
		{"AT+UARTUPGRADE=1,0,4," + four + ",22,1", 1},       // one too many
		{"AT+UARTUPGRADE=0,1", 1},                           // parameters on erase
		{"AT+UARTUPGRADE=x", 1},                             // not a number
		{"AT+UARTUPGRADE=+1,0,4," + four + ",22", 1},        // a sign
		{"AT+UARTUPGRADE=1, 0,4," + four + ",22", 1},        // a space
		{seg(0, 4, four+"\x00", "22"), 1},                   // a NUL
		{"AT+UARTUPGRADE=6", 2},                             // no such command
		{"AT+UARTUPGRADE=99", 2},                            //
		{seg(1, 4, four, "22"), 4},                          // does not start at 0
		{seg(0, 4, four, "23"), 5},                          // wrong XOR
		{seg(0, 4, strings.ToLower(four), "23"), 5},         // wrong XOR, lower case
	} {
		mustFinal(t, c, tc.line, uartErrLine(tc.code))
	}
	if got := m.UartCounts().BytesAcked; got != 0 {
		t.Fatalf("BytesAcked after refused writes = %d", got)
	}
	mustFinal(t, c, seg(0, 4, four, "22"), "OK")
	mustFinal(t, c, seg(0, 4, four, "22"), uartErrLine(4)) // repeated
	mustFinal(t, c, seg(2, 4, four, "22"), uartErrLine(4)) // skipped one
	mustFinal(t, c, seg(1, 4, "00000000", "00"), "OK")
	for _, l := range []string{"AT+UARTUPGRADE", "AT+UARTUPGRADE?"} {
		mustFinal(t, c, l, "ERROR")
	}
	if got := mustFinal(t, c, "AT+UARTUPGRADE=?", "OK"); len(got) != 1 || got[0] != "+UARTUPGRADE: (0-5)" {
		t.Fatalf("=?: %q", got)
	}
	n := m.UartCounts()
	if n.BytesAcked != 8 || n.Erases != 2 || n.Segments != 1+17+4 || n.Other != 6 || n.Tests != 1 || n.Errors != 1+22+2+2 {
		t.Fatalf("counts %+v", n)
	}
}

// TestUartUpgrade is the whole way: erase, segments, verify, name and
// version, apply, the reboot, the new version; then the area says UPGRADED.
func TestUartUpgrade(t *testing.T) {
	f, m, c := uartFleet(t, "ok", nil)
	fw := m.Model().FirmwareName()
	file := mapDelta(t, f, fw, 1159)
	if file == nil {
		t.Fatal("the map has no delta from 1159")
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_UNFOUND" {
		t.Fatalf("fresh module: %s", got)
	}
	mustFinal(t, c, "AT+UARTUPGRADE=3", uartErrLine(10)) // nothing to read
	mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10)) // nothing to apply
	if e, sn := push(t, c, file); e != "" {
		t.Fatalf("segment %d: %s", sn, e)
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
		t.Fatalf("after the writes: %s", got)
	}
	if l := mustFinal(t, c, "AT+UARTUPGRADE=3", "OK"); len(l) != 1 || l[0] != `+UARTUPGRADE: "`+fw+`"` {
		t.Fatalf("=3: %q", l)
	}
	if l := mustFinal(t, c, "AT+UARTUPGRADE=4", "OK"); len(l) != 1 || l[0] != "+UARTUPGRADE: 1159,1160" {
		t.Fatalf("=4: %q", l)
	}
	mustFinal(t, c, "AT+UARTUPGRADE=5", "OK")
	c.waitClosed()
	c = dialAT(t, m)
	c.waitLine("RDY")
	if l := mustFinal(t, c, "ATI", "OK"); l[len(l)-1] != "AirM2M_780E_V1160_LTE_AT" {
		t.Fatalf("ATI after the apply: %q", l)
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_UPGRADED" {
		t.Fatalf("after the apply: %s", got)
	}
	mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10)) // used up
	segs := (len(file) + 1023) / 1024
	want := UartCounts{Tests: 0, Erases: 1, Segments: segs, Verifies: 3, Reads: 3, Applies: 3, Errors: 3,
		BytesAcked: int64((len(file) + 3) / 4 * 4), Applied: 1}
	if got := m.UartCounts(); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	// The next step of the chain, from the new base.
	if e, sn := push(t, c, mapDelta(t, f, fw, 1160)); e != "" {
		t.Fatalf("second step, segment %d: %s", sn, e)
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
		t.Fatalf("second step: %s", got)
	}
}

// TestUartVerifyRefuses: a delta for another base, for another firmware,
// damaged, or bigger than the FOTA area verifies as VERIFAILED, and apply
// is refused (error 10), nothing applied.
func TestUartVerifyRefuses(t *testing.T) {
	_, m, c := uartFleet(t, "ok", nil)
	fw := m.Model().FirmwareName()
	good := delta.Delta{FirmwareName: fw, Base: 1159, Target: 1160, Size: 3000}
	damaged := delta.Make(good, 1)
	damaged[len(damaged)-1] ^= 1
	other := good
	other.Base = 1158
	otherFW := good
	otherFW.FirmwareName = "AirM2M_780EG_LTE_AT"
	big := good
	big.Size = m.Model().FOTAArea + 1 // fits the area with its header, not the FOTA limit
	for name, file := range map[string][]byte{
		"wrong base": delta.Make(other, 1), "wrong firmware": delta.Make(otherFW, 1),
		"damaged": damaged, "too big": delta.Make(big, 1),
		"trailing bytes": append(delta.Make(good, 1), make([]byte, 8)...),
	} {
		if e, sn := push(t, c, file); e != "" {
			t.Fatalf("%s: segment %d: %s", name, sn, e)
		}
		if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFAILED" {
			t.Errorf("%s: verify says %s", name, got)
		}
		mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10))
	}
	if n := m.UartCounts(); n.Applied != 0 || m.Version() != 1159 {
		t.Fatalf("applied %d, version %d", n.Applied, m.Version())
	}
	// Writing after a good verify makes it unverified again: apply refused.
	if e, _ := push(t, c, delta.Make(good, 1)); e != "" {
		t.Fatal(e)
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
		t.Fatalf("good delta: %s", got)
	}
	mustFinal(t, c, segLine((len(delta.Make(good, 1))+1023)/1024, []byte{0, 0, 0, 0}), "OK")
	mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10))
}

// TestUartOverflow: a 550 KB delta overflows the 480 KB area: error 3 at
// the first segment beyond it, and every later try of that segment.
func TestUartOverflow(t *testing.T) {
	_, m, c := uartFleet(t, "ok", nil)
	file := delta.Make(delta.Delta{FirmwareName: m.Model().FirmwareName(), Base: 1159, Target: 1160, Size: TooBigSize}, 1)
	e, sn := push(t, c, file)
	if e != uartErrLine(3) || sn != (m.Model().FOTAArea+4096)/1024 {
		t.Fatalf("got %q at segment %d", e, sn)
	}
	mustFinal(t, c, segLine(sn, file[sn*1024:sn*1024+1024]), uartErrLine(3))
	if got := verifyState(t, c); got != "XOTA_PS_PKG_UNFOUND" {
		t.Fatalf("verify after the overflow: %s", got)
	}
}

// TestUartUnsupported: builds without the command answer ERROR to every
// form, =? included.
func TestUartUnsupported(t *testing.T) {
	for name, tc := range map[string]struct {
		role, model string
	}{
		"custom build": {"uart-unsupported", ""}, "core 1150": {"uart-old-core", ""},
		"EC718 model": {"ok", "Air780EP"}, "two-port LSAT build": {"ok", "Air780E_LSAT"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := startFleet(t, Config{Scenario: "local-chain", Modules: 1, NoQuirks: true, Speed: 1000,
				Roles: []string{tc.role}, Models: []string{tc.model}})
			m := f.Modules()[0]
			if m.UartSupported() {
				t.Fatalf("%s %d: supported", m.Firmware(), m.Version())
			}
			c := dialAT(t, m)
			for _, l := range []string{"AT+UARTUPGRADE=?", "AT+UARTUPGRADE=0", segLine(0, []byte{1, 2, 3, 4}), "AT+UARTUPGRADE=2", "AT+UARTUPGRADE=5"} {
				mustFinal(t, c, l, "ERROR")
			}
			if n := m.UartCounts(); n != (UartCounts{Tests: 1, Erases: 1, Segments: 1, Verifies: 1, Applies: 1, Errors: 5}) {
				t.Fatalf("counts %+v", n)
			}
		})
	}
}

// TestUartFaults: the injected segment, erase and read faults.
func TestUartFaults(t *testing.T) {
	file := func(m *Module) []byte {
		return delta.Make(delta.Delta{FirmwareName: m.Model().FirmwareName(), Base: 1159, Target: 1160, Size: 5000}, 1)
	}
	t.Run("checksum once", func(t *testing.T) {
		t.Parallel()
		_, m, c := uartFleet(t, "uart-checksum-once", nil)
		b := file(m)
		mustFinal(t, c, "AT+UARTUPGRADE=0", "OK")
		mustFinal(t, c, segLine(0, b[:1024]), "OK")
		mustFinal(t, c, segLine(1, b[1024:2048]), uartErrLine(5))
		mustFinal(t, c, segLine(1, b[1024:2048]), "OK") // the resend
		if e, sn := push(t, c, b); e != "" {
			t.Fatalf("segment %d: %s", sn, e)
		}
		if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
			t.Fatal(got)
		}
	})
	t.Run("checksum always", func(t *testing.T) {
		t.Parallel()
		_, m, c := uartFleet(t, "uart-checksum-always", nil)
		for range 2 {
			if e, sn := push(t, c, file(m)); e != uartErrLine(5) || sn != 1 {
				t.Fatalf("%q at %d", e, sn)
			}
			mustFinal(t, c, segLine(1, file(m)[1024:2048]), uartErrLine(5))
		}
	})
	t.Run("write fail", func(t *testing.T) {
		t.Parallel()
		_, m, c := uartFleet(t, "uart-write-fail", nil)
		if e, sn := push(t, c, file(m)); e != uartErrLine(8) || sn != 2 {
			t.Fatalf("%q at %d", e, sn)
		}
	})
	t.Run("erase fail", func(t *testing.T) {
		t.Parallel()
		_, m, c := uartFleet(t, "uart-erase-fail", nil)
		if e, _ := push(t, c, file(m)); e != uartErrLine(7) {
			t.Fatalf("%q", e)
		}
		mustFinal(t, c, segLine(0, file(m)[:1024]), uartErrLine(6))
	})
	t.Run("read fail", func(t *testing.T) {
		t.Parallel()
		_, m, c := uartFleet(t, "ok", func(s *ModuleSpec) { s.Faults.UartReadFail = true })
		if e, _ := push(t, c, file(m)); e != "" {
			t.Fatal(e)
		}
		mustFinal(t, c, "AT+UARTUPGRADE=3", uartErrLine(9))
		mustFinal(t, c, "AT+UARTUPGRADE=4", uartErrLine(9))
	})
	t.Run("verify undef", func(t *testing.T) {
		t.Parallel()
		_, m, c := uartFleet(t, "uart-verify-undef", nil)
		if e, _ := push(t, c, file(m)); e != "" {
			t.Fatal(e)
		}
		if got := verifyState(t, c); got != "XOTA_PS_PKG_UNDEF" {
			t.Fatal(got)
		}
		mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10))
	})
}

// TestUartUnplugMidTransfer: the area keeps what was written but the
// sequence is gone: verify says PARTIAL, a write without a new erase gets
// error 6, and the transfer works again from the erase.
func TestUartUnplugMidTransfer(t *testing.T) {
	f, m, c := uartFleet(t, "uart-unplug", nil)
	file := mapDelta(t, f, m.Model().FirmwareName(), 1159)
	mustFinal(t, c, "AT+UARTUPGRADE=0", "OK")
	for sn := 0; sn < 20; sn++ {
		mustFinal(t, c, segLine(sn, file[sn*1024:sn*1024+1024]), "OK")
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_UNFOUND" {
		t.Fatalf("mid-transfer: %s", got)
	}
	c.send(segLine(20, file[20*1024:21*1024])) // the module goes as this arrives
	c.waitClosed()
	c = dialAT(t, m)
	c.waitLine("RDY")
	if got := verifyState(t, c); got != "XOTA_PS_PKG_PARTIAL" {
		t.Fatalf("after the replug: %s", got)
	}
	mustFinal(t, c, segLine(20, file[20*1024:21*1024]), uartErrLine(6))
	mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10))
	if e, sn := push(t, c, file); e != "" {
		t.Fatalf("segment %d: %s", sn, e)
	}
	if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
		t.Fatal(got)
	}
	// A reboot (AT+RESET) breaks a sequence too.
	mustFinal(t, c, "AT+UARTUPGRADE=0", "OK")
	mustFinal(t, c, segLine(0, file[:1024]), "OK")
	mustFinal(t, c, "AT+RESET", "OK")
	c.waitClosed()
	c = dialAT(t, m)
	c.waitLine("RDY")
	mustFinal(t, c, segLine(1, file[1024:2048]), uartErrLine(6))
	if n := m.UartCounts(); n.Applied != 0 || m.Version() != 1159 {
		t.Fatalf("applied %d, version %d", n.Applied, m.Version())
	}
}

// TestUartApplyFailures: power cut as the apply starts (the delta is
// discarded: old version, UNFOUND), and an apply that fails (old version,
// UNDEF).
func TestUartApplyFailures(t *testing.T) {
	for role, state := range map[string]string{"uart-power-cut": "XOTA_PS_PKG_UNFOUND", "failed-apply": "XOTA_PS_PKG_UNDEF"} {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			f, m, c := uartFleet(t, role, nil)
			if e, sn := push(t, c, mapDelta(t, f, m.Model().FirmwareName(), 1159)); e != "" {
				t.Fatalf("segment %d: %s", sn, e)
			}
			if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
				t.Fatal(got)
			}
			mustFinal(t, c, "AT+UARTUPGRADE=5", "OK")
			c.waitClosed()
			c = dialAT(t, m)
			c.waitLine("RDY")
			if l := mustFinal(t, c, "ATI", "OK"); l[len(l)-1] != "AirM2M_780E_V1159_LTE_AT" {
				t.Fatalf("ATI: %q", l)
			}
			if got := verifyState(t, c); got != state {
				t.Fatalf("verify: %s, want %s", got, state)
			}
			mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10))
			if n := m.UartCounts(); n.Applied != 1 {
				t.Fatalf("counts %+v", n)
			}
		})
	}
}

// TestUartQuirks: the other error spellings, the listing, verify in the
// background (UNVERIFIED first), the +QIND lines after an apply.
func TestUartQuirks(t *testing.T) {
	t.Run("formats", func(t *testing.T) {
		t.Parallel()
		for q, want := range map[UartErrorFormat]string{UartErrorSpelled: "+UARTUPGRADE ERROR: 6", UartErrorCME: "+CME ERROR: 6"} {
			_, _, c := uartFleet(t, "ok", func(s *ModuleSpec) { s.Quirks.UartError = q; s.Quirks.UartListing = true })
			mustFinal(t, c, segLine(0, []byte{1, 2, 3, 4}), want)
			if l := mustFinal(t, c, "AT+UARTUPGRADE=?", "OK"); len(l) != 1 || l[0] != "+UARTUPGRADE: (0,1,2,3,4,5)" {
				t.Fatalf("=?: %q", l)
			}
			if q == UartErrorCME {
				mustFinal(t, c, "AT+CMEE=0", "OK")
				mustFinal(t, c, segLine(0, []byte{1, 2, 3, 4}), "ERROR")
			}
		}
	})
	t.Run("verify later and QIND", func(t *testing.T) {
		t.Parallel()
		f, m, c := uartFleet(t, "ok", func(s *ModuleSpec) { s.Quirks.UartVerifyLater, s.Quirks.UartQIND = true, true })
		if e, sn := push(t, c, mapDelta(t, f, m.Model().FirmwareName(), 1159)); e != "" {
			t.Fatalf("segment %d: %s", sn, e)
		}
		if got := verifyState(t, c); got != "XOTA_PS_PKG_UNVERIFIED" {
			t.Fatalf("first verify: %s", got)
		}
		mustFinal(t, c, "AT+UARTUPGRADE=5", uartErrLine(10)) // not verified yet
		var got string
		for got = verifyState(t, c); got == "XOTA_PS_PKG_UNVERIFIED"; got = verifyState(t, c) {
		}
		if got != "XOTA_PS_PKG_VERIFIED" {
			t.Fatalf("verify: %s", got)
		}
		mustFinal(t, c, "AT+UARTUPGRADE=5", "OK")
		c.waitClosed()
		c = dialAT(t, m)
		seen := c.waitLine("RDY")
		if want := []string{`+QIND: "FOTA","START"`, `+QIND: "FOTA","UPDATING",50`, `+QIND: "FOTA","UPDATING",100`, `+QIND: "FOTA","END",0`}; fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Fatalf("before RDY: %q", seen)
		}
	})
}

// BenchmarkUartTransfer writes a 200 KB delta (200 segments) into one
// module with the pacing divided away (Speed 1e6): the cost of the pty and
// of the simulator's parsing per delta, which a local-mode benchmark of
// the console pays on top of its own.
func BenchmarkUartTransfer(b *testing.B) {
	f, err := Start(context.Background(), Config{Dir: b.TempDir(), Scenario: "local-chain", Modules: 1, NoQuirks: true, Speed: 1e6})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	m := f.Modules()[0]
	file := delta.Make(delta.Delta{FirmwareName: m.Model().FirmwareName(), Base: 1159, Target: 1160, Size: 200 * 1024}, 1)
	waitUntilB(b, func() bool { return linkTarget(m, IF06) != "" })
	c := dialPort(b, m.Link(IF06))
	c.answer("ATE0")
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for range b.N {
		if e, sn := push(b, c, file); e != "" {
			b.Fatalf("segment %d: %q", sn, e)
		}
	}
}

// waitUntilB polls cond for a benchmark.
func waitUntilB(b *testing.B, cond func() bool) {
	for deadline := time.Now().Add(waitLong); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
	}
}

// TestLocalMap checks the local scenario's delta map: the engine's shape,
// every file a whole delta matching its entry (but the wrong-base role's),
// a chain for modules two versions behind, no entry for the no-delta
// module, and fleet.json pointing at it.
func TestLocalMap(t *testing.T) {
	roles := []string{"", "", "", "", "", "", "uart-wrong-base", "uart-too-big"}
	f := startFleet(t, Config{Scenario: "local", Modules: 8, Roles: roles, Seed: 2})
	ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil || ff.Deltas != filepath.Join(f.Dir(), LocalMapFile) || ff.Mode != ModeLocal {
		t.Fatalf("fleet.json: mode %q, deltas %q, %v", ff.Mode, ff.Deltas, err)
	}
	b, err := os.ReadFile(f.DeltaMap())
	if err != nil {
		t.Fatal(err)
	}
	var dm struct {
		Deltas []struct {
			Firmware string `json:"firmware"`
			From     int    `json:"from"`
			To       int    `json:"to"`
			File     string `json:"file"`
		} `json:"deltas"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&dm); err != nil {
		t.Fatal(err)
	}
	type key struct {
		fw   string
		from int
	}
	files := map[key]delta.Delta{}
	for _, e := range dm.Deltas {
		if filepath.IsAbs(e.File) || !strings.HasPrefix(e.File, LocalDeltaDir+"/") || e.To != e.From+1 {
			t.Errorf("entry %+v", e)
		}
		raw, err := os.ReadFile(filepath.Join(f.Dir(), e.File))
		if err != nil {
			t.Fatal(err)
		}
		d, err := delta.Parse(raw)
		if err != nil || d.FirmwareName != e.Firmware || d.Target != e.To {
			t.Errorf("%s: %+v, %v", e.File, d, err)
		}
		files[key{e.Firmware, e.From}] = d
	}
	for i, m := range f.Modules() {
		fw, v := m.Model().FirmwareName(), m.Version()
		d, listed := files[key{fw, v}]
		switch m.Role() {
		case "uart-no-delta":
			if listed {
				t.Errorf("module %d (%s %d): listed", i, m.Role(), v)
			}
			continue
		case "uart-wrong-base":
			if !listed || d.Base == v {
				t.Errorf("module %d (%s %d): %+v", i, m.Role(), v, d)
			}
		case "uart-too-big":
			if !listed || d.Size != TooBigSize {
				t.Errorf("module %d (%s %d): %+v", i, m.Role(), v, d)
			}
		default:
			if !listed || d.Base != v {
				t.Errorf("module %d (%s %d): %+v", i, m.Role(), v, d)
			}
		}
		for w := v + 1; w < 1162; w++ { // the rest of its chain
			if d, ok := files[key{fw, w}]; !ok || d.Base != w {
				t.Errorf("module %d (%s): no delta from %d in its chain", i, fw, w)
			}
		}
		if !m.Faults().NoSIM {
			t.Errorf("module %d has a SIM", i)
		}
	}
	for _, e := range []string{LocalMapFile, LocalDeltaDir} {
		if _, err := os.Stat(filepath.Join(f.Dir(), e)); err != nil {
			t.Error(err)
		}
	}
	if g := startFleet(t, Config{Scenario: "url", Modules: 1}); g.DeltaMap() != "" {
		t.Errorf("url scenario: DeltaMap %q", g.DeltaMap())
	}
}
