package upgrade

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"airfleet/device"
)

// TranscriptSink receives every AT line of every module, with the slot and
// (once known) the IMEI. It must not block.
type TranscriptSink func(slot, imei string, r device.Record)

// Sessions keeps one open session per attached module: it watches the source,
// opens and identifies each module as it appears, closes it when it goes,
// and lets upgrades find a module again by IMEI after a reboot, whatever its
// new port and slot.
type Sessions struct {
	src      device.Source
	interval time.Duration
	sink     TranscriptSink
	emit     func(Event)
	idlePoll time.Duration
	locks    *slotLocks       // the modules this station owns (slotlocks.go)
	retry    chan retryAttach // modules whose slot came free, to attach again

	mu      sync.Mutex
	mods    map[string]*Module // by slot
	byIMEI  map[string]*Module // the same, by IMEI: 256 rebooting modules each wait for theirs
	pending map[string]bool    // slots being identified
	changed chan struct{}      // closed and replaced on every change
	ready   bool               // the first listing has been identified
	tails   map[string]*tail   // recent transcript per slot, for the console
	secrets secrets            // project keys to mask in every transcript line
}

// SessionsOptions tune the sessions of a station.
type SessionsOptions struct {
	Interval   time.Duration  // watch interval (device.DefaultWatchInterval if 0)
	Transcript TranscriptSink // every AT line (may be nil)
	Emit       func(Event)    // identification and disconnection events (may be nil)
	// IdlePoll is how often the SIM and network of an idle module that is
	// not registered yet are read again (DefaultIdlePoll if 0), and how
	// often a module another airfleet holds is looked at again.
	IdlePoll time.Duration
	// LockDir is the directory of the host's slot locks
	// (device.LockDir() if empty).
	LockDir string
	// Bound reports whether an upgrade attempt is bound to the slot: the
	// slot's lock is kept while its module is away (may be nil).
	Bound func(slot string) bool
}

// DefaultIdlePoll is how often an idle, unregistered module is asked
// again for its SIM and network. A module is usually identified within a
// second of being plugged in, before it has found the network (that takes
// a few seconds): without asking again its row would say "searching" for
// good.
const DefaultIdlePoll = 2 * time.Second

// NewSessions returns the sessions of a station over src; Run starts it.
func NewSessions(src device.Source, o SessionsOptions) *Sessions {
	if o.Emit == nil {
		o.Emit = func(Event) {}
	}
	if o.IdlePoll <= 0 {
		o.IdlePoll = DefaultIdlePoll
	}
	return &Sessions{
		src: src, interval: o.Interval, sink: o.Transcript, emit: o.Emit, idlePoll: o.IdlePoll,
		locks: newSlotLocks(o.LockDir, o.Bound), retry: make(chan retryAttach),
		mods: map[string]*Module{}, byIMEI: map[string]*Module{}, pending: map[string]bool{}, changed: make(chan struct{}),
		tails: map[string]*tail{},
	}
}

// Run watches the source until ctx ends, then closes every session and
// lets go of every module's slot lock.
func (st *Sessions) Run(ctx context.Context) {
	var wg sync.WaitGroup
	events := device.Watch(ctx, st.src, st.interval)
	first := true
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				st.stop(&wg)
				return
			}
			st.handle(ctx, &wg, ev)
			// Ready once the first listing has settled (its modules
			// attached before Listed), even empty; or at once if the
			// source cannot be listed: nobody waits for modules that
			// are not coming.
			if first && settles(ev) {
				first = false
				go st.markReady(ctx, &wg)
			}
		case r := <-st.retry:
			// Here, in the loop that attaches and detaches, it cannot
			// overtake the module's leaving.
			if st.Module(r.c.Slot) == r.a {
				st.attach(ctx, &wg, r.c)
			}
		}
	}
}

// handle acts on one change of the source.
func (st *Sessions) handle(ctx context.Context, wg *sync.WaitGroup, ev device.DeviceEvent) {
	switch ev := ev.(type) {
	case device.Attached:
		st.attach(ctx, wg, ev.Candidate)
	case device.Detached:
		st.detach(ev.Slot)
	case device.Changed:
		if st.keeps(ev.New) {
			return // e.g. if06 appeared beside the if02 in use: no churn
		}
		st.detach(ev.Old.Slot)
		st.attach(ctx, wg, ev.New)
	case device.Listed:
		// Run marks the station ready.
	case device.ListFailed:
		n := errSentence(ev.Err)
		st.emit(Event{Time: time.Now(), Step: StateDisconnected, Sentence: n})
	}
}

// settles reports whether ev ends the wait for the first listing: Listed,
// or ListFailed.
func settles(ev device.DeviceEvent) bool {
	switch ev.(type) {
	case device.Listed, device.ListFailed:
		return true
	}
	return false
}

// stop waits for the station's goroutines, closes every session and lets
// go of every slot lock.
func (st *Sessions) stop(wg *sync.WaitGroup) {
	wg.Wait()
	st.mu.Lock()
	mods := st.mods
	st.mods = map[string]*Module{}
	st.notifyLocked()
	st.mu.Unlock()
	for _, a := range mods {
		if a.Session != nil {
			a.Session.Close()
		}
	}
	st.locks.close()
}

// markReady waits for the identification of the modules of the first
// listing, then marks the station ready.
func (st *Sessions) markReady(ctx context.Context, wg *sync.WaitGroup) {
	for {
		st.mu.Lock()
		n, ch := len(st.pending), st.changed
		if n == 0 {
			st.ready = true
			st.notifyLocked()
			st.mu.Unlock()
			return
		}
		st.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// WaitReady waits until the modules present at the start are identified
// (or failed to be), so a batch sees the whole fleet.
func (st *Sessions) WaitReady(ctx context.Context) error {
	for {
		st.mu.Lock()
		ready, ch := st.ready, st.changed
		st.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (st *Sessions) attach(ctx context.Context, wg *sync.WaitGroup, c device.Candidate) {
	st.mu.Lock()
	st.pending[c.Slot] = true
	st.mu.Unlock()
	n := msgPort.With(c.ATPort)
	st.emit(Event{Time: time.Now(), Slot: c.Slot, Step: StateIdentifying, Sentence: n})
	wg.Add(1)
	go func() {
		defer wg.Done()
		a := st.identify(ctx, c)
		if a.Err == nil && !(a.Info.SIM.Ready && a.Info.Registration.Registered()) {
			a.watch = newIdleWatch() // set before a is seen: Claim waits for it
		}
		st.mu.Lock()
		delete(st.pending, c.Slot)
		old := st.mods[c.Slot]
		st.setLocked(c.Slot, a)
		st.mu.Unlock()
		// Never close a session under mu: its reader may be waiting for mu
		// in the transcript callback.
		if old != nil && old.Session != nil {
			old.Session.Close()
		}
		n := a.describe()
		ev := Event{Time: time.Now(), Slot: a.Slot, IMEI: a.Info.IMEI, Model: a.Info.Model, From: a.Info.Firmware.Core, Step: StateIdle, Sentence: n}
		// Said before the waiters wake: an attempt waiting for this IMEI
		// after its reboot is still bound, so the engine knows the event
		// is its own. Said after, it could come once the attempt had
		// ended, and read as a module plugged in afresh.
		st.emit(ev)
		st.mu.Lock()
		st.notifyLocked()
		st.mu.Unlock()
		if a.watch != nil { // started after the first idle event, so its own come after it
			wg.Add(1)
			go func() {
				defer wg.Done()
				st.watchIdle(ctx, a)
			}()
		}
		if _, ok := errors.AsType[*device.InUseError](a.Err); ok {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st.retryInUse(ctx, a, c)
			}()
		}
	}()
}

func (st *Sessions) detach(slot string) {
	st.mu.Lock()
	a := st.mods[slot]
	st.setLocked(slot, nil)
	st.notifyLocked()
	st.mu.Unlock()
	st.locks.gone(slot)
	if a == nil {
		return
	}
	if a.Session != nil {
		a.Session.Close()
	}
	n := msgGone.With()
	st.emit(Event{Time: time.Now(), Slot: slot, IMEI: a.Info.IMEI, Model: a.Info.Model, From: a.Info.Firmware.Core, Step: StateDisconnected, Sentence: n})
}

// setLocked puts a in slot (nil: empties it) and keeps byIMEI in step.
func (st *Sessions) setLocked(slot string, a *Module) {
	if old := st.mods[slot]; old != nil && st.byIMEI[old.Info.IMEI] == old {
		delete(st.byIMEI, old.Info.IMEI)
		for _, o := range st.mods { // another slot with that IMEI, if any
			if o != old && o.Info.IMEI == old.Info.IMEI {
				st.byIMEI[o.Info.IMEI] = o
			}
		}
	}
	if a == nil {
		delete(st.mods, slot)
		return
	}
	st.mods[slot] = a
	if a.Info.IMEI != "" {
		st.byIMEI[a.Info.IMEI] = a
	}
}

func (st *Sessions) notifyLocked() {
	close(st.changed)
	st.changed = make(chan struct{})
}

// Modules returns the attached modules, sorted by slot.
func (st *Sessions) Modules() []*Module {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]*Module, 0, len(st.mods))
	for _, a := range st.mods {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *Module) int { return device.CompareSlots(x.Slot, y.Slot) })
	return out
}

// Module returns the module in slot, or nil.
func (st *Sessions) Module(slot string) *Module {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.mods[slot]
}

// WaitIMEI waits until a module with this IMEI is attached and identified
// with an open session, in any slot, and returns it claimed (see Claim):
// the caller is the upgrade that owns it.
func (st *Sessions) WaitIMEI(ctx context.Context, imei string) (*Module, error) {
	for {
		st.mu.Lock()
		ch := st.changed
		a := st.byIMEI[imei]
		st.mu.Unlock()
		if a.Alive() {
			return st.Claim(a), nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Changed returns a channel closed at the next change of the station.
func (st *Sessions) Changed() <-chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.changed
}
