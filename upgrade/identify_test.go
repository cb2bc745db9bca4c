package upgrade

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"airfleet/device"
)

// The station opens a module's AT ports only, best first, by its layout:
// never a two-port build's log port 02 (spec §6).
func TestCandidatePortsByLayout(t *testing.T) {
	for _, tt := range []struct {
		ports map[int]string
		want  []string
	}{
		{map[int]string{2: "if02", 4: "if04", 6: "if06"}, []string{"if06", "if02"}},
		{map[int]string{2: "if02", 4: "if04"}, []string{"if02"}},
		{map[int]string{0: "if00", 2: "if02"}, []string{"if00"}},
		{map[int]string{2: "if02"}, nil},
	} {
		got := candidatePorts(device.Candidate{Slot: "m", Ports: tt.ports})
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ports %v: candidatePorts = %v, want %v", tt.ports, got, tt.want)
		}
	}
}

// A candidate names its ports as they were when the slot was listed. If
// the module is unplugged before the station opens them, the kernel gives
// the freed port to the next module that appears (a pty number, a
// ttyACM minor): the station, holding the first module's slot lock, would
// open the other module's port, read its answers beside that module's own
// console (two readers splitting its lines, as the soak saw) and put its
// IMEI in the wrong slot, where another airfleet may be driving it. The
// station confirms that the slot still lists the port before it opens it
// (so that not a byte of another module's is read) and again once it is
// open (an open port is not handed to anyone else).
func TestIdentifyRefusesAPortNoLongerTheSlots(t *testing.T) {
	f := simFleet(t, 2)
	src := &device.DirSource{Dir: f.Dir()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cands := map[string]device.Candidate{}
	for ev := range device.Watch(ctx, src, 20*time.Millisecond) {
		if at, ok := ev.(device.Attached); ok {
			cands[at.Candidate.Slot] = at.Candidate
		}
		if _, ok := ev.(device.Listed); ok && len(cands) == 2 {
			break
		}
	}
	mods := f.Modules()
	a, b := cands[mods[0].Slot()], cands[mods[1].Slot()]
	if a.ATPort == "" || b.ATPort == "" {
		t.Fatalf("the fleet's modules were not listed: %+v", cands)
	}
	// Slot a as it was listed, its ports now another module's.
	stale := a
	stale.Ports, stale.Names, stale.ATPort = b.Ports, b.Names, b.ATPort

	var mu sync.Mutex
	var lines []string // what the station logged for slot a
	st := NewSessions(src, SessionsOptions{LockDir: t.TempDir(), Transcript: func(slot, _ string, r device.Record) {
		if slot == a.Slot {
			mu.Lock()
			lines = append(lines, r.Dir.String()+" "+r.Text)
			mu.Unlock()
		}
	}})
	defer st.locks.close()
	got := st.identify(ctx, stale)
	if got.Session != nil {
		defer got.Session.Close()
	}
	mu.Lock()
	if len(lines) > 0 { // not even opened: not a byte of the other module's read
		t.Errorf("slot %s opened the other module's port: its transcript holds %q", a.Slot, lines)
	}
	mu.Unlock()
	if got.Err == nil || got.Info.IMEI == mods[1].IMEI() {
		t.Fatalf("slot %s opened a port slot %s lists: identified %q (err %v), want an error and not %s's IMEI",
			a.Slot, b.Slot, got.Info.IMEI, got.Err, mods[1].IMEI())
	}
	if !strings.Contains(got.Err.Error(), a.Slot) || !strings.Contains(got.Err.Error(), "no longer") {
		t.Errorf("the error should name the slot and say its port moved: %v", got.Err)
	}
	// The slot's own candidate, listed afresh, is identified as usual.
	if own := st.identify(ctx, a); own.Err != nil || own.Info.IMEI != mods[0].IMEI() {
		t.Errorf("slot %s's own ports: identified %q (err %v), want %s", a.Slot, own.Info.IMEI, own.Err, mods[0].IMEI())
	} else {
		own.Session.Close()
	}
}
