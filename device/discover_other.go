//go:build !linux && !windows

package device

import (
	"errors"
	"runtime"
)

// List fails: sysfs exists only on Linux. Use a DirSource instead.
func (s SysfsSource) List() ([]Candidate, error) {
	return nil, errors.New("finding modules through sysfs is not supported on " +
		runtime.GOOS + ": it needs Linux; use a fleet directory (DirSource) instead")
}
