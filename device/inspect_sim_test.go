package device_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// TestInspect32SimulatedModules identifies 32 simulated modules in
// parallel over real ptys, with every quirk of the simulator on (line
// endings, split writes, URCs inside answers, extra ATI lines), and checks
// each against the fleet's own description.
func TestInspect32SimulatedModules(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: dir, Modules: 32, Scenario: "mixed", Speed: 50, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ff, err := sim.ReadFleetFile(filepath.Join(dir, "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	cands, err := (&device.DirSource{Dir: dir}).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 32 {
		t.Fatalf("listed %d modules, want 32", len(cands))
	}
	found := device.Inspect(ctx, cands, 0)
	bySlot := map[string]device.Found{}
	imeis := map[string]bool{}
	for _, fd := range found {
		if fd.Err != nil {
			t.Errorf("%s: %v", fd.Slot, fd.Err)
			continue
		}
		bySlot[fd.Slot] = fd
		imeis[fd.Info.IMEI] = true
	}
	if len(imeis) != 32 {
		t.Fatalf("%d distinct IMEIs, want 32", len(imeis))
	}
	for _, m := range ff.Modules {
		fd := bySlot[m.Slot]
		if fd.Info.IMEI != m.IMEI || fd.Info.Firmware.Raw != m.Firmware || fd.Info.Firmware.Core != m.Core || fd.Info.Model != m.Model || fd.Info.ICCID != m.ICCID {
			t.Errorf("%s: identified %+v, the fleet says %s %s %s V%d %s", m.Slot, fd.Info, m.IMEI, m.Model, m.Firmware, m.Core, m.ICCID)
		}
		if filepath.Base(fd.ATPort) == "" || fd.ATPort != m.Ports["if06"] {
			t.Errorf("%s: AT port %s, want if06 %s", m.Slot, fd.ATPort, m.Ports["if06"])
		}
	}
}
