package device

import (
	"io"

	"go.bug.st/serial"
)

// Fixes shown to the operator with each kind of PortError, on Windows. A
// COM port opens exclusively: "access denied" (go.bug.st/serial's PortBusy)
// means another program has it open, most often the vendor's Luatools or a
// serial terminal.
const (
	fixPermission = "Windows refused the port: close any program that may hold it (Luatools, a serial terminal, another airfleet) and try again"
	fixBusy       = "another program has the port open (access denied): close Luatools, any serial terminal or other airfleet, then try again"
	fixNotSerial  = `check the name; it must be the module's COM port (e.g. COM11, or \\.\COM11), as Device Manager lists it under "Ports (COM & LPT)"`
)

// OpenPort opens a module's COM port at 115200 8N1 and raises DTR and RTS.
// Reads block with no timeout: stop a reader by closing the port. Errors
// are *PortError.
func OpenPort(path string) (io.ReadWriteCloser, error) {
	mode := serialMode
	p, err := serial.Open(path, &mode)
	if err != nil {
		return nil, ClassifyPortError(path, err)
	}
	if err := raiseModemLines(p); err != nil {
		p.Close()
		return nil, ClassifyPortError(path, err)
	}
	return p, nil
}
