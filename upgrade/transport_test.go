package upgrade

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"airfleet/device/sim"
)

// TestTransports runs the main scenarios over every transport the simulator
// has here (on Linux: ptys, and socket:// ports over TCP as a remote hub
// behind ser2net offers them) and wants the same results from each: every
// module's outcome, code and version as the scenario expects, and the same
// on both. "mixed" holds an unplug, a slow reboot and a failed apply, so a
// dropped connection and an entry written again under a new port are
// exercised too.
func TestTransports(t *testing.T) {
	scenarios := []struct {
		name    string
		modules int
	}{{"happy", 4}, {"mixed", 8}, {"lsat", 3}, {"url", 2}}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]map[string]string{} // transport → slot → result
			for _, tr := range sim.Transports() {
				dir := t.TempDir()
				e, _, ff := fleet(t, sim.Config{Dir: dir, Modules: sc.modules, Scenario: sc.name, Transport: tr})
				if ff.Transport != tr {
					t.Fatalf("fleet.json says transport %q, want %q", ff.Transport, tr)
				}
				if tr == sim.TransportTCP {
					checkSocketEntries(t, dir, ff)
				}
				cfg := Config{Mode: ModeIoT}
				if ff.Mode == sim.ModeURL {
					cfg = Config{Mode: ModeURL, URL: deltaURL(t, dir)}
				}
				res := runBatch(t, e, cfg)
				check(t, ff, res)
				got[tr] = map[string]string{}
				for _, r := range res {
					got[tr][r.Slot] = string(r.Outcome) + " " + itoa(r.Code) + " " + itoa(r.ModuleError) + " to " + itoa(r.To)
				}
			}
			first := sim.Transports()[0]
			for _, tr := range sim.Transports()[1:] {
				for slot, want := range got[first] {
					if got[tr][slot] != want {
						t.Errorf("%s over %s: %s; over %s: %s", slot, tr, got[tr][slot], first, want)
					}
				}
			}
		})
	}
}

// checkSocketEntries: over TCP, each online module's entries are regular
// files holding socket://127.0.0.1:PORT, as fleet.json lists them.
func checkSocketEntries(t *testing.T, dir string, ff sim.FleetFile) {
	t.Helper()
	for _, m := range ff.Modules {
		for ifc, addr := range m.Ports {
			if !strings.HasPrefix(addr, "socket://127.0.0.1:") {
				t.Errorf("%s %s: address %q", m.Slot, ifc, addr)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(dir, m.Slot))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if !e.Type().IsRegular() {
				t.Errorf("%s/%s is %v, not a regular file", m.Slot, e.Name(), e.Type())
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
