package upgrade

// The request: AT+UPGRADE, following +UPGRADEIND, classifying a failure
// and the policy for each code, and the pair gate in front of it.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"airfleet/device"
)

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

// request sends AT+UPGRADE and follows +UPGRADEIND until the module
// reboots, fails, or goes away.
//
// The request counts against the platform's daily budget from the moment
// its bytes are written, whatever follows: an OK that comes late, an
// ERROR, a port that vanishes, a cancel. From then on the module may be
// asking the server, so the machine follows it to a safe end (a failure
// it reports, its reboot, or AT+UPGRADE? saying it is idle) instead of
// leaving it to upgrade unwatched.
func (m *machine) request(ctx context.Context) (requestOutcome, failure, error) {
	f := failure{progress: -1}
	if ctx.Err() != nil {
		return 0, f, m.cancelled(msgWhenRequest)
	}
	s := m.session()
	sub := s.Subscribe("+UPGRADEIND:")
	defer sub.Close()
	m.emit(StateRequesting, msgRequest.With(), nil)
	sent := false
	cctx, cancel := m.cmdCtx(ctx)
	err := device.Trigger(cctx, s, func() error {
		if err := m.countRequest(cctx); err != nil {
			return err
		}
		sent = true
		return nil
	})
	cancel()
	var notLogged *notLoggedError
	switch {
	case !sent && ctx.Err() != nil: // a cancel, while it queued or waited for the log
		return 0, f, m.cancelled(msgWhenRequest)
	case !sent && errors.As(err, &notLogged):
		return 0, f, m.finish(Held, msgHeldLogDown.With(notLogged.err))
	case !sent:
		return 0, f, fmt.Errorf("AT+UPGRADE: %w", err)
	case errors.Is(err, device.ErrClosed):
		return reqDisconnected, f, nil
	case errors.Is(err, device.ErrCommand):
		// Refused: a module already busy with an upgrade (its own check,
		// or one an earlier run started) answers ERROR. Follow that one.
		st, qerr := m.query(context.WithoutCancel(ctx))
		if qerr != nil || st.State != 1 {
			return 0, f, fmt.Errorf("AT+UPGRADE: %w", err)
		}
		m.emit(StateRequesting, msgRequestBusy.With(st.Percent), nil)
		m.progress(&f, st.Percent)
	case err != nil:
		// No answer in time, or a cancel while it was on its way: the
		// module may be asking the server all the same.
		m.emit(StateRequesting, msgRequestUnanswered.With(), nil)
	}
	return m.follow(ctx, sub, f)
}

// countRequest logs one request this machine is about to send: it counts
// on the platform (and toward its ban) whatever happens next, a crash
// too, so it is on disk before the bytes leave. A log that cannot commit
// (checked first, so that a request not sent is not counted either) keeps
// the request from being sent: a *notLoggedError.
func (m *machine) countRequest(ctx context.Context) error {
	if err := m.b.log.Sync(ctx); err != nil {
		return &notLoggedError{err}
	}
	m.recordRequest()
	if err := m.b.log.Sync(ctx); err != nil {
		// The disk failed in between: the record waits in the log's
		// queue and counts once it lands; the request is not sent.
		return &notLoggedError{err}
	}
	return nil
}

// recordRequest logs one request that is out (or found under way).
func (m *machine) recordRequest() {
	m.res.Requests++
	m.b.event(m.attempt, Event{Time: time.Now(), Slot: m.slot, IMEI: m.imei, Step: StateRequesting, Sentence: msgRequestSent.With()}, KindRequest)
}

// notLoggedError is a request kept unsent because the log could not
// record it.
type notLoggedError struct{ err error }

func (e *notLoggedError) Error() string { return "the log cannot record the request: " + e.err.Error() }
func (e *notLoggedError) Unwrap() error { return e.err }

// follow reads +UPGRADEIND (and asks AT+UPGRADE? when the module is
// silent) until the module reboots, fails, or goes away. A request is out:
// ctx's cancel does not cut this short; the caller decides at the next
// safe point.
func (m *machine) follow(ctx context.Context, sub *device.Subscription, f failure) (requestOutcome, failure, error) {
	cfg := m.b.cfg
	wctx := context.WithoutCancel(ctx)
	silence := cfg.ProgressTimeout
	quiet := 0  // silent periods in a row without progress
	closed := 0 // queries that found the port closed
	for {
		lctx, cancel := context.WithTimeout(wctx, silence)
		line, err := sub.Next(lctx)
		cancel()
		switch {
		case errors.Is(err, device.ErrClosed):
			if f.progress == 100 {
				return reqRebooting, f, nil
			}
			return reqDisconnected, f, nil
		case err != nil:
			// Silence: ask the module where it stands.
			st, qerr := m.query(wctx)
			if errors.Is(qerr, device.ErrClosed) {
				// The ports went while it was asked: the subscription
				// gives what came before (maybe its 100 %), then says
				// so, and the request is followed as the module's
				// going away (its reboot), never as a port lost before
				// anything was asked. (Bounded, should a session that
				// cannot write stay open.)
				if closed++; closed <= 3 {
					continue
				}
				return 0, f, qerr
			}
			if quiet++; quiet > 3 {
				// Given up, the download may still end on its own: the
				// module then reboots into the new firmware and asks
				// the server by itself, unwatched. Counted now, as
				// after any download left running.
				m.countAutoRequest()
				if qerr != nil {
					return 0, f, msgFailedStuckSilent.With(4*silence.Round(time.Second), max(f.progress, 0), qerr).Err()
				}
				return 0, f, msgFailedStuck.With(4*silence.Round(time.Second), max(f.progress, 0), st).Err()
			}
			if qerr != nil {
				// No answer (a stall, a garbled line): the request is
				// out and the module may be downloading, so keep
				// following it rather than leave it to upgrade unwatched.
				continue
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
			if ctx.Err() != nil {
				return 0, f, m.cancelled(msgWhenAnswer) // it is idle: nothing runs on
			}
			return 0, f, msgFailedNotasked.With(silence.Round(time.Second)).Err()
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

// underWay asks AT+UPGRADE? before anything is sent: a module that is
// downloading already (an earlier run was killed after its request, or the
// module's own periodic check) is followed to its end rather than asked
// again, which would answer ERROR and spend nothing but time, or worse,
// leave it rebooting unwatched. Its request is counted once unless the log
// already holds one from the last few minutes.
func (m *machine) underWay(ctx context.Context) (bool, requestOutcome, failure, error) {
	f := failure{progress: -1}
	s := m.session()
	sub := s.Subscribe("+UPGRADEIND:")
	defer sub.Close()
	st, err := m.query(ctx)
	if err != nil {
		if isGone(err) {
			return false, 0, f, err
		}
		return false, 0, f, nil // a build that cannot say: go on as usual
	}
	if st.State != 1 {
		return false, 0, f, nil
	}
	m.emit(StateDownloading, msgRequestUnderway.With(st.Percent), func(e *Event) { e.Percent = st.Percent })
	if n, err := m.b.log.RequestsSince(m.imei, time.Now().Add(-underWayWindow)); err != nil || n == 0 {
		m.recordRequest() // out already: counted, whatever the disk says
	}
	m.progress(&f, st.Percent)
	out, f, err := m.follow(ctx, sub, f)
	return true, out, f, err
}

// underWayWindow: a download found under way was requested at most this
// long ago (a download takes seconds to a few minutes).
const underWayWindow = 10 * time.Minute

func (m *machine) progress(f *failure, n int) {
	if n > f.progress {
		f.progress = n
	}
	m.b.pairs.ready(m.pairKey()) // the platform is serving: past code 43
	m.emit(StateDownloading, MsgProgress.With(n), func(e *Event) { e.Percent = n })
}

func (m *machine) query(ctx context.Context) (device.UpgradeState, error) {
	cctx, cancel := m.cmdCtx(ctx)
	defer cancel()
	return device.QueryUpgrade(cctx, m.session())
}

// policy decides what a failed request leads to: wait and retry, retry
// once, or the end. It returns true to ask again. The code catalogue
// decides (decide, CodeInfo.Policy); nothing here knows a code by number.
func (m *machine) policy(ctx context.Context, f failure) (bool, error) {
	cfg := m.b.cfg
	m.res.Code, m.res.ModuleError, m.res.HTTPStatus = f.code, f.modErr, f.http
	m.emit(StateRequesting, msgRequestFailed.With(failureText(f)), func(e *Event) { e.Code, e.ModuleError, e.HTTPStatus = f.code, f.modErr, f.http })

	code, info := decide(f)
	switch info.Policy {
	case PolicyWaitRetry:
		if m.platformWaits >= cfg.MaxPlatformWaits {
			return false, m.finish(Failed, msgFailedNotready.With(m.platformWaits))
		}
		wait := cfg.RetryAfter
		for range m.platformWaits {
			wait = wait * 3 / 2
		}
		wait = min(wait, cfg.RetryMaxWait)
		m.platformWaits++
		m.emit(StateWaitPlatform, msgWait43.With(wait.Round(time.Second)), func(e *Event) { e.Code, e.ModuleError = code, f.modErr })
		if err := sleep(ctx, wait); err != nil {
			return false, m.cancelled(msgWhenDelta)
		}
		return true, m.checkBudget(ctx)
	case PolicyCurrent:
		return false, m.latest(ctx)
	case PolicyRetryOnce:
		if !m.retriedOnce {
			m.retriedOnce = true
			m.emit(StateRequesting, msgRetryOnce.With(MsgCode.With(code)), nil)
			if err := m.checkBudget(ctx); err != nil {
				return false, err
			}
			return true, nil
		}
	}
	if info.AfterCheckedDownload != nil && f.progress >= 0 && m.delta.URL != "" {
		// The host checked its size against the FOTA area: what is left
		// is a delta made for another base, or a damaged file.
		return false, m.finish(Failed, info.AfterCheckedDownload.With(f.progress, m.res.From, device.MaskURL(m.delta.URL), m.b.cfg.Deltas.where(m.delta)))
	}
	return false, m.finish(Failed, info.ending(code, f.progress))
}

// decide finds the catalogue entry that decides a failed request: the
// platform's code when it gave a known one, else the module's error, read
// as the platform code it stands for (CodeInfo.Means) when it came before
// any download. An error the catalogue does not know fails the module.
func decide(f failure) (int, CodeInfo) {
	for _, c := range []int{f.code, f.modErr} {
		info, ok := Lookup(c)
		if !ok || c == 0 {
			continue
		}
		if means, ok := Lookup(info.Means); ok && info.Means != 0 && f.code == 0 && f.progress < 0 {
			return info.Means, means
		}
		return c, info
	}
	return f.modErr, CodeInfo{Code: f.modErr, Policy: PolicyFail}
}

// ending is the sentence of a module that this code ends, progress being
// the highest download progress seen (-1 for none).
func (c CodeInfo) ending(code, progress int) Sentence {
	switch {
	case c.AfterDownload != nil && progress >= 0:
		return c.AfterDownload.With(progress)
	case c.Ending != nil:
		return c.Ending.With()
	}
	return MsgCode.With(code)
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
			return m.finish(Current, msgCurrent27target.With(m.res.From))
		}
		return m.finish(Failed, msgFailed27below.With(m.res.From, cfg.Target))
	}
	if peer := m.newerPeer(); peer != nil {
		return m.finish(Failed, msgFailed27peer.With(peer.Slot, m.att.Info.Firmware.Name, peer.Info.Firmware.Core, m.res.From))
	}
	if m.served() {
		// The platform served this version (to a module of the batch, or
		// earlier by the log) and serves nothing newer: the pair is the
		// newest, and its other modules need not ask to hear the same.
		m.b.pairs.markLatest(m.pairKey(), m.imei)
		return m.finish(Current, msgCurrent27.With(m.res.From))
	}
	m.b.pairs.release(m.pairKey(), m.imei)
	// Wait without a concurrency slot: the modules still to start may be
	// the ones that tell (holding it, a full batch of 27s waits for ever).
	<-m.sem
	served, err := m.b.pairs.served(ctx, m.pairKey(), m.imei)
	m.sem <- struct{}{}
	if err != nil {
		return m.cancelled(msgWhenCompare)
	}
	if served {
		return m.finish(Failed, msgFailed27served.With(m.att.Info.Firmware.Name, m.res.From))
	}
	return m.finish(Current, msgCurrent27.With(m.res.From))
}

// newerPeer returns an attached module with the same firmware name and a
// newer core version, if there is one.
func (m *machine) newerPeer() *Module {
	var best *Module
	for _, a := range m.b.sessions.Modules() {
		fw := a.Info.Firmware
		if a.Err == nil && fw.Name == m.att.Info.Firmware.Name && fw.Core > m.res.From && (best == nil || fw.Core > best.Info.Firmware.Core) {
			best = a
		}
	}
	return best
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
	latestBy, err := m.b.pairs.acquire(ctx, m.pairKey(), m.imei, func(pilot string) {
		if !waiting {
			waiting = true
			// The line knows its modules by slot: name the pilot's.
			m.emit(StateWaitPlatform, msgWaitPilot.With(m.b.slotOf(pilot)), nil)
		}
	})
	if err != nil {
		return m.cancelled(msgWhenPair)
	}
	if latestBy != "" {
		return m.finish(Current, msgCurrent27pair.With(m.res.From, m.b.slotOf(latestBy)))
	}
	return nil
}

func (m *machine) pairKey() string { return pairKeyOf(m.att.Info) }

// served reports whether the platform is known to have served this
// module's version of its firmware: a module of the batch upgraded to it,
// or the log holds such an upgrade.
func (m *machine) served() bool {
	if m.b.pairs.isReached(m.pairKey()) {
		return true
	}
	ok, err := m.b.log.Reached(m.att.Info.Firmware.Name, m.res.From)
	return err == nil && ok
}

// pairKeyOf names a module's (firmware name, base version) pair.
func pairKeyOf(info device.Info) string { return fwKey(info.Firmware) }

// fwKey names a (firmware name, core version) pair.
func fwKey(fw device.Firmware) string { return fw.Name + "@" + strconv.Itoa(fw.Core) }
