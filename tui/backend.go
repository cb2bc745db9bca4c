package tui

import "airfleet/upgrade"

// Backend is what the console drives. *upgrade.Controller implements it
// over the engine; the tests use a scripted fake (fakebackend_test.go).
// Every method may be called from a tea.Cmd goroutine, never from Update,
// so implementations must be safe for concurrent use.
type Backend interface {
	// Events delivers every module transition, including discovery
	// (StateIdle with IMEI, Model and From) and StateDisconnected. It is
	// closed when the engine stops. The console reads it from one goroutine
	// for as long as Run runs.
	Events() <-chan upgrade.Event
	// Transcript returns the recent AT transcript of the module in slot
	// ("> AT", "< OK", …), newest last.
	Transcript(slot string) []string
	// StartAll starts every idle module.
	StartAll() error
	// BatchPlan is the delta plan of the batch started last, said before
	// it runs: which modules take which deltas, which are held.
	BatchPlan() upgrade.Sentence
	// Start starts the modules in the given slots.
	Start(slots []string) error
	// RetryFailed starts again every module whose upgrade failed.
	RetryFailed() error
	// Cancel stops the upgrades in the given slots.
	Cancel(slots []string) error
	// CancelAll stops every running upgrade.
	CancelAll() error
	// Plan describes the batch for the header.
	Plan() Plan
	// Config is the settings of the batches started from now on.
	Config() upgrade.Config
	// SetConfig changes them; it refuses a config that fails
	// upgrade.Config.Validate.
	SetConfig(upgrade.Config) error
	// AutoStart reports whether a module starts as soon as it is plugged
	// in and identified.
	AutoStart() bool
	// SetAutoStart switches auto-start on plug-in on or off.
	SetAutoStart(on bool)
}

// The engine's controller is a Backend as it is.
var _ Backend = (*upgrade.Controller)(nil)

// Plan is the batch's configuration as the header shows it: mode, target
// (0 when the platform decides), concurrency, the masked key, the URL and
// the station's name. It is the engine's own type, so that
// *upgrade.Controller is a Backend as it is.
type Plan = upgrade.Plan
