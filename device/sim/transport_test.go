package sim

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Over the tcp transport each interface entry is a regular file holding
// socket://127.0.0.1:PORT; a reboot hangs the port up (the console reads
// EOF), removes the entries and writes them again with new ports, the old
// ones refused; what the module said while nobody was connected (its boot
// lines) waits for the next console, as on a pty.
func TestTCPTransportReboot(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true, Transport: TransportTCP})
	m := f.Modules()[0]
	old := m.Ports()
	for _, iface := range m.Interfaces() {
		fi, err := os.Lstat(m.Link(iface))
		if err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("%s: %v, %v: want a regular file", iface, fi, err)
		}
		if a := linkTarget(m, iface); a != old[iface] || !strings.HasPrefix(a, "socket://127.0.0.1:") {
			t.Errorf("%s holds %q, fleet says %q", iface, a, old[iface])
		}
	}
	ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil || ff.Transport != TransportTCP {
		t.Errorf("fleet.json: transport %q, %v", ff.Transport, err)
	}

	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.waitRegistered()
	if inds := upgrade(c); inds[len(inds)-1] != "100" {
		t.Fatalf("progress %q", inds)
	}
	c.waitClosed()
	waitUntil(t, "entries back", func() bool { return linkTarget(m, atIface(m)) != "" && m.Online() })
	now := m.Ports()
	for _, iface := range m.Interfaces() {
		if now[iface] == old[iface] {
			t.Errorf("%s: same address %s after the reboot", iface, now[iface])
		}
	}
	if conn, err := net.Dial("tcp", strings.TrimPrefix(old[atIface(m)], "socket://")); err == nil {
		conn.Close()
		t.Errorf("the old port %s still accepts connections", old[atIface(m)])
	}
	c = dialAT(t, m)
	c.waitLine("RDY") // written before anyone connected
	if lines, _ := c.answer("ATI"); !slices.Equal(lines, []string{"AirM2M_780EP_V1007_LTE_AT"}) {
		t.Errorf("ATI after upgrade = %q", lines)
	}
}

// A console that closes the port and opens it again at once gets it; the
// newest connection owns the port and the previous one is closed.
func TestTCPTransportReconnect(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true, Transport: TransportTCP})
	m := f.Modules()[0]
	first := dialAT(t, m)
	if _, final := first.answer("AT"); final != "OK" {
		t.Fatalf("AT: %s", final)
	}
	second := dialAT(t, m)
	first.waitClosed()
	if _, final := second.answer("AT+CGSN"); final != "OK" {
		t.Fatalf("AT+CGSN on the new connection: %s", final)
	}
	second.f.Close()
	second.waitClosed()
	third := dialAT(t, m)
	if lines, _ := third.answer("AT+CGSN"); !slices.Equal(lines, []string{m.IMEI()}) {
		t.Errorf("AT+CGSN after reconnecting = %q", lines)
	}
}

func TestUnknownTransport(t *testing.T) {
	_, err := Start(t.Context(), Config{Dir: t.TempDir(), Modules: 1, Transport: "serial"})
	if !errors.Is(err, errUnknownTransport) || !strings.Contains(err.Error(), TransportTCP) {
		t.Errorf("Start(transport serial) = %v; want errUnknownTransport naming tcp", err)
	}
}
