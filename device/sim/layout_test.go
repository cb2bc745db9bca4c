package sim

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// A two-port build (_LSAT) shows if00 (AT) and if02 (binary log) and
// nothing else; a module that names its interfaces shows the names in its
// links. AT is answered on if00; the log port answers nothing, and every
// byte written to it is counted.
func TestTwoPortLayout(t *testing.T) {
	f := startFleet(t, Config{Modules: 3, Scenario: "lsat", NoQuirks: true,
		Models: []string{"", "", "Air780EP"}, Tweak: func(i int, s *ModuleSpec) {
			s.NamedPorts = i != 1
		}})
	want := []struct {
		entries []string
		log     string
	}{
		{[]string{"if00-at", "if02-log"}, IF02},
		{[]string{"if00", "if02"}, IF02},
		{[]string{"if02-at", "if04-log", "if06-at"}, IF04},
	}
	for i, m := range f.Modules() {
		at := atIface(m)
		waitUntil(t, "AT link", func() bool { return linkTarget(m, at) != "" })
		var names []string
		entries, err := os.ReadDir(m.Dir())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, want[i].entries) || m.LogInterface() != want[i].log {
			t.Errorf("module %d: entries %v, log %s; want %v, log %s", i, names, m.LogInterface(), want[i].entries, want[i].log)
		}
		if lines, final := dialAT(t, m).answer("ATI"); final != "OK" || len(lines) == 0 || lines[len(lines)-1] != m.Firmware() {
			t.Errorf("module %d: ATI = %q %s, want %s", i, lines, final, m.Firmware())
		}
		if i < 2 && m.Firmware() != "AirM2M_780E_V1183_LTE_LSAT" {
			t.Errorf("module %d runs %s, want AirM2M_780E_V1183_LTE_LSAT", i, m.Firmware())
		}
		if n := m.LogBytesIn(); n != 0 {
			t.Fatalf("module %d: %d bytes on its log port before anyone wrote there", i, n)
		}
		lf, err := os.OpenFile(m.Link(m.LogInterface()), os.O_RDWR|syscall.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lf.Write([]byte("AT\r")); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the log port's count", func() bool { return m.LogBytesIn() >= 3 })
		lf.Close()
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for i, m := range f.Modules() {
		if n := m.LogBytesIn(); n != 3 {
			t.Errorf("module %d: %d bytes counted on its log port, 3 written", i, n)
		}
	}
	ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, mi := range ff.Modules {
		if mi.Log != want[i].log || mi.Named != (i != 1) {
			t.Errorf("fleet.json module %d: log %q named %v", i, mi.Log, mi.Named)
		}
	}
}
