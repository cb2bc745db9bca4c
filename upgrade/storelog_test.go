package upgrade

import (
	"testing"

	"airfleet/store"
)

// Every value the engine hands the log has its own value there, and every
// result the log holds reads back as an outcome: the seam is a table, not
// a cast that a renamed constant would silently break.
func TestStoreSeamMapsEveryValue(t *testing.T) {
	for _, m := range []Mode{ModeIoT, ModeKey, ModeURL} {
		if v, ok := storeModes[m]; !ok || string(v) != string(m) || fromStoreModes[v] != m {
			t.Errorf("mode %q maps to %q", m, v)
		}
	}
	for _, s := range []BatchStatus{BatchDone, BatchCancelled} {
		if v, ok := storeStatuses[s]; !ok || string(v) != string(s) {
			t.Errorf("batch status %q maps to %q", s, v)
		}
	}
	for _, o := range []Outcome{Upgraded, Current, Failed, Held, Cancelled} {
		v, ok := storeResults[o]
		if !ok || string(v) != string(o) || fromStoreResults[v] != o {
			t.Errorf("outcome %q maps to %q and back to %q", o, v, fromStoreResults[v])
		}
	}
	for _, r := range []store.Result{store.ResultRunning, store.ResultUpgraded, store.ResultCurrent, store.ResultFailed,
		store.ResultHeld, store.ResultCancelled, store.ResultInterrupted} {
		if _, ok := fromStoreResults[r]; !ok {
			t.Errorf("the log's result %q reads back as no outcome", r)
		}
	}
}
