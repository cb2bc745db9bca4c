package device

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func splitAll(max int, chunks ...[]byte) []piece {
	sp := newSplitter(max)
	var out []piece
	for _, c := range chunks {
		sp.feed(c, func(p piece) { out = append(out, p) })
	}
	return out
}

func FuzzSplitter(f *testing.F) {
	for _, s := range []string{"AT\r\r\nOK\r\n", "a\nb\rc\r\n\r\nd", "\r\n\r\n", strings.Repeat("x", 70) + "\n", "\x00\xff\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const max = 64
		whole := splitAll(max, b)
		var bytewise [][]byte
		for i := range b {
			bytewise = append(bytewise, b[i:i+1])
		}
		if got := splitAll(max, bytewise...); !equalPieces(got, whole) {
			t.Fatalf("one byte at a time gave %+v, all at once %+v", got, whole)
		}
		total := 0
		for _, p := range whole {
			if strings.ContainsAny(p.text, "\r\n") {
				t.Fatalf("line %q holds a line ending", p.text)
			}
			if len(p.text) > max {
				t.Fatalf("line of %d bytes beyond the cap", len(p.text))
			}
			total += len(p.text) + p.dropped
		}
		// No byte other than line endings is lost without being counted,
		// except the tail of an unterminated last line (still buffered).
		content := len(b) - bytes.Count(b, []byte("\r")) - bytes.Count(b, []byte("\n"))
		if total > content {
			t.Fatalf("emitted %d bytes from %d bytes of content", total, content)
		}
	})
}

func equalPieces(a, b []piece) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzParseUpgradeState(f *testing.F) {
	for _, s := range []string{"+UPGRADE: 0", "+UPGRADE: 1,50", "+UPGRADE: 2,-1004,400,27", "+UPGRADE: 2, [-1004, 400, 27]", "+UPGRADE: 2,-1003,,43", "+UPGRADE:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, ok := ParseUpgradeState(s)
		if !ok {
			return
		}
		if u.State < 0 || u.State > 2 || u.Percent < 0 || u.Percent > 100 {
			t.Fatalf("%q parsed to impossible %+v", s, u)
		}
		if u.State != 1 && u.Percent != 0 {
			t.Fatalf("%q: percent outside state 1", s)
		}
	})
}

func FuzzParseFirmware(f *testing.F) {
	for _, s := range []string{"AirM2M_780EP_V1007_LTE_AT", `+CGMR: "AirM2M_780ET_V1016_LTE_AT_IPC"`, "AirM2M__V1_", "AirM2M_780E_V99999999999_X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fw, ok := ParseFirmware(s)
		if !ok {
			return
		}
		if !strings.Contains(s, fw.Raw) || fw.Core < 0 || fw.Name != "AirM2M_"+fw.Model+"_"+fw.Variant ||
			!strings.HasPrefix(fw.Raw, "AirM2M_"+fw.Model+"_V") || !strings.HasSuffix(fw.Raw, "_"+fw.Variant) {
			t.Fatalf("%q parsed to %+v", s, fw)
		}
	})
}

func FuzzParseTagLine(f *testing.F) {
	for _, s := range []string{`+UPGRADE:"KEY","abc"`, "+UPGRADE: URL,http://x,y", "+UPGRADE: 2,-1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, _, ok := ParseTagLine(s)
		if ok && (tag == "" || allDigits(tag)) {
			t.Fatalf("%q gave tag %q", s, tag)
		}
	})
}

func FuzzParseUpgradeInd(f *testing.F) {
	for _, s := range []string{"+UPGRADEIND: 10", "+UPGRADEIND: -1003", "+UPGRADEIND:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := ParseUpgradeInd(s); ok && n > 100 {
			t.Fatalf("%q gave %d", s, n)
		}
	})
}

// FuzzValidate: whatever passes validation cannot break out of a quoted AT
// argument or end the command line.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o", "http://h/x.bin", "http://h/\"", "a\rb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, check := range map[string]func(string) error{"key": ValidateKey, "url": ValidateURL} {
			if check(s) != nil {
				continue
			}
			for i := 0; i < len(s); i++ {
				if c := s[i]; c == '"' || c < 0x20 || c >= 0x7f || c == ';' && name == "key" {
					t.Fatalf("%s %q accepted with byte 0x%02x", name, s, c)
				}
			}
		}
	})
}

// FuzzSessionStream: any byte stream from a module, in any cut, neither
// panics nor hangs the session, and a final OK still ends the command.
func FuzzSessionStream(f *testing.F) {
	f.Add([]byte("\x00\xff\r\n+UPGRADEIND: 10\r\n"), uint8(3))
	f.Add([]byte(strings.Repeat("z", 5000)), uint8(1))
	f.Add([]byte("OK\rERROR\n+CME ERROR: x\r\n"), uint8(7))
	f.Fuzz(func(t *testing.T, noise []byte, cut uint8) {
		mod, host := net.Pipe()
		s := NewSession(host, Options{Name: "fuzz", CommandTimeout: 5 * time.Second})
		defer s.Close()
		done := make(chan error, 1)
		go func() {
			_, err := s.Command(context.Background(), "AT+CGSN")
			done <- err
		}()
		// Wait for the command, then send noise in pieces, then a clean end.
		buf := make([]byte, 16)
		if _, err := io.ReadAtLeast(mod, buf, len("AT+CGSN\r")); err != nil {
			t.Fatal(err)
		}
		n := int(cut%16) + 1
		for i := 0; i < len(noise); i += n {
			mod.Write(noise[i:min(i+n, len(noise))])
		}
		mod.Write([]byte("\r\n861234567890123\r\nOK\r\n"))
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("session hung")
		}
		mod.Close()
	})
}

// FuzzRedactKey puts the batch's key at every position of arbitrary lines,
// bare or after a KEY tag, and requires that it never survives.
func FuzzRedactKey(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"\xa7\xd5", ""}, {"AT+UPGRADE=\"KEY\",\"", "\",1"}, {"+UPGRADE: KEY,", ""},
		{"\"KEY\",x", ","}, {"EE5lLNHK", "IAuG9t"}, {"…", "…"}} {
		f.Add(s[0], s[1])
	}
	const key = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"
	f.Fuzz(func(t *testing.T, before, after string) {
		for _, line := range []string{before + key + after, before + `AT+UPGRADE="KEY","` + key + `"` + after, before + `+UPGRADE: "KEY",` + key + after} {
			if got := RedactKey(line, key); strings.Contains(got, key) {
				t.Fatalf("RedactKey(%q) = %q keeps the key", line, got)
			}
		}
	})
}
