package upgrade

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/device/sim"
)

const fwEP = "AirM2M_780EP_LTE_AT"

// publishedDeltas returns the delta files the simulator's platform.json
// lists: name → URL.
func publishedDeltas(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "platform.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Files map[string]string `json:"files"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p.Files
}

// deltaMap writes a map of the given entries and reads it back as the CLI
// does.
func deltaMap(t *testing.T, entries ...DeltaEntry) *DeltaMap {
	t.Helper()
	b, err := json.MarshalIndent(map[string][]DeltaEntry{"deltas": entries}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deltas.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadDeltaMap(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// versions gives module i of a URL-scenario fleet the base from[i] and the
// target to[i] (its delta file is published for that pair). The platform
// then knows every version up to the highest, and would serve it to the
// request a module sends by itself after its reboot (URL gone with the
// RAM): no module is listed, so that request gets code 27.
func versions(from, to []int) func(int, *sim.ModuleSpec) {
	return func(i int, s *sim.ModuleSpec) {
		if i < len(from) {
			s.Version, s.Target = from[i], to[i]
		}
		s.NotListed = true
	}
}

// TestDeltaMapMixedVersions: a batch of modules at three versions, one
// URL for every module would send two of them a delta for another base.
// With a map each downloads its own base's delta, once; a module whose
// base the map does not list is held having sent nothing.
func TestDeltaMapMixedVersions(t *testing.T) {
	dir := t.TempDir()
	e, f, _ := fleetSim(t, sim.Config{Dir: dir, Modules: 4, Scenario: "url",
		Tweak: versions([]int{1006, 1007, 1006, 1005}, []int{1007, 1009, 1007, 1007})}, newMemLog(), nil)
	files := publishedDeltas(t, dir)
	n6, n7, n5 := sim.DeltaFileName(fwEP, 1006, 1007), sim.DeltaFileName(fwEP, 1007, 1009), sim.DeltaFileName(fwEP, 1005, 1007)
	m := deltaMap(t,
		DeltaEntry{Firmware: fwEP, From: 1006, To: 1007, URL: files[n6]},
		DeltaEntry{Firmware: fwEP, From: 1007, To: 1009, URL: files[n7]})
	b := e.NewBatch(fast(Config{Mode: ModeURL, Deltas: m}))
	res := map[int]Result{}
	for _, r := range runDeltaBatch(t, b) {
		res[r.From*10+len(res)] = r // keyed below by From
	}
	byFrom := map[int][]Result{}
	for _, r := range res {
		byFrom[r.From] = append(byFrom[r.From], r)
	}
	for _, r := range byFrom[1006] {
		if r.Outcome != Upgraded || r.To != 1007 {
			t.Errorf("%s from 1006: %s to %d (%s), want upgraded to 1007", r.Slot, r.Outcome, r.To, r.Sentence.String())
		}
	}
	if r := byFrom[1007]; len(r) != 1 || r[0].Outcome != Upgraded || r[0].To != 1009 {
		t.Errorf("from 1007: %+v, want upgraded to 1009", r)
	}
	if r := byFrom[1005]; len(r) != 1 || r[0].Outcome != Held || r[0].Requests != 0 ||
		!strings.Contains(r[0].Sentence.String(), "no delta from 1005 for "+fwEP) {
		t.Errorf("from 1005: %+v, want held with no request, saying no delta from 1005", r)
	}
	p := f.Platform()
	for name, want := range map[string]int{n6: 2, n7: 1, n5: 0} {
		if got := p.Downloads(name); got != want {
			t.Errorf("%s downloaded %d times, want %d", name, got, want)
		}
	}
	if n := b.URLChecks(); n != 2 {
		t.Errorf("%d URL checks from the host, want 2 (one per distinct URL)", n)
	}
}

func runDeltaBatch(t *testing.T, b *Batch) []Result {
	t.Helper()
	if err := b.Config().Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	return b.Run(ctx, nil, nil)
}

// TestDeltaPreflightHolds: a URL that answers 404 and a delta bigger than
// the FOTA area are found from the host; the modules that need them are
// held before any downloads anything, and a module with a good URL goes on.
func TestDeltaPreflightHolds(t *testing.T) {
	dir := t.TempDir()
	e, f, _ := fleetSim(t, sim.Config{Dir: dir, Modules: 3, Scenario: "url",
		Tweak: versions([]int{1005, 1006, 1007}, []int{1007, 1007, 1009})}, newMemLog(), nil)
	p := f.Platform()
	gone := sim.DeltaFileName(fwEP, 1005, 1007)
	goneURL := publishedDeltas(t, dir)[gone]
	p.RemoveFile(gone)
	big := f.ServeDelta("big_1007_1009.bin", fwEP, 1007, 1009, 481*1024)
	good := publishedDeltas(t, dir)[sim.DeltaFileName(fwEP, 1006, 1007)]
	m := deltaMap(t,
		DeltaEntry{Firmware: fwEP, From: 1005, To: 1007, URL: goneURL},
		DeltaEntry{Firmware: fwEP, From: 1006, To: 1007, URL: good},
		DeltaEntry{Firmware: fwEP, From: 1007, To: 1009, URL: big})
	b := e.NewBatch(fast(Config{Mode: ModeURL, Deltas: m}))
	for _, r := range runDeltaBatch(t, b) {
		var want Outcome
		var says string
		switch r.From {
		case 1005:
			want, says = Held, "404"
		case 1006:
			want = Upgraded
		case 1007:
			want, says = Held, "more than the Air780EP FOTA area (480 KB)"
		}
		if r.Outcome != want || !strings.Contains(r.Sentence.String(), says) || (want == Held && r.Requests != 0) {
			t.Errorf("%s from %d: %s, %d requests (%s); want %s saying %q", r.Slot, r.From, r.Outcome, r.Requests, r.Sentence.String(), want, says)
		}
	}
	if n := p.Downloads("big_1007_1009.bin"); n != 0 {
		t.Errorf("the oversize delta was downloaded %d times", n)
	}
	if n := p.Downloads(gone); n != 0 {
		t.Errorf("the missing delta was downloaded %d times", n)
	}
	if n := p.Downloads(sim.DeltaFileName(fwEP, 1006, 1007)); n != 1 {
		t.Errorf("the good delta was downloaded %d times, want 1", n)
	}
}

// TestDeltaWrongBase: a delta the map lists from 1006 but made from 1005
// passes the host's check (the host cannot read a delta); the module
// downloads it and refuses it (-1003), and the result says it was made
// for another base, naming the map's line.
func TestDeltaWrongBase(t *testing.T) {
	dir := t.TempDir()
	e, f, _ := fleetSim(t, sim.Config{Dir: dir, Modules: 1, Scenario: "url"}, newMemLog(), nil)
	wrong := f.ServeDelta("wrong.bin", fwEP, 1005, 1007, 1000)
	m := deltaMap(t, DeltaEntry{Firmware: fwEP, From: 1006, To: 1007, URL: wrong})
	b := e.NewBatch(fast(Config{Mode: ModeURL, Deltas: m}))
	res := runDeltaBatch(t, b)
	if len(res) != 1 {
		t.Fatalf("%d results", len(res))
	}
	r := res[0]
	want := fmt.Sprintf("made for another base than this module's V1006, or the file is damaged; remake %s (%s line 3)", wrong, m.Path)
	if r.Outcome != Failed || r.ModuleError != -1003 || !strings.Contains(r.Sentence.String(), want) {
		t.Errorf("%s, error %d (%s); want failed, -1003, saying %q", r.Outcome, r.ModuleError, r.Sentence.String(), want)
	}
	if n := f.Platform().Downloads("wrong.bin"); n != 1 {
		t.Errorf("downloaded %d times, want 1", n)
	}
}

// TestDeltaChain: a module on 1006 reaches the target 1009 through two
// deltas, each step its own attempt of the batch with its reboot and ATI,
// each delta downloaded once, every request counted; a chain that breaks
// (no delta from 1007, or a second delta the server does not have) holds
// its module before the first step.
func TestDeltaChain(t *testing.T) {
	dir := t.TempDir()
	log := newMemLog()
	e, f, _ := fleetSim(t, sim.Config{Dir: dir, Modules: 3, Scenario: "url",
		Tweak: versions([]int{1006, 1003, 1004}, []int{1009, 1009, 1009})}, log, nil)
	a := f.ServeDelta("a_1006_1007.bin", fwEP, 1006, 1007, 1000)
	b7 := f.ServeDelta("b_1007_1009.bin", fwEP, 1007, 1009, 1000)
	c := f.ServeDelta("c_1004_1006.bin", fwEP, 1004, 1006, 1000)
	f.Platform().RemoveFile("c_1004_1006.bin")
	m := deltaMap(t,
		DeltaEntry{Firmware: fwEP, From: 1006, To: 1007, URL: a},
		DeltaEntry{Firmware: fwEP, From: 1007, To: 1009, URL: b7},
		DeltaEntry{Firmware: fwEP, From: 1004, To: 1006, URL: c},
		DeltaEntry{Firmware: fwEP, From: 1003, To: 1005, URL: a})
	batch := e.NewBatch(fast(Config{Mode: ModeURL, Deltas: m, Target: 1009}))
	for _, r := range runDeltaBatch(t, batch) {
		switch r.From {
		case 1006:
			if r.Outcome != Upgraded || r.To != 1009 || r.Requests != 4 || !strings.Contains(r.Sentence.String(), "V1006 → V1007 → V1009") {
				t.Errorf("from 1006: %s to %d, %d requests (%s); want upgraded to 1009 through 1007, 4 requests", r.Outcome, r.To, r.Requests, r.Sentence.String())
			}
			n := 0
			log.mu.Lock()
			for _, at := range log.attempts {
				if at.rec.IMEI == r.IMEI {
					n++
				}
			}
			log.mu.Unlock()
			if n != 2 {
				t.Errorf("from 1006: %d attempts in the log, want 2 (one per step)", n)
			}
		case 1003:
			if r.Outcome != Held || r.Requests != 0 || !strings.Contains(r.Sentence.String(), "no way from V1003 to the target V1009: the deltas stop at V1005") {
				t.Errorf("from 1003: %s, %d requests (%s); want held, the chain broken at 1005", r.Outcome, r.Requests, r.Sentence.String())
			}
		case 1004:
			if r.Outcome != Held || r.Requests != 0 || !strings.Contains(r.Sentence.String(), "404") {
				t.Errorf("from 1004: %s, %d requests (%s); want held for the 404 of its first step", r.Outcome, r.Requests, r.Sentence.String())
			}
		}
	}
	p := f.Platform()
	for name, want := range map[string]int{"a_1006_1007.bin": 1, "b_1007_1009.bin": 1, "c_1004_1006.bin": 0} {
		if n := p.Downloads(name); n != want {
			t.Errorf("%s downloaded %d times, want %d", name, n, want)
		}
	}
}

// TestOneURLMixedVersions is the trouble a delta map solves: with one
// --url for modules at two versions, the module on the other base
// downloads the whole delta and refuses it (-1003). The host's check
// cannot see it (the size fits): only a map per base can.
func TestOneURLMixedVersions(t *testing.T) {
	dir := t.TempDir()
	e, f, _ := fleetSim(t, sim.Config{Dir: dir, Modules: 2, Scenario: "url",
		Tweak: versions([]int{1006, 1007}, []int{1007, 1009})}, newMemLog(), nil)
	name := sim.DeltaFileName(fwEP, 1006, 1007)
	res := runBatch(t, e, Config{Mode: ModeURL, URL: publishedDeltas(t, dir)[name]})
	for _, r := range res {
		switch r.From {
		case 1006:
			if r.Outcome != Upgraded {
				t.Errorf("from 1006: %s (%s), want upgraded", r.Outcome, r.Sentence.String())
			}
		case 1007:
			if r.Outcome != Failed || r.ModuleError != -1003 || !strings.Contains(r.Sentence.String(), "(100 %) and then refused as invalid (-1003)") {
				t.Errorf("from 1007: %s, error %d (%s); want failed -1003 after the whole download", r.Outcome, r.ModuleError, r.Sentence.String())
			}
		}
	}
	if n := f.Platform().Downloads(name); n != 2 {
		t.Errorf("%s downloaded %d times, want 2 (one of them wasted)", name, n)
		for _, q := range f.Platform().Log() {
			t.Logf("%v %s %s %s %d", q.Time.Format("15:04:05.000"), q.Remote, q.Method, q.Path, q.Status)
		}
	}
}
