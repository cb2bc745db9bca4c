//go:build !unix

package store

import (
	"os"
	"time"
)

// lockLog creates PATH.lock as a probe that the folder is writable; on this
// platform it does not keep a second airfleet out.
func lockLog(dbPath string) (*os.File, error) {
	f, err := os.OpenFile(dbPath+".lock", os.O_RDWR|os.O_CREATE, 0o644)
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
