package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCloseReportsLostWrites: when the disk keeps failing past
// CloseTimeout, Close says in one sentence how many writes were lost and
// why, and no longer that the writer "will keep retrying", with a stray
// "log closed" line after it (issue 10.17).
func TestCloseReportsLostWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "airfleet.db")
	s, err := Open(path, Options{BusyTimeout: 20 * time.Millisecond, FlushInterval: 5 * time.Millisecond, CloseTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	blocker, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.Exec("INSERT INTO modules (imei, first_seen, last_seen) VALUES ('blocker', 0, 0)"); err != nil {
		t.Fatal(err)
	}
	b := s.StartBatch(Batch{Mode: ModeIoT})
	s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI})
	waitErr(t, s)

	err = s.Close()
	if err == nil {
		t.Fatal("Close saved the writes through a held lock")
	}
	msg := err.Error()
	t.Logf("Close: %s", msg)
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Close: %v is not ErrClosed", err)
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "keep retrying") || strings.Contains(msg, "log closed") {
		t.Errorf("Close: %q: want one sentence that says the writes are lost", msg)
	}
	if !strings.Contains(msg, "2 writes") || !strings.Contains(msg, "lost") || !strings.Contains(msg, "locked") && !strings.Contains(msg, "busy") {
		t.Errorf("Close: %q does not say how many writes were lost and why", msg)
	}
}
