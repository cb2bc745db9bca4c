package device

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// The manual's example segment, "AT+UARTUPGRADE=1,0,1024,ECDF2040…,c3":
// testdata holds its data copied by program from the manual's page
// (openLuat/luatos-doc-pool, Configuration/UARTUPGRADE.md): 2048 hex
// characters. The driver must make exactly the manual's command line.
func TestUARTSegmentManualExample(t *testing.T) {
	raw, err := os.ReadFile("testdata/uartupgrade_manual_segment0.hex")
	if err != nil {
		t.Fatal(err)
	}
	data, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := MakeUARTSegment(0, data)
	if err != nil {
		t.Fatal(err)
	}
	if g.NBytes != 1024 || len(g.Hex) != 2048 || g.XOR != 0xc3 {
		t.Fatalf("segment: %d bytes, %d hex characters, XOR %02x; want 1024, 2048, c3", g.NBytes, len(g.Hex), g.XOR)
	}
	if line, want := "AT+UARTUPGRADE=1"+g.args(), "AT+UARTUPGRADE=1,0,1024,"+strings.TrimSpace(string(raw))+",c3"; line != want {
		t.Fatalf("command line %.60s…%s, want the manual's", line, line[len(line)-20:])
	}
	if got := g.Shown(); got != "AT+UARTUPGRADE=1,0,1024,ECDF2040…04400000 (1024 bytes, abbreviated),c3" {
		t.Fatalf("shown %q", got)
	}
}

func TestUARTSegmentPadding(t *testing.T) {
	cases := []struct {
		data   []byte
		nbytes int
		hex    string
		xor    byte
	}{
		{[]byte{0xff}, 4, "FF000000", 0xff},
		{[]byte{1, 2, 3}, 4, "01020300", 0x00},
		{[]byte{1, 2, 3, 4}, 4, "01020304", 0x04},
		{[]byte{0xa5, 0x5a, 0x0f, 0xf0, 0x11}, 8, "A55A0FF011000000", 0xa5 ^ 0x5a ^ 0x0f ^ 0xf0 ^ 0x11},
	}
	for _, c := range cases {
		g, err := MakeUARTSegment(7, c.data)
		if err != nil {
			t.Fatal(err)
		}
		if g.NBytes != c.nbytes || g.Hex != c.hex || g.XOR != c.xor {
			t.Errorf("% x: got %d %s %02x, want %d %s %02x", c.data, g.NBytes, g.Hex, g.XOR, c.nbytes, c.hex, c.xor)
		}
		if len(g.Hex) != 2*g.NBytes {
			t.Errorf("% x: %d hex characters for %d bytes", c.data, len(g.Hex), g.NBytes)
		}
	}
	for _, bad := range []struct {
		sn   int
		size int
	}{{-1, 4}, {65536, 4}, {0, 0}, {0, 1025}} {
		if _, err := MakeUARTSegment(bad.sn, make([]byte, bad.size)); err == nil {
			t.Errorf("segment %d of %d bytes accepted", bad.sn, bad.size)
		}
	}
	if n := UARTSegments(1024*3 + 1); n != 4 {
		t.Errorf("UARTSegments(3073) = %d, want 4", n)
	}
}

func TestParseIntList(t *testing.T) {
	for in, want := range map[string]string{
		" (0-5)":          "[0 1 2 3 4 5]",
		"(0,1,2,3,4,5)":   "[0 1 2 3 4 5]",
		"0,1,2,5":         "[0 1 2 5]",
		"(0-2,5)":         "[0 1 2 5]",
		"(x)":             "[]",
		"(5-0)":           "[]",
		"(0-99999999999)": "[]",
	} {
		if got := fmt.Sprint(parseIntList(in)); got != want {
			t.Errorf("parseIntList(%q) = %s, want %s", in, got, want)
		}
	}
}

type uartResult struct {
	v   any
	err error
}

// uartRun runs one driver call in the background.
func uartRun(f func() (any, error)) <-chan uartResult {
	ch := make(chan uartResult, 1)
	go func() {
		v, err := f()
		ch <- uartResult{v, err}
	}()
	return ch
}

func uartWait(t *testing.T, ch <-chan uartResult) uartResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("driver call never returned")
		return uartResult{}
	}
}

func TestUARTDriverExchanges(t *testing.T) {
	ctx := context.Background()
	s, fm := newFake(t, Options{})

	support := func() (any, error) { return UARTSupport(ctx, s) }
	ch := uartRun(support)
	fm.expect("AT+UARTUPGRADE=?")
	fm.send(frame("+UARTUPGRADE: (0-5)", "OK"))
	if r := uartWait(t, ch); r.err != nil || fmt.Sprint(r.v) != "[0 1 2 3 4 5]" {
		t.Fatalf("support: %v %v", r.v, r.err)
	}
	ch = uartRun(support)
	fm.expect("AT+UARTUPGRADE=?")
	fm.send(frame("ERROR"))
	if r := uartWait(t, ch); !errors.Is(r.err, ErrUARTUnsupported) {
		t.Fatalf("ERROR to =?: %v, want ErrUARTUnsupported", r.err)
	}
	ch = uartRun(support)
	fm.expect("AT+UARTUPGRADE=?")
	fm.send(frame("+UARTUPGRADE: (0-2)", "OK"))
	if r := uartWait(t, ch); !errors.Is(r.err, ErrUARTUnsupported) {
		t.Fatalf("no apply listed: %v, want ErrUARTUnsupported", r.err)
	}

	// A segment: sent in full, echoed, recorded abbreviated both ways.
	g, _ := MakeUARTSegment(3, []byte("0123456789abcdef0123"))
	ch = uartRun(func() (any, error) { return nil, UARTWrite(ctx, s, g) })
	full := fmt.Sprintf("AT+UARTUPGRADE=1,3,20,%s,%02x", g.Hex, g.XOR)
	fm.expect(full)
	fm.send(full + "\r" + frame("OK"))
	if r := uartWait(t, ch); r.err != nil {
		t.Fatalf("write: %v", r.err)
	}
	for _, rec := range fm.transcript() {
		if strings.Contains(rec.Text, g.Hex) {
			t.Errorf("transcript holds the full payload: %s %q", rec.Dir, rec.Text)
		}
	}

	// A segment that times out is named abbreviated in the error too: an
	// error message ends in the log and on the screen.
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	ch = uartRun(func() (any, error) { return nil, UARTWrite(tctx, s, g) })
	fm.expect(full)
	r := uartWait(t, ch)
	cancel()
	if !errors.Is(r.err, ErrTimeout) && !errors.Is(r.err, context.DeadlineExceeded) || strings.Contains(r.err.Error(), g.Hex) {
		t.Fatalf("timed-out write: %v", r.err)
	}
	ch = uartRun(func() (any, error) { return nil, UARTWrite(ctx, s, g) })
	fm.expect("AT") // the resync after the timeout
	fm.send(frame("OK"))
	fm.expect(full)
	fm.send(frame("OK"))
	if r := uartWait(t, ch); r.err != nil {
		t.Fatalf("write after a timeout: %v", r.err)
	}

	// Every spelling of the error line is a *UARTError with its code.
	for _, line := range []string{"+UARTUPGRAE ERROR: 5", "+UARTUPGRADE ERROR: 4", "+CME ERROR: 8"} {
		ch = uartRun(func() (any, error) { return nil, UARTWrite(ctx, s, g) })
		fm.expect(full)
		fm.send(frame(line))
		r := uartWait(t, ch)
		var ue *UARTError
		if !errors.As(r.err, &ue) || !errors.Is(r.err, ErrCommand) {
			t.Fatalf("%s: %v, want a *UARTError", line, r.err)
		}
		want := atoiOr(line[strings.LastIndex(line, ":")+1:], -2)
		if ue.Code != want || ue.Cmd != 1 {
			t.Errorf("%s: code %d cmd %d, want %d and 1", line, ue.Code, ue.Cmd, want)
		}
		if ue.Resend() != (want == UARTErrChecksum || want == UARTErrWrite) {
			t.Errorf("%s: Resend() = %v", line, ue.Resend())
		}
	}

	// Verify reads the state by name.
	ch = uartRun(func() (any, error) { return UARTVerify(ctx, s) })
	fm.expect("AT+UARTUPGRADE=2")
	fm.send(frame("+UARTUPGRADE: 6, XOTA_PS_PKG_VERIFIED", "OK"))
	if r := uartWait(t, ch); r.err != nil || r.v != UARTVerified {
		t.Fatalf("verify: %v %v", r.v, r.err)
	}
	ch = uartRun(func() (any, error) { return UARTVerify(ctx, s) })
	fm.expect("AT+UARTUPGRADE=2")
	fm.send(frame("OK"))
	if r := uartWait(t, ch); !errors.Is(r.err, ErrUnexpected) {
		t.Fatalf("verify without a state: %v", r.err)
	}

	// Apply counts as sent before the answer.
	sent := 0
	ch = uartRun(func() (any, error) { return nil, UARTApply(ctx, s, func() { sent++ }) })
	fm.expect("AT+UARTUPGRADE=5")
	fm.send(frame("OK"))
	if r := uartWait(t, ch); r.err != nil || sent != 1 {
		t.Fatalf("apply: %v, sent %d", r.err, sent)
	}
}

func TestParseUARTState(t *testing.T) {
	for in, want := range map[string]UARTState{
		"+UARTUPGRADE: 6, XOTA_PS_PKG_VERIFIED": UARTVerified,
		"+UARTUPGRADE:3,XOTA_PS_PKG_VERIFAILED": UARTVerifailed,
		`+UARTUPGRADE: "XOTA_PS_PKG_UNFOUND"`:   UARTUnfound,
		"+UARTUPGRADE: 6":                       "",
		"XOTA_PS_PKG_VERIFIED":                  "",
	} {
		got, ok := ParseUARTState(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseUARTState(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
