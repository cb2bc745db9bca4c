package upgrade

import (
	"context"
	"sync"
	"time"

	"airfleet/device"
)

// Engine is the long-lived part of the console: a station that keeps every
// attached module identified, the log, and the routing of each module's AT
// transcript to the attempt it belongs to. Batches run on it.
type Engine struct {
	log      Log
	emit     func(Event)
	sessions *Sessions

	mu     sync.Mutex
	byIMEI map[string]int64
	bySlot map[string]int64
}

// EngineOptions tune an engine.
type EngineOptions struct {
	Interval time.Duration // discovery poll interval
	IdlePoll time.Duration // see SessionsOptions.IdlePoll
	// LockDir is the directory of the host's slot locks (device.LockDir()
	// if empty).
	LockDir string
	// Emit receives every event of every module, from the station and from
	// the batches. It must not block for long: the console forwards it.
	Emit func(Event)
}

// NewEngine returns an engine over the modules of src; Run starts it.
func NewEngine(src device.Source, log Log, o EngineOptions) *Engine {
	e := &Engine{log: log, emit: o.Emit, byIMEI: map[string]int64{}, bySlot: map[string]int64{}}
	if e.emit == nil {
		e.emit = func(Event) {}
	}
	e.sessions = NewSessions(src, SessionsOptions{Interval: o.Interval, IdlePoll: o.IdlePoll, LockDir: o.LockDir,
		Transcript: e.transcript, Emit: e.stationEvent, Bound: e.bound})
	return e
}

// Sessions is the engine's registry of attached modules and their sessions.
func (e *Engine) Sessions() *Sessions { return e.sessions }

// Run watches the modules until ctx ends.
func (e *Engine) Run(ctx context.Context) { e.sessions.Run(ctx) }

func (e *Engine) stationEvent(ev Event) {
	if ev.Step == StateIdle && ev.IMEI != "" {
		if a := e.sessions.Module(ev.Slot); a != nil && a.Err == nil {
			e.log.SeenModule(ev.Slot, a.Info, ev.Time)
		}
	}
	e.mu.Lock()
	att := e.bySlot[ev.Slot]
	if ev.IMEI != "" {
		if id, ok := e.byIMEI[ev.IMEI]; ok {
			att = id
		}
	}
	e.mu.Unlock()
	e.log.Event(0, att, ev, KindInfo)
	if att != 0 {
		// The module is in an attempt: its machine reports the reboot and
		// the return itself; the station's view would only flicker.
		return
	}
	e.emit(ev)
}

// transcript routes one AT line to the attempt of its IMEI, or of its slot
// while the IMEI is not known yet (e.g. during re-identification after a
// reboot), or to no attempt.
func (e *Engine) transcript(slot, imei string, r device.Record) {
	e.mu.Lock()
	att, ok := e.byIMEI[imei]
	if !ok || imei == "" {
		att = e.bySlot[slot]
	}
	e.mu.Unlock()
	e.log.Transcript(att, slot, imei, r)
}

func (e *Engine) bind(imei, slot string, attempt int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for s, id := range e.bySlot {
		if id == attempt {
			delete(e.bySlot, s)
		}
	}
	e.byIMEI[imei] = attempt
	e.bySlot[slot] = attempt
}

// bound reports whether an attempt is bound to slot: the station keeps
// the slot's lock through the module's reboot.
func (e *Engine) bound(slot string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bySlot[slot] != 0
}

func (e *Engine) unbind(imei string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.byIMEI[imei]
	delete(e.byIMEI, imei)
	for s, a := range e.bySlot {
		if a == id {
			delete(e.bySlot, s)
		}
	}
}
