package upgrade

// The idle watch: an identified module not yet registered is read again
// until it registers, is unplugged, or an upgrade claims it.

import (
	"context"
	"errors"
	"sync"
	"time"

	"airfleet/device"
)

// idleWatch is the life of one module's idle watch.
type idleWatch struct {
	mu      sync.Mutex    // held while the watch announces a reading, and by Claim
	claimed chan struct{} // closed by Claim, under mu
	done    chan struct{} // closed when the watch has ended
}

func newIdleWatch() *idleWatch {
	return &idleWatch{claimed: make(chan struct{}), done: make(chan struct{})}
}

// claim ends the watch; once it returns, the watch announces nothing more.
func (w *idleWatch) claim() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.isClaimed() {
		close(w.claimed)
	}
}

func (w *idleWatch) isClaimed() bool {
	select {
	case <-w.claimed:
		return true
	default:
		return false
	}
}

// watchIdle reads the SIM and network of an idle module again until it is
// registered, and announces each change as a new idle event (a fresh copy
// of the module in the station). It ends when the module is registered,
// goes, or is claimed by an upgrade. A claim never cuts a reading short
// (a command cut off would cost the upgrade a resync) and never waits for
// one (a stalled module would hold up its upgrade's start or cancel): the
// reading under way finishes beside the upgrade's first commands and is
// dropped.
func (st *Sessions) watchIdle(ctx context.Context, a *Module) {
	w := a.watch
	defer close(w.done)
	cur := a
	delay := st.idlePoll
	for quiet := 0; ; {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.claimed:
			t.Stop()
			return
		case <-a.Session.Done():
			t.Stop()
			return
		case <-t.C:
		}
		info := cur.Info
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := device.Status(cctx, a.Session, &info)
		cancel()
		if ctx.Err() != nil || errors.Is(err, device.ErrClosed) {
			return
		}
		if err != nil || sameStatus(info, cur.Info) {
			quiet++
			delay = idleBackoff(delay, quiet, st.idlePoll)
			continue
		}
		quiet, delay = 0, st.idlePoll
		if !st.announce(w, &cur, info) {
			return
		}
		if info.SIM.Ready && info.Registration.Registered() {
			return
		}
	}
}

// idleQuietReadings is how many unchanged readings come before the idle
// watch slows down; idleBackoffCap is how far it slows, in idle polls.
const (
	idleQuietReadings = 5
	idleBackoffCap    = 60 // 2 min at the default 2 s
)

// idleBackoff is the delay before the next reading of an idle module,
// after quiet unchanged readings in a row: the poll at first, then twice
// as long each time, up to idleBackoffCap polls. A module with no SIM or no
// coverage stays so for long: an hour on the hub costs about 35 readings
// (some 400 transcript lines) rather than the 225 of a 16 s cap.
func idleBackoff(delay time.Duration, quiet int, poll time.Duration) time.Duration {
	if quiet < idleQuietReadings {
		return delay
	}
	return min(delay*2, idleBackoffCap*poll)
}

// announce puts a fresh copy of *cur with info in the station and tells
// the console, unless the module was claimed or replaced meanwhile (then it
// returns false). It holds w.mu throughout, so a Claim that has returned
// is never followed by an idle event.
func (st *Sessions) announce(w *idleWatch, cur **Module, info device.Info) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	old := *cur
	next := *old
	next.Info, next.Identified = info, time.Now()
	st.mu.Lock()
	if w.isClaimed() || st.mods[old.Slot] != old {
		st.mu.Unlock()
		return false
	}
	st.setLocked(old.Slot, &next)
	st.mu.Unlock()
	*cur = &next
	n := next.describe()
	st.emit(Event{Time: time.Now(), Slot: next.Slot, IMEI: info.IMEI, Model: info.Model, From: info.Firmware.Core, Step: StateIdle, Sentence: n})
	st.mu.Lock()
	st.notifyLocked()
	st.mu.Unlock()
	return true
}

// sameStatus reports whether two readings of a module say the same SIM
// state, registration and signal.
func sameStatus(a, b device.Info) bool {
	return a.SIM == b.SIM && a.Registration == b.Registration && a.Signal == b.Signal
}

// Claim hands module a to an upgrade: its idle watch stops (no idle event
// of the station follows Claim) and the newest copy of the module is
// returned. It never waits on the module.
func (st *Sessions) Claim(a *Module) *Module {
	if a == nil {
		return nil
	}
	if w := a.watch; w != nil {
		w.claim()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if cur := st.mods[a.Slot]; cur != nil && cur.Session == a.Session {
		return cur
	}
	return a
}
