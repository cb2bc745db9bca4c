package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/upgrade"
)

// waitOutput waits until out holds want (the command prints it when the
// event it waits for has happened), or fails after a minute.
func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("never said %q:\n%s", want, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The operator labels a fixture by plugging modules in one at a time (here
// in the reverse of their USB order: labels follow the plugging, not the
// paths); the labels then stand for the slots in upgrade's lines, in the
// log and in reports, and the station file names the station in the log.
func TestSlotLabels(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 3, Scenario: "happy", Speed: 50,
		Tweak: func(_ int, s *sim.ModuleSpec) { s.Unplugged = true }})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stationPath := filepath.Join(dir, "station.json")
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"slots", "learn", "--ports", f.Dir(), "--station-file", stationPath, "--first", "A1", "--last", "A3", "--lang", "en"}, &out, &errb)
	}()
	mods := f.Modules()
	waitOutput(t, &out, "plug a module into the slot labelled A1")
	want := map[string]string{} // slot → label
	for i := range mods {
		m := mods[len(mods)-1-i]
		m.Plug()
		lab := fmt.Sprintf("A%d", i+1)
		want[m.Slot()] = lab
		waitOutput(t, &out, lab+" ← "+m.Slot())
	}
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "Every label is given: 3 slots") {
			t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
		}
	case <-ctx.Done():
		t.Fatal("slots learn did not end once every label was given")
	}
	st, err := loadStationFile(stationPath)
	if err != nil {
		t.Fatal(err)
	}
	for slot, lab := range want {
		if st.Labels[slot] != lab {
			t.Errorf("%s: labelled %q, want %q", slot, st.Labels[slot], lab)
		}
	}
	st.Station = "line-7"
	if err := st.save(stationPath); err != nil {
		t.Fatal(err)
	}
	var list bytes.Buffer
	if code := run(ctx, []string{"slots", "--station-file", stationPath}, &list, &errb); code != 0 || !strings.HasPrefix(list.String(), "A1 ") {
		t.Fatalf("slots: exit %d:\n%s", code, list.String())
	}

	db := filepath.Join(dir, "log.db")
	var res bytes.Buffer
	if code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--station-file", stationPath, "--mode", "iot", "--json", "--db", db,
		"--reboot-timeout", "8s"}, &res, &errb); code != 0 {
		t.Fatalf("upgrade: exit %d: %s", code, errb.String())
	}
	labelOf := map[string]bool{"A1": true, "A2": true, "A3": true}
	for _, l := range strings.Split(strings.TrimSpace(res.String()), "\n")[:3] {
		var r struct{ Slot, IMEI string }
		if err := json.Unmarshal([]byte(l), &r); err != nil || !labelOf[r.Slot] {
			t.Errorf("upgrade says slot %q (%v), want a label: %s", r.Slot, err, l)
		}
	}
	var hist bytes.Buffer
	if code := run(ctx, []string{"history", "--db", db, "--json"}, &hist, &errb); code != 0 {
		t.Fatalf("history: exit %d", code)
	}
	for _, l := range strings.Split(strings.TrimSpace(hist.String()), "\n") {
		var h historyJSON
		if err := json.Unmarshal([]byte(l), &h); err != nil || !labelOf[h.Slot] || h.Station != "line-7" {
			t.Errorf("the log says slot %q at station %q, want a label at line-7 (%v)", h.Slot, h.Station, err)
		}
	}
}

// The station file's hand-off is the station's policy for every run (a
// flag overrides it for one): here the modules leave with AUTO off and a
// day's period, read back from the simulator's NV.
func TestStationHandoff(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 2, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stationPath := filepath.Join(dir, "station.json")
	st := stationFile{Station: "line-9", Handoff: upgrade.Handoff{Key: upgrade.KeepIt, Auto: "off", Period: 86400 * 2}}
	if err := st.save(stationPath); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--station-file", stationPath, "--mode", "iot", "--json",
		"--db", filepath.Join(dir, "log.db"), "--reboot-timeout", "8s", "--handoff-period", "3600"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, m := range f.Modules() {
		key, _, period, auto := m.NV()
		if auto || period != 3600 || key != "" {
			t.Errorf("%s: NV AUTO %v, PERIOD %d, key %q; want AUTO off (the station's), 3600 (the flag's), no key (keep is key mode's only)", m.Slot(), auto, period, key)
		}
	}
}
