package device

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"syscall"

	"go.bug.st/serial"
)

// PortErrorKind says what went wrong opening or using a serial port.
type PortErrorKind int

const (
	// PortFailed is any failure not listed below.
	PortFailed PortErrorKind = iota
	// PortPermissionDenied means the user may not open the port.
	PortPermissionDenied
	// PortBusy means another program holds the port.
	PortBusy
	// PortNotFound means the device node is gone.
	PortNotFound
	// PortNotSerial means the path is not a serial device.
	PortNotSerial
	// PortClosed means the port closed under us: unplug, reboot or Close.
	PortClosed
)

// String names the kind in a few words.
func (k PortErrorKind) String() string {
	switch k {
	case PortPermissionDenied:
		return "permission denied"
	case PortBusy:
		return "port busy"
	case PortNotFound:
		return "port not found"
	case PortNotSerial:
		return "not a serial device"
	case PortClosed:
		return "port closed"
	}
	return "port failure"
}

// Fixes shown to the operator with each kind of PortError; the ones that
// differ between Linux and Windows are in serial_unix.go and
// serial_windows.go.
const fixNotFound = "the module was unplugged or rebooted"

// PortError is a failure to open or use a serial port, with the fix an
// operator can apply.
type PortError struct {
	Path string
	Kind PortErrorKind
	Fix  string // what to do about it, for people; may be empty
	Err  error  // the underlying error
}

// Error says what happened to which port and what to do about it, e.g.
// "permission denied on /dev/ttyACM2: add your user to the dialout group …".
func (e *PortError) Error() string {
	var msg string
	switch e.Kind {
	case PortPermissionDenied:
		msg = "permission denied on " + e.Path
	case PortBusy:
		msg = e.Path + " is busy"
	case PortNotFound:
		msg = e.Path + " is gone"
	case PortNotSerial:
		msg = e.Path + " is not a serial device"
	case PortClosed:
		msg = e.Path + " closed"
	default:
		msg = "cannot use " + e.Path
		if e.Err != nil {
			msg += ": " + e.Err.Error()
		}
	}
	if e.Fix != "" {
		msg += ": " + e.Fix
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *PortError) Unwrap() error { return e.Err }

// serialMode is the Air780 USB AT port setting. The baud rate does not matter
// to CDC-ACM, but 8N1 at 115200 is what the module's tools use.
var serialMode = serial.Mode{
	BaudRate: 115200,
	DataBits: 8,
	Parity:   serial.NoParity,
	StopBits: serial.OneStopBit,
}

// modemLines are a serial port's control lines.
type modemLines interface {
	SetDTR(bool) error
	SetRTS(bool) error
}

// raiseModemLines raises DTR and RTS on p: a module's USB serial port may
// send nothing until the host raises both (spec §6). A device without
// modem control lines (a pseudo-terminal) is fine.
func raiseModemLines(p modemLines) error {
	if err := p.SetDTR(true); err != nil && !isNoModemLines(err) {
		return fmt.Errorf("cannot raise DTR: %w", err)
	}
	if err := p.SetRTS(true); err != nil && !isNoModemLines(err) {
		return fmt.Errorf("cannot raise RTS: %w", err)
	}
	return nil
}

// isNoModemLines reports whether err says the device has no modem control
// lines, as a pseudo-terminal does.
func isNoModemLines(err error) bool {
	return errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOTSUP)
}

// ClassifyPortError wraps err, from opening or using the port at path, in a
// *PortError that names the kind of failure and its fix. It returns nil for
// nil and err itself if it already is a *PortError.
func ClassifyPortError(path string, err error) error {
	if err == nil {
		return nil
	}
	var pe *PortError
	if errors.As(err, &pe) {
		return err
	}
	kind := portErrorKind(err)
	return &PortError{Path: path, Kind: kind, Fix: portFix(kind), Err: err}
}

// portErrorKind sorts an error from go.bug.st/serial or the OS.
func portErrorKind(err error) PortErrorKind {
	var se *serial.PortError
	if errors.As(err, &se) {
		switch se.Code() {
		case serial.PermissionDenied:
			return PortPermissionDenied
		case serial.PortBusy:
			return PortBusy
		case serial.PortNotFound:
			return PortNotFound
		case serial.InvalidSerialPort:
			return PortNotSerial
		case serial.PortClosed:
			return PortClosed
		}
		return PortFailed
	}
	switch {
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM), errors.Is(err, fs.ErrPermission):
		return PortPermissionDenied
	case errors.Is(err, syscall.EBUSY):
		return PortBusy
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENODEV),
		errors.Is(err, syscall.ENXIO), errors.Is(err, fs.ErrNotExist):
		return PortNotFound
	case errors.Is(err, syscall.ENOTTY), errors.Is(err, syscall.EISDIR):
		return PortNotSerial
	case errors.Is(err, fs.ErrClosed), errors.Is(err, io.EOF):
		// Closed by us, or hung up.
		return PortClosed
	}
	return PortFailed
}

// portFix is the advice shown with each kind.
func portFix(k PortErrorKind) string {
	switch k {
	case PortPermissionDenied:
		return fixPermission
	case PortBusy:
		return fixBusy
	case PortNotFound, PortClosed:
		return fixNotFound
	case PortNotSerial:
		return fixNotSerial
	}
	return ""
}
