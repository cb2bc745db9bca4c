package upgrade

// The hand-off: what a module keeps in NV when it leaves the line.

import (
	"context"
	"errors"
	"strconv"
	"time"

	"airfleet/device"
)

// Keep is a hand-off choice for a stored value: leave it as the mode
// implies, keep the batch's value, or clear whatever is stored.
type Keep string

// Hand-off choices.
const (
	KeepDefault Keep = ""      // what the mode implies
	KeepIt      Keep = "keep"  // save the batch's key or URL to NV
	ClearIt     Keep = "clear" // clear any key or URL stored in NV
)

// Handoff is what a module keeps when it leaves the line, applied and read
// back at the end of an upgrade that passed (upgraded, or current). The zero
// value is what the mode implies: key mode keeps the key the operator gave;
// nothing else is left behind (the module's NV stays as it came: the URL of
// URL mode and the AUTO the console switched off lived in RAM only).
type Handoff struct {
	Key    Keep   `json:"key,omitempty"`
	URL    Keep   `json:"url,omitempty"`
	Auto   string `json:"auto,omitempty"`   // "" as it came, "on" or "off"
	Period int64  `json:"period,omitempty"` // seconds between the module's own checks; 0: as it came
}

// ForMode is the hand-off a station's policy gives a batch in mode: a
// "keep" of the key applies in key mode only, of the URL in URL mode only
// (there is nothing else to keep); the rest applies in every mode.
func (h Handoff) ForMode(mode Mode) Handoff {
	if h.Key == KeepIt && mode != ModeKey {
		h.Key = KeepDefault
	}
	if h.URL == KeepIt && mode != ModeURL {
		h.URL = KeepDefault
	}
	return h
}

// Check checks the hand-off's values, whatever the mode: what a station
// file may say.
func (h Handoff) Check() error { return errors.Join(h.validate()...) }

// Misplaced names a "keep" that the mode has nothing for (a key outside
// key mode, a URL outside URL mode), as the command line refuses it: the
// flag and why ("" when none).
func (h Handoff) Misplaced(mode Mode) (flag, why string) {
	switch {
	case h.Key == KeepIt && mode != ModeKey:
		return "handoff-key", "keep: only key mode has a key to leave in the modules (give clear, or nothing)"
	case h.URL == KeepIt && mode != ModeURL:
		return "handoff-url", "keep: only URL mode has a URL to leave in the modules (give clear, or nothing)"
	}
	return "", ""
}

// effective is the hand-off as a batch in mode applies it: a "keep" that
// does not apply to the mode dropped (ForMode), the mode's defaults filled
// in.
func (h Handoff) effective(mode Mode) Handoff {
	h = h.ForMode(mode)
	if h.Key == KeepDefault && mode == ModeKey {
		h.Key = KeepIt
	}
	return h
}

// validate checks the hand-off's values. A "keep" that does not apply to
// the batch's mode is no error (a station's policy says what to keep in
// each mode, ForMode); the command line refuses one asked for by hand.
func (h Handoff) validate() []error {
	var errs []error
	if h.Key != KeepDefault && h.Key != KeepIt && h.Key != ClearIt {
		errs = append(errs, fieldErr("handoff-key", msgFieldKeepClear, h.Key))
	}
	if h.URL != KeepDefault && h.URL != KeepIt && h.URL != ClearIt {
		errs = append(errs, fieldErr("handoff-url", msgFieldKeepClear, h.URL))
	}
	if h.Auto != "" && h.Auto != "on" && h.Auto != "off" {
		errs = append(errs, fieldErr("handoff-auto", msgFieldOnOff, h.Auto))
	}
	if h.Period != 0 && (h.Period < device.MinPeriod || h.Period > device.MaxPeriod) {
		errs = append(errs, fieldErr("handoff-period", msgFieldPeriod, h.Period, device.MinPeriod, int64(device.MaxPeriod)))
	}
	return errs
}

// handoff applies the batch's hand-off to a module that passed, each value
// saved to NV and read back, each step an event. A step that does not take
// fails the module: it leaves the line other than the station promised.
func (m *machine) handoff() {
	if (m.res.Outcome != Upgraded && m.res.Outcome != Current) || !m.att.Alive() {
		return
	}
	cfg := m.b.cfg
	h := cfg.Handoff.effective(cfg.Mode)
	ctx, cancel := context.WithTimeout(context.Background(), 4*cfg.CommandTimeout)
	defer cancel()
	s := m.session()
	type step struct {
		what  string // the tag, as the module names it
		shown string // the value as the screen and the log may show it
		set   func() error
		want  string
	}
	var steps []step
	switch h.Key {
	case KeepIt:
		steps = append(steps, step{device.TagKey, device.MaskKey(cfg.Key), func() error { return device.SetKey(ctx, s, cfg.Key, device.SaveToNV) }, cfg.Key})
	case ClearIt:
		steps = append(steps, step{device.TagKey, `""`, func() error { return device.ClearKey(ctx, s, device.SaveToNV) }, ""})
	}
	switch h.URL {
	case KeepIt:
		steps = append(steps, step{device.TagURL, device.MaskURL(cfg.URL), func() error { return device.SetURL(ctx, s, cfg.URL, device.SaveToNV) }, cfg.URL})
	case ClearIt:
		steps = append(steps, step{device.TagURL, `""`, func() error { return device.ClearURL(ctx, s) }, ""})
	}
	if h.Auto != "" {
		on := h.Auto == "on"
		steps = append(steps, step{device.TagAuto, h.Auto, func() error { return device.SetAuto(ctx, s, on, device.SaveToNV) }, map[bool]string{true: "1", false: "0"}[on]})
	}
	if h.Period != 0 {
		p := strconv.FormatInt(h.Period, 10)
		steps = append(steps, step{device.TagPeriod, p, func() error { return device.SetPeriod(ctx, s, h.Period, device.SaveToNV) }, p})
	}
	restartsCheck := false
	for _, st := range steps {
		if st.what == device.TagKey && st.want == "" {
			if v, err := device.ReadTag(ctx, s, device.TagKey); err == nil && v == "" {
				m.emit(StateRestoring, msgHandoffDone.With(st.what, st.shown), nil)
				continue // nothing stored: nothing to clear
			}
		}
		err := st.set()
		v, rerr := "", err
		if err == nil {
			v, rerr = device.ReadTag(ctx, s, st.what)
		}
		if rerr == nil && v != st.want {
			rerr = msgHandoffReadback.With(map[bool]string{true: device.MaskKey(v), false: device.MaskURL(v)}[st.what == device.TagKey]).Err()
		}
		if rerr != nil {
			m.finish(Failed, msgFailedHandoff.With(st.what, st.shown, rerr))
			return
		}
		m.emit(StateRestoring, msgHandoffDone.With(st.what, st.shown), nil)
		restartsCheck = restartsCheck || st.what == device.TagPeriod || st.what == device.TagURL && st.want != ""
		if st.what == device.TagAuto {
			m.autoOff = false // NV and RAM now hold the station's choice: restore has nothing to give back
		}
	}
	// Setting PERIOD or a URL restarts the module's own check (spec §3:
	// a download 2–30 s later): with AUTO on, that is a request of its own.
	if restartsCheck && h.Auto != "off" && (h.Auto == "on" || m.origAuto != "0") {
		m.b.event(m.attempt, Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Step: StateRestoring,
			Sentence: msgRequestHandoff.With()}, KindRequest)
		m.res.Requests++
	}
}
