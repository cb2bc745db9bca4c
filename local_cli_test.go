package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/store"
)

// airfleet upgrade --mode local --deltas FILE on a simulated fleet of
// modules without SIM cards: the plan is said first, each module ends as
// the simulator expects, no platform request is counted, and the log
// holds every step (the segment writes abbreviated).
func TestUpgradeLocalCLI(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 6, Scenario: "local", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db := filepath.Join(dir, "log.db")
	var out, errb bytes.Buffer
	code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "local", "--deltas", f.DeltaMap(), "--target", "1162",
		"--json", "--db", db, "--apply-timeout", "20s"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (two modules are held in this scenario); stderr %s", code, errb.String())
	}
	if want := "airfleet: plan: 3 modules: 1160→1161→1162; 2 modules: 1161→1162; 1 held: no delta from 1157"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr lacks the plan %q:\n%s", want, errb.String())
	}
	ff, err := sim.ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]sim.Expect{}
	for _, m := range ff.Modules {
		want[m.IMEI] = m.Expect
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var sum map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum["upgraded"].(float64) != 4 || sum["held"].(float64) != 2 || sum["requests"].(float64) != 0 {
		t.Errorf("summary %v: want 4 upgraded, 2 held, no request", sum)
	}
	for _, l := range lines[:len(lines)-1] {
		var r struct {
			IMEI, Result string
			To           int
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if exp := want[r.IMEI]; r.Result != exp.Result || exp.To != 0 && r.To != exp.To {
			t.Errorf("%s: %s to %d, want %s to %d", r.IMEI, r.Result, r.To, exp.Result, exp.To)
		}
	}
	rd, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	atts, err := rd.Attempts(store.AttemptFilter{})
	if err != nil {
		t.Fatal(err)
	}
	segments := 0
	for _, a := range atts {
		if a.Mode != store.ModeLocal {
			t.Errorf("attempt %d logged in mode %q", a.ID, a.Mode)
		}
		lines, err := rd.TranscriptOf(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if strings.HasPrefix(l.Text, "AT+UARTUPGRADE=1,") {
				segments++
				if len(l.Text) > 120 {
					t.Fatalf("attempt %d: a segment logged in full (%d characters)", a.ID, len(l.Text))
				}
			}
		}
	}
	if segments == 0 {
		t.Error("no segment write in the log")
	}
}
