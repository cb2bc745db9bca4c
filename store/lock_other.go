//go:build !unix && !windows

package store

import (
	"os"
	"time"
)

// lockLog opens the database file for writing (creating it if needed) as
// a probe that it can be written; on this platform it does not keep a
// second airfleet out.
func lockLog(dbPath string) (*os.File, error) {
	f, err := os.OpenFile(dbPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, unwritable(dbPath, err)
	}
	return f, nil
}

func unlockLog(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}

// oNoFollow is not available on this platform.
const oNoFollow = 0

// lockFile does nothing on this platform.
func lockFile(f *os.File, exclusive bool, wait time.Duration) error { return nil }

// heldHere cannot tell on this platform.
func heldHere(dbPath string) bool { return false }
