package upgrade

// Preflight and configuration: what is checked and set before a module
// may ask for its upgrade.

import (
	"context"
	"fmt"
	"time"

	"airfleet/device"
)

// preflight: SIM ready, registered (waits up to NetworkTimeout), already at
// the target, request budget.
func (m *machine) preflight(ctx context.Context) error {
	cfg := m.b.cfg
	info := m.att.Info
	if cfg.Target > 0 && info.Firmware.Core == cfg.Target {
		return m.finish(Current, msgCurrentAlready.With(cfg.Target))
	}
	if cfg.Target > 0 && info.Firmware.Core > cfg.Target {
		return m.finish(Held, msgHeldNewer.With(info.Firmware.Core, cfg.Target))
	}
	switch {
	case cfg.Mode == ModeURL && cfg.Deltas != nil:
		// Before anything is asked of the module: a module with no good
		// delta is held having sent nothing.
		if err := m.pickDelta(ctx); err != nil {
			return err
		}
	case cfg.Mode == ModeURL:
		m.emit(StateConfiguring, msgURLCheck.With(device.MaskURL(cfg.URL)), nil)
		if err := m.checkURL(ctx, cfg.URL); err != nil {
			return err
		}
	}
	m.emit(StateIdentifying, identSentence(info), nil)
	deadline := time.Now().Add(cfg.NetworkTimeout)
	// The station has just read SIM, network and signal (a batch starts
	// right after it identified the modules): asking again would only add
	// four commands per module to the batch's busiest seconds.
	fresh := !m.att.Identified.IsZero() && time.Since(m.att.Identified) < freshStatus
	// A module just plugged in registers a second or two after its ports
	// appear: look again soon at first, then every 2 s.
	recheck := 250 * time.Millisecond
	for waited := false; ; waited = true {
		if !fresh || waited || !info.SIM.Ready || !info.Registration.Registered() {
			cctx, cancel := m.cmdCtx(ctx)
			err := device.Status(cctx, m.session(), &info)
			cancel()
			if err != nil {
				return err
			}
		}
		if info.SIM.Ready && info.Registration.Registered() {
			break
		}
		if !waited {
			m.emit(StateWaitNetwork, msgWaitNetwork.With(simSentence(info.SIM.State), regSentence(info.Registration), cfg.NetworkTimeout.Round(time.Second)), nil)
		}
		if time.Now().After(deadline) {
			if !info.SIM.Ready {
				return m.finish(Failed, msgFailedNosim.With(simSentence(info.SIM.State)))
			}
			return m.finish(Failed, msgFailedNonet.With(regSentence(info.Registration), cfg.NetworkTimeout.Round(time.Second)))
		}
		if err := sleep(ctx, min(recheck, cfg.NetworkTimeout/10+time.Millisecond)); err != nil {
			return m.cancelled(msgWhenNetwork)
		}
		recheck = min(2*recheck, 2*time.Second)
	}
	return m.checkBudget(ctx)
}

// freshStatus is how long the SIM and network state read when a module was
// identified stand for the preflight.
const freshStatus = 5 * time.Second

// checkBudget holds the module when one more request would exceed the
// platform-protecting budget, unless forced.
func (m *machine) checkBudget(ctx context.Context) error {
	cfg := m.b.cfg
	n, err := m.b.log.RequestsSince(m.imei, time.Now().Add(-24*time.Hour))
	if err != nil {
		return m.finish(Held, msgHeldBudgeterr.With(err))
	}
	if n >= cfg.Budget {
		if v, ok, err := m.b.log.LastPassed(m.imei); err == nil && ok && v == m.res.From && m.res.Requests == 0 && !cfg.Force {
			// Nothing asked yet in this attempt, and the log's last
			// result left it on the version it runs: it is current, not
			// a module held back from its upgrade.
			return m.finish(Current, msgCurrentBudget.With(v, n, cfg.Budget))
		}
		if cfg.Force {
			m.emit(StateConfiguring, msgBudgetForced.With(n, cfg.Budget), nil)
			return nil
		}
		return m.finish(Held, msgHeldBudget.With(n, cfg.Budget))
	}
	return nil
}

// configure puts the module in the batch's mode: AUTO off (RAM only, so a
// crash of the console leaves the operator's NV choice), then the key, the
// URL, or the default project, each read back.
func (m *machine) configure(ctx context.Context) error {
	if ctx.Err() != nil {
		return m.cancelled(msgWhenConfig)
	}
	cfg := m.b.cfg
	s := m.session()
	m.emit(StateConfiguring, msgConfigMode.With(modeNames[cfg.Mode].With()), nil)
	cctx, cancel := m.cmdCtx(ctx)
	defer cancel()
	if m.origAuto == "" {
		if v, err := device.ReadTag(cctx, s, device.TagAuto); err == nil {
			m.origAuto = v
		} else if isGone(err) {
			return err
		}
	}
	// Set before the command goes out: a cancel that cuts it short may
	// still leave the module with AUTO off, and restore must give it back.
	m.autoOff = true
	if err := device.SetAuto(cctx, s, false, device.RAMOnly); err != nil {
		return fmt.Errorf("switch AUTO off: %w", err)
	}
	if err := m.readBack(cctx, device.TagAuto, "0"); err != nil {
		return err
	}
	url, err := device.ReadTag(cctx, s, device.TagURL)
	if err != nil && isGone(err) {
		return err
	}
	switch cfg.Mode {
	case ModeKey:
		// In RAM only: the key serves this upgrade and is gone with its
		// reboot; the module leaves the line as it came.
		if err := device.SetKey(cctx, s, cfg.Key, device.RAMOnly); err != nil {
			return fmt.Errorf("set the project key %q: %w", device.MaskKey(cfg.Key), err)
		}
		if err := m.readBack(cctx, device.TagKey, cfg.Key); err != nil {
			return err
		}
		fallthrough
	case ModeIoT:
		if url != "" {
			if err := m.clearURL(cctx, url); err != nil {
				return err
			}
		}
		if cfg.Mode == ModeIoT {
			key, err := device.ReadTag(cctx, s, device.TagKey)
			if err != nil && isGone(err) {
				return err
			}
			if err == nil && key != "" {
				if err := m.clearKey(cctx, key); err != nil {
					return err
				}
			}
		}
	case ModeURL:
		// In RAM only: a delta fits one base, and the module leaves on
		// another version; the upgrade's reboot forgets it.
		u := m.deltaURL()
		m.setURL = true // tried: it restarts the module's auto-check timer even if the answer is lost
		if err := device.SetURL(cctx, s, u, device.RAMOnly); err != nil {
			return fmt.Errorf("set the URL: %w", err)
		}
		if err := m.readBack(cctx, device.TagURL, u); err != nil {
			return err
		}
	}
	return nil
}

// clearURL removes an own-server URL left in NV by earlier work: it would
// send the module to that server instead of the platform.
func (m *machine) clearURL(ctx context.Context, url string) error {
	url = device.MaskURL(url) // said on the screen and in the log: never its password
	m.emit(StateConfiguring, msgConfigClear.With(url), nil)
	m.clearedURL = true // tried: the module may have taken it even if the answer is lost
	if err := device.ClearURL(ctx, m.session()); err != nil && isGone(err) {
		return err
	}
	if v, err := device.ReadTag(ctx, m.session(), device.TagURL); err != nil || v != "" {
		return m.finish(Held, msgHeldURL.With(url))
	}
	return nil
}

// clearKey removes, for this upgrade only, a project key stored in the
// module: in the default-project mode it would send the request to that
// key's project instead (code 26 or 25 at best, a request spent either
// way). Cleared in RAM, read back; a build that keeps it holds the module
// before anything is asked.
func (m *machine) clearKey(ctx context.Context, key string) error {
	masked := device.MaskKey(key)
	m.emit(StateConfiguring, msgConfigKeyclear.With(masked), nil)
	if err := device.ClearKey(ctx, m.session(), device.RAMOnly); err != nil && isGone(err) {
		return err
	}
	v, err := device.ReadTag(ctx, m.session(), device.TagKey)
	if err != nil && isGone(err) {
		return err
	}
	if err != nil || v != "" {
		return m.finish(Held, msgHeldKey.With(masked))
	}
	return nil
}

func (m *machine) readBack(ctx context.Context, tag, want string) error {
	v, err := device.ReadTag(ctx, m.session(), tag)
	if err != nil {
		return fmt.Errorf("read %s back: %w", tag, err)
	}
	if v != want {
		shown, got := want, v
		if tag == device.TagKey {
			shown, got = device.MaskKey(want), device.MaskKey(v)
		}
		return m.finish(Failed, msgFailedReadback.With(tag, got, shown))
	}
	return nil
}
