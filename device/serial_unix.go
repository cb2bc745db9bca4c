//go:build !windows

package device

import (
	"io"
	"os"
	"syscall"

	"go.bug.st/serial"
)

// Fixes shown to the operator with each kind of PortError.
const (
	fixPermission = "add your user to the dialout group (sudo usermod -aG dialout $USER, then log in again)"
	fixBusy       = "another program holds the port; ModemManager grabs Air780 ports: add a udev rule with " +
		`ENV{ID_MM_DEVICE_IGNORE}="1" for 19d1:0001 or stop ModemManager`
	fixNotSerial = "check the path; it must be the module's USB serial port (ttyACM*), not a file"
)

// OpenPort opens a module's serial port at 115200 8N1, raw, and raises DTR
// and RTS. Reads block with no timeout: stop a reader by closing the port.
// Errors are *PortError. The lines cannot be set on a pseudo-terminal (the
// simulator's ports); that failure is ignored.
//
// go.bug.st/serial configures the port (raw mode, speed, DTR, RTS, exclusive
// access) and holds it; the bytes flow through a second descriptor of the
// same device that the Go runtime polls with epoll. A reader waiting for a
// line is then a parked goroutine, not an OS thread blocked in select(2):
// with 256 modules, serial's Read held 256 threads and every line woke one,
// which was most of the console's CPU during a batch (BENCHMARKS.md).
func OpenPort(path string) (io.ReadWriteCloser, error) {
	// Opened first: serial.Open then makes the port exclusive, which
	// refuses any later open, ours included.
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, ClassifyPortError(path, err)
	}
	mode := serialMode
	p, err := serial.Open(path, &mode)
	if err != nil {
		f.Close()
		return nil, ClassifyPortError(path, err)
	}
	if err := raiseModemLines(p); err != nil {
		p.Close()
		f.Close()
		return nil, ClassifyPortError(path, err)
	}
	return &polledPort{File: f, ctl: p}, nil
}

// polledPort reads and writes through the polled descriptor and keeps the
// configured serial port open for as long as it is used.
type polledPort struct {
	*os.File
	ctl serial.Port
}

// Close closes both descriptors; a Read waiting in the poller returns.
func (p *polledPort) Close() error {
	err := p.File.Close()
	if cerr := p.ctl.Close(); err == nil {
		err = cerr
	}
	return err
}
