package device_test

import (
	"context"
	"errors"
	"os"
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

// A module whose slot another airfleet holds is reported in use with that
// process's PID, and none of its ports is opened; the others are
// identified as usual.
func TestInspectModuleInUse(t *testing.T) {
	t.Setenv(device.LockDirEnv, t.TempDir())
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: dir, Modules: 2, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cands, err := (&device.DirSource{Dir: dir}).List()
	if err != nil || len(cands) != 2 {
		t.Fatalf("List() = %v, %v", cands, err)
	}
	l, err := device.LockSlot("", cands[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	found := device.Inspect(ctx, cands, 0)
	var iu *device.InUseError
	if !errors.As(found[0].Err, &iu) || iu.Slot != cands[0].Slot || iu.PID != os.Getpid() {
		t.Errorf("%s: %v, want in use by PID %d", cands[0].Slot, found[0].Err, os.Getpid())
	}
	if found[0].Confirmed || found[0].Info.IMEI != "" {
		t.Errorf("%s was opened while another held it: %+v", cands[0].Slot, found[0])
	}
	if found[1].Err != nil || found[1].Info.IMEI == "" {
		t.Errorf("%s: %v, want identified", cands[1].Slot, found[1].Err)
	}
	// Inspect lets go of what it took: the free module can be locked now.
	l2, err := device.LockSlot("", cands[1])
	if err != nil {
		t.Fatalf("after Inspect: %v", err)
	}
	l2.Close()
}

// Two-port builds (_LSAT: 00 AT, 02 binary log) beside a three-port one
// are confirmed (scan's probe) and identified on their AT ports, and the
// simulator counts no byte written to any log port.
func TestInspectTwoPortModules(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: dir, Modules: 3, Scenario: "lsat", Models: []string{"", "", "Air780EP"}, Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cands, err := (&device.DirSource{Dir: dir}).List()
	if err != nil || len(cands) != 3 {
		t.Fatalf("List() = %v, %v", cands, err)
	}
	for _, c := range device.Confirm(ctx, cands, device.ProbeAT, 0) {
		if !c.Confirmed {
			t.Errorf("%s: not confirmed: %v", c.Slot, c.Problem)
		}
	}
	for _, fd := range device.Inspect(ctx, cands, 0) {
		m := f.Module(fd.Slot)
		at := sim.IF06
		if m.Model().TwoPort {
			at = sim.IF00
		}
		if fd.Err != nil || fd.ATPort != m.Ports()[at] || fd.Info.Firmware.Raw != m.Firmware() {
			t.Errorf("%s: AT port %s, firmware %s, err %v; want %s (%s), %s", fd.Slot, fd.ATPort, fd.Info.Firmware.Raw, fd.Err, m.Ports()[at], at, m.Firmware())
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, m := range f.Modules() {
		if n := m.LogBytesIn(); n != 0 {
			t.Errorf("%s (%s): %d bytes written to its log port %s", m.Slot(), m.Firmware(), n, m.LogInterface())
		}
	}
}
