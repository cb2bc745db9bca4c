package upgrade

import (
	"strings"
	"testing"

	"airfleet/device/sim"
)

// What a module keeps in NV when it leaves the line: key mode keeps the
// key the operator gave (saved at the end, after the upgrade ran on a key
// in RAM); a station that says so clears keys and sets AUTO and PERIOD;
// every step is read back and logged; one that does not take fails the
// module with the reason.
func TestHandoff(t *testing.T) {
	t.Run("key mode keeps the key by default", func(t *testing.T) {
		log := newMemLog()
		e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy"}, log, nil)
		key := f.ProjectKey(sim.AccountMain, "EC718")
		m := ff.Modules[0]
		if r := runBatch(t, e, Config{Mode: ModeKey, Key: key})[m.IMEI]; r.Outcome != Upgraded {
			t.Fatalf("%s (%s)", r.Outcome, r.Sentence.String())
		}
		if nvKey, _, _, _ := f.Module(m.Slot).NV(); nvKey != key {
			t.Errorf("NV key %q after a key-mode upgrade, want the operator's key", nvKey)
		}
		if !logSays(log, m.IMEI, "hand-off: KEY …") {
			t.Error("the log does not record the key's hand-off")
		}
	})
	t.Run("clear keys, AUTO off, a day's period", func(t *testing.T) {
		log := newMemLog()
		e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
			s.Key = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"
			s.Quirks.ClearWithEmpty = true
		}}, log, nil)
		m := ff.Modules[0]
		cfg := Config{Mode: ModeIoT, Handoff: Handoff{Key: ClearIt, Auto: "off", Period: 3600}}
		if r := runBatch(t, e, cfg)[m.IMEI]; r.Outcome != Upgraded {
			t.Fatalf("%s (%s)", r.Outcome, r.Sentence.String())
		}
		key, _, period, auto := f.Module(m.Slot).NV()
		if key != "" || auto || period != 3600 {
			t.Errorf("NV key %q, AUTO %v, PERIOD %d; want no key, AUTO off, 3600", key, auto, period)
		}
		for _, want := range []string{"hand-off: KEY", "hand-off: AUTO off", "hand-off: PERIOD 3600"} {
			if !logSays(log, m.IMEI, want) {
				t.Errorf("the log does not say %q", want)
			}
		}
	})
	t.Run("a step that does not take fails the module", func(t *testing.T) {
		e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
			s.Key = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o" // another key, left in NV…
			s.Quirks.ClearWithEmpty = false            // …on a build that will not clear it
		}}, newMemLog(), nil)
		m := ff.Modules[0]
		cfg := Config{Mode: ModeKey, Key: f.ProjectKey(sim.AccountMain, "EC718"), Handoff: Handoff{Key: ClearIt}}
		r := runBatch(t, e, cfg)[m.IMEI]
		if r.Outcome != Failed || !strings.Contains(r.Sentence.String(), "hand-off did not take") || r.To == r.From {
			t.Errorf("%s %d→%d (%s), want failed for the hand-off, on the new version", r.Outcome, r.From, r.To, r.Sentence.String())
		}
	})
	t.Run("bad hand-offs are refused before anything is sent", func(t *testing.T) {
		for _, c := range []struct {
			cfg   Config
			field string
		}{
			{Config{Mode: ModeIoT, Handoff: Handoff{Key: "maybe"}}, "--handoff-key"},
			{Config{Mode: ModeIoT, Handoff: Handoff{URL: "yes"}}, "--handoff-url"},
			{Config{Mode: ModeIoT, Handoff: Handoff{Auto: "yes"}}, "--handoff-auto"},
			{Config{Mode: ModeIoT, Handoff: Handoff{Period: 30}}, "--handoff-period"},
		} {
			if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.field) {
				t.Errorf("%+v: %v, want an error naming %s", c.cfg.Handoff, err, c.field)
			}
		}
	})
	t.Run("a station's keep applies in its own mode only", func(t *testing.T) {
		station := Handoff{Key: KeepIt, URL: KeepIt, Auto: "off"}
		if err := (Config{Mode: ModeIoT, Handoff: station}).Validate(); err != nil {
			t.Errorf("a station policy refused in iot mode: %v", err)
		}
		if got := station.effective(ModeIoT); got.Key != KeepDefault || got.URL != KeepDefault || got.Auto != "off" {
			t.Errorf("in iot mode: %+v, want no key or URL kept, AUTO off", got)
		}
		if got := station.effective(ModeURL); got.Key != KeepDefault || got.URL != KeepIt {
			t.Errorf("in URL mode: %+v, want the URL kept", got)
		}
		if flag, _ := (Handoff{Key: KeepIt}).Misplaced(ModeIoT); flag != "handoff-key" {
			t.Errorf("Misplaced: %q, want handoff-key (the command line refuses it)", flag)
		}
	})
}

// logSays reports whether an event of imei in the log holds text.
func logSays(l *memLog, imei, text string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.e.IMEI == imei && strings.Contains(e.e.Sentence.String(), text) {
			return true
		}
	}
	return false
}
