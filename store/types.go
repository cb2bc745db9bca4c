package store

import "time"

// Mode is how a batch asks the platform for firmware.
type Mode string

// The upgrade modes of a batch.
const (
	ModeIoT   Mode = "iot"   // the module's own IoT-platform project
	ModeKey   Mode = "key"   // an explicit project key
	ModeURL   Mode = "url"   // a custom server URL
	ModeLocal Mode = "local" // the delta written through the AT port (AT+UARTUPGRADE)
)

// BatchStatus is where a batch stands.
type BatchStatus string

// The states of a batch.
const (
	BatchRunning     BatchStatus = "running"
	BatchDone        BatchStatus = "done"
	BatchCancelled   BatchStatus = "cancelled"
	BatchInterrupted BatchStatus = "interrupted" // airfleet stopped while it ran
)

// Result is the outcome of one attempt on one module.
type Result string

// The outcomes of an attempt.
const (
	ResultRunning     Result = "running"
	ResultUpgraded    Result = "upgraded"
	ResultCurrent     Result = "current" // already at the target
	ResultFailed      Result = "failed"
	ResultHeld        Result = "held" // not tried: request budget or policy
	ResultCancelled   Result = "cancelled"
	ResultInterrupted Result = "interrupted" // airfleet stopped while it ran
)

// Kind classifies an event.
type Kind string

// The kinds of event.
const (
	KindInfo     Kind = "info"
	KindRequest  Kind = "request" // an upgrade request that counts on the platform
	KindError    Kind = "error"
	KindProgress Kind = "progress"
)

// Dir is the direction of a transcript line.
type Dir string

// The directions of a transcript line.
const (
	DirOut  Dir = ">" // sent to the module
	DirIn   Dir = "<" // received from the module
	DirNote Dir = "#" // a note by airfleet
)

// Module is what is known of one module. Empty strings and a zero Version
// leave the stored value as it was.
type Module struct {
	IMEI     string
	Model    string
	Firmware string // firmware name without version
	Version  int    // core version; 0 = unknown
	Slot     string
	Seen     time.Time // zero = now; read back: last seen
}

// ModuleRow is a module as read from the log.
type ModuleRow struct {
	Module
	FirstSeen time.Time
}

// Batch is one run over many modules.
type Batch struct {
	ID          int64 // set by StartBatch; ignored on input
	Mode        Mode
	Target      int    // core version; 0 = latest
	Key         string // the project key; only device.MaskKey(Key) is ever stored
	URL         string // only device.MaskURL(URL) is ever stored
	Station     string // empty = Host
	StationID   string // set by StartBatch: the log's station ID (Reader.StationID); ignored on input
	Operator    string
	Host        string // empty = os.Hostname()
	Concurrency int
	Started     time.Time // zero = now
}

// BatchRow is a batch as read from the log, with its tallies.
type BatchRow struct {
	Batch
	Status   BatchStatus
	Ended    time.Time // zero while running
	Attempts int
	Passed   int // upgraded or current
	Failed   int
}

// Attempt is the start of one upgrade attempt on one module.
type Attempt struct {
	ID          int64 // set by StartAttempt; ignored on input
	BatchID     int64 // 0 = none
	IMEI        string
	Slot        string
	Model       string
	Firmware    string    // firmware name without version (AirM2M_780EP_LTE_AT); '' in rows from before schema 3
	FromVersion int       // 0 = unknown
	Started     time.Time // zero = now
}

// AttemptResult is how an attempt ended. Zero codes mean "none".
type AttemptResult struct {
	Result       Result
	PlatformCode int // 3 … 44; 0 = none
	ModuleError  int // -1000 … -1006; 0 = none
	HTTPStatus   int // 0 = none
	Retries      int
	Requests     int // AT+UPGRADE requests this attempt sent
	Message      string
	MessageZH    string    // the same in Chinese ('' if not said)
	ToVersion    int       // 0 = unknown
	Ended        time.Time // zero = now
}

// AttemptRow is an attempt as read from the log.
type AttemptRow struct {
	Attempt
	AttemptResult
	Station   string // of its batch
	Mode      Mode   // of its batch
	StationID string // of its batch ('' for an attempt without a batch)
}

// Event is one step of an attempt, or of a module outside any attempt.
type Event struct {
	ID        int64 // set by the store; ignored on input
	AttemptID int64 // 0 = none
	BatchID   int64 // 0 = none
	IMEI      string
	Slot      string
	Time      time.Time // zero = now
	Step      string    // the engine's state at the event, as it names it: identifying, waiting-network, configuring, requesting, waiting-platform, downloading, writing, applying, rebooting, verifying, restoring, disconnected, idle, or an ending (passed, current, failed, held, cancelled)
	Kind      Kind
	Detail    string
	DetailZH  string // the same in Chinese ('' if not said)
	Code      int    // 0 = none
}

// Line is one line of an AT transcript.
type Line struct {
	AttemptID int64 // 0 = none (no attempt was running)
	IMEI      string
	Slot      string
	Time      time.Time // zero = now
	Dir       Dir
	Text      string
}

// AttemptFilter selects attempts. Zero fields do not filter.
type AttemptFilter struct {
	IMEI    string // the whole IMEI, or its first or last digits
	Code    int    // platform code or module error
	Result  Result
	Station string
	BatchID int64
	Since   time.Time // started at or after
	Until   time.Time // started before
	Limit   int       // 0 = all
}

// Recovery tells what Open found left open by a crash.
type Recovery struct {
	Attempts int // attempts marked interrupted
	Batches  int // batches marked interrupted
}
