package upgrade

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"airfleet/device"
)

// Batch is one run over many modules with one Config.
type Batch struct {
	e     *Engine
	cfg   Config
	log   Log
	id    int64
	pairs *pairGate

	sessions *Sessions
	urls     urlChecks   // URL mode with a delta map: each URL checked once
	local    localDeltas // local mode: each delta read or fetched once

	mu       sync.Mutex
	resume   map[string]int                // IMEI → the version an earlier run's unfinished attempt started from
	cancels  map[string]context.CancelFunc // by IMEI
	slots    map[string]string             // IMEI → current slot
	finished int
	failed   int
	paused   Sentence // why the batch paused, empty while it runs
	// cancelled is when Run's context ended, if it ended before the
	// batch did (ended).
	cancelled time.Time
	ended     bool
}

// NewBatch prepares a batch; cfg must have passed Validate.
func (e *Engine) NewBatch(cfg Config) *Batch {
	cfg = cfg.Defaults()
	if cfg.Host == "" {
		cfg.Host, _ = os.Hostname()
	}
	cfg.Station = cfg.StationName()
	return &Batch{e: e, cfg: cfg, log: e.log, sessions: e.sessions, pairs: newPairGate(),
		cancels: map[string]context.CancelFunc{}, slots: map[string]string{}, resume: map[string]int{}}
}

// Cancelled reports whether Run was cancelled (its context ended before
// the batch did; the log says "cancelled") and when: the modules that
// ended later, not as cancelled, were followed through.
func (b *Batch) Cancelled() (at time.Time, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cancelled, !b.cancelled.IsZero()
}

// DeltaFetches is how many delta URLs the host downloaded in local mode.
func (b *Batch) DeltaFetches() int { return b.local.Fetched() }

// URLChecks is how many HTTP requests the host sent to check delta URLs
// (HEAD, or a ranged GET of one byte): none reach the modules.
func (b *Batch) URLChecks() int { return b.urls.Requests() }

// Config is the batch's config with defaults filled in.
func (b *Batch) Config() Config { return b.cfg }

// event logs and emits one event of this batch.
func (b *Batch) event(attempt int64, e Event, kind EventKind) {
	if e.Target == 0 {
		e.Target = b.cfg.Target
	}
	b.log.Event(b.id, attempt, e, kind)
	b.e.emit(e)
}

func (b *Batch) bindAttempt(imei, slot string, attempt int64) {
	b.mu.Lock()
	b.slots[imei] = slot
	b.mu.Unlock()
	b.e.bind(imei, slot, attempt)
}

func (b *Batch) unbindAttempt(imei string) { b.e.unbind(imei) }

// Run upgrades the modules whose IMEIs are listed (every identified module
// when imeis is empty) and returns one result per module, in slot order.
// Modules that could not be identified are reported as failed. done, if
// not nil, gets each result as soon as it is known.
func (b *Batch) Run(ctx context.Context, imeis []string, done func(Result)) []Result {
	if done == nil {
		done = func(Result) {}
	}
	started := time.Now()
	b.sessions.Mask(b.cfg.Key)
	defer context.AfterFunc(ctx, func() {
		b.mu.Lock()
		if !b.ended && b.cancelled.IsZero() {
			b.cancelled = time.Now()
		}
		b.mu.Unlock()
	})()
	b.id = b.log.StartBatch(BatchRecord{Mode: b.cfg.Mode, Target: b.cfg.Target, Key: b.cfg.Key, URL: b.cfg.urlLabel(),
		Station: b.cfg.Station, Operator: b.cfg.Operator, Host: b.cfg.Host, Concurrency: b.cfg.Concurrency, Started: started})

	var results []Result
	var mu sync.Mutex
	add := func(r Result) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
		done(r)
	}
	unfinished := b.unfinished()
	mods, missing, awaited := b.pick(imeis, unfinished)
	for _, r := range missing {
		b.event(0, Event{Time: r.Ended, Slot: r.Slot, IMEI: r.IMEI, Step: StateFailed, Sentence: r.Sentence, Result: &r}, KindError)
		add(r)
	}
	for _, a := range mods {
		b.pairs.join(pairKeyOf(a.Info))
	}
	var wg sync.WaitGroup
	for _, u := range awaited {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.followUnfinished(ctx, u, add)
		}()
	}
	canary := min(b.cfg.Canary, len(mods))
	ok := b.runSet(ctx, mods[:canary], add)
	rest := mods[canary:]
	if !ok {
		for _, a := range rest {
			add(b.skip(a, Held, msgHeldCanary.With(canary)))
		}
		rest = nil
	}
	b.runSet(ctx, rest, add)
	wg.Wait()

	status := BatchDone
	b.mu.Lock()
	b.ended = true
	if ctx.Err() != nil {
		status = BatchCancelled
		if b.cancelled.IsZero() { // AfterFunc's goroutine has not run yet
			b.cancelled = time.Now()
		}
	}
	b.mu.Unlock()
	b.log.EndBatch(b.id, status, time.Now())
	slices.SortFunc(results, func(x, y Result) int { return device.CompareSlots(x.Slot, y.Slot) })
	return results
}

// pick chooses the modules of the batch; listed IMEIs that are not attached,
// and modules that could not be identified, come back as failed results.
// Modules an earlier run left mid-upgrade (unfinished, by IMEI) that are
// not attached now are awaited: they may be rebooting into a new version.
func (b *Batch) pick(imeis []string, unfinished map[string]Unfinished) ([]*Module, []Result, []Unfinished) {
	var mods []*Module
	var missing []Result
	want := map[string]bool{}
	for _, i := range imeis {
		want[i] = true
	}
	attached := map[string]bool{}
	var inUse []string // slots of modules another airfleet holds: IMEI unknown
	for _, a := range b.sessions.Modules() {
		attached[a.Info.IMEI] = a.Info.IMEI != ""
		switch {
		case a.Err != nil && len(imeis) == 0:
			now := time.Now()
			n := errSentence(a.Err)
			missing = append(missing, Result{Slot: a.Slot, Outcome: Failed, Started: now, Ended: now, Sentence: n})
		case a.Err != nil:
			if _, ok := errors.AsType[*device.InUseError](a.Err); ok {
				inUse = append(inUse, a.Slot)
			}
		case len(imeis) == 0 || want[a.Info.IMEI]:
			mods = append(mods, a)
			delete(want, a.Info.IMEI)
		}
	}
	var awaited []Unfinished
	for imei, u := range unfinished {
		if !attached[imei] && (len(imeis) == 0 || want[imei]) {
			awaited = append(awaited, u)
			delete(want, imei)
		}
	}
	for imei := range want {
		now := time.Now()
		n := msgFailedAbsent.With(imei)
		if len(inUse) > 0 {
			n = msgFailedAbsentinuse.With(imei, strings.Join(inUse, ", "))
		}
		missing = append(missing, Result{IMEI: imei, Outcome: Failed, Started: now, Ended: now, Sentence: n})
	}
	return mods, missing, awaited
}

// unfinished returns, by IMEI, the modules an earlier run left mid-upgrade
// recently enough that they may still be on their way back, and remembers
// the version each started from: a module back on another version
// finished that upgrade (its machine verifies it, asking nothing).
func (b *Batch) unfinished() map[string]Unfinished {
	us, err := b.log.Unfinished(time.Now().Add(-b.cfg.RebootTimeout - b.cfg.ProgressTimeout))
	if err != nil {
		return nil // the log cannot say: the modules present still run, underWay still looks
	}
	out := map[string]Unfinished{}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range us {
		out[u.IMEI] = u
		b.resume[u.IMEI] = u.From
	}
	return out
}

// resumeFrom is the version an earlier run's unfinished attempt on imei
// started from (0: none); asked once, by the module's machine.
func (b *Batch) resumeFrom(imei string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := b.resume[imei]
	delete(b.resume, imei)
	return v
}

// followUnfinished waits for a module an earlier run left mid-upgrade and
// verifies where it ended; one that does not come back fails with the
// reason.
func (b *Batch) followUnfinished(ctx context.Context, u Unfinished, add func(Result)) {
	timeout := b.cfg.RebootTimeout.Round(time.Second)
	n := msgWaitUnfinished.With(u.From, timeout)
	b.event(0, Event{Time: time.Now(), Slot: u.Slot, IMEI: u.IMEI, From: u.From, Step: StateDisconnected, Sentence: n}, KindInfo)
	wctx, cancel := context.WithTimeout(ctx, b.cfg.RebootTimeout)
	a, err := b.sessions.WaitIMEI(wctx, u.IMEI)
	cancel()
	gone := &Module{Slot: u.Slot, Info: device.Info{IMEI: u.IMEI, Firmware: device.Firmware{Core: u.From}}}
	switch {
	case err != nil && ctx.Err() != nil:
		add(b.skip(gone, Cancelled, msgCancelledEarly.With()))
	case err != nil:
		add(b.skip(gone, Failed, msgFailedUnfinished.With(u.From, timeout)))
	default:
		mctx, mcancel := context.WithCancel(ctx)
		defer mcancel()
		b.mu.Lock()
		b.cancels[u.IMEI] = mcancel
		b.slots[u.IMEI] = a.Slot
		b.mu.Unlock()
		sem := make(chan struct{}, 1)
		sem <- struct{}{}
		m := &machine{b: b, slot: a.Slot, imei: u.IMEI, att: a, sem: sem}
		r := b.chain(mctx, m, m.run(mctx))
		b.tally(r)
		add(r)
	}
}

// runSet runs modules with the concurrency limit and reports whether every
// one of them ended well.
func (b *Batch) runSet(ctx context.Context, mods []*Module, add func(Result)) bool {
	limit := b.cfg.Concurrency
	if limit <= 0 {
		limit = len(mods) + 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allOK := true
	for _, a := range mods {
		mctx, cancel := context.WithCancel(ctx)
		b.mu.Lock()
		b.cancels[a.Info.IMEI] = cancel
		b.slots[a.Info.IMEI] = a.Slot
		b.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			// The batch owns the module from now on: no idle event of the
			// station may follow, and the module's newest reading is used.
			a := b.sessions.Claim(a)
			var r Result
			select {
			case sem <- struct{}{}:
				if why := b.pausedWhy(); !why.IsZero() {
					r = b.skip(a, Held, why)
				} else {
					m := &machine{b: b, slot: a.Slot, imei: a.Info.IMEI, att: a, sem: sem}
					r = b.chain(mctx, m, m.run(mctx))
					b.tally(r)
				}
				<-sem
			case <-mctx.Done():
				r = b.skip(a, Cancelled, msgCancelledEarly.With())
			}
			mu.Lock()
			allOK = allOK && (r.Outcome == Upgraded || r.Outcome == Current)
			mu.Unlock()
			add(r)
		}()
	}
	wg.Wait()
	return allOK
}

// tally counts a finished module and pauses the batch when the failure
// rate crosses the threshold.
func (b *Batch) tally(r Result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished++
	if r.Outcome == Failed {
		b.failed++
	}
	rate := b.cfg.PauseRate
	if rate > 0 && b.paused.IsZero() && b.finished >= b.cfg.PauseMin && float64(b.failed) >= rate*float64(b.finished) {
		b.paused = msgHeldPaused.With(b.failed, b.finished, rate*100)
	}
}

func (b *Batch) pausedWhy() Sentence {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.paused
}

// skip records a module that the batch did not start.
func (b *Batch) skip(a *Module, o Outcome, n Sentence) Result {
	now := time.Now()
	r := Result{Slot: a.Slot, IMEI: a.Info.IMEI, Model: a.Info.Model, From: a.Info.Firmware.Core, To: a.Info.Firmware.Core,
		Outcome: o, Started: now, Ended: now, Sentence: n}
	b.pairs.done(pairKeyOf(a.Info), a.Info.IMEI)
	id := b.log.StartAttempt(AttemptRecord{Batch: b.id, Slot: a.Slot, IMEI: a.Info.IMEI, Model: a.Info.Model,
		FirmwareName: a.Info.Firmware.Name, From: a.Info.Firmware.Core, Started: now})
	step := map[Outcome]State{Held: StateHeld, Cancelled: StateCancelled, Failed: StateFailed}[o]
	b.event(id, Event{Time: now, Slot: a.Slot, IMEI: a.Info.IMEI, Model: a.Info.Model, From: r.From, Step: step, Sentence: n, Result: &r}, KindInfo)
	b.log.EndAttempt(id, r)
	return r
}

// Cancel cancels the upgrade of the module in slot (or with this IMEI). A
// module that is downloading or rebooting is followed to its end first.
func (b *Batch) Cancel(slotOrIMEI string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for imei, cancel := range b.cancels {
		if imei == slotOrIMEI || b.slots[imei] == slotOrIMEI {
			cancel()
			return true
		}
	}
	return false
}

// pairGate lets one module per (firmware name, base version) pair ask the
// platform first; the others wait until that pair's delta is served. It
// also tells a module that got code 27 whether the platform serves its pair
// to the others.
type pairGate struct {
	mu    sync.Mutex
	pairs map[string]*pairState
}

type pairState struct {
	ready   bool   // the platform served this pair's delta
	latest  string // the IMEI whose code 27 showed this pair is the newest served ("" until then)
	reached bool   // a module of the batch upgraded to this pair's version
	pilot   string
	members int             // modules of the batch in this pair that have not ended
	heard27 map[string]bool // members that heard code 27 and wait in served
	changed chan struct{}
}

func newPairGate() *pairGate { return &pairGate{pairs: map[string]*pairState{}} }

func (g *pairGate) get(key string) *pairState {
	p := g.pairs[key]
	if p == nil {
		p = &pairState{heard27: map[string]bool{}, changed: make(chan struct{})}
		g.pairs[key] = p
	}
	return p
}

func (p *pairState) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// join counts a module of the batch in its pair.
func (g *pairGate) join(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.get(key).members++
}

// acquire returns when imei may send its request: the pair's delta is
// served already, or imei is (or becomes) the pair's pilot. waiting is
// called with the pilot's IMEI while it waits. When the pair turned out to
// be the newest version the platform serves, it returns the IMEI that
// heard so: imei need not ask.
func (g *pairGate) acquire(ctx context.Context, key, imei string, waiting func(pilot string)) (latestBy string, err error) {
	for {
		g.mu.Lock()
		p := g.get(key)
		if p.latest != "" && p.latest != imei {
			g.mu.Unlock()
			return p.latest, nil
		}
		if p.ready || p.pilot == "" || p.pilot == imei {
			if !p.ready {
				p.pilot = imei
			}
			g.mu.Unlock()
			return "", nil
		}
		pilot, ch := p.pilot, p.changed
		g.mu.Unlock()
		waiting(pilot)
		select {
		case <-ch:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// markLatest records that imei heard code 27 on a pair whose version the
// platform has served: the pair is the newest, its other members are
// current without asking.
func (g *pairGate) markLatest(key, imei string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.get(key); p.latest == "" {
		p.latest = imei
		p.notify()
	}
}

// markReached records that a module of the batch upgraded to the pair's
// version: the platform serves it.
func (g *pairGate) markReached(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.get(key).reached = true
}

// isReached reports whether a module of the batch upgraded to the pair's
// version.
func (g *pairGate) isReached(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.get(key).reached
}

// ready marks the pair's delta as served: everyone may ask.
func (g *pairGate) ready(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.get(key); !p.ready {
		p.ready = true
		p.notify()
	}
}

// release gives up the pilot's place: the next module of the pair asks.
func (g *pairGate) release(key, imei string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.get(key); p.pilot == imei {
		p.pilot = ""
		p.notify()
	}
}

// done ends imei's membership of its pair.
func (g *pairGate) done(key, imei string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.get(key)
	if p.pilot == imei {
		p.pilot = ""
	}
	delete(p.heard27, imei)
	p.members--
	p.notify()
}

// served waits until the platform has served the pair's delta to another
// module (true) or no other module of the pair is left to try (false).
// Members that heard code 27 too wait here and try nothing more.
func (g *pairGate) served(ctx context.Context, key, imei string) (bool, error) {
	g.mu.Lock()
	if p := g.get(key); !p.heard27[imei] {
		p.heard27[imei] = true
		p.notify()
	}
	g.mu.Unlock()
	for {
		g.mu.Lock()
		p := g.get(key)
		ready, trying, ch := p.ready, p.members-len(p.heard27), p.changed
		g.mu.Unlock()
		if ready {
			return true, nil
		}
		if trying <= 0 {
			return false, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// ID is the batch's id in the log (0 before Run).
func (b *Batch) ID() int64 { return b.id }

// slotOf is the slot of a module of this batch, or its IMEI when the
// batch does not know it.
func (b *Batch) slotOf(imei string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s := b.slots[imei]; s != "" {
		return s
	}
	return imei
}
