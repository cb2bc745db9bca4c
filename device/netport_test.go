package device

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseNetworkPort(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" means refused
		says     string
	}{
		{"socket://127.0.0.1:4001", "127.0.0.1:4001", ""},
		{"socket://hub-3.line2.local:7000", "hub-3.line2.local:7000", ""},
		{"socket://[::1]:4001", "[::1]:4001", ""},
		{"socket://127.0.0.1", "", "lacks a host or a port"},
		{"socket://:4001", "", "lacks a host or a port"},
		{"socket://127.0.0.1:0", "", "not 1 to 65535"},
		{"socket://127.0.0.1:65536", "", "not 1 to 65535"},
		{"socket://127.0.0.1:http", "", "not 1 to 65535"},
		{"rfc2217://127.0.0.1:4001", "", "set the ser2net port to raw mode"},
		{"tcp://127.0.0.1:4001", "", `scheme "tcp"`},
		{"127.0.0.1:4001", "", "has no scheme"},
		{"socket://127.0.0.1:4001/if06", "", "a path"},
		{"socket://admin:hunter2@127.0.0.1:4001", "", "a user"},
		{"socket://127.0.0.1:4001\r\nAT+RESET", "", "control characters"},
		{"socket://127.0.0.1:40 01", "", "spaces"},
	} {
		got, err := ParseNetworkPort(c.in)
		if c.want != "" {
			if err != nil || got != c.want {
				t.Errorf("ParseNetworkPort(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrBadAddress) || !strings.Contains(err.Error(), c.says) ||
			!strings.Contains(err.Error(), "socket://HOST:PORT") {
			t.Errorf("ParseNetworkPort(%q) = %q, %v; want ErrBadAddress saying %q and the fix", c.in, got, err, c.says)
		}
		if strings.Contains(c.in, "hunter2") && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseNetworkPort(%q): the error shows the password: %v", c.in, err)
		}
	}
}

func FuzzParseNetworkPort(f *testing.F) {
	for _, s := range []string{"socket://127.0.0.1:4001", "socket://[::1]:1", "rfc2217://h:2", "socket://a:b@c:1", "socket://h:1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hp, err := ParseNetworkPort(s)
		if err != nil {
			return
		}
		if strings.ContainsFunc(hp, func(r rune) bool { return r <= ' ' || r > 0x7e }) || strings.ContainsAny(hp, "@/?#") {
			t.Fatalf("ParseNetworkPort(%q) = %q: takes characters an address has no use for", s, hp)
		}
	})
}

// listenAT is a module behind a serial server: it answers OK to every
// command on each connection, until the test ends.
func listenAT(t *testing.T) (addr string, ln net.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				sc.Split(splitCR)
				for sc.Scan() {
					if _, err := c.Write([]byte("\r\nOK\r\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "socket://" + ln.Addr().String(), ln
}

func splitCR(data []byte, atEOF bool) (int, []byte, error) {
	if i := strings.IndexByte(string(data), '\r'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func TestOpenNetworkPort(t *testing.T) {
	addr, _ := listenAT(t)
	s, err := Open(addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Ping(ctx, s); err != nil {
		t.Fatalf("Ping over %s: %v", addr, err)
	}
}

// A dropped connection ends the session as an unplug does.
func TestNetworkPortDropIsUnplug(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	s, err := Open("socket://"+ln.Addr().String(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	(<-accepted).Close()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end when the connection dropped")
	}
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", s.Err())
	}
}

func TestOpenNetworkPortErrors(t *testing.T) {
	// A port where nothing listens: as good as unplugged, with the fix.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "socket://" + ln.Addr().String()
	ln.Close()
	_, err = Open(dead, Options{})
	var pe *PortError
	if !errors.As(err, &pe) || pe.Kind != PortNotFound || !strings.Contains(err.Error(), "ser2net") || !strings.Contains(err.Error(), dead) {
		t.Errorf("Open(%s) = %v; want PortNotFound naming the address and ser2net", dead, err)
	}
	if TryNextPort(err) != true {
		t.Errorf("TryNextPort(%v) = false: a dead 06 must fall back to 02", err)
	}
	// A bad address: refused before any connection, password hidden.
	_, err = Open("socket://op:hunter2@127.0.0.1:1", Options{})
	if !errors.As(err, &pe) || pe.Kind != PortNotSerial || !errors.Is(err, ErrBadAddress) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open(bad address) = %v; want PortNotSerial wrapping ErrBadAddress, no password", err)
	}
}

// An interface entry that is a regular file holding socket://host:port is
// a port over TCP; any other regular file stays a setup mistake, and a bad
// address is a problem that says what is wrong.
func TestDirSocketEntries(t *testing.T) {
	fleet := t.TempDir()
	addr, _ := listenAT(t)
	writeTestFile(t, filepath.Join(fleet, "1-1.1", "if02"), "socket://127.0.0.1:4102\n")
	writeTestFile(t, filepath.Join(fleet, "1-1.1", "if04"), "socket://127.0.0.1:4104\n")
	writeTestFile(t, filepath.Join(fleet, "1-1.1", "if06"), addr+"\n")
	writeTestFile(t, filepath.Join(fleet, "1-1.2", "if00-at"), "socket://hub:4000")
	writeTestFile(t, filepath.Join(fleet, "1-1.2", "if02-log"), "socket://hub:4001")
	writeTestFile(t, filepath.Join(fleet, "1-1.3", "if06"), "rfc2217://hub:4000\n")
	writeTestFile(t, filepath.Join(fleet, "1-1.4", "if06"), "socket://hub:4000\nsocket://hub:4001\n")
	writeTestFile(t, filepath.Join(fleet, "1-1.5", "if06"), "COM11\n")
	writeTestFile(t, filepath.Join(fleet, "1-1.6", "if06"), "socket://op:hunter2@hub:4000\n")

	got, err := (&DirSource{Dir: fleet}).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("List() =\n%s", dumpDirCandidates(got))
	}
	if c := got[0]; c.Problem != nil || c.ATPort != addr || c.Ports[2] != "socket://127.0.0.1:4102" || c.Ports[4] != "socket://127.0.0.1:4104" {
		t.Errorf("three-port module over TCP: %+v", c)
	}
	if c := got[1]; c.Problem != nil || c.ATPort != "socket://hub:4000" {
		t.Errorf("two-port module over TCP: %+v", c)
	}
	for i, says := range map[int]string{
		2: "raw mode",
		3: "more than one line",
		5: "a user",
	} {
		if c := got[i]; c.Problem == nil || !strings.Contains(c.Problem.Error(), says) {
			t.Errorf("%s: problem %v, want one saying %q", c.Slot, c.Problem, says)
		}
	}
	if c := got[4]; !errors.Is(c.Problem, ErrNotSerial) {
		t.Errorf("%s: a file holding COM11: problem %v, want ErrNotSerial", c.Slot, c.Problem)
	}
	if c := got[5]; strings.Contains(c.Problem.Error(), "hunter2") || strings.Contains(c.ATPort, "hunter2") {
		t.Errorf("%s: the password shows: %v, %s", c.Slot, c.Problem, c.ATPort)
	}

	// The module in 1-1.1 answers over TCP as over a tty.
	found := Inspect(t.Context(), got[:1], 0)
	if found[0].Err != nil && !strings.Contains(found[0].Err.Error(), "AT+") {
		t.Logf("Inspect: %v", found[0].Err) // the fake answers OK only: Identify may fail, the ping may not
	}
	if !found[0].Confirmed || found[0].ATPort != addr {
		t.Errorf("Inspect over TCP: %+v", found[0])
	}

	// The entry rewritten (a reboot: the simulator's new port) is read
	// again; removed, the module is gone.
	writeTestFile(t, filepath.Join(fleet, "1-1.2", "if00-at"), "socket://hub:4010\n")
	ageDir(t, filepath.Join(fleet, "1-1.2"))
	src := &DirSource{Dir: fleet}
	got, _ = src.List()
	if got[1].ATPort != "socket://hub:4010" {
		t.Errorf("rewritten entry: AT port %s, want socket://hub:4010", got[1].ATPort)
	}
	if err := os.RemoveAll(filepath.Join(fleet, "1-1.2")); err != nil {
		t.Fatal(err)
	}
	got, _ = src.List()
	for _, c := range got {
		if c.Slot == "1-1.2" {
			t.Errorf("removed slot still listed: %+v", c)
		}
	}
}

// A dropped connection holds its entry down: the fleet directory lists the
// module as gone for dropHoldDown, then back. Our own Close is no drop.
func TestDroppedConnectionIsAnUnplug(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	addr := "socket://" + ln.Addr().String()
	fleet := t.TempDir()
	writeTestFile(t, filepath.Join(fleet, "1-1.1", "if00-at"), addr+"\n")
	src := &DirSource{Dir: fleet}
	listed := func() bool {
		got, err := src.List()
		return err == nil && len(got) == 1 && got[0].ATPort == addr
	}
	if !listed() {
		t.Fatal("the module is not listed")
	}

	// Our own Close: still listed.
	s, err := Open(addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	<-accepted
	s.Close()
	<-s.Done()
	if !listed() {
		t.Fatal("closing our own session unplugged the module")
	}

	// The far end hangs up: gone, then back after the hold-down.
	s, err = Open(addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	(<-accepted).Close()
	<-s.Done()
	if listed() {
		t.Fatal("still listed right after its connection dropped")
	}
	deadline := time.Now().Add(dropHoldDown + 10*time.Second)
	for !listed() {
		if time.Now().After(deadline) {
			t.Fatal("never listed again after the drop")
		}
		time.Sleep(20 * time.Millisecond) // polling as a watcher does
	}
}
