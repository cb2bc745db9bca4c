package upgrade

import (
	"strings"
	"testing"

	"airfleet/device/sim"
)

// A project key left in a module's NV by earlier work would send the
// default-project request to that key's project: it is cleared for the
// upgrade (RAM only, NV keeps it) where the build allows, and a build that
// keeps it is held before any request is spent.
func TestStoredKeyNeverRedirectsPlatformMode(t *testing.T) {
	const stale = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o" // no project on the simulated platform has it
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 2, Scenario: "happy", Tweak: func(i int, s *sim.ModuleSpec) {
		s.Key = stale
		s.Quirks.ClearWithEmpty = i == 0 // module 1's build refuses AT+UPGRADE="KEY",""
	}}, log, nil)
	res := runBatch(t, e, Config{Mode: ModeIoT})
	cleared, kept := ff.Modules[0], ff.Modules[1]
	if r := res[cleared.IMEI]; r.Outcome != Upgraded {
		t.Errorf("module whose build clears the key: %s (%s)", r.Outcome, r.Sentence.String())
	}
	r := res[kept.IMEI]
	if r.Outcome != Held || !strings.Contains(r.Sentence.String(), "…hl0o") || r.Requests != 0 {
		t.Errorf("module whose build keeps the key: %s with %d requests (%s), want held with none", r.Outcome, r.Requests, r.Sentence.String())
	}
	if n := f.Platform().Requests(kept.IMEI); n != 0 {
		t.Errorf("the platform counted %d requests from the held module", n)
	}
	for _, m := range ff.Modules {
		if key, _, _, _ := f.Module(m.Slot).NV(); key != stale {
			t.Errorf("%s: NV key %q after the batch, want the owner's key left as it was", m.Slot, key)
		}
	}
	sameCount(t, f, log, cleared.IMEI)
}
