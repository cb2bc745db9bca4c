//go:build linux

package device

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.bug.st/serial"
)

func TestPortOpenPty(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer master.Close()
	defer slave.Close()

	port, err := OpenPort(slave.Name()) // DTR is not supported on a pty: ignored
	if err != nil {
		t.Fatalf("OpenPort(pty): %v", err)
	}
	if _, err := port.Write([]byte("AT\r")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(master, buf); err != nil || string(buf) != "AT\r" {
		t.Fatalf("module got %q, %v", buf, err)
	}
	if _, err := master.Write([]byte("\r\nOK\r\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(port, got); err != nil || string(got) != "\r\nOK\r\n" {
		t.Fatalf("console got %q, %v (the port is not raw?)", got, err)
	}

	// A reader blocked with no timeout is released by closing the port.
	readErr := make(chan error, 1)
	go func() {
		_, err := port.Read(make([]byte, 1))
		readErr <- err
	}()
	if err := port.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-readErr:
		var pe *PortError
		if err == nil || !errors.As(ClassifyPortError(slave.Name(), err), &pe) || pe.Kind != PortClosed {
			t.Fatalf("read after close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closing the port did not release the reader")
	}
}

func TestPortRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttyACM0")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wantPortError(t, path, PortNotSerial, path+" is not a serial device")
}

func TestPortDirectory(t *testing.T) {
	path := t.TempDir()
	wantPortError(t, path, PortNotSerial, path+" is not a serial device")
}

func TestPortMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttyACM5")
	err := wantPortError(t, path, PortNotFound, "the module was unplugged or rebooted")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

func TestPortCharDeviceNotTTY(t *testing.T) {
	path := mknodNull(t, t.TempDir())
	wantPortError(t, path, PortNotSerial, "is not a serial device")
}

func TestPortPermissionDenied(t *testing.T) {
	path := openTestPty(t)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPort(path)
	if err == nil {
		p.Close()
		t.Skip("opened a mode-000 port: running as root; see TestPortErrorMapping")
	}
	wantKind(t, err, PortPermissionDenied)
}

func TestPortErrorMapping(t *testing.T) {
	const path = "/dev/ttyACM2"
	tests := []struct {
		err  error
		kind PortErrorKind
		text string
	}{
		{syscall.EACCES, PortPermissionDenied,
			"permission denied on /dev/ttyACM2: add your user to the dialout group (sudo usermod -aG dialout $USER, then log in again)"},
		{&fs.PathError{Op: "open", Path: path, Err: syscall.EACCES}, PortPermissionDenied, "dialout"},
		{syscall.EBUSY, PortBusy, `/dev/ttyACM2 is busy: another program holds the port; ModemManager grabs Air780 ports: ` +
			`add a udev rule with ENV{ID_MM_DEVICE_IGNORE}="1" for 19d1:0001 or stop ModemManager`},
		{&serial.PortError{}, PortBusy, "ModemManager"}, // code 0 is serial.PortBusy
		{syscall.ENOENT, PortNotFound, "/dev/ttyACM2 is gone: the module was unplugged or rebooted"},
		{syscall.ENODEV, PortNotFound, "unplugged"},
		{syscall.ENOTTY, PortNotSerial, "/dev/ttyACM2 is not a serial device"},
		{fmt.Errorf("cannot raise DTR: %w", syscall.EIO), PortFailed, "cannot use /dev/ttyACM2: cannot raise DTR: input/output error"},
	}
	for _, tt := range tests {
		err := ClassifyPortError(path, tt.err)
		var pe *PortError
		if !errors.As(err, &pe) || pe.Kind != tt.kind || pe.Path != path || !errors.Is(err, tt.err) {
			t.Errorf("ClassifyPortError(%v) = %#v, want kind %v", tt.err, err, tt.kind)
			continue
		}
		if !strings.Contains(err.Error(), tt.text) {
			t.Errorf("ClassifyPortError(%v) says %q, want %q", tt.err, err, tt.text)
		}
	}
	if ClassifyPortError(path, nil) != nil {
		t.Error("nil error classified")
	}
	already := &PortError{Path: "x", Kind: PortBusy}
	if ClassifyPortError(path, already) != error(already) {
		t.Error("a PortError was wrapped again")
	}
}

// wantPortError opens path and checks the failure's kind and message.
func wantPortError(t *testing.T, path string, kind PortErrorKind, text string) error {
	t.Helper()
	p, err := OpenPort(path)
	if err == nil {
		p.Close()
		t.Fatalf("OpenPort(%s) succeeded", path)
	}
	wantKind(t, err, kind)
	if !strings.Contains(err.Error(), text) {
		t.Errorf("OpenPort(%s) error %q does not say %q", path, err, text)
	}
	return err
}

func wantKind(t *testing.T, err error, kind PortErrorKind) {
	t.Helper()
	var pe *PortError
	if !errors.As(err, &pe) || pe.Kind != kind {
		t.Fatalf("error %v (%T) is not a PortError of kind %v", err, err, kind)
	}
}

// mknodNull makes a character device that is not a tty (like /dev/null) in
// dir, or skips the test where that is not allowed.
func mknodNull(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "null")
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("cannot make a device node here: %v", err)
	}
	return path
}

// openPtyPort opens a pty and the console's port on its slave side; the
// pty's ends are closed when the test ends (closing one twice is harmless).
func openPtyPort(t *testing.T) (master, slave *os.File, port io.ReadWriteCloser) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	port, err = OpenPort(slave.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close() })
	return master, slave, port
}

// The module going away (here: the pty's other end closing) ends a blocked
// read with an error at once, through the poller.
func TestPortUnplugEndsRead(t *testing.T) {
	master, slave, port := openPtyPort(t)
	slave.Close()
	readErr := make(chan error, 1)
	go func() {
		_, err := port.Read(make([]byte, 16))
		readErr <- err
	}()
	master.Close()
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("read after unplug gave no error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the unplug did not end the read")
	}
}

// The port is exclusive once open: a second console (or ModemManager)
// cannot open it, and is told so.
func TestPortExclusive(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores TIOCEXCL")
	}
	_, slave, _ := openPtyPort(t)
	_, err := OpenPort(slave.Name())
	var pe *PortError
	if !errors.As(err, &pe) || pe.Kind != PortBusy {
		t.Fatalf("second open: %v, want port busy", err)
	}
}
