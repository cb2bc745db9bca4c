package upgrade

import (
	"context"
	"time"

	"airfleet/device"
)

// EventKind classifies a logged event.
type EventKind string

// Event kinds. KindRequest marks an upgrade request that counts on the
// platform's daily limit: the budget is counted from these.
const (
	KindInfo     EventKind = "info"
	KindRequest  EventKind = "request"
	KindError    EventKind = "error"
	KindProgress EventKind = "progress"
)

// BatchRecord opens a batch in the log.
type BatchRecord struct {
	Mode                    Mode
	Target                  int
	Key                     string // the log keeps only the last four characters
	URL                     string
	Station, Operator, Host string
	Concurrency             int
	Started                 time.Time
}

// AttemptRecord opens one module's attempt in the log. The batch's
// record holds its target.
type AttemptRecord struct {
	Batch             int64
	Slot, IMEI, Model string
	FirmwareName      string // the platform's name of the build, without its version
	From              int
	Started           time.Time
}

// BatchStatus is how a batch ended.
type BatchStatus string

// Batch endings.
const (
	BatchDone      BatchStatus = "done"
	BatchCancelled BatchStatus = "cancelled" // Ctrl-C, SIGTERM, SIGHUP or the console's cancel-all
)

// Log is what the engine writes and asks. Every write returns at once (the
// log batches them on its own goroutine): an upgrade never waits on the
// disk, but for the one record that must outlive a crash before anything
// happens, an upgrade request (Sync).
type Log interface {
	StartBatch(BatchRecord) int64
	EndBatch(id int64, status BatchStatus, t time.Time)
	StartAttempt(AttemptRecord) int64
	EndAttempt(id int64, r Result)
	Event(batch, attempt int64, e Event, kind EventKind)
	Transcript(attempt int64, slot, imei string, r device.Record)
	SeenModule(slot string, info device.Info, t time.Time)
	// RequestsSince counts the upgrade requests of an IMEI since t,
	// including those not yet on disk.
	RequestsSince(imei string, t time.Time) (int, error)
	// Reached reports whether an attempt in the log upgraded a module of
	// this firmware name to version (what is on disk is enough).
	Reached(firmware string, version int) (bool, error)
	// LastPassed is the version imei's newest upgraded or current attempt
	// left it on; ok is false when it has none.
	LastPassed(imei string) (version int, ok bool, err error)
	// Unfinished lists the modules an earlier run left mid-upgrade (its
	// attempt interrupted after a request, at or after since).
	Unfinished(since time.Time) ([]Unfinished, error)
	// Sync returns once every record given so far is on disk, so that a
	// crash keeps it; an error (a full disk, the lock held too long, ctx
	// ended) means it may not be.
	Sync(ctx context.Context) error
}

// Unfinished is a module an earlier run of airfleet left mid-upgrade: it
// had sent the request when that process died, so the module may have
// downloaded and rebooted into a new version while nobody watched.
type Unfinished struct {
	IMEI, Slot string
	From       int // the version the interrupted attempt started from
}
