package upgrade

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// TestStaticSocketEntries is a hub behind ser2net: each port has one
// address that never changes, and a module that reboots only drops the
// connection (the server stays; while the module is away it accepts and
// hangs up at once). The fleet directory's entries never change, so the
// engine must take the dropped connection for the unplug and find the
// module again after its reboot.
func TestStaticSocketEntries(t *testing.T) {
	simDir := t.TempDir()
	ctx := t.Context()
	f, err := sim.Start(ctx, sim.Config{Dir: simDir, Modules: 2, Scenario: "happy", Speed: simSpeed, Transport: sim.TransportTCP})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hub := t.TempDir()
	for _, m := range f.Modules() {
		for _, iface := range m.Interfaces() {
			addr := relay(t, m.Link(iface))
			if err := os.MkdirAll(filepath.Join(hub, m.Slot()), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(hub, m.Slot(), iface), []byte(addr+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := NewEngine(&device.DirSource{Dir: hub}, newMemLog(), EngineOptions{Interval: 20 * time.Millisecond})
	done := make(chan struct{})
	rctx, cancel := context.WithCancel(ctx)
	go func() { e.Run(rctx); close(done) }()
	defer func() { cancel(); <-done }()
	if err := e.Sessions().WaitReady(rctx); err != nil {
		t.Fatal(err)
	}
	ff, err := sim.ReadFleetFile(filepath.Join(simDir, "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	check(t, ff, runBatch(t, e, Config{Mode: ModeIoT}))
}

// relay is a raw TCP serial server in front of one simulated port: each
// connection is joined to the port's current address (read from its
// entry); when the port is away, the connection is closed at once, and
// when either side ends, so does the other.
func relay(t *testing.T, entry string) string {
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
			b, _ := os.ReadFile(entry)
			addr, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "socket://")
			var m net.Conn
			if ok {
				m, err = net.Dial("tcp", addr)
			}
			if !ok || err != nil {
				c.Close()
				continue
			}
			var once sync.Once
			end := func() { once.Do(func() { c.Close(); m.Close() }) }
			go func() { io.Copy(m, c); end() }()
			go func() { io.Copy(c, m); end() }()
		}
	}()
	return "socket://" + ln.Addr().String()
}
