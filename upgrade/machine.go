package upgrade

import (
	"context"
	"errors"
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
	att     *Module
	attempt int64
	res     Result

	platformWaits int
	retriedOnce   bool
	origAuto      string        // AUTO as the operator left it ("" = unknown)
	autoOff       bool          // we switched AUTO off (RAM only)
	clearedURL    bool          // we cleared a URL since the module's last power-on
	setURL        bool          // we set a URL (RAM only) since the module's last power-on
	autoCounted   bool          // the module's own request after its reboot is in the log
	sem           chan struct{} // the batch's concurrency slots; this machine holds one
	delta         DeltaEntry    // URL mode with a delta map: this module's delta, once picked
	applied       bool          // local mode: AT+UARTUPGRADE=5 was sent; the module may be applying
}

// errStop ends the machine with the result already set.
var errStop = errors.New("stop")

func (m *machine) emit(step State, n Sentence, f func(*Event)) {
	e := Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Model: m.res.Model, From: m.res.From,
		Target: m.b.cfg.Target, Step: step, Sentence: n}
	if f != nil {
		f(&e)
	}
	kind := KindInfo
	switch {
	case step.Transferring():
		kind = KindProgress
	case step == StateFailed || e.Code != 0 || e.ModuleError != 0:
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
	if from := m.b.resumeFrom(m.imei); from != 0 {
		// An earlier run's attempt from this version was cut short after
		// its request: a module now on another one finished it.
		m.res.From = from
	}
	m.attempt = m.b.log.StartAttempt(AttemptRecord{Batch: m.b.id, Slot: m.slot, IMEI: m.imei, Model: info.Model,
		FirmwareName: info.Firmware.Name, From: m.res.From, Started: m.res.Started})
	m.b.bindAttempt(m.imei, m.slot, m.attempt)
	defer m.b.unbindAttempt(m.imei)
	defer m.b.pairs.done(m.pairKey(), m.imei)

	err := m.steps(ctx)
	switch {
	case err != nil && !errors.Is(err, errStop):
		m.classifyErr(ctx, err)
	case m.res.Outcome == "":
		m.finish(Failed, msgFailedError.With("the upgrade ended without a result: escalate with the transcript"))
	}
	m.handoff()
	m.restore()
	m.res.Ended = time.Now()
	m.res.Slot = m.slot
	step := finalState[m.res.Outcome]
	r := m.res
	m.emit(step, m.res.Sentence, func(e *Event) {
		e.Code, e.ModuleError, e.HTTPStatus, e.Result = r.Code, r.ModuleError, r.HTTPStatus, &r
	})
	m.b.log.EndAttempt(m.attempt, m.res)
	return m.res
}

// finalState is the state a module ends in with each outcome.
var finalState = map[Outcome]State{Upgraded: StatePassed, Current: StateCurrent, Failed: StateFailed, Held: StateHeld, Cancelled: StateCancelled}

// maxReconnects bounds how often a module may vanish outside a reboot
// (a flaky cable, a port re-enumerated) before the attempt gives up.
const maxReconnects = 3

func (m *machine) steps(ctx context.Context) error {
	for reconnects := 0; ; reconnects++ {
		err := m.attemptSteps(ctx)
		if errors.Is(err, errStop) || !errors.Is(err, device.ErrClosed) || reconnects >= maxReconnects {
			return err
		}
		if err := m.waitBack(ctx, msgWhyPortgone); err != nil {
			return err
		}
	}
}

func (m *machine) attemptSteps(ctx context.Context) error {
	if m.att.Info.Firmware.Core != m.res.From {
		// It went away and came back on another version: an upgrade
		// that was already under way has been applied.
		m.countAutoRequest()
		return m.verify(m.att.Info.Firmware)
	}
	if m.b.cfg.Mode == ModeLocal {
		return m.localSteps(ctx)
	}
	found, out, f, err := m.underWay(ctx)
	if err != nil {
		return err
	}
	if !found {
		if err := m.preflight(ctx); err != nil {
			return err
		}
		if err := m.configure(ctx); err != nil {
			return err
		}
	}
	for ; ; found = false {
		if !found {
			if err := m.gate(ctx); err != nil {
				return err
			}
			if out, f, err = m.request(ctx); err != nil {
				return err
			}
		}
		switch out {
		case reqRebooting:
			return m.rebootAndVerify(ctx)
		case reqDisconnected:
			// The request is out: a cancel waits for the module to come
			// back (it may be rebooting into its new firmware) before it
			// ends the attempt, bounded by the reboot timeout.
			if err := m.waitBack(context.WithoutCancel(ctx), msgWhyDownload); err != nil {
				// It may be rebooting into the new firmware, its
				// +UPGRADEIND: 100 lost with the port: once up, it asks
				// the server by itself.
				m.countAutoRequest()
				return err
			}
			m.res.Retries++
			if m.att.Info.Firmware.Core != m.res.From {
				m.countAutoRequest() // it rebooted into the new firmware
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
func (m *machine) finish(o Outcome, n Sentence) error {
	m.res.Outcome, m.res.Sentence = o, n
	return errStop
}

func (m *machine) cancelled(where *Message) error {
	return m.finish(Cancelled, msgCancelled.With(where.With()))
}

// classifyErr turns an unexpected error into the result.
func (m *machine) classifyErr(ctx context.Context, err error) {
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled) && m.b.cfg.Mode == ModeLocal && !m.applied:
		m.finish(Cancelled, msgCancelledLocal.With(err.Error()))
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		m.finish(Cancelled, msgCancelled.With(err.Error()))
	case errors.Is(err, device.ErrClosed):
		m.finish(Failed, msgFailedGone.With(err.Error()))
	default:
		m.finish(Failed, errSentence(err))
	}
}

// restore gives the operator back their AUTO choice when the console
// switched it off and no reboot has reset it.
func (m *machine) restore() {
	if !m.autoOff || !m.att.Alive() {
		return
	}
	if m.clearedURL && m.origAuto != "0" {
		// Clearing the URL restarted the module's auto-check timer (spec:
		// a download starts 2–30 s after URL or PERIOD is set): with AUTO
		// back on it would ask the platform by itself, a request no budget
		// counts, and maybe upgrade unwatched. AUTO stays off in RAM; NV
		// keeps the operator's choice, back at the next power-on.
		m.emit(StateRestoring, msgRestoreOff.With(), nil)
		return
	}
	if m.setURL && m.origAuto != "0" {
		// The same for the URL we set: still in RAM after a failure
		// without a reboot (a -1003 after the download), it would be
		// downloaded again, unwatched and uncounted, 2–30 s later.
		m.emit(StateRestoring, msgRestoreOffurl.With(), nil)
		return
	}
	on := m.origAuto != "0"
	ctx, cancel := context.WithTimeout(context.Background(), m.b.cfg.CommandTimeout)
	defer cancel()
	if err := device.SetAuto(ctx, m.session(), on, device.RAMOnly); err != nil {
		m.emit(StateRestoring, msgRestoreFailed.With(err.Error()), nil)
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
