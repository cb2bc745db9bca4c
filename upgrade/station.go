package upgrade

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"airfleet/device"
)

// Attached is a module present on the station: its slot, its open AT
// session, and who it is. Err is set when it could not be identified.
type Attached struct {
	Slot    string
	Port    string
	Session *device.Session
	Info    device.Info
	Err     error
	Since   time.Time
	// Identified is when Info was read from the module (zero if never):
	// SIM and network state that fresh need not be asked again.
	Identified time.Time

	// watch follows the SIM and network of an idle module that was not yet
	// registered when identified (nil: no watch). Copies share it.
	watch *idleWatch
}

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

// Alive reports whether the module's session is still open.
func (a *Attached) Alive() bool {
	if a == nil || a.Session == nil {
		return false
	}
	select {
	case <-a.Session.Done():
		return false
	default:
		return true
	}
}

// TranscriptSink receives every AT line of every module, with the slot and
// (once known) the IMEI. It must not block.
type TranscriptSink func(slot, imei string, r device.Record)

// Station keeps one open session per attached module: it watches the source,
// opens and identifies each module as it appears, closes it when it goes,
// and lets upgrades find a module again by IMEI after a reboot, whatever its
// new port and slot.
type Station struct {
	src      device.Source
	interval time.Duration
	sink     TranscriptSink
	emit     func(Event)
	idlePoll time.Duration
	locks    *slotLocks       // the modules this station owns (slotlocks.go)
	retry    chan retryAttach // modules whose slot came free, to attach again

	mu      sync.Mutex
	mods    map[string]*Attached // by slot
	byIMEI  map[string]*Attached // the same, by IMEI: 256 rebooting modules each wait for theirs
	pending map[string]bool      // slots being identified
	changed chan struct{}        // closed and replaced on every change
	ready   bool                 // the first listing has been identified
	tails   map[string]*tail     // recent transcript per slot, for the console
	secrets secrets              // project keys to mask in every transcript line
}

// StationOptions tune a station.
type StationOptions struct {
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

// NewStation returns a station over src; Run starts it.
func NewStation(src device.Source, o StationOptions) *Station {
	if o.Emit == nil {
		o.Emit = func(Event) {}
	}
	if o.IdlePoll <= 0 {
		o.IdlePoll = DefaultIdlePoll
	}
	return &Station{
		src: src, interval: o.Interval, sink: o.Transcript, emit: o.Emit, idlePoll: o.IdlePoll,
		locks: newSlotLocks(o.LockDir, o.Bound), retry: make(chan retryAttach),
		mods: map[string]*Attached{}, byIMEI: map[string]*Attached{}, pending: map[string]bool{}, changed: make(chan struct{}),
		tails: map[string]*tail{},
	}
}

// Run watches the source until ctx ends, then closes every session and
// lets go of every module's slot lock.
func (st *Station) Run(ctx context.Context) {
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
			if first {
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
func (st *Station) handle(ctx context.Context, wg *sync.WaitGroup, ev device.DeviceEvent) {
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
	case device.ListFailed:
		n := errNote(ev.Err)
		st.emit(Event{Time: time.Now(), Step: StateDisconnected, Detail: n.String(), Note: n})
	}
}

// stop waits for the station's goroutines, closes every session and lets
// go of every slot lock.
func (st *Station) stop(wg *sync.WaitGroup) {
	wg.Wait()
	st.mu.Lock()
	mods := st.mods
	st.mods = map[string]*Attached{}
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
func (st *Station) markReady(ctx context.Context, wg *sync.WaitGroup) {
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
func (st *Station) WaitReady(ctx context.Context) error {
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

func (st *Station) attach(ctx context.Context, wg *sync.WaitGroup, c device.Candidate) {
	st.mu.Lock()
	st.pending[c.Slot] = true
	st.mu.Unlock()
	n := N("port", c.ATPort)
	st.emit(Event{Time: time.Now(), Slot: c.Slot, Step: StateIdentifying, Detail: n.String(), Note: n})
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
		ev := Event{Time: time.Now(), Slot: a.Slot, IMEI: a.Info.IMEI, Model: a.Info.Model, From: a.Info.Firmware.Core, Step: StateIdle, Detail: n.String(), Note: n}
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

// watchIdle reads the SIM and network of an idle module again until it is
// registered, and announces each change as a new idle event (a fresh copy
// of the module in the station). It ends when the module is registered,
// goes, or is claimed by an upgrade. A claim never cuts a reading short
// (a command cut off would cost the upgrade a resync) and never waits for
// one (a stalled module would hold up its upgrade's start or cancel): the
// reading under way finishes beside the upgrade's first commands and is
// dropped.
func (st *Station) watchIdle(ctx context.Context, a *Attached) {
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
			// A module with no SIM or no coverage stays so for long:
			// ask less often, so that the log does not fill with it.
			if quiet++; quiet >= 5 {
				delay = min(delay*2, 8*st.idlePoll)
			}
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

// announce puts a fresh copy of *cur with info in the station and tells
// the console, unless the module was claimed or replaced meanwhile (then it
// returns false). It holds w.mu throughout, so a Claim that has returned
// is never followed by an idle event.
func (st *Station) announce(w *idleWatch, cur **Attached, info device.Info) bool {
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
	st.emit(Event{Time: time.Now(), Slot: next.Slot, IMEI: info.IMEI, Model: info.Model, From: info.Firmware.Core, Step: StateIdle, Detail: n.String(), Note: n})
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
func (st *Station) Claim(a *Attached) *Attached {
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

func (a *Attached) describe() Note {
	if a.Err != nil {
		return errNote(a.Err)
	}
	return identNote(a.Info)
}

// identify takes the module's slot lock, opens its AT port (06, else 02),
// pings and identifies it. A module another airfleet holds is left closed,
// its Err a *device.InUseError.
func (st *Station) identify(ctx context.Context, c device.Candidate) *Attached {
	a := &Attached{Slot: c.Slot, Since: time.Now()}
	if c.Mode == device.ModeDownload {
		a.Err = &downloadModeError{slot: c.Slot}
		return a
	}
	if c.Problem != nil {
		a.Err = c.Problem
		return a
	}
	if err := st.locks.hold(c); err != nil {
		a.Err = err
		return a
	}
	var errs []error
	for _, port := range candidatePorts(c) {
		s, err := device.Open(port, device.Options{Name: c.Slot + " (" + port + ")", Transcript: st.transcriptFor(c.Slot)})
		if err != nil {
			errs = append(errs, err)
			if !device.TryNextPort(err) {
				break // if06 busy: if02 is the same module, held by another program
			}
			continue
		}
		ictx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = device.Ping(ictx, s)
		if err == nil {
			a.Info, err = device.Identify(ictx, s)
		}
		cancel()
		if err == nil {
			a.Port, a.Session, a.Identified = port, s, time.Now()
			return a
		}
		s.Close()
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%w (USB interface 06 or 02)", device.ErrNoATPort))
	}
	a.Err = &identifyError{slot: c.Slot, errs: errs}
	return a
}

// downloadModeError is a module found in download (boot) mode.
type downloadModeError struct{ slot string }

func (e *downloadModeError) Error() string {
	return fmt.Sprintf("module %s is in download (boot) mode: it cannot be upgraded over the air; reflash it by cable or power-cycle it", e.slot)
}

// identifyError is why a module could not be opened and identified, port
// by port; errors.As finds each port's error (a *device.PortError says
// what the operator can fix).
type identifyError struct {
	slot string
	errs []error
}

func (e *identifyError) Error() string {
	parts := make([]string, len(e.errs))
	for i, err := range e.errs {
		parts[i] = err.Error()
	}
	return fmt.Sprintf("module %s: %s", e.slot, strings.Join(parts, "; "))
}

func (e *identifyError) Unwrap() []error { return e.errs }

func candidatePorts(c device.Candidate) []string {
	var out []string
	for _, n := range []int{device.ATInterface, device.FallbackATInterface} {
		if p, ok := c.Ports[n]; ok {
			out = append(out, p)
		}
	}
	return out
}

// keeps reports whether the module already open in c's slot can stay as
// it is: its session is alive and its port is still one of c's AT ports.
func (st *Station) keeps(c device.Candidate) bool {
	a := st.Module(c.Slot)
	if !a.Alive() || c.Mode == device.ModeDownload || c.Problem != nil {
		return false
	}
	for _, p := range candidatePorts(c) {
		if p == a.Port {
			return true
		}
	}
	return false
}

func (st *Station) detach(slot string) {
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
	n := N("gone")
	st.emit(Event{Time: time.Now(), Slot: slot, IMEI: a.Info.IMEI, Model: a.Info.Model, From: a.Info.Firmware.Core, Step: StateDisconnected, Detail: n.String(), Note: n})
}

// setLocked puts a in slot (nil: empties it) and keeps byIMEI in step.
func (st *Station) setLocked(slot string, a *Attached) {
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

func (st *Station) notifyLocked() {
	close(st.changed)
	st.changed = make(chan struct{})
}

// Modules returns the attached modules, sorted by slot.
func (st *Station) Modules() []*Attached {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]*Attached, 0, len(st.mods))
	for _, a := range st.mods {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *Attached) int { return device.CompareSlots(x.Slot, y.Slot) })
	return out
}

// Module returns the module in slot, or nil.
func (st *Station) Module(slot string) *Attached {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.mods[slot]
}

// WaitIMEI waits until a module with this IMEI is attached and identified
// with an open session, in any slot, and returns it claimed (see Claim):
// the caller is the upgrade that owns it.
func (st *Station) WaitIMEI(ctx context.Context, imei string) (*Attached, error) {
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
func (st *Station) Changed() <-chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.changed
}
