package upgrade

// Local mode: the delta written into the module's FOTA area through its AT
// port (AT+UARTUPGRADE), verified by the module, then applied. No SIM, no
// network, no platform request: the host holds the file. Each module gets
// the delta for its own firmware name and base version from the delta map,
// through a chain when needed, as in URL mode.

import (
	"context"
	"errors"
	"time"

	"airfleet/device"
)

// localRestarts is how many times a transfer starts again from the erase
// after an error a resend of the segment did not cure.
const localRestarts = 1

// progressStep is the smallest rise of a transfer's share that makes an
// event: 256 modules × 400 segments must not make 100 000 events.
const progressStep = 2

// localSteps runs one local-mode attempt: preflight without the network,
// the transfer, the module's verification, the apply and the reboot.
func (m *machine) localSteps(ctx context.Context) error {
	if err := m.checkTarget(); err != nil {
		return err
	}
	if err := m.pickLocalDelta(ctx); err != nil {
		return err
	}
	m.emit(StateIdentifying, identSentence(m.att.Info), nil)
	if m.att.Info.SIM.Ready {
		// With a SIM the module asks the platform by itself once it is
		// back on its new version (counted in followApply): a module at
		// its request budget is held like in the platform modes, before
		// anything is written.
		if err := m.checkBudget(ctx); err != nil {
			return err
		}
	}
	if err := m.checkUARTSupport(ctx); err != nil {
		return err
	}
	data, err := m.b.local.load(ctx, m.b.cfg.Deltas, m.delta)
	if err != nil {
		return m.cancelledLocal(msgWhenConfig)
	}
	if !data.bad.IsZero() {
		return m.finish(Held, data.bad)
	}
	defer m.echoOff(ctx)()
	if err := m.transfer(ctx, data.bytes); err != nil {
		return err
	}
	return m.apply(ctx)
}

// echoOff switches the module's echo off (ATE0, RAM only) for the
// transfer when it echoes: each segment's echo would be 2 KB the console
// reads and logs for nothing, half of all the bytes on the line. The
// returned func gives the echo back (ATE1) unless the delta was applied:
// the module's reboot restores its own setting then.
func (m *machine) echoOff(ctx context.Context) func() {
	s := m.session()
	if !s.Echoed() {
		return func() {}
	}
	cctx, cancel := m.uartCtx(ctx)
	_, err := s.Command(cctx, "ATE0")
	cancel()
	if err != nil {
		return func() {}
	}
	return func() {
		if m.applied || !m.att.Alive() || m.session() != s {
			return
		}
		cctx, cancel := m.uartCtx(ctx)
		defer cancel()
		s.Command(cctx, "ATE1") //nolint:errcheck // best effort: the module leaves as it came, or echoes off until its next power-on
	}
}

// checkTarget ends the module's attempt when it is already at or past the
// batch's target.
func (m *machine) checkTarget() error {
	cfg := m.b.cfg
	core := m.att.Info.Firmware.Core
	switch {
	case cfg.Target > 0 && core == cfg.Target:
		return m.finish(Current, msgCurrentAlready.With(cfg.Target))
	case cfg.Target > 0 && core > cfg.Target:
		return m.finish(Held, msgHeldNewer.With(core, cfg.Target))
	}
	return nil
}

// pickLocalDelta finds the module's chain of deltas in the map and checks,
// from the host, that every step's file can be had and fits the model's
// FOTA area, before anything is written to the module.
func (m *machine) pickLocalDelta(ctx context.Context) error {
	cfg := m.b.cfg
	steps, err := m.chainSteps()
	if err != nil {
		return err
	}
	for i, e := range steps {
		if i == 0 {
			m.emit(StateConfiguring, msgLocalCheck.With(e.From, e.To, m.b.local.source(cfg.Deltas, e)), nil)
		}
		d, err := m.b.local.load(ctx, cfg.Deltas, e)
		if err != nil {
			return m.cancelledLocal(msgWhenConfig)
		}
		if !d.bad.IsZero() {
			return m.finish(Held, d.bad)
		}
		size := int64(len(d.bytes))
		if limit, known := FOTAArea[m.res.Model]; known && size > limit {
			return m.finish(Held, msgHeldLocalbig.With(m.b.local.source(cfg.Deltas, e), kb(size), m.res.Model, kb(limit)))
		} else if !known {
			m.emit(StateConfiguring, msgLocalNolimit.With(m.b.local.source(cfg.Deltas, e), kb(size), m.res.Model), nil)
		}
	}
	m.delta = steps[0]
	return nil
}

// chainSteps is the module's whole chain from its version to the target
// (or its one next delta with no target), or the module held with why:
// the rule of URL and local mode alike.
func (m *machine) chainSteps() ([]DeltaEntry, error) {
	cfg := m.b.cfg
	fw := m.att.Info.Firmware
	steps, whole := cfg.Deltas.Chain(fw.Name, fw.Core, cfg.Target)
	if whole {
		return steps, nil
	}
	v := fw.Core
	if len(steps) > 0 {
		v = steps[len(steps)-1].To
	}
	e, ok := cfg.Deltas.Lookup(fw.Name, v)
	switch {
	case ok: // it leads past the target
		return nil, m.finish(Held, msgHeldDeltapast.With(e.From, e.To, cfg.Target, cfg.Deltas.where(e)))
	case len(steps) == 0:
		return nil, m.finish(Held, msgHeldNodelta.With(fw.Core, fw.Name, cfg.Deltas.said()))
	}
	return nil, m.finish(Held, msgHeldChainbreak.With(fw.Core, cfg.Target, v, fw.Name, cfg.Deltas.said()))
}

// checkUARTSupport asks the build whether it has AT+UARTUPGRADE. One that
// has not is held with the modes that could still upgrade it.
func (m *machine) checkUARTSupport(ctx context.Context) error {
	cctx, cancel := m.cmdCtx(ctx)
	defer cancel()
	_, err := device.UARTSupport(cctx, m.session())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, device.ErrUARTUnsupported):
		fw := m.att.Info.Firmware
		return m.finish(Held, msgHeldNouart.With(fw.Raw, otherModes(m.att.Info).With()))
	}
	return err
}

// otherModes names the ways that could still upgrade a module that cannot
// be written through its AT port: over the air, which needs a SIM.
func otherModes(info device.Info) *Message {
	if info.SIM.Ready {
		return msgLocalOthersim
	}
	return msgLocalOthernosim
}

// transfer writes data into the module's FOTA area: erase, then every
// segment in order. A segment the module refused for its checksum or its
// write is sent once more; anything worse starts again from the erase,
// localRestarts times, then fails the module with the error's
// explanation. A cancel stops between two segments: nothing is applied.
func (m *machine) transfer(ctx context.Context, data []byte) error {
	for restart := 0; ; restart++ {
		err := m.writeAll(ctx, data)
		if err == nil {
			return nil
		}
		var ue *device.UARTError
		switch {
		case errors.As(err, &ue) && restart < localRestarts:
			m.emit(StateWriting, msgLocalRestart.With(ue.Cmd, ue.Code, MsgCode.With(uartCode(ue.Code))), func(e *Event) { e.ModuleError = uartCode(ue.Code) })
		case errors.As(err, &ue):
			return m.uartFailed(ue)
		case errors.Is(err, device.ErrTimeout) && restart < localRestarts && ctx.Err() == nil:
			// A segment lost on the line: where the module stands is not
			// known, so the sequence starts again.
			m.emit(StateWriting, msgLocalRestarttimeout.With(err.Error()), nil)
		default:
			return err // the port went, a cancel, a timeout again: the caller's
		}
	}
}

// writeAll erases the area and writes every segment of data.
func (m *machine) writeAll(ctx context.Context, data []byte) error {
	s := m.session()
	m.emit(StateWriting, msgLocalErase.With(kb(int64(len(data)))), func(e *Event) { e.Percent = 0 })
	cctx, cancel := m.uartCtx(ctx)
	err := device.UARTErase(cctx, s)
	cancel()
	if err != nil {
		return err
	}
	shown := 0
	for sn := 0; sn*device.UARTSegmentMax < len(data); sn++ {
		if ctx.Err() != nil {
			return m.cancelledLocal(msgWhenWrite)
		}
		chunk := data[sn*device.UARTSegmentMax : min((sn+1)*device.UARTSegmentMax, len(data))]
		g, err := device.MakeUARTSegment(sn, chunk)
		if err != nil {
			return m.finish(Held, msgHeldLocalsize.With(kb(int64(len(data))), err.Error()))
		}
		if err := m.writeSegment(ctx, g); err != nil {
			return err
		}
		done := min((sn+1)*device.UARTSegmentMax, len(data))
		if p := done * 100 / len(data); p >= shown+progressStep || done == len(data) {
			shown = p
			m.emit(StateWriting, msgLocalProgress.With(p, kb(int64(done)), kb(int64(len(data)))), func(e *Event) { e.Percent = p })
		}
	}
	return nil
}

// writeSegment sends one segment, and once more if the module refused it
// for its checksum or its write.
func (m *machine) writeSegment(ctx context.Context, g device.UARTSegment) error {
	for try := 0; ; try++ {
		cctx, cancel := m.uartCtx(ctx)
		err := device.UARTWrite(cctx, m.session(), g)
		cancel()
		var ue *device.UARTError
		if err == nil || try > 0 || !errors.As(err, &ue) || !ue.Resend() {
			return err
		}
		m.emit(StateWriting, msgLocalResend.With(g.SN, ue.Code, MsgCode.With(uartCode(ue.Code))), func(e *Event) { e.ModuleError = uartCode(ue.Code) })
	}
}

// uartCtx bounds one AT+UARTUPGRADE command: the manual's 10 s, or the
// batch's command timeout when that is longer. A cancel does not cut a
// command short (the module would still answer it, and the sequence would
// be unknown): it is honoured between two commands.
func (m *machine) uartCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), max(device.UARTCommandTimeout, m.b.cfg.CommandTimeout))
}

// apply asks the module to verify the delta and, only when it says
// VERIFIED, to apply it; then follows it through its reboot and reads its
// version.
func (m *machine) apply(ctx context.Context) error {
	if ctx.Err() != nil {
		return m.cancelledLocal(msgWhenWrite)
	}
	m.emit(StateVerifying, msgLocalVerify.With(), nil)
	st, err := m.verifyDelta(ctx)
	if ctx.Err() != nil {
		return m.cancelledLocal(msgWhenWrite) // not applied: nothing changes
	}
	var ue *device.UARTError
	switch {
	case errors.As(err, &ue):
		return m.uartFailed(ue)
	case err != nil:
		return err
	case st != device.UARTVerified:
		m.res.ModuleError = codeVerifyFailed
		return m.finish(Failed, msgFailedLocalverify.With(string(st), MsgCode.With(codeVerifyFailed)))
	}
	if ctx.Err() != nil {
		return m.cancelledLocal(msgWhenWrite) // verified, not applied: nothing changes
	}
	cctx, cancel := m.uartCtx(ctx)
	err = device.UARTApply(cctx, m.session(), func() { m.applied = true })
	cancel()
	switch {
	case errors.As(err, &ue):
		return m.uartFailed(ue)
	case err != nil && !m.applied:
		return err
	case err != nil && !isGone(err):
		// Sent, no clear answer: it may be applying. Follow it as if it
		// said OK; the version it comes back on decides.
		m.emit(StateApplying, msgLocalApplyunsure.With(err.Error()), nil)
	}
	return m.followApply(ctx)
}

// verifyWait bounds how long a module may say XOTA_PS_PKG_UNVERIFIED
// (written, not verified yet) before the console gives up on it; it asks
// again every verifyPoll.
const (
	verifyWait = 30 * time.Second
	verifyPoll = time.Second
)

// verifyDelta asks the module to verify the written delta, again while it
// says the delta is not verified yet (a build may check in the
// background, [unknown]), and returns the last state it named.
func (m *machine) verifyDelta(ctx context.Context) (device.UARTState, error) {
	deadline := time.Now().Add(verifyWait)
	for {
		cctx, cancel := m.uartCtx(ctx)
		st, err := device.UARTVerify(cctx, m.session())
		cancel()
		if err != nil || st != device.UARTUnverified || time.Now().After(deadline) {
			return st, err
		}
		if err := sleep(ctx, min(verifyPoll, m.b.cfg.CommandTimeout)); err != nil {
			return st, err
		}
	}
}

// followApply waits, bounded by ApplyTimeout, for the module to leave
// (it applies the delta, then reboots) and to come back with its IMEI,
// then reads its version. From the apply on, a cancel no longer stops it:
// the module is upgrading whatever the console does.
func (m *machine) followApply(ctx context.Context) error {
	cfg := m.b.cfg
	m.emit(StateApplying, msgLocalApplying.With(cfg.ApplyTimeout.Round(time.Second)), func(e *Event) { e.Percent = 100 })
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ApplyTimeout)
	defer cancel()
	if m.att.Info.SIM.Ready {
		// With a SIM and AUTO on, a module back on a new version asks the
		// platform by itself: that request counts toward the ban too.
		m.countAutoRequest()
	}
	select {
	case <-m.session().Done():
	case <-wctx.Done():
		return m.finish(Failed, msgFailedLocalstay.With(cfg.ApplyTimeout.Round(time.Second)))
	}
	return m.verifyBack(wctx, cfg.ApplyTimeout)
}

// uartFailed ends the module on an AT+UARTUPGRADE error, with the code's
// explanation from the catalogue.
func (m *machine) uartFailed(ue *device.UARTError) error {
	code := uartCode(ue.Code)
	m.res.ModuleError = code
	return m.finish(Failed, msgFailedUart.With(ue.Cmd, ue.Code, MsgCode.With(code)))
}

// Codes the console gives the errors of local mode, in the catalogue
// beside the module errors of AT+UPGRADE: AT+UARTUPGRADE's error n is
// -2000-n; a verification that did not say VERIFIED is codeVerifyFailed.
const (
	uartCodeBase     = -2000
	codeVerifyFailed = -2020
)

func uartCode(n int) int {
	if n < 1 || n > 99 {
		return uartCodeBase // a number the manual does not list
	}
	return uartCodeBase - n
}

// cancelledLocal ends a local-mode module cancelled before its apply:
// whatever was written is never applied.
func (m *machine) cancelledLocal(where *Message) error {
	return m.finish(Cancelled, msgCancelledLocal.With(where.With()))
}
