package upgrade

import "time"

// Mode is how a module finds its new firmware (the seed's three ways).
type Mode string

// Upgrade modes.
const (
	ModeIoT Mode = "iot" // the IoT platform's default project of the module's account
	ModeKey Mode = "key" // the customer's own project key: AT+UPGRADE="KEY",…
	ModeURL Mode = "url" // the customer's own server: AT+UPGRADE="URL",…
	// ModeLocal writes the delta through the AT port (AT+UARTUPGRADE): no
	// SIM, no network, no platform; the host holds the file.
	ModeLocal Mode = "local"
)

// State is where one module stands. The console shows it per row.
type State string

// States of a module, in the order an upgrade passes through them.
const (
	StateIdle         State = "idle"
	StateIdentifying  State = "identifying"
	StateWaitNetwork  State = "waiting-network"
	StateHeld         State = "held"
	StateConfiguring  State = "configuring"
	StateRequesting   State = "requesting"
	StateWaitPlatform State = "waiting-platform" // code 43: the platform is making the delta
	StateDownloading  State = "downloading"
	StateWriting      State = "writing"  // local mode: the delta written through the AT port
	StateApplying     State = "applying" // local mode: the module applies the delta, then reboots
	StateRebooting    State = "rebooting"
	StateVerifying    State = "verifying"
	StateRestoring    State = "restoring"
	StatePassed       State = "passed"
	StateCurrent      State = "current" // already at the target: nothing to do
	StateFailed       State = "failed"
	StateCancelled    State = "cancelled"
	StateDisconnected State = "disconnected"
)

// Transferring reports whether a module in state s has a delta on its way
// (downloading it, or being written it): its events carry the share done.
func (s State) Transferring() bool { return s == StateDownloading || s == StateWriting }

// Final reports whether a module in state s is done with this batch.
func (s State) Final() bool {
	switch s {
	case StatePassed, StateCurrent, StateFailed, StateHeld, StateCancelled:
		return true
	}
	return false
}

// Outcome is the result of one module's upgrade, as the log and --json say it.
type Outcome string

// Outcomes.
const (
	Upgraded  Outcome = "upgraded"
	Current   Outcome = "current"
	Failed    Outcome = "failed"
	Held      Outcome = "held"
	Cancelled Outcome = "cancelled"
)

// Event is one transition of one module. Slot and IMEI identify it (the IMEI
// is empty until the module has been identified); Step is the state entered.
type Event struct {
	Time        time.Time
	Slot        string
	IMEI        string
	Model       string
	From        int // core version before, 0 while unknown
	Target      int // core version wanted, 0 when the platform decides
	Step        State
	Percent     int      // download progress, 0…100
	Sentence    Sentence // a sentence for the operator, said in a language at the edges (the screen, the CLI, the log)
	Code        int      // platform response code, 0 when none
	ModuleError int      // module error -1000…-1006, 0 when none
	HTTPStatus  int      // HTTP status from AT+UPGRADE?, 0 when none
	Result      *Result
}

// Result is the end of one module's upgrade in a batch.
type Result struct {
	Slot, IMEI, Model string
	From, To          int // core versions before and after (To = From when nothing changed)
	Outcome           Outcome
	Code              int // platform code, 0 when none
	ModuleError       int
	HTTPStatus        int
	Requests          int // requests that count on the platform: each AT+UPGRADE written, and the module's own after an upgrade's reboot
	Retries           int
	Started, Ended    time.Time
	Sentence          Sentence // how it ended, for the operator; the log keeps it in both languages
}
