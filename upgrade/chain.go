package upgrade

// Chains of deltas in own-server and local mode: a module on 1006 reaches the
// target 1009 through 1006→1007 and 1007→1009, each step its own attempt
// of the batch, each verified by the reboot and ATI before the next.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"airfleet/device"
)

// chain runs the next deltas of a chain after the module passed its first
// step short of the target, and returns the module's result over all the
// steps: its first version, its last, every request.
func (b *Batch) chain(ctx context.Context, m *machine, r Result) Result {
	cfg := b.cfg
	if cfg.Mode != ModeURL && cfg.Mode != ModeLocal || cfg.Deltas == nil || cfg.Target == 0 {
		return r
	}
	path := []string{fmt.Sprintf("V%d", r.From)}
	first := r
	for step := 2; r.Outcome == Upgraded && r.To < cfg.Target && ctx.Err() == nil; step++ {
		rest, _ := cfg.Deltas.Chain(m.att.Info.Firmware.Name, r.To, cfg.Target)
		total := step - 1 + len(rest)
		path = append(path, fmt.Sprintf("V%d", r.To))
		if cfg.Mode == ModeURL {
			m.waitOwnCheck(ctx)
		}
		b.pairs.join(pairKeyOf(m.att.Info))
		next := &machine{b: b, slot: m.slot, imei: m.imei, att: m.att, sem: m.sem}
		next.emit(StateConfiguring, msgChainNext.With(step, total, r.To, nextTo(cfg, m.att.Info.Firmware, r.To)), nil)
		r2 := next.run(ctx)
		r2.From, r2.Started = first.From, first.Started
		r2.Requests += r.Requests
		r2.Retries += r.Retries
		if r2.Outcome != Upgraded {
			// Where it stands: the step that stopped, and the version
			// the module runs now.
			r2.To = max(r2.To, r.To)
			r2.Sentence = msgChainStopped.With(step, total, r.To, nextTo(cfg, m.att.Info.Firmware, r.To), r2.Sentence, r2.To)
		}
		r, m = r2, next
	}
	if r.Outcome == Upgraded && len(path) > 1 {
		path = append(path, fmt.Sprintf("V%d", r.To))
		r.Sentence = msgUpgradedChain.With(r.From, r.To, len(path)-1, strings.Join(path, " → "))
	}
	if len(path) > 1 {
		// The last step ended with its own result; the module's row and
		// the log end with the chain's, from its first version.
		res := r
		m.emit(finalState[r.Outcome], r.Sentence, func(e *Event) {
			e.From = r.From
			e.Code, e.ModuleError, e.HTTPStatus, e.Result = r.Code, r.ModuleError, r.HTTPStatus, &res
		})
	}
	return r
}

// nextTo is where the delta from v leads (0 if the map has none).
func nextTo(cfg Config, fw device.Firmware, v int) int {
	e, _ := cfg.Deltas.Lookup(fw.Name, v)
	return e.To
}

// waitOwnCheck waits, at most ProgressTimeout, until the module's own
// request after its reboot has ended (AT+UPGRADE? state 2): a request of
// the next step sent while it runs would be refused, and its result would
// be taken for the step's.
func (m *machine) waitOwnCheck(ctx context.Context) {
	cfg := m.b.cfg
	m.emit(StateConfiguring, msgChainWait.With(), nil)
	deadline := time.Now().Add(cfg.ProgressTimeout)
	for time.Now().Before(deadline) {
		st, err := m.query(ctx)
		if err != nil && isGone(err) || err == nil && st.State == 2 {
			return
		}
		if sleep(ctx, min(time.Second, cfg.ProgressTimeout/20+time.Millisecond)) != nil {
			return
		}
	}
}
