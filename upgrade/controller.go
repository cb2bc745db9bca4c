package upgrade

import (
	"context"
	"sync"
	"time"

	"airfleet/device"
)

// Plan is a batch's configuration as the console's header shows it.
type Plan struct {
	Mode        Mode
	Target      int
	Concurrency int
	KeyMasked   string
	URL         string
	Station     string
	Operator    string
}

// Controller drives an engine for the console: it starts batches on
// demand (all modules, some, the failed ones), cancels them, and hands out
// every event through one channel that never blocks the engine.
type Controller struct {
	eng    *Engine
	events *queue

	mu      sync.Mutex
	cfg     Config
	ctx     context.Context
	running map[string]*Batch // IMEI → its batch
	last    map[string]Result // IMEI → its last result
	lastCfg map[string]Config // IMEI → the settings its last result was reached with
	plan    Sentence          // the delta plan of the batch started last (url and local mode)
	settled map[string]bool   // IMEI → its attempt ended and it has not been unplugged since
	auto    bool              // start every module as soon as it is identified
	closing bool              // Run's context ended: no new batch
	wg      sync.WaitGroup
}

// NewController returns a controller over the modules of src with the
// batch settings cfg (which must have passed Validate).
func NewController(src device.Source, log Log, cfg Config, o EngineOptions) *Controller {
	c := &Controller{events: newQueue(), cfg: cfg, running: map[string]*Batch{}, last: map[string]Result{}, lastCfg: map[string]Config{}, settled: map[string]bool{}}
	emit := o.Emit
	o.Emit = func(e Event) {
		c.events.push(e)
		if emit != nil {
			emit(e)
		}
		switch {
		case e.IMEI == "":
		case e.Result != nil && e.Step.Final():
			c.mu.Lock()
			c.settled[e.IMEI] = true
			c.mu.Unlock()
		case e.Step == StateDisconnected:
			c.mu.Lock()
			delete(c.settled, e.IMEI)
			c.mu.Unlock()
		case e.Step == StateIdle:
			c.autoStart(e)
		}
	}
	c.eng = NewEngine(src, log, o)
	return c
}

// Engine is the controller's engine.
func (c *Controller) Engine() *Engine { return c.eng }

// Run runs the engine until ctx ends, then waits for the batches to wind
// down and closes Events.
//
// The station outlives ctx until the batches have ended: a module that was
// downloading is followed through its reboot, and only the station sees it
// come back.
func (c *Controller) Run(ctx context.Context) {
	c.mu.Lock()
	c.ctx = ctx
	c.mu.Unlock()
	sctx, stopStation := context.WithCancel(context.WithoutCancel(ctx))
	station := make(chan struct{})
	go func() { c.eng.Run(sctx); close(station) }()
	<-ctx.Done()
	c.mu.Lock()
	c.closing = true // no batch starts from now on: wg.Add never races Wait
	c.mu.Unlock()
	c.wg.Wait()
	stopStation()
	<-station
	c.events.close()
}

// Events is every event of every module, in order; closed after Run.
func (c *Controller) Events() <-chan Event { return c.events.out }

// Transcript is the recent AT transcript of the module in slot.
func (c *Controller) Transcript(slot string) []string { return c.eng.Sessions().Transcript(slot) }

// Plan describes the current settings.
func (c *Controller) Plan() Plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	cfg := c.cfg.Defaults()
	p := Plan{Mode: cfg.Mode, Target: cfg.Target, Concurrency: cfg.Concurrency, URL: device.MaskURL(cfg.URL), Station: cfg.StationName(), Operator: cfg.Operator}
	if (cfg.Mode == ModeURL || cfg.Mode == ModeLocal) && cfg.Deltas != nil {
		p.URL = cfg.Deltas.said() // each module gets its own base's delta from the map
	}
	if cfg.Key != "" {
		p.KeyMasked = device.MaskKey(cfg.Key)
	}
	return p
}

// SetConfig changes the settings of the batches started from now on.
func (c *Controller) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg = cfg
	return nil
}

// SetAutoStart switches auto-start on plug-in on or off: a module that is
// plugged in and identified starts upgrading at once, for production lines.
func (c *Controller) SetAutoStart(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.auto = on
}

// AutoStart reports whether auto-start on plug-in is on.
func (c *Controller) AutoStart() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.auto
}

// Config returns the current settings.
func (c *Controller) Config() Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// autoStart starts a newly identified module when auto-start is on, unless
// it already ended upgraded or current in this session, or failed with a
// code no retry may follow (code 40, banned): plugging such a module in
// again must not spend a request. A
// module whose attempt just ended and that the station identifies again
// without an unplug (after the reboot that ended it) was not plugged in: a
// failed one is retried when the operator replugs it or asks.
func (c *Controller) autoStart(e Event) {
	if !c.wantAuto(e) {
		return
	}
	slot, imei := e.Slot, e.IMEI
	c.start(func(a *Module) bool { return a.Slot == slot && a.Info.IMEI == imei })
}

// wantAuto decides whether the idle module of e starts by itself.
func (c *Controller) wantAuto(e Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	last, seen := c.last[e.IMEI]
	switch {
	case !c.auto, c.running[e.IMEI] != nil, c.settled[e.IMEI]:
		return false
	case seen && (last.Outcome == Upgraded || last.Outcome == Current || retryNever(last)):
		return false
	}
	return true
}

// Running reports how many modules are being upgraded.
func (c *Controller) Running() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.running)
}

// StartAll upgrades every identified module that is not running already.
func (c *Controller) StartAll() error { return c.start(func(*Module) bool { return true }) }

// Start upgrades the modules in the given slots.
func (c *Controller) Start(slots []string) error {
	want := map[string]bool{}
	for _, s := range slots {
		want[s] = true
	}
	return c.start(func(a *Module) bool { return want[a.Slot] })
}

// RetryFailed upgrades again the modules whose last result was failed or
// held, except those a retry cannot help (RetrySkip): each of those gets an
// event on its row saying why it was left and how to force it.
func (c *Controller) RetryFailed() error {
	c.mu.Lock()
	retry := map[string]bool{}
	var skipped []Event
	for imei, r := range c.last {
		if r.Outcome != Failed && r.Outcome != Held {
			continue
		}
		if n, skip := RetrySkip(r, c.lastCfg[imei], c.cfg); skip {
			skipped = append(skipped, Event{Time: time.Now(), Slot: r.Slot, IMEI: imei, Model: r.Model, From: r.From,
				Step: StateFailed, Code: r.Code, ModuleError: r.ModuleError, Sentence: n})
			continue
		}
		retry[imei] = true
	}
	c.mu.Unlock()
	for _, e := range skipped {
		c.events.push(e)
	}
	switch {
	case len(retry) == 0 && len(skipped) > 0:
		return msgCtlNoneRetryable.With(len(skipped)).Err()
	case len(retry) == 0:
		return msgCtlNoFailed.With().Err()
	}
	return c.start(func(a *Module) bool { return retry[a.Info.IMEI] })
}

// errNotRunning: the engine has not started.
var errNotRunning = msgCtlNotRunning.With().Err()

// errClosing: the console is quitting; the running batches wind down.
var errClosing = msgCtlClosing.With().Err()

func (c *Controller) start(pick func(*Module) bool) error {
	c.mu.Lock()
	ctx, cfg := c.ctx, c.cfg
	var imeis []string
	for _, a := range c.eng.Sessions().Modules() {
		if a.Err != nil || a.Info.IMEI == "" || c.running[a.Info.IMEI] != nil || !pick(a) {
			continue
		}
		imeis = append(imeis, a.Info.IMEI)
	}
	if ctx == nil {
		c.mu.Unlock()
		return errNotRunning
	}
	if c.closing {
		c.mu.Unlock()
		return errClosing
	}
	if len(imeis) == 0 {
		c.mu.Unlock()
		return msgCtlNoneToStart.With().Err()
	}
	b := c.eng.NewBatch(cfg)
	for _, imei := range imeis {
		c.running[imei] = b
	}
	c.plan = cfg.DeltaPlan(c.eng.Sessions().Modules(), imeis)
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		b.Run(ctx, imeis, func(r Result) {
			c.mu.Lock()
			delete(c.running, r.IMEI)
			c.last[r.IMEI] = r
			c.lastCfg[r.IMEI] = cfg
			c.mu.Unlock()
		})
	}()
	return nil
}

// BatchPlan is the delta plan of the batch started last ("12 modules:
// 1006→1007→1009; 2 held: no delta from 1005"); nothing for a batch that
// uses no delta map.
func (c *Controller) BatchPlan() Sentence {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plan
}

// Cancel cancels the modules in the given slots.
func (c *Controller) Cancel(slots []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range slots {
		for _, b := range c.running {
			if b.Cancel(s) {
				n++
				break
			}
		}
	}
	if n == 0 {
		return msgCtlNoneRunningOf.With(len(slots)).Err()
	}
	return nil
}

// CancelAll cancels every running module.
func (c *Controller) CancelAll() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.running) == 0 {
		return msgCtlNothingRunning.With().Err()
	}
	for imei, b := range c.running {
		b.Cancel(imei)
	}
	return nil
}

// queue is an unbounded FIFO of events with a channel end, so that the
// engine never waits for the console.
type queue struct {
	mu     sync.Mutex
	buf    []Event
	wake   chan struct{}
	done   chan struct{}
	closed bool
	out    chan Event
}

func newQueue() *queue {
	q := &queue{wake: make(chan struct{}, 1), done: make(chan struct{}), out: make(chan Event)}
	go q.pump()
	return q
}

func (q *queue) push(e Event) {
	q.mu.Lock()
	if !q.closed {
		q.buf = append(q.buf, e)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) pump() {
	defer close(q.out)
	for {
		q.mu.Lock()
		batch := q.buf
		q.buf = nil
		closed := q.closed
		q.mu.Unlock()
		for _, e := range batch {
			q.out <- e
		}
		if closed && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-q.wake
		}
	}
}
