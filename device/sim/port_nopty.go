//go:build !linux

package sim

import (
	"errors"
	"runtime"
)

// transports: ptys are Linux's here (the pty transport reads the line
// discipline's queues with Linux ioctls); TCP works everywhere.
func transports() []string { return []string{TransportTCP} }

func openPTYEndpoint() (endpoint, error) {
	return nil, errors.New("sim: the pty transport needs Linux, not " + runtime.GOOS + ": use the tcp transport (airfleet sim --transport tcp)")
}
