package upgrade

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"airfleet/device"
)

// machine is one module's upgrade: identify → preflight → configure →
// trigger → follow → (classify → policy)* → reboot → verify → restore.
// Every transition is an Event.
type machine struct {
	b       *Batch
	slot    string
	imei    string
	att     *Attached
	attempt int64
	res     Result

	platformWaits int
	retriedOnce   bool
	origAuto      string // AUTO as the operator left it ("" = unknown)
	autoOff       bool   // we switched AUTO off (RAM only)
}

// outcome of one request.
type requestOutcome int

const (
	reqRebooting    requestOutcome = iota // +UPGRADEIND: 100 and the ports went away
	reqFailed                             // a negative +UPGRADEIND or a state-2 result
	reqDisconnected                       // the ports went away before 100 %
)

// failure is what AT+UPGRADE? and +UPGRADEIND said about a failed request.
type failure struct {
	modErr, http, code int
	progress           int // highest progress seen, -1 for none
}

// errStop ends the machine with the result already set.
var errStop = errors.New("stop")

func (m *machine) emit(step State, n Note, f func(*Event)) {
	e := Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Model: m.res.Model, From: m.res.From,
		Target: m.b.cfg.Target, Step: step, Detail: n.String(), Note: n}
	if f != nil {
		f(&e)
	}
	kind := KindInfo
	switch {
	case step == StateDownloading:
		kind = KindProgress
	case step == StateFailed || e.Code != 0 || e.ModErr != 0:
		kind = KindError
	}
	m.b.event(m.attempt, e, kind)
}

// run upgrades the module and returns its result. ctx cancels at safe points.
func (m *machine) run(ctx context.Context) Result {
	m.res.Started = time.Now()
	m.res.Slot, m.res.IMEI = m.slot, m.imei
	info := m.att.Info
	m.res.Model, m.res.From, m.res.To = info.Model, info.Firmware.Core, info.Firmware.Core
	m.attempt = m.b.log.StartAttempt(AttemptRecord{Batch: m.b.id, Slot: m.slot, IMEI: m.imei, Model: info.Model,
		FirmwareName: info.Firmware.Name, From: info.Firmware.Core, Target: m.b.cfg.Target, Started: m.res.Started})
	m.b.bindAttempt(m.imei, m.slot, m.attempt)
	defer m.b.unbindAttempt(m.imei)
	defer m.b.pairs.done(m.pairKey(), m.imei)

	err := m.steps(ctx)
	switch {
	case err != nil && !errors.Is(err, errStop):
		m.classifyErr(ctx, err)
	case m.res.Outcome == "":
		m.finish(Failed, N("failed.error", "the upgrade ended without a result: escalate with the transcript"))
	}
	m.restore()
	m.res.Ended = time.Now()
	m.res.Slot = m.slot
	step := map[Outcome]State{Upgraded: StatePassed, Current: StateCurrent, Failed: StateFailed, Held: StateHeld, Cancelled: StateCancelled}[m.res.Outcome]
	r := m.res
	m.emit(step, m.res.Note, func(e *Event) {
		e.Code, e.ModErr, e.HTTP, e.Result = r.Code, r.ModuleError, r.HTTPStatus, &r
	})
	m.b.log.EndAttempt(m.attempt, m.res)
	return m.res
}

// maxReconnects bounds how often a module may vanish outside a reboot
// (a flaky cable, a port re-enumerated) before the attempt gives up.
const maxReconnects = 3

func (m *machine) steps(ctx context.Context) error {
	for reconnects := 0; ; reconnects++ {
		err := m.attemptSteps(ctx)
		if errors.Is(err, errStop) || !errors.Is(err, device.ErrClosed) || reconnects >= maxReconnects {
			return err
		}
		if err := m.waitBack(ctx, "why.portgone"); err != nil {
			return err
		}
	}
}

func (m *machine) attemptSteps(ctx context.Context) error {
	if m.att.Info.Firmware.Core != m.res.From {
		// It went away and came back on another version: an upgrade
		// that was already under way has been applied.
		return m.verify(m.att.Info.Firmware)
	}
	if err := m.preflight(ctx); err != nil {
		return err
	}
	if err := m.configure(ctx); err != nil {
		return err
	}
	for {
		if err := m.gate(ctx); err != nil {
			return err
		}
		out, f, err := m.request(ctx)
		if err != nil {
			return err
		}
		switch out {
		case reqRebooting:
			return m.rebootAndVerify(ctx)
		case reqDisconnected:
			if err := m.waitBack(ctx, "why.download"); err != nil {
				return err
			}
			m.res.Retries++
			if m.att.Info.Firmware.Core != m.res.From {
				return m.verify(m.att.Info.Firmware)
			}
			if err := m.checkBudget(ctx); err != nil {
				return err
			}
			if err := m.configure(ctx); err != nil {
				return err
			}
			continue
		}
		again, err := m.policy(ctx, f)
		if err != nil || !again {
			return err
		}
		m.res.Retries++
	}
}

func (m *machine) session() *device.Session { return m.att.Session }

func (m *machine) cmdCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, m.b.cfg.CommandTimeout)
}

// finish sets the result and stops the machine.
func (m *machine) finish(o Outcome, n Note) error {
	m.res.Outcome, m.res.Message, m.res.Note = o, n.String(), n
	return errStop
}

// preflight: SIM ready, registered (waits up to NetworkTimeout), already at
// the target, request budget.
func (m *machine) preflight(ctx context.Context) error {
	cfg := m.b.cfg
	info := m.att.Info
	if cfg.Target > 0 && info.Firmware.Core == cfg.Target {
		return m.finish(Current, N("current.already", cfg.Target))
	}
	if cfg.Target > 0 && info.Firmware.Core > cfg.Target {
		return m.finish(Held, N("held.newer", info.Firmware.Core, cfg.Target))
	}
	m.emit(StateIdentifying, N("ident", info.Model, info.Firmware.Raw, info.SIM.State, regNote(info.Registration), info.Signal.RSSI), nil)
	deadline := time.Now().Add(cfg.NetworkTimeout)
	for waited := false; ; waited = true {
		cctx, cancel := m.cmdCtx(ctx)
		err := device.Status(cctx, m.session(), &info)
		cancel()
		if err != nil {
			return err
		}
		if info.SIM.Ready && info.Registration.Registered() {
			break
		}
		if !waited {
			m.emit(StateWaitNetwork, N("wait.network", info.SIM.State, regNote(info.Registration), cfg.NetworkTimeout.Round(time.Second)), nil)
		}
		if time.Now().After(deadline) {
			if !info.SIM.Ready {
				return m.finish(Failed, N("failed.nosim", info.SIM.State))
			}
			return m.finish(Failed, N("failed.nonet", regNote(info.Registration), cfg.NetworkTimeout.Round(time.Second)))
		}
		if err := sleep(ctx, min(2*time.Second, cfg.NetworkTimeout/10+time.Millisecond)); err != nil {
			return m.cancelled("when.network")
		}
	}
	return m.checkBudget(ctx)
}

// checkBudget holds the module when one more request would exceed the
// platform-protecting budget, unless forced.
func (m *machine) checkBudget(ctx context.Context) error {
	cfg := m.b.cfg
	n, err := m.b.log.RequestsSince(m.imei, time.Now().Add(-24*time.Hour))
	if err != nil {
		return m.finish(Held, N("held.budgeterr", err))
	}
	if n >= cfg.Budget {
		if cfg.Force {
			m.emit(StateConfiguring, N("budget.forced", n, cfg.Budget), nil)
			return nil
		}
		return m.finish(Held, N("held.budget", n, cfg.Budget))
	}
	return nil
}

// configure puts the module in the batch's mode: AUTO off (RAM only, so a
// crash of the console leaves the operator's NV choice), then the key, the
// URL, or the default project, each read back.
func (m *machine) configure(ctx context.Context) error {
	if ctx.Err() != nil {
		return m.cancelled("when.config")
	}
	cfg := m.b.cfg
	s := m.session()
	m.emit(StateConfiguring, N("config.mode", string(cfg.Mode)), nil)
	cctx, cancel := m.cmdCtx(ctx)
	defer cancel()
	if m.origAuto == "" {
		if v, err := device.ReadTag(cctx, s, device.TagAuto); err == nil {
			m.origAuto = v
		} else if isGone(err) {
			return err
		}
	}
	if err := device.SetAuto(cctx, s, false, device.RAMOnly); err != nil {
		return fmt.Errorf("switch AUTO off: %w", err)
	}
	m.autoOff = true
	if err := m.readBack(cctx, device.TagAuto, "0"); err != nil {
		return err
	}
	url, err := device.ReadTag(cctx, s, device.TagURL)
	if err != nil && isGone(err) {
		return err
	}
	switch cfg.Mode {
	case ModeKey:
		if err := device.SetKey(cctx, s, cfg.Key, device.SaveToNV); err != nil {
			return fmt.Errorf("set the project key %s: %w", device.MaskKey(cfg.Key), err)
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
			if key, err := device.ReadTag(cctx, s, device.TagKey); err == nil && key != "" {
				m.emit(StateConfiguring, N("config.keynote", device.MaskKey(key)), nil)
			}
		}
	case ModeURL:
		if err := device.SetURL(cctx, s, cfg.URL, device.RAMOnly); err != nil {
			return fmt.Errorf("set the URL: %w", err)
		}
		if err := m.readBack(cctx, device.TagURL, cfg.URL); err != nil {
			return err
		}
	}
	return nil
}

// clearURL removes an own-server URL left in NV by earlier work: it would
// send the module to that server instead of the platform.
func (m *machine) clearURL(ctx context.Context, url string) error {
	m.emit(StateConfiguring, N("config.clear", url), nil)
	if err := device.ClearURL(ctx, m.session()); err != nil && isGone(err) {
		return err
	}
	if v, err := device.ReadTag(ctx, m.session(), device.TagURL); err != nil || v != "" {
		return m.finish(Held, N("held.url", url))
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
		return m.finish(Failed, N("failed.readback", tag, got, shown))
	}
	return nil
}

// request sends AT+UPGRADE and follows +UPGRADEIND until the module reboots,
// fails, or goes away.
func (m *machine) request(ctx context.Context) (requestOutcome, failure, error) {
	cfg := m.b.cfg
	f := failure{progress: -1}
	if ctx.Err() != nil {
		return 0, f, m.cancelled("when.request")
	}
	s := m.session()
	sub := s.Subscribe("+UPGRADEIND:")
	defer sub.Close()
	m.emit(StateRequesting, N("request"), nil)
	cctx, cancel := m.cmdCtx(ctx)
	err := device.Trigger(cctx, s)
	cancel()
	if err != nil {
		return 0, f, fmt.Errorf("AT+UPGRADE: %w", err)
	}
	m.res.Requests++
	m.b.event(m.attempt, Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Step: StateRequesting, Detail: N("request.sent").String(), Note: N("request.sent")}, KindRequest)

	silence := cfg.ProgressTimeout
	quiet := 0 // silent periods in a row without progress
	for {
		// Once the download runs, cancel waits for the module to finish:
		// stopping now would leave it rebooting on its own.
		wctx := ctx
		if f.progress >= 0 {
			wctx = context.WithoutCancel(ctx)
		}
		lctx, cancel := context.WithTimeout(wctx, silence)
		line, err := sub.Next(lctx)
		cancel()
		switch {
		case errors.Is(err, device.ErrClosed):
			if f.progress == 100 {
				return reqRebooting, f, nil
			}
			return reqDisconnected, f, nil
		case err != nil && ctx.Err() != nil && f.progress < 0:
			return 0, f, m.cancelled("when.answer")
		case err != nil:
			// Silence: ask the module where it stands.
			st, qerr := m.query(wctx)
			if qerr != nil {
				return 0, f, qerr
			}
			if quiet++; quiet > 3 {
				return 0, f, fmt.Errorf("the download made no progress for %s (stuck at %d %%, AT+UPGRADE? says %s): power-cycle the module and retry", 4*silence.Round(time.Second), max(f.progress, 0), st)
			}
			switch st.State {
			case 1:
				if st.Percent > f.progress {
					quiet = 0
				}
				m.progress(&f, st.Percent)
				continue
			case 2:
				f.modErr, f.http, f.code = st.ModuleError, st.HTTPStatus, st.Code
				return reqFailed, f, nil
			}
			if f.progress == 100 {
				continue // applied, about to reboot
			}
			return 0, f, fmt.Errorf("no +UPGRADEIND for %s after AT+UPGRADE and AT+UPGRADE? says idle: the module did not ask the server", silence.Round(time.Second))
		}
		n, ok := device.ParseUpgradeInd(line.Text)
		if !ok {
			continue
		}
		if n >= 0 {
			quiet = 0
			m.progress(&f, n)
			continue
		}
		f.modErr = n
		st, qerr := m.query(wctx)
		if qerr == nil && st.State == 2 {
			f.http, f.code = st.HTTPStatus, st.Code
			if st.ModuleError != 0 {
				f.modErr = st.ModuleError
			}
		}
		return reqFailed, f, nil
	}
}

func (m *machine) progress(f *failure, n int) {
	if n > f.progress {
		f.progress = n
	}
	m.b.pairs.ready(m.pairKey()) // the platform is serving: past code 43
	m.emit(StateDownloading, N("progress", n), func(e *Event) { e.Percent = n })
}

func (m *machine) query(ctx context.Context) (device.UpgradeState, error) {
	cctx, cancel := m.cmdCtx(ctx)
	defer cancel()
	return device.QueryUpgrade(cctx, m.session())
}

// policy decides what a failed request leads to: wait and retry, retry
// once, or the end. It returns true to ask again.
func (m *machine) policy(ctx context.Context, f failure) (bool, error) {
	cfg := m.b.cfg
	m.res.Code, m.res.ModuleError, m.res.HTTPStatus = f.code, f.modErr, f.http
	m.emit(StateRequesting, N("request.failed", failureText(f)), func(e *Event) { e.Code, e.ModErr, e.HTTP = f.code, f.modErr, f.http })

	waitable := f.code == 43 || (f.code == 0 && f.modErr == -1003 && f.progress < 0)
	switch {
	case f.code == 40:
		return false, m.finish(Failed, N("failed.banned"))
	case waitable:
		if m.platformWaits >= cfg.MaxPlatformWaits {
			return false, m.finish(Failed, N("failed.notready", m.platformWaits))
		}
		wait := cfg.RetryAfter
		for range m.platformWaits {
			wait = wait * 3 / 2
		}
		wait = min(wait, cfg.RetryMaxWait)
		m.platformWaits++
		m.emit(StateWaitPlatform, N("wait.43", wait.Round(time.Second)), func(e *Event) { e.Code, e.ModErr = 43, f.modErr })
		if err := sleep(ctx, wait); err != nil {
			return false, m.cancelled("when.delta")
		}
		return true, m.checkBudget(ctx)
	case f.code == 27:
		return false, m.latest(ctx)
	case f.modErr == -1003 && f.progress >= 0:
		return false, m.finish(Failed, N("failed.toobig", f.progress))
	}
	policy, note := PolicyFail, N("code", f.modErr)
	for _, c := range []int{f.code, f.modErr} {
		if info, ok := Lookup(c); ok && c != 0 {
			policy, note = info.Policy, N("code", c)
			break
		}
	}
	if policy == PolicyRetryOnce && !m.retriedOnce {
		m.retriedOnce = true
		m.emit(StateRequesting, N("retry.once", note), nil)
		if err := m.checkBudget(ctx); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, m.finish(Failed, note)
}

// latest decides what code 27 ("already latest") means for this module.
// With a target, the module's version says it. Without one, the console
// asks its peers: if the platform serves this firmware and version to
// other modules of the batch, this IMEI is excluded (not in the config's
// IMEI list, or upgrading switched off), which is a failure.
func (m *machine) latest(ctx context.Context) error {
	cfg := m.b.cfg
	if cfg.Target > 0 {
		if m.res.From >= cfg.Target {
			return m.finish(Current, N("current.27target", m.res.From))
		}
		return m.finish(Failed, N("failed.27below", m.res.From, cfg.Target))
	}
	if peer := m.newerPeer(); peer != nil {
		return m.finish(Failed, N("failed.27peer", peer.Slot, m.att.Info.Firmware.Name, peer.Info.Firmware.Core, m.res.From))
	}
	m.b.pairs.release(m.pairKey(), m.imei)
	served, err := m.b.pairs.served(ctx, m.pairKey())
	if err != nil {
		return m.cancelled("when.compare")
	}
	if served {
		return m.finish(Failed, N("failed.27served", m.att.Info.Firmware.Name, m.res.From))
	}
	return m.finish(Current, N("current.27", m.res.From))
}

// newerPeer returns an attached module with the same firmware name and a
// newer core version, if there is one.
func (m *machine) newerPeer() *Attached {
	var best *Attached
	for _, a := range m.b.station.Modules() {
		fw := a.Info.Firmware
		if a.Err == nil && fw.Name == m.att.Info.Firmware.Name && fw.Core > m.res.From && (best == nil || fw.Core > best.Info.Firmware.Core) {
			best = a
		}
	}
	return best
}

// rebootAndVerify waits for the module to come back with its IMEI and
// checks the new version with ATI.
func (m *machine) rebootAndVerify(ctx context.Context) error {
	cfg := m.b.cfg
	m.autoOff = false // RAM settings are gone with the reboot
	m.emit(StateRebooting, N("rebooting", cfg.RebootTimeout.Round(time.Second)), func(e *Event) { e.Percent = 100 })
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.RebootTimeout)
	defer cancel()
	counted := false
	for {
		att, err := m.b.station.WaitIMEI(wctx, m.imei)
		if err != nil {
			return m.finish(Failed, N("failed.reboot", cfg.RebootTimeout.Round(time.Second)))
		}
		m.moveTo(att)
		if !counted {
			// After a successful reboot the module asks the server again
			// on its own; that request counts on the platform too.
			counted = true
			m.b.event(m.attempt, Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Step: StateVerifying, Detail: N("request.auto").String(), Note: N("request.auto")}, KindRequest)
		}
		m.emit(StateVerifying, N("verify"), nil)
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
			return fmt.Errorf("verify: ATI answered %q: no firmware string", lines)
		}
		return m.verify(fw)
	}
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
		return m.finish(Failed, N("failed.oldversion", fw.Core))
	case cfg.Target > 0 && fw.Core != cfg.Target:
		return m.finish(Failed, N("failed.otherver", fw.Core, cfg.Target))
	}
	return m.finish(Upgraded, N("upgraded", m.res.From, fw.Core))
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
func (m *machine) waitBack(ctx context.Context, why string) error {
	cfg := m.b.cfg
	m.emit(StateDisconnected, N("wait.back", N(why), cfg.RebootTimeout.Round(time.Second)), nil)
	wctx, cancel := context.WithTimeout(ctx, cfg.RebootTimeout)
	defer cancel()
	att, err := m.b.station.WaitIMEI(wctx, m.imei)
	if err != nil {
		if ctx.Err() != nil {
			return m.cancelled("when.unplug")
		}
		return m.finish(Failed, N("failed.notback", N(why), cfg.RebootTimeout.Round(time.Second)))
	}
	m.moveTo(att)
	m.autoOff = false // a power cycle dropped the RAM settings
	m.origAuto = ""
	return nil
}

func (m *machine) moveTo(att *Attached) {
	m.att = att
	if att.Slot != m.slot {
		m.emit(StateIdentifying, N("moved", att.Slot), nil)
		m.slot = att.Slot
		m.b.bindAttempt(m.imei, m.slot, m.attempt)
	}
}

// gate waits, in the platform modes, until this module may ask: the first
// module of a (firmware, base version) pair goes first and the others wait
// until the platform serves that pair's delta, so the fleet spends one
// request on code 43, not one per module.
func (m *machine) gate(ctx context.Context) error {
	if !m.b.cfg.platform() {
		return nil
	}
	waiting := false
	err := m.b.pairs.acquire(ctx, m.pairKey(), m.imei, func(pilot string) {
		if !waiting {
			waiting = true
			m.emit(StateWaitPlatform, N("wait.pilot", pilot), nil)
		}
	})
	if err != nil {
		return m.cancelled("when.pair")
	}
	return nil
}

func (m *machine) pairKey() string { return pairKeyOf(m.att.Info) }

// pairKeyOf names a module's (firmware name, base version) pair.
func pairKeyOf(info device.Info) string {
	return info.Firmware.Name + "@" + strconv.Itoa(info.Firmware.Core)
}

func (m *machine) cancelled(where string) error {
	return m.finish(Cancelled, N("cancelled", N(where)))
}

// classifyErr turns an unexpected error into the result.
func (m *machine) classifyErr(ctx context.Context, err error) {
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		m.finish(Cancelled, N("cancelled", err.Error()))
	case errors.Is(err, device.ErrClosed):
		m.finish(Failed, N("failed.gone", err.Error()))
	default:
		m.finish(Failed, N("failed.error", err.Error()))
	}
}

// restore gives the operator back their AUTO choice when the console
// switched it off and no reboot has reset it.
func (m *machine) restore() {
	if !m.autoOff || !m.att.Alive() {
		return
	}
	on := m.origAuto != "0"
	ctx, cancel := context.WithTimeout(context.Background(), m.b.cfg.CommandTimeout)
	defer cancel()
	if err := device.SetAuto(ctx, m.session(), on, device.RAMOnly); err != nil {
		m.emit(StateRestoring, N("restore.failed", err.Error()), nil)
		return
	}
	m.autoOff = false
}

func isGone(err error) bool {
	return errors.Is(err, device.ErrClosed) || errors.Is(err, device.ErrTimeout) || errors.Is(err, context.Canceled)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
