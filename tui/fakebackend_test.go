package tui

import (
	"errors"
	"slices"
	"sync"

	"airfleet/device"
	"airfleet/upgrade"
)

// FakeBackend is a scripted Backend for tests: events pushed with Emit reach
// the console in order, calls are recorded, and each action returns the
// error set for it.
type FakeBackend struct {
	events chan upgrade.Event
	once   sync.Once

	mu          sync.Mutex
	plan        Plan
	cfg         upgrade.Config
	auto        bool
	transcripts map[string][]string
	calls       []Call
	errs        map[string]error
	batchPlan   upgrade.Sentence
}

// Call is one recorded FakeBackend action: its method name and slots, and
// the argument of SetConfig or SetAutoStart.
type Call struct {
	Method string
	Slots  []string
	Config upgrade.Config // SetConfig's
	On     bool           // SetAutoStart's
}

// ErrFake is a convenient error for scripted failures.
var ErrFake = errors.New("fake backend failure")

// NewFakeBackend returns a FakeBackend with the given plan whose event
// channel holds up to buffer events. Its config is the plan's (without a
// key) until SetConfig changes both.
func NewFakeBackend(plan Plan, buffer int) *FakeBackend {
	return &FakeBackend{
		events: make(chan upgrade.Event, buffer),
		plan:   plan,
		cfg: upgrade.Config{Mode: plan.Mode, Target: plan.Target, Concurrency: plan.Concurrency,
			URL: plan.URL, Station: plan.Station},
		transcripts: map[string][]string{},
		errs:        map[string]error{},
	}
}

// Emit sends events to the console, blocking while the buffer is full.
func (f *FakeBackend) Emit(evs ...upgrade.Event) {
	for _, e := range evs {
		f.events <- e
	}
}

// Close closes the event channel, as the engine does when it stops.
func (f *FakeBackend) Close() { f.once.Do(func() { close(f.events) }) }

// SetTranscript sets the transcript returned for slot.
func (f *FakeBackend) SetTranscript(slot string, lines []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.transcripts[slot] = slices.Clone(lines)
}

// FailWith makes the named method ("StartAll", "Start", "RetryFailed",
// "Cancel", "CancelAll", "SetConfig") return err; nil clears it.
func (f *FakeBackend) FailWith(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[method] = err
}

// Calls returns the actions called so far, in order.
func (f *FakeBackend) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// Events implements Backend.
func (f *FakeBackend) Events() <-chan upgrade.Event { return f.events }

// Transcript implements Backend.
func (f *FakeBackend) Transcript(slot string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.transcripts[slot])
}

// Plan implements Backend.
func (f *FakeBackend) Plan() Plan {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plan
}

// StartAll implements Backend.
func (f *FakeBackend) StartAll() error { return f.record("StartAll", nil) }

// Start implements Backend.
func (f *FakeBackend) Start(slots []string) error { return f.record("Start", slots) }

// RetryFailed implements Backend.
func (f *FakeBackend) RetryFailed() error { return f.record("RetryFailed", nil) }

// Cancel implements Backend.
func (f *FakeBackend) Cancel(slots []string) error { return f.record("Cancel", slots) }

// CancelAll implements Backend.
func (f *FakeBackend) CancelAll() error { return f.record("CancelAll", nil) }

// Config implements Backend.
func (f *FakeBackend) Config() upgrade.Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// BatchPlan implements Backend: the plan SetPlan gave, else nothing.
func (f *FakeBackend) BatchPlan() upgrade.Sentence {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.batchPlan
}

// SetPlan sets what BatchPlan says.
func (f *FakeBackend) SetPlan(p upgrade.Sentence) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batchPlan = p
}

// SetConfig implements Backend: it records the call and, like the
// controller, refuses a config that fails Validate; else the config and
// the plan change.
func (f *FakeBackend) SetConfig(cfg upgrade.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: "SetConfig", Config: cfg})
	if err := f.errs["SetConfig"]; err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	f.cfg = cfg
	f.plan.Mode, f.plan.Target, f.plan.Concurrency, f.plan.URL = cfg.Mode, cfg.Target, cfg.Concurrency, device.MaskURL(cfg.URL) // as Controller.Plan
	f.plan.KeyMasked = ""
	if cfg.Key != "" {
		f.plan.KeyMasked = device.MaskKey(cfg.Key)
	}
	return nil
}

// AutoStart implements Backend.
func (f *FakeBackend) AutoStart() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auto
}

// SetAutoStart implements Backend and records the call.
func (f *FakeBackend) SetAutoStart(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: "SetAutoStart", On: on})
	f.auto = on
}

func (f *FakeBackend) record(method string, slots []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: method, Slots: slices.Clone(slots)})
	return f.errs[method]
}
