//go:build linux

package device

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// A port this user may not open is reported with the fix (the dialout
// group). Root may open anything, so as root the open runs as nobody.
func TestPortPermissionDenied(t *testing.T) {
	path := openTestPty(t)
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		kind, msg := openAsNobody(t, path)
		if kind != PortPermissionDenied || !strings.Contains(msg, "permission denied on "+path) || !strings.Contains(msg, "dialout") {
			t.Fatalf("open as nobody: %v: %s; want permission denied with the dialout fix", kind, msg)
		}
		return
	}
	_, err := OpenPort(path)
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
// cannot open it, and is told so. Root ignores TIOCEXCL, so as root the
// second open runs as nobody (CI runs as root: this must not skip there).
func TestPortExclusive(t *testing.T) {
	_, slave, _ := openPtyPort(t)
	if os.Geteuid() != 0 {
		_, err := OpenPort(slave.Name())
		var pe *PortError
		if !errors.As(err, &pe) || pe.Kind != PortBusy {
			t.Fatalf("second open: %v, want port busy", err)
		}
		return
	}
	if err := os.Chmod(slave.Name(), 0o666); err != nil {
		t.Fatal(err)
	}
	kind, msg := openAsNobody(t, slave.Name())
	if kind != PortBusy || !strings.Contains(msg, "is busy") || !strings.Contains(msg, "ModemManager") {
		t.Fatalf("second open as nobody: %v: %s; want port busy, naming ModemManager", kind, msg)
	}
}

// childOpenEnv names the port TestOpenPortChild opens.
const childOpenEnv = "AIRFLEET_TEST_OPEN_PORT"

// TestOpenPortChild is not a test: openAsNobody runs it, as nobody, to
// open a port and print the kind of failure.
func TestOpenPortChild(t *testing.T) {
	path := os.Getenv(childOpenEnv)
	if path == "" {
		t.Skip("run by openAsNobody only")
	}
	p, err := OpenPort(path)
	if err == nil {
		p.Close()
		fmt.Printf("KIND=-1\nMSG=opened\n")
		return
	}
	kind := PortFailed
	var pe *PortError
	if errors.As(err, &pe) {
		kind = pe.Kind
	}
	fmt.Printf("KIND=%d\nMSG=%s\n", int(kind), err)
}

// binaryForNobody copies this test binary into a folder user nobody may
// enter and run it from (root's temporary folders are 0700), and returns
// the copy and its folder.
func binaryForNobody(t *testing.T) (bin, dir string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	for p := dir; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "device.test")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, dir
}

// openAsNobody opens path as user nobody, in a copy of this test binary
// that nobody may run, and returns the kind of failure and its message.
func openAsNobody(t *testing.T, path string) (PortErrorKind, string) {
	t.Helper()
	bin, dir := binaryForNobody(t)
	cmd := exec.Command(bin, "-test.run=^TestOpenPortChild$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), childOpenEnv+"="+path, "GOCOVERDIR=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	var kind = PortErrorKind(-2)
	var msg string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "KIND="); ok {
			n, _ := strconv.Atoi(v)
			kind = PortErrorKind(n)
		}
		if v, ok := strings.CutPrefix(line, "MSG="); ok {
			msg = v
		}
	}
	if kind == -2 {
		t.Fatalf("child printed no result:\n%s", out)
	}
	return kind, msg
}

// fakeLines records the modem control lines a port was given.
type fakeLines struct {
	dtr, rts bool
	err      error // what every Set returns
}

func (f *fakeLines) SetDTR(on bool) error { f.dtr = on; return f.err }
func (f *fakeLines) SetRTS(on bool) error { f.rts = on; return f.err }

// Both DTR and RTS are raised: some builds send nothing until the host
// raises both (spec §6). A pty has no modem lines, which is fine; another
// failure is the port's.
func TestRaiseModemLines(t *testing.T) {
	l := &fakeLines{}
	if err := raiseModemLines(l); err != nil || !l.dtr || !l.rts {
		t.Fatalf("raiseModemLines: err %v, DTR %v, RTS %v; want both raised", err, l.dtr, l.rts)
	}
	if err := raiseModemLines(&fakeLines{err: syscall.ENOTTY}); err != nil {
		t.Errorf("no modem lines (a pty): %v, want nil", err)
	}
	if err := raiseModemLines(&fakeLines{err: syscall.EIO}); err == nil {
		t.Error("EIO raising the lines: nil error")
	}
}
