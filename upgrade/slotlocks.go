package upgrade

import (
	"context"
	"errors"
	"sync"
	"time"

	"airfleet/device"
)

// A station owns modules, not ports: before it opens anything of a module
// it takes the module's host-wide slot lock (device.LockSlot), so that no
// other airfleet on the host, of any user, drives the module too (issue
// 10.3: TIOCEXCL guards a port, if02 reaches the same module, and root
// ignores TIOCEXCL).
//
// When to let go. The module's ports vanish while it reboots after a
// download, and come back a few seconds later as new ports: another
// airfleet that grabbed it then would ask the platform again and answer
// the returning upgrade's ATI with its own commands. So the lock is not
// tied to the open session. The station holds it from the first open
// until the module has been gone for lockGrace with no attempt bound to
// its slot (SessionsOptions.Bound: an attempt stays bound through its
// reboot, however long), or until the station stops. The grace covers a
// module that the batch has claimed but whose attempt has not started yet
// (it waits for a free place under the concurrency limit), and the port
// churn of a module plugged in again. A module that comes back while the
// lock is held is simply ours again; one in a new slot takes that slot's
// lock as any module does.

// lockGrace is how long the lock of a module that has gone, with no
// attempt bound to its slot, is kept.
const lockGrace = 30 * time.Second

// slotLocks are the slot locks one station holds, by Candidate.LockKey.
type slotLocks struct {
	dir   string            // where the lock files are ("" = device.LockDir())
	bound func(string) bool // is an attempt bound to this slot?
	grace time.Duration

	mu   sync.Mutex
	held map[string]*heldLock // nil once closed
}

// heldLock is one module's lock while this station holds it.
type heldLock struct {
	lock  *device.SlotLock
	slot  string
	timer *time.Timer // set while the module is gone: lets go when it fires
}

func newSlotLocks(dir string, bound func(string) bool) *slotLocks {
	if bound == nil {
		bound = func(string) bool { return false }
	}
	return &slotLocks{dir: dir, bound: bound, grace: lockGrace, held: map[string]*heldLock{}}
}

// hold takes c's lock, or keeps the one held for it (and stops letting it
// go). The error is a *device.InUseError when another holds it.
func (l *slotLocks) hold(c device.Candidate) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		return errors.New("the station has stopped")
	}
	key := c.LockKey()
	if h := l.held[key]; h != nil {
		if h.timer != nil {
			h.timer.Stop()
			h.timer = nil
		}
		h.slot = c.Slot
		return nil
	}
	lk, err := device.LockSlot(l.dir, c)
	if err != nil {
		return err
	}
	l.held[key] = &heldLock{lock: lk, slot: c.Slot}
	return nil
}

// free reports whether c's lock could be taken now, without keeping it.
func (l *slotLocks) free(c device.Candidate) bool {
	lk, err := device.LockSlot(l.dir, c)
	if err != nil {
		return false
	}
	lk.Close()
	return true
}

// gone starts the grace of the module that left slot.
func (l *slotLocks) gone(slot string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, h := range l.held {
		if h.slot == slot && h.timer == nil {
			l.armLocked(key, h)
		}
	}
}

func (l *slotLocks) armLocked(key string, h *heldLock) {
	h.timer = time.AfterFunc(l.grace, func() { l.expire(key, h) })
}

// expire lets go of h unless its module came back, or an attempt is bound
// to its slot (then it waits another grace).
func (l *slotLocks) expire(key string, h *heldLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil || l.held[key] != h || h.timer == nil {
		return // closed, came back, or taken anew
	}
	if l.bound(h.slot) {
		l.armLocked(key, h)
		return
	}
	delete(l.held, key)
	h.lock.Close()
}

// close lets go of every lock; hold fails from then on.
func (l *slotLocks) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.held {
		if h.timer != nil {
			h.timer.Stop()
		}
		h.lock.Close()
	}
	l.held = nil
}

// retryInUse waits, while a (refused because another airfleet holds its
// slot) is still the station's module in its slot, for the lock to come
// free, then asks Run to attach c again: the row comes alive once the
// other airfleet lets go, without a replug.
func (st *Sessions) retryInUse(ctx context.Context, a *Module, c device.Candidate) {
	t := time.NewTicker(st.idlePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if st.Module(c.Slot) != a {
			return // gone or replaced meanwhile
		}
		if st.locks.free(c) {
			select {
			case st.retry <- retryAttach{a: a, c: c}:
			case <-ctx.Done():
			}
			return
		}
	}
}

// retryAttach asks Run to attach c again in place of a.
type retryAttach struct {
	a *Module
	c device.Candidate
}
