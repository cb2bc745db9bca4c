package upgrade

// The reboot after the download, the verification by ATI, and finding a
// module again after it went away.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"airfleet/device"
)

// rebootAndVerify waits for the module to come back with its IMEI and
// checks the new version with ATI.
func (m *machine) rebootAndVerify(ctx context.Context) error {
	cfg := m.b.cfg
	m.autoOff = false // RAM settings are gone with the reboot
	m.clearedURL, m.setURL = false, false
	m.emit(StateRebooting, msgRebooting.With(cfg.RebootTimeout.Round(time.Second)), func(e *Event) { e.Percent = 100 })
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.RebootTimeout)
	defer cancel()
	// After the reboot the module asks the server again on its own, even
	// when it comes back later than we wait: count that request now.
	m.countAutoRequest()
	return m.verifyBack(wctx, cfg.RebootTimeout)
}

// verifyBack waits (as long as ctx lets it; timeout is said when it ends)
// for the module to come back with its IMEI and checks its version by ATI.
func (m *machine) verifyBack(wctx context.Context, timeout time.Duration) error {
	cfg := m.b.cfg
	for {
		att, err := m.b.sessions.WaitIMEI(wctx, m.imei)
		if err != nil {
			return m.finish(Failed, msgFailedReboot.With(timeout.Round(time.Second)))
		}
		m.moveTo(att)
		m.emit(StateVerifying, msgVerify.With(), nil)
		cctx, cancel2 := context.WithTimeout(wctx, cfg.CommandTimeout)
		lines, err := m.session().Command(cctx, "ATI")
		cancel2()
		if errors.Is(err, device.ErrClosed) {
			continue // its ports moved again while it settles: find it again
		}
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		fw, ok := lastFirmwareLine(lines)
		if !ok {
			return msgFailedNofirmware.With(fmt.Sprintf("%q", lines)).Err()
		}
		return m.verify(fw)
	}
}

// countAutoRequest logs, once, the request a module makes by itself after
// rebooting into a new firmware: it counts on the platform too.
func (m *machine) countAutoRequest() {
	if m.autoCounted {
		return
	}
	m.autoCounted = true
	m.res.Requests++ // it counts toward the ban like the ones we send
	m.b.event(m.attempt, Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Step: StateVerifying, Sentence: msgRequestAuto.With()}, KindRequest)
}

// verify compares the version the module came back on with the one it
// had and the target.
func (m *machine) verify(fw device.Firmware) error {
	cfg := m.b.cfg
	m.res.To = fw.Core
	// The request that led here was served: codes of earlier requests
	// (a 43 before it) do not explain this result.
	m.res.Code, m.res.ModuleError, m.res.HTTPStatus = 0, 0, 0
	switch {
	case fw.Core == m.res.From:
		return m.finish(Failed, msgFailedOldversion.With(fw.Core))
	case m.delta.To > 0 && fw.Core != m.delta.To:
		// A delta of a chain leads to its own step, not to the target.
		return m.finish(Failed, msgFailedDeltaver.With(fw.Core, m.delta.To, m.delta.From))
	case m.delta.To == 0 && cfg.Target > 0 && fw.Core != cfg.Target:
		return m.finish(Failed, msgFailedOtherver.With(fw.Core, cfg.Target))
	}
	m.b.pairs.markReached(fwKey(fw))
	return m.finish(Upgraded, msgUpgraded.With(m.res.From, fw.Core))
}

// lastFirmwareLine finds the last firmware string in an ATI answer.
func lastFirmwareLine(lines []string) (device.Firmware, bool) {
	for i := len(lines) - 1; i >= 0; i-- {
		if fw, ok := device.ParseFirmware(lines[i]); ok {
			return fw, true
		}
	}
	return device.Firmware{}, false
}

// waitBack waits for an unplugged module to be plugged back in, found by
// its IMEI in any slot.
func (m *machine) waitBack(ctx context.Context, why *Message) error {
	cfg := m.b.cfg
	m.emit(StateDisconnected, msgWaitBack.With(why.With(), cfg.RebootTimeout.Round(time.Second)), nil)
	wctx, cancel := context.WithTimeout(ctx, cfg.RebootTimeout)
	defer cancel()
	att, err := m.b.sessions.WaitIMEI(wctx, m.imei)
	if err != nil {
		if ctx.Err() != nil {
			return m.cancelled(msgWhenUnplug)
		}
		return m.finish(Failed, msgFailedNotback.With(why.With(), cfg.RebootTimeout.Round(time.Second)))
	}
	m.moveTo(att)
	m.autoOff = false // a power cycle dropped the RAM settings
	m.origAuto = ""
	m.clearedURL, m.setURL = false, false
	return nil
}

func (m *machine) moveTo(att *Module) {
	m.att = att
	if att.Slot != m.slot {
		m.emit(StateIdentifying, msgMoved.With(att.Slot), nil)
		m.slot = att.Slot
		m.b.bindAttempt(m.imei, m.slot, m.attempt)
	}
}
