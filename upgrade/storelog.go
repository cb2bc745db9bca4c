package upgrade

import (
	"context"
	"fmt"
	"time"

	"airfleet/device"
	"airfleet/store"
)

// The seam between the engine's words and the log's: each value mapped
// explicitly (TestStoreSeamMapsEveryValue), never by casting a string.
var (
	storeModes    = map[Mode]store.Mode{ModeIoT: store.ModeIoT, ModeKey: store.ModeKey, ModeURL: store.ModeURL, ModeLocal: store.ModeLocal}
	storeStatuses = map[BatchStatus]store.BatchStatus{BatchDone: store.BatchDone, BatchCancelled: store.BatchCancelled}
	storeResults  = map[Outcome]store.Result{Upgraded: store.ResultUpgraded, Current: store.ResultCurrent,
		Failed: store.ResultFailed, Held: store.ResultHeld, Cancelled: store.ResultCancelled}
	fromStoreResults = map[store.Result]Outcome{store.ResultUpgraded: Upgraded, store.ResultCurrent: Current,
		store.ResultFailed: Failed, store.ResultHeld: Held, store.ResultCancelled: Cancelled,
		store.ResultInterrupted: Failed, store.ResultRunning: Failed}
	fromStoreModes = map[store.Mode]Mode{store.ModeIoT: ModeIoT, store.ModeKey: ModeKey, store.ModeURL: ModeURL, store.ModeLocal: ModeLocal}
)

// StoreLog is the engine's Log on the SQLite log.
type StoreLog struct {
	s *store.Store
}

// OpenStoreLog opens (or creates) the log at path.
func OpenStoreLog(path string) (*StoreLog, error) {
	s, err := store.Open(path, LogOptions(store.Options{}))
	if err != nil {
		return nil, err
	}
	return &StoreLog{s: s}, nil
}

// LogOptions are o with the words the log writes by itself, from the
// catalogue: the message of an attempt a crash left open.
func LogOptions(o store.Options) store.Options {
	o.Interrupted = [2]string{msgInterrupted.EN, msgInterrupted.ZH}
	return o
}

// NewStoreLog wraps an open store.
func NewStoreLog(s *store.Store) *StoreLog { return &StoreLog{s: s} }

// Store is the underlying store, for queries.
func (l *StoreLog) Store() *store.Store { return l.s }

// Recovered is how many attempts an earlier crash left open (now marked
// interrupted).
func (l *StoreLog) Recovered() int { return l.s.Recovered().Attempts }

// Health says how many records wait for the disk and, while the log
// cannot write them, why (nil: healthy). It never waits on the disk.
func (l *StoreLog) Health() (pending int64, err error) { return l.s.Pending(), l.s.Err() }

// Flush waits until everything written so far is on disk.
func (l *StoreLog) Flush(ctx context.Context) error { return l.s.Flush(ctx) }

// Close flushes and closes the log.
func (l *StoreLog) Close() error { return l.s.Close() }

// StartBatch implements Log.
func (l *StoreLog) StartBatch(b BatchRecord) int64 {
	return l.s.StartBatch(store.Batch{Mode: storeModes[b.Mode], Target: b.Target, Key: b.Key, URL: b.URL,
		Station: b.Station, Operator: b.Operator, Host: b.Host, Concurrency: b.Concurrency, Started: b.Started})
}

// EndBatch implements Log.
func (l *StoreLog) EndBatch(id int64, status BatchStatus, t time.Time) {
	l.s.EndBatch(id, storeStatuses[status], t)
}

// StartAttempt implements Log.
func (l *StoreLog) StartAttempt(a AttemptRecord) int64 {
	return l.s.StartAttempt(store.Attempt{BatchID: a.Batch, IMEI: a.IMEI, Slot: a.Slot, Model: a.Model,
		Firmware: a.FirmwareName, FromVersion: a.From, Started: a.Started})
}

// EndAttempt implements Log.
func (l *StoreLog) EndAttempt(id int64, r Result) {
	l.s.EndAttempt(id, store.AttemptResult{Result: storeResults[r.Outcome], PlatformCode: r.Code,
		ModuleError: r.ModuleError, HTTPStatus: r.HTTPStatus, Retries: r.Retries, Requests: r.Requests,
		Message: r.Sentence.In("en"), MessageZH: zh(r.Sentence), ToVersion: r.To, Ended: r.Ended})
}

// Event implements Log.
func (l *StoreLog) Event(batch, attempt int64, e Event, kind EventKind) {
	code := PrimaryCode(e.Code, e.ModuleError)
	l.s.Event(store.Event{AttemptID: attempt, BatchID: batch, IMEI: e.IMEI, Slot: e.Slot, Time: e.Time,
		Step: string(e.Step), Kind: store.Kind(kind), Detail: e.Sentence.In("en"), DetailZH: zh(e.Sentence), Code: code})
}

// zh is a note in Chinese, for the log's second language (empty if none).
func zh(n Sentence) string {
	if n.IsZero() {
		return ""
	}
	return n.In("zh")
}

// Transcript implements Log.
func (l *StoreLog) Transcript(attempt int64, slot, imei string, r device.Record) {
	dir := store.DirIn
	switch r.Dir {
	case device.Out:
		dir = store.DirOut
	case device.Note:
		dir = store.DirNote
	}
	l.s.Transcript(store.Line{AttemptID: attempt, IMEI: imei, Slot: slot, Time: r.Time, Dir: dir, Text: r.Text})
}

// SeenModule implements Log.
func (l *StoreLog) SeenModule(slot string, info device.Info, t time.Time) {
	l.s.UpsertModule(store.Module{IMEI: info.IMEI, Model: info.Model, Firmware: info.Firmware.Name,
		Version: info.Firmware.Core, Slot: slot, Seen: t})
}

// Sync implements Log.
func (l *StoreLog) Sync(ctx context.Context) error { return l.s.Flush(ctx) }

// RequestsSince implements Log.
func (l *StoreLog) RequestsSince(imei string, t time.Time) (int, error) {
	return l.s.RequestsSince(imei, t)
}

// Reached implements Log.
func (l *StoreLog) Reached(firmware string, version int) (bool, error) {
	return l.s.Reached(firmware, version)
}

// LastPassed implements Log.
func (l *StoreLog) LastPassed(imei string) (int, bool, error) { return l.s.LastPassed(imei) }

// Unfinished implements Log.
func (l *StoreLog) Unfinished(since time.Time) ([]Unfinished, error) {
	rows, err := l.s.Unfinished(since)
	if err != nil {
		return nil, err
	}
	out := make([]Unfinished, len(rows))
	for i, r := range rows {
		out[i] = Unfinished{IMEI: r.IMEI, Slot: r.Slot, From: r.FromVersion}
	}
	return out, nil
}

// RetryList is what "retry the failed ones" asks again after the console
// or the CLI has gone: the IMEIs that did not end upgraded or current in
// the newest batch of this station in the log, less those RetrySkip leaves
// with the settings now (each returned as a failed result whose note says
// why). The log keeps the key and a URL's password masked, so they count
// as unchanged when their masked forms are.
func (l *StoreLog) RetryList(station string, now Config) (retry []string, skipped []Result, err error) {
	batches, err := l.s.Batches(0)
	if err != nil {
		return nil, nil, err
	}
	for _, b := range batches {
		if b.Station != station {
			continue
		}
		rows, err := l.s.Attempts(store.AttemptFilter{BatchID: b.ID})
		if err != nil {
			return nil, nil, err
		}
		then := Config{Mode: fromStoreModes[b.Mode], Key: b.Key, URL: b.URL, Target: b.Target}
		now.Key, now.URL = device.MaskKey(now.Key), device.MaskURL(now.urlLabel()) // as the log keeps them
		last := map[string]store.AttemptRow{}
		var order []string
		for _, a := range rows {
			if a.IMEI == "" {
				continue
			}
			if _, seen := last[a.IMEI]; !seen {
				order = append(order, a.IMEI)
			}
			if p, seen := last[a.IMEI]; !seen || a.ID > p.ID {
				last[a.IMEI] = a
			}
		}
		for _, imei := range order {
			a := last[imei]
			if a.Result == store.ResultUpgraded || a.Result == store.ResultCurrent {
				continue
			}
			r := Result{Slot: a.Slot, IMEI: imei, Model: a.Model, From: a.FromVersion, To: a.FromVersion,
				Outcome: fromStoreResults[a.Result], Code: a.PlatformCode, ModuleError: a.ModuleError}
			if n, skip := RetrySkip(r, then, now); skip {
				r.Sentence = n
				skipped = append(skipped, r)
				continue
			}
			retry = append(retry, imei)
		}
		if len(retry) == 0 && len(skipped) == 0 {
			return nil, nil, fmt.Errorf("every module of the last batch at station %s (#%d) passed", station, b.ID)
		}
		return retry, skipped, nil
	}
	return nil, nil, fmt.Errorf("the log has no batch from station %s yet", station)
}
