package device

import (
	"errors"
	"fmt"
)

// ErrClosed is returned to every waiter once the port is gone: unplugged,
// rebooting, or closed by the program.
var ErrClosed = errors.New("port closed")

// ErrTimeout is returned when a command got no final result in time.
var ErrTimeout = errors.New("no answer in time")

// ErrNotSerial is wrapped by a module's Problem when one of its ports is
// not a character device: a regular file or a folder where the fleet
// directory should hold a link to the port. The station cannot fix it; the
// person who made the directory can.
var ErrNotSerial = errors.New("not a serial device")

// ErrNoATPort is wrapped by a module's Problem when its ports hold no AT
// port (USB interface 06 or 02 of a three-port build, 00 of a two-port
// one): only the diagnostic interface 04, which never gets AT, or an 02
// that may be a two-port build's log.
var ErrNoATPort = errors.New("no AT port")

// ErrCommand is wrapped by every error final result (ERROR, +CME ERROR, and
// any error final a command declares).
var ErrCommand = errors.New("module answered with an error")

// ErrUnexpected is an answer that ended OK but did not hold what the
// command must return (e.g. a verify without a state).
var ErrUnexpected = errors.New("unexpected answer")

// CommandError is a command that ended with an error final result other
// than +CME ERROR (usually a plain "ERROR").
type CommandError struct {
	Port  string // the session's name: slot and port
	Cmd   string // the command as sent
	Final string // the final result line, e.g. "ERROR"
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("%s: %s: module answered %q", e.Port, e.Cmd, e.Final)
}

// Unwrap lets errors.Is(err, ErrCommand) match.
func (e *CommandError) Unwrap() error { return ErrCommand }

// CMEError is a "+CME ERROR: <n>" final result. Code is -1 when the module
// sent text instead of a number (verbose error mode); Text then holds it.
type CMEError struct {
	Port string
	Cmd  string
	Code int
	Text string
}

func (e *CMEError) Error() string {
	if e.Code < 0 {
		return fmt.Sprintf("%s: %s: +CME ERROR: %s", e.Port, e.Cmd, e.Text)
	}
	return fmt.Sprintf("%s: %s: +CME ERROR: %d", e.Port, e.Cmd, e.Code)
}

// Unwrap lets errors.Is(err, ErrCommand) match.
func (e *CMEError) Unwrap() error { return ErrCommand }
