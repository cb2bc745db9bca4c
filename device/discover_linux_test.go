//go:build linux

package device

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeSysfs builds a sysfs tree laid out like the kernel's: real directories
// under sys/devices, and sys/class/tty entries that are relative symlinks.
type fakeSysfs struct {
	t    *testing.T
	root string // holds sys/ and dev/
}

func newFakeSysfs(t *testing.T) *fakeSysfs {
	f := &fakeSysfs{t: t, root: t.TempDir()}
	f.mkdir("sys/class/tty")
	return f
}

func (f *fakeSysfs) source(allow ...VIDPID) SysfsSource {
	return SysfsSource{Root: filepath.Join(f.root, "sys"), Dev: "/dev", Allow: allow}
}

func (f *fakeSysfs) mkdir(rel string) string {
	f.t.Helper()
	dir := filepath.Join(f.root, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	return dir
}

func (f *fakeSysfs) write(dir, name, content string) {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeSysfs) symlink(target, link string) {
	f.t.Helper()
	if err := os.Symlink(target, link); err != nil {
		f.t.Fatal(err)
	}
}

// usbDevice makes a USB device directory (rel under sys/devices) with its IDs.
func (f *fakeSysfs) usbDevice(rel, vid, pid, serial string) string {
	dir := f.mkdir("sys/devices/" + rel)
	f.write(dir, "idVendor", vid+"\n")
	f.write(dir, "idProduct", pid+"\n")
	if serial != "" {
		f.write(dir, "serial", serial+"\n")
	}
	return dir
}

// iface makes interface directory <dev>:1.<n> with its bInterfaceNumber.
func (f *fakeSysfs) iface(devDir string, n int) string {
	dir := filepath.Join(devDir, fmt.Sprintf("%s:1.%d", filepath.Base(devDir), n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.write(dir, "bInterfaceNumber", fmt.Sprintf("%02x\n", n))
	return dir
}

// acm adds a cdc_acm tty on interface n: <iface>/tty/<name> with its
// device link, and the class/tty link.
func (f *fakeSysfs) acm(devDir string, n int, name string) {
	ifDir := f.iface(devDir, n)
	ttyDir := filepath.Join(ifDir, "tty", name)
	if err := os.MkdirAll(ttyDir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.symlink("../../../"+filepath.Base(ifDir), filepath.Join(ttyDir, "device"))
	f.classLink(ttyDir)
}

// usbSerial adds a usb-serial tty (option, ftdi_sio) on interface n:
// <iface>/<name>/tty/<name>, whose device link is the port directory.
func (f *fakeSysfs) usbSerial(devDir string, n int, name string) {
	ifDir := f.iface(devDir, n)
	ttyDir := filepath.Join(ifDir, name, "tty", name)
	if err := os.MkdirAll(ttyDir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.symlink("../../../"+name, filepath.Join(ttyDir, "device"))
	f.classLink(ttyDir)
}

// classLink adds sys/class/tty/<name> -> ../../devices/.../tty/<name>.
func (f *fakeSysfs) classLink(ttyDir string) {
	classDir := filepath.Join(f.root, "sys/class/tty")
	rel, err := filepath.Rel(classDir, ttyDir)
	if err != nil {
		f.t.Fatal(err)
	}
	f.symlink(rel, filepath.Join(classDir, filepath.Base(ttyDir)))
}

// fleetSysfs builds a hub with several modules and some distractions.
func fleetSysfs(t *testing.T) *fakeSysfs {
	f := newFakeSysfs(t)
	const bus = "pci0000:00/0000:00:14.0/usb1"
	f.usbDevice(bus, "1d6b", "0002", "0000:00:14.0")
	f.usbDevice(bus+"/1-1", "2109", "2817", "")
	f.usbDevice(bus+"/1-1/1-1.4", "2109", "2817", "")

	// Two complete modules, networking on 00/01 without ttys.
	a := f.usbDevice(bus+"/1-1/1-1.4/1-1.4.2", "19d1", "0001", "000000000001")
	f.iface(a, 0)
	f.iface(a, 1)
	f.acm(a, 2, "ttyACM3")
	f.acm(a, 4, "ttyACM4")
	f.acm(a, 6, "ttyACM5")
	b := f.usbDevice(bus+"/1-1/1-1.4/1-1.4.3", "19D1", "0001", "000000000001")
	f.acm(b, 2, "ttyACM0")
	f.acm(b, 4, "ttyACM1")
	f.acm(b, 6, "ttyACM2")
	// Interface 06 not there: fall back to 02.
	c := f.usbDevice(bus+"/1-1/1-1.4/1-1.4.1", "19d1", "0001", "000000000001")
	f.acm(c, 2, "ttyACM6")
	f.acm(c, 4, "ttyACM7")
	// Only the diagnostic port so far: not a module yet.
	d := f.usbDevice(bus+"/1-1/1-1.4/1-1.4.4", "19d1", "0001", "000000000001")
	f.acm(d, 4, "ttyACM8")
	// Download mode: one port, other VID.
	e := f.usbDevice(bus+"/1-1/1-1.3", "17d1", "0001", "")
	f.acm(e, 0, "ttyACM9")
	// An older Air724 on the option driver, not in the default allow-list.
	g := f.usbDevice(bus+"/1-1/1-1.4/1-1.4.5", "1782", "4e00", "")
	f.usbSerial(g, 2, "ttyUSB1")
	f.usbSerial(g, 3, "ttyUSB2")
	// An unrelated USB serial adapter.
	h := f.usbDevice(bus+"/1-2", "0403", "6001", "A50285BI")
	f.usbSerial(h, 0, "ttyUSB0")
	// A module on a second bus.
	i := f.usbDevice("pci0000:00/0000:00:14.0/usb2/2-1", "19d1", "0001", "000000000001")
	f.acm(i, 6, "ttyACM10")

	// A platform UART and a virtual console.
	uart := f.mkdir("sys/devices/platform/serial8250/tty/ttyS0")
	f.symlink("../../../serial8250", filepath.Join(uart, "device"))
	f.classLink(uart)
	f.classLink(f.mkdir("sys/devices/virtual/tty/tty0"))
	// A class entry whose device vanished mid-unplug.
	f.symlink("../../devices/gone/tty/ttyACM11", filepath.Join(f.root, "sys/class/tty/ttyACM11"))
	return f
}

func TestSysfsList(t *testing.T) {
	f := fleetSysfs(t)
	got, err := f.source().List()
	if err != nil {
		t.Fatal(err)
	}
	if k := (SysfsSource{}).key("1-1.4.2"); k != "usb:1-1.4.2" {
		t.Errorf("key on /sys = %q, want usb:1-1.4.2: the slot is unique on the host", k)
	}
	key := func(slot string) string { return "usb:" + filepath.Join(f.root, "sys") + ":" + slot }
	normal := func(slot, at string, ports map[int]string) Candidate {
		return Candidate{Slot: slot, Ports: ports, ATPort: at, VID: "19d1", PID: "0001",
			Serial: "000000000001", Mode: ModeNormal, Source: "sysfs", Key: key(slot)}
	}
	want := []Candidate{
		{Slot: "1-1.3", Ports: map[int]string{0: "/dev/ttyACM9"}, VID: "17d1", PID: "0001",
			Mode: ModeDownload, Source: "sysfs", Key: key("1-1.3")},
		normal("1-1.4.1", "/dev/ttyACM6", map[int]string{2: "/dev/ttyACM6", 4: "/dev/ttyACM7"}),
		normal("1-1.4.2", "/dev/ttyACM5", map[int]string{2: "/dev/ttyACM3", 4: "/dev/ttyACM4", 6: "/dev/ttyACM5"}),
		normal("1-1.4.3", "/dev/ttyACM2", map[int]string{2: "/dev/ttyACM0", 4: "/dev/ttyACM1", 6: "/dev/ttyACM2"}),
		normal("2-1", "/dev/ttyACM10", map[int]string{6: "/dev/ttyACM10"}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List() =\n%s\nwant\n%s", dumpCandidates(got), dumpCandidates(want))
	}
}

// The two-port builds (_LSAT, _AUAT) show interfaces 00 (AT) and 02 (the
// binary log): the AT port is 00, never 02 (spec §6). A module showing
// only 02 so far may be either layout: not a module yet.
func TestSysfsTwoPortLayout(t *testing.T) {
	f := newFakeSysfs(t)
	const hub = "pci0000:00/0000:00:14.0/usb1/1-1"
	lsat := f.usbDevice(hub+"/1-1.2", "19d1", "0001", "000000000001")
	f.acm(lsat, 0, "ttyACM0")
	f.acm(lsat, 2, "ttyACM1")
	half := f.usbDevice(hub+"/1-1.3", "19d1", "0001", "000000000001")
	f.acm(half, 2, "ttyACM2")
	got, err := f.source().List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Candidate{{Slot: "1-1.2", Ports: map[int]string{0: "/dev/ttyACM0", 2: "/dev/ttyACM1"},
		ATPort: "/dev/ttyACM0", VID: "19d1", PID: "0001", Serial: "000000000001", Mode: ModeNormal,
		Source: "sysfs", Key: "usb:" + filepath.Join(f.root, "sys") + ":1-1.2"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List() =\n%s\nwant\n%s", dumpCandidates(got), dumpCandidates(want))
	}
}

// named writes the interface's name, as the kernel shows a USB interface
// string descriptor: <iface>/interface.
func (f *fakeSysfs) named(devDir string, n int, name string) {
	f.write(filepath.Join(devDir, fmt.Sprintf("%s:1.%d", filepath.Base(devDir), n)), "interface", name+"\n")
}

// Where a module names its interfaces (the interface file), the names
// decide: "at" is an AT port, "log" never is, whatever the numbers say
// (spec §6). Names that say neither leave the numbers to decide.
func TestSysfsInterfaceNames(t *testing.T) {
	f := newFakeSysfs(t)
	const hub = "pci0000:00/0000:00:14.0/usb1/1-1"
	mod := func(slot string, names map[int]string, tty ...string) {
		dev := f.usbDevice(hub+"/"+slot, "19d1", "0001", "000000000001")
		for i, n := range []int{0, 2, 4, 6} {
			if tty[i] == "" {
				continue
			}
			f.acm(dev, n, tty[i])
			if names[n] != "" {
				f.named(dev, n, names[n])
			}
		}
	}
	// The module seen on Windows: 00 "at", 02 "log".
	mod("1-1.1", map[int]string{0: "at", 2: "log"}, "ttyACM0", "ttyACM1", "", "")
	// Names against the numbers: 00 "log", 02 "at".
	mod("1-1.2", map[int]string{0: "log", 2: "AT"}, "ttyACM2", "ttyACM3", "", "")
	// Four ports, one named "at" (an EC718P-V-like layout, spec §6).
	mod("1-1.3", map[int]string{0: "log", 2: "at", 4: "log", 6: "vuart"}, "ttyACM4", "ttyACM5", "ttyACM6", "ttyACM7")
	// A three-port build whose 06 says "log": 02.
	mod("1-1.4", map[int]string{6: "log"}, "", "ttyACM8", "ttyACM9", "ttyACM10")
	// Names that say neither: the numbers decide.
	mod("1-1.5", map[int]string{2: "CDC ACM", 4: "CDC ACM", 6: "CDC ACM"}, "", "ttyACM11", "ttyACM12", "ttyACM13")
	// 02 alone, named "log": nothing to open.
	mod("1-1.6", map[int]string{2: "log"}, "", "ttyACM14", "", "")
	// 02 alone, named "at": its AT port.
	mod("1-1.7", map[int]string{2: "at"}, "", "ttyACM15", "", "")
	got, err := f.source().List()
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, c := range got {
		at = append(at, c.Slot+"="+c.ATPort)
	}
	want := "1-1.1=/dev/ttyACM0 1-1.2=/dev/ttyACM3 1-1.3=/dev/ttyACM5 1-1.4=/dev/ttyACM8 1-1.5=/dev/ttyACM13 1-1.7=/dev/ttyACM15"
	if s := strings.Join(at, " "); s != want {
		t.Fatalf("AT ports %s\nwant     %s", s, want)
	}
}

func TestSysfsAllowList(t *testing.T) {
	got, err := fleetSysfs(t).source(VIDPID{0x1782, 0x4e00}).List()
	if err != nil {
		t.Fatal(err)
	}
	var slots []string
	for _, c := range got {
		slots = append(slots, c.Slot+"="+c.ATPort)
	}
	// Only the Air724 (ttyUSB layout) and the download-mode module.
	if s := strings.Join(slots, " "); s != "1-1.3= 1-1.4.5=/dev/ttyUSB1" {
		t.Fatalf("slots = %s", s)
	}
}

func TestSysfsMissingRoot(t *testing.T) {
	_, err := SysfsSource{Root: filepath.Join(t.TempDir(), "nosys")}.List()
	if err == nil || !strings.Contains(err.Error(), "nosys/class/tty") {
		t.Fatalf("err = %v", err)
	}
}

func TestSysfsDefaults(t *testing.T) {
	// The real /sys: must not fail on whatever this machine has.
	if _, err := os.Stat("/sys/class/tty"); err != nil {
		t.Skip("no /sys/class/tty here")
	}
	cands, err := SysfsSource{}.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		t.Logf("found %v", c)
	}
}

func dumpCandidates(cs []Candidate) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %+v\n", c)
	}
	return b.String()
}
