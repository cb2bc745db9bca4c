package tui

import (
	"strings"

	"airfleet/upgrade"
)

// maxRowEvents bounds the events kept per module for the detail pane.
const maxRowEvents = 64

// row is what the console knows of the module in one slot.
type row struct {
	slot, imei, model string
	from, target      int
	state             upgrade.State
	percent           int
	code, modErr      int
	http              int
	note              upgrade.Sentence // the engine's sentence, said in the console's language
	result            *upgrade.Result
	gone              bool            // unplugged after its upgrade ended
	inBatch           bool            // an upgrade has begun and not ended
	events            []upgrade.Event // oldest first, at most maxRowEvents
}

// apply folds one event of this module into the row.
func (r *row) apply(e upgrade.Event) {
	if e.IMEI != "" {
		r.imei = e.IMEI
	}
	if e.Model != "" {
		r.model = e.Model
	}
	if e.From != 0 {
		r.from = e.From
	}
	if e.Target != 0 {
		r.target = e.Target
	}
	r.state = e.Step
	r.gone = false
	switch {
	case e.Step.Final() || e.Step == upgrade.StateIdle:
		r.inBatch = false
	case e.Step != upgrade.StateIdentifying && e.Step != upgrade.StateDisconnected:
		r.inBatch = true
	}
	switch {
	case e.Step.Transferring():
		r.percent = e.Percent
	case e.Step == upgrade.StateApplying || e.Step == upgrade.StateRebooting || e.Step == upgrade.StateVerifying ||
		e.Step == upgrade.StateRestoring || e.Step == upgrade.StatePassed:
		r.percent = 100
	case e.Step == upgrade.StateIdle || e.Step == upgrade.StateRequesting:
		r.percent = 0
	}
	r.code, r.modErr, r.http, r.note = e.Code, e.ModuleError, e.HTTPStatus, e.Sentence
	if res := e.Result; res != nil {
		r.result = res
		if r.code == 0 {
			r.code = res.Code
		}
		if r.modErr == 0 {
			r.modErr = res.ModuleError
		}
		if r.http == 0 {
			r.http = res.HTTPStatus
		}
		if r.note.IsZero() {
			r.note = res.Sentence
		}
	} else if e.Step == upgrade.StateIdle || e.Step == upgrade.StateIdentifying {
		r.result = nil
	}
	r.remember(e)
}

// remember appends e to the row's history, folding download progress into
// the previous progress event and dropping the oldest past the bound.
func (r *row) remember(e upgrade.Event) {
	if n := len(r.events); n > 0 && isProgress(r.events[n-1]) && isProgress(e) {
		r.events[n-1] = e
		return
	}
	if len(r.events) == maxRowEvents {
		copy(r.events, r.events[1:])
		r.events = r.events[:maxRowEvents-1]
	}
	r.events = append(r.events, e)
}

// firmware is the core version the module has now, as far as we know.
func (r *row) firmware() int {
	if r.result != nil && r.result.To != 0 {
		return r.result.To
	}
	return r.from
}

// codeText is the platform code, else the module error, else "".
func (r *row) codeText() string { return codeString(r.code, r.modErr) }

// active reports whether the module is working on an upgrade now.
func (r *row) active() bool {
	if r.state == upgrade.StateIdentifying && !r.inBatch {
		return false // the station identifying a module just plugged in
	}
	return r.state != upgrade.StateIdle && r.state != upgrade.StateDisconnected && !r.state.Final()
}

// working reports whether the module's upgrade is under way, unplugged
// mid-way included: the batch is not over while one is.
func (r *row) working() bool {
	return r.active() || (r.state == upgrade.StateDisconnected && r.inBatch)
}

// startable reports whether Start makes sense for the module.
func (r *row) startable() bool {
	return r.state == upgrade.StateIdle || r.state == upgrade.StateCancelled
}

// matches reports whether the lower-case query q occurs in the module's
// slot, IMEI, model, state (raw or in l) or code.
func (r *row) matches(q string, l lang) bool {
	if q == "" {
		return true
	}
	for _, s := range [...]string{r.slot, r.imei, r.model, string(r.state), r.state.Name().ShortIn(string(l)), r.codeText()} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

// stateTone is the colour of a state.
func stateTone(s upgrade.State) tone {
	switch s {
	case upgrade.StatePassed, upgrade.StateCurrent:
		return toneOK
	case upgrade.StateFailed:
		return toneFail
	case upgrade.StateHeld, upgrade.StateWaitNetwork, upgrade.StateWaitPlatform, upgrade.StateDisconnected:
		return toneWarn
	case upgrade.StateIdle, upgrade.StateCancelled:
		return toneMuted
	}
	return toneAccent
}

// stateGlyph marks outcomes for readers who cannot tell red from green.
func stateGlyph(s upgrade.State) string {
	switch s {
	case upgrade.StatePassed, upgrade.StateCurrent:
		return "✔ "
	case upgrade.StateFailed:
		return "✘ "
	case upgrade.StateHeld, upgrade.StateDisconnected:
		return "! "
	}
	return "  "
}

// allStates lists every state, for layout and tests.
var allStates = []upgrade.State{
	upgrade.StateIdle, upgrade.StateIdentifying, upgrade.StateWaitNetwork,
	upgrade.StateHeld, upgrade.StateConfiguring, upgrade.StateRequesting,
	upgrade.StateWaitPlatform, upgrade.StateDownloading, upgrade.StateWriting, upgrade.StateApplying, upgrade.StateRebooting,
	upgrade.StateVerifying, upgrade.StateRestoring, upgrade.StatePassed,
	upgrade.StateCurrent, upgrade.StateFailed, upgrade.StateCancelled,
	upgrade.StateDisconnected,
}

// counts is the number of modules per group of states, for the header.
type counts struct {
	total, idle, running, waiting, held, passed, failed, cancelled, disconnected int
}

// add counts one module.
func (c *counts) add(r *row) {
	c.total++
	switch r.state {
	case upgrade.StateIdle:
		c.idle++
	case upgrade.StateWaitNetwork, upgrade.StateWaitPlatform:
		c.waiting++
	case upgrade.StateHeld:
		c.held++
	case upgrade.StatePassed, upgrade.StateCurrent:
		c.passed++
	case upgrade.StateFailed:
		c.failed++
	case upgrade.StateCancelled:
		c.cancelled++
	case upgrade.StateDisconnected:
		c.disconnected++
	default:
		c.running++
	}
}

// say is the row's sentence in language l.
func (r *row) say(l lang) string { return r.note.In(string(l)) }
