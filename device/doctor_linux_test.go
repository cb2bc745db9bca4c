//go:build linux

package device

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// doctorHost is a fake host for Diagnose: a sysfs tree, device nodes,
// a process list, udev rule folders, a user, and modules whose answers
// to AT the test chooses.
type doctorHost struct {
	t       *testing.T
	sys     *fakeSysfs
	h       Host
	answers map[Slot]Found // what Inspect says of each slot; absent: identified, IMEI by slot
}

const doctorBus = "pci0000:00/0000:00:14.0/usb1"

// newDoctorHost is a healthy host: cdc_acm loaded, the udev rule
// installed, the user in dialout, two modules that answer, ports of
// group dialout (the test's own group, named so) mode 0660, and a few
// processes that hold nothing of the modules.
func newDoctorHost(t *testing.T) *doctorHost {
	f := newFakeSysfs(t)
	f.mkdir("sys/module/cdc_acm")
	f.mkdir("dev")
	d := &doctorHost{t: t, sys: f, answers: map[Slot]Found{}}
	ownGID := uint32(os.Getgid())
	d.h = Host{
		Source:   SysfsSource{Root: filepath.Join(f.root, "sys"), Dev: filepath.Join(f.root, "dev")},
		Sys:      filepath.Join(f.root, "sys"),
		Proc:     f.mkdir("proc"),
		UdevDirs: []string{f.mkdir("etc/udev/rules.d"), f.mkdir("lib/udev/rules.d")},
		User:     "op", UID: os.Getuid() + 1000, // not the ports' owner: the group decides
		Groups: []string{"op", "dialout"}, Member: []string{"op", "dialout"},
		GroupName: func(gid uint32) string {
			if gid == ownGID {
				return "dialout"
			}
			return fmt.Sprint(gid)
		},
		Self: 1,
	}
	d.h.Inspect = d.inspect
	d.rule("lib/udev/rules.d/99-airfleet.rules", `SUBSYSTEM=="tty", ATTRS{idVendor}=="19d1", ATTRS{idProduct}=="0001", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"`)
	d.module("1-1.4.2", "19d1", 2, 4, 6)
	d.module("1-1.4.3", "19d1", 2, 4, 6)
	// The shell's terminal is a path no test's real pty can have: a test
	// that opens ptys of its own (TestDiagnoseFleetDirectory) got
	// /dev/pts/3 now and then, and the shell then "held" its module.
	term := filepath.Join(f.root, "dev", "pts-of-the-shell", "3")
	d.process(1, "airfleet", term) // doctor itself
	d.process(50, "bash", term)    // a shell
	d.process(60, "sim", "/dev/ptmx", "/dev/pts/9")
	return d
}

// module plugs a module into slot with serial ports on the interfaces
// given: ttyACM<slot's last digit><interface>.
func (d *doctorHost) module(slot, vid string, ifaces ...int) {
	dir := d.sys.usbDevice(doctorBus+"/"+slot, vid, "0001", "000000000001")
	for _, n := range ifaces {
		name := d.tty(slot, n)
		d.sys.acm(dir, n, name)
		d.sys.write(filepath.Join(d.sys.root, "dev"), name, "")
		d.chmod(slot, n, 0o660)
	}
}

func (d *doctorHost) tty(slot string, n int) string {
	return fmt.Sprintf("ttyACM%s%d", slot[len(slot)-1:], n)
}

// port is the device node of slot's interface n.
func (d *doctorHost) port(slot string, n int) string {
	return filepath.Join(d.sys.root, "dev", d.tty(slot, n))
}

func (d *doctorHost) chmod(slot string, n int, mode os.FileMode) {
	if err := os.Chmod(d.port(slot, n), mode); err != nil {
		d.t.Fatal(err)
	}
}

// process adds /proc/<pid> named comm with open files leading to fds.
func (d *doctorHost) process(pid int, comm string, fds ...string) {
	dir := d.sys.mkdir(fmt.Sprintf("proc/%d/fd", pid))
	d.sys.write(filepath.Dir(dir), "comm", comm+"\n")
	for i, target := range fds {
		d.sys.symlink(target, filepath.Join(dir, fmt.Sprint(i+3)))
	}
}

func (d *doctorHost) rule(rel, text string) {
	d.sys.write(d.sys.mkdir(filepath.Dir(rel)), filepath.Base(rel), text+"\n")
}

func (d *doctorHost) inspect(ctx context.Context, cands []Candidate) []Found {
	out := make([]Found, len(cands))
	for i, c := range cands {
		f, set := d.answers[c.Slot]
		if !set {
			f.Info.IMEI = fmt.Sprintf("8612345678%05d", i)
		}
		f.Candidate = c
		out[i] = f
	}
	return out
}

// failed is what a test compares of a finding that is not well.
type failed struct {
	Check, Slot, Detail, Fix string
}

func (d *doctorHost) diagnose() (all []Finding, bad []failed) {
	d.t.Helper()
	all = Diagnose(context.Background(), d.h)
	for _, f := range all {
		if !f.OK {
			bad = append(bad, failed{f.Check, f.Slot, f.Detail.Key, f.Fix.Key})
			if f.Fix.Key == "" {
				d.t.Errorf("%s: a problem without a fix: %+v", f.Check, f)
			}
		} else if f.Fix.Key != "" {
			d.t.Errorf("%s: well, yet a fix: %+v", f.Check, f)
		}
	}
	return all, bad
}

func checks(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Check)
	}
	return out
}

func TestDiagnoseHealthyHost(t *testing.T) {
	d := newDoctorHost(t)
	all, bad := d.diagnose()
	if len(bad) != 0 {
		t.Errorf("problems on a healthy host: %+v", bad)
	}
	want := []string{CheckDriver, CheckUdevRule, CheckGroups, CheckModemManager, CheckBrltty, CheckModules, CheckPorts, CheckPortOpen, CheckAT, CheckIMEI}
	if got := checks(all); !reflect.DeepEqual(got, want) {
		t.Errorf("checks %v, want %v", got, want)
	}
	for _, f := range all {
		if f.Check == CheckAT && !reflect.DeepEqual(f.Detail.Args, []any{2, 2}) {
			t.Errorf("at: %v, want 2 of 2", f.Detail.Args)
		}
		if f.Check == CheckUdevRule && !strings.HasSuffix(f.Detail.Args[0].(string), "lib/udev/rules.d/99-airfleet.rules:1") {
			t.Errorf("udev rule found at %v", f.Detail.Args)
		}
	}
}

// Each thing that keeps modules from appearing or answering is found, on
// its module, with its fix (issue 12.3).
func TestDiagnoseFindings(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(d *doctorHost)
		want  []failed
	}{
		{"cdc_acm not loaded", func(d *doctorHost) { os.Remove(filepath.Join(d.h.Sys, "module", "cdc_acm")) },
			[]failed{{CheckDriver, "", "doctor.driver.missing", "doctor.driver.fix"}}},
		{"no udev rule", func(d *doctorHost) {
			os.Remove(filepath.Join(d.h.UdevDirs[1], "99-airfleet.rules"))
			d.rule("etc/udev/rules.d/70-other.rules", `ATTRS{idVendor}=="1782", ENV{ID_MM_DEVICE_IGNORE}="1"`)
		}, []failed{{CheckUdevRule, "", "doctor.udev.missing", "doctor.udev.fix"}}},
		{"rule in /etc", func(d *doctorHost) {
			os.Remove(filepath.Join(d.h.UdevDirs[1], "99-airfleet.rules"))
			d.rule("etc/udev/rules.d/50-mm.rules", "# mine\nENV{ID_VENDOR_ID}==\"19d1\", ENV{ID_MM_DEVICE_IGNORE}=\"1\"")
		}, nil},
		{"not in dialout", func(d *doctorHost) { d.h.Groups, d.h.Member = []string{"op"}, []string{"op"} },
			[]failed{
				{CheckGroups, "", "doctor.groups.missing", "doctor.groups.fix"},
				{CheckPorts, "1-1.4.2", "doctor.ports.denied", "doctor.groups.fix"},
				{CheckPorts, "1-1.4.3", "doctor.ports.denied", "doctor.groups.fix"},
			}},
		{"added to dialout, not logged in again", func(d *doctorHost) { d.h.Groups = []string{"op"} },
			[]failed{
				{CheckGroups, "", "doctor.groups.relogin", "doctor.groups.relogin.fix"},
				{CheckPorts, "1-1.4.2", "doctor.ports.denied", "doctor.groups.fix"},
				{CheckPorts, "1-1.4.3", "doctor.ports.denied", "doctor.groups.fix"},
			}},
		{"root", func(d *doctorHost) { d.h.UID, d.h.Groups, d.h.Member = 0, []string{"root"}, []string{"root"} }, nil},
		{"port mode 0600", func(d *doctorHost) { d.chmod("1-1.4.3", 6, 0o600) },
			[]failed{{CheckPorts, "1-1.4.3", "doctor.ports.denied", "doctor.groups.fix"}}},
		{"port mode 0666, as root: still not the rule's", func(d *doctorHost) {
			d.h.UID = 0
			d.chmod("1-1.4.3", 2, 0o606)
		}, []failed{{CheckPorts, "1-1.4.3", "doctor.ports.mode", "doctor.udev.fix"}}},
		{"no device node", func(d *doctorHost) { os.Remove(d.port("1-1.4.2", 4)) },
			[]failed{{CheckPorts, "1-1.4.2", "doctor.ports.nonode", "doctor.ports.nonode.fix"}}},
		{"ModemManager holds a port", func(d *doctorHost) {
			d.process(100, "ModemManager", "/dev/null", d.port("1-1.4.3", 6), d.port("1-1.4.3", 2))
		},
			[]failed{{CheckModemManager, "1-1.4.3", "doctor.mm.holds", "doctor.mm.fix"}}},
		{"ModemManager running, holding nothing", func(d *doctorHost) { d.process(100, "ModemManager", "/dev/null") }, nil},
		{"ModemManager unseen, no rule", func(d *doctorHost) {
			os.Remove(filepath.Join(d.h.UdevDirs[1], "99-airfleet.rules"))
			d.process(100, "ModemManager")
			os.RemoveAll(filepath.Join(d.h.Proc, "100", "fd")) // as another user's: unreadable
		}, []failed{
			{CheckUdevRule, "", "doctor.udev.missing", "doctor.udev.fix"},
			{CheckModemManager, "", "doctor.mm.hidden", "doctor.mm.hidden.fix"},
		}},
		{"ModemManager unseen, kept off by the rule", func(d *doctorHost) {
			d.process(100, "ModemManager")
			os.RemoveAll(filepath.Join(d.h.Proc, "100", "fd"))
		}, nil},
		{"brltty", func(d *doctorHost) { d.process(300, "brltty") },
			[]failed{{CheckBrltty, "", "doctor.brltty", "doctor.brltty.fix"}}},
		{"port open in minicom", func(d *doctorHost) { d.process(200, "minicom", d.port("1-1.4.2", 6)) },
			[]failed{{CheckPortOpen, "1-1.4.2", "doctor.open", "doctor.open.fix"}}},
		{"download mode", func(d *doctorHost) { d.module("1-1.3", "17d1", 0) },
			[]failed{{CheckDownloadMode, "1-1.3", "doctor.download", "doctor.download.fix"}}},
		{"silent to AT", func(d *doctorHost) { d.answers["1-1.4.3"] = Found{Err: fmt.Errorf("1-1.4.3: %w", ErrTimeout)} },
			[]failed{{CheckAT, "1-1.4.3", "doctor.at.silent", "doctor.at.silent.fix"}}},
		{"permission denied on AT", func(d *doctorHost) {
			d.answers["1-1.4.3"] = Found{Err: &PortError{Path: d.port("1-1.4.3", 6), Kind: PortPermissionDenied, Err: os.ErrPermission}}
		}, []failed{{CheckAT, "1-1.4.3", "doctor.at.denied", "doctor.at.denied.fix"}}},
		{"busy", func(d *doctorHost) {
			d.answers["1-1.4.3"] = Found{Err: &PortError{Path: d.port("1-1.4.3", 6), Kind: PortBusy, Err: errors.New("EBUSY")}}
		}, []failed{{CheckAT, "1-1.4.3", "doctor.at.busy", "doctor.at.busy.fix"}}},
		{"held by another airfleet", func(d *doctorHost) {
			d.answers["1-1.4.2"] = Found{Err: &InUseError{Slot: "1-1.4.2", PID: 4321}}
			d.process(4321, "airfleet", d.port("1-1.4.2", 6)) // its open port is said as in use, not as open elsewhere
		}, []failed{{CheckInUse, "1-1.4.2", "doctor.inuse", "doctor.inuse.fix"}}},
		{"same IMEI", func(d *doctorHost) {
			d.module("1-1.4.4", "19d1", 2, 4, 6)
			same := Found{Info: Info{IMEI: "861234567890123"}}
			d.answers["1-1.4.2"], d.answers["1-1.4.4"] = same, same
		}, []failed{{CheckIMEI, "1-1.4.2", "doctor.imei.same", "doctor.imei.fix"}}},
		{"no modules", func(d *doctorHost) {
			os.RemoveAll(filepath.Join(d.h.Sys, "class", "tty"))
			d.sys.mkdir("sys/class/tty")
		},
			[]failed{{CheckModules, "", "doctor.modules.none", "doctor.modules.none.fix"}}},
		{"no modules on windows", func(d *doctorHost) {
			os.RemoveAll(filepath.Join(d.h.Sys, "class", "tty"))
			d.sys.mkdir("sys/class/tty")
			d.h.OS = "windows" // Device Manager, not lsusb
		},
			[]failed{{CheckModules, "", "doctor.modules.none", "doctor.modules.none.fix.windows"}}},
		{"no sysfs", func(d *doctorHost) { os.RemoveAll(filepath.Join(d.h.Sys, "class")) },
			[]failed{{CheckModules, "", "doctor.list.failed", "doctor.modules.none.fix"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newDoctorHost(t)
			c.setup(d)
			_, bad := d.diagnose()
			if !reflect.DeepEqual(bad, c.want) {
				t.Errorf("problems:\n got %+v\nwant %+v", bad, c.want)
			}
		})
	}
}

// The findings name what they are about: the program and PID, the port,
// the IMEI and both slots, the group.
func TestDiagnoseDetails(t *testing.T) {
	d := newDoctorHost(t)
	d.process(200, "minicom", d.port("1-1.4.2", 6), d.port("1-1.4.2", 2))
	d.h.Groups, d.h.Member = []string{"op"}, []string{"op"}
	d.module("1-1.4.4", "19d1", 6)
	same := Found{Info: Info{IMEI: "861234567890123"}}
	d.answers["1-1.4.3"], d.answers["1-1.4.4"] = same, same
	all, _ := d.diagnose()
	want := map[string][]any{
		"doctor.open":           {d.port("1-1.4.2", 2) + ", " + d.port("1-1.4.2", 6), "1-1.4.2", "minicom", 200},
		"doctor.open.fix":       {"minicom", 200},
		"doctor.imei.same":      {"1-1.4.3, 1-1.4.4", "861234567890123"},
		"doctor.groups.missing": {"op", "dialout"},
		"doctor.groups.fix":     {"dialout", "op"},
	}
	for _, f := range all {
		for _, m := range []Msg{f.Detail, f.Fix} {
			if w, ok := want[m.Key]; ok {
				if !reflect.DeepEqual(m.Args, w) {
					t.Errorf("%s: %v, want %v", m.Key, m.Args, w)
				}
				delete(want, m.Key)
			}
		}
	}
	for k := range want {
		t.Errorf("no %s", k)
	}
}

// With a fleet directory the checks of USB, the driver, udev and the
// dialout group do not apply; the simulator holding its own ptys is not
// another program.
func TestDiagnoseFleetDirectory(t *testing.T) {
	d := newDoctorHost(t)
	os.Remove(filepath.Join(d.h.Sys, "module", "cdc_acm"))
	d.h.Groups, d.h.Member = []string{"op"}, []string{"op"}
	fleet := t.TempDir()
	a := plugModule(t, fleet, "1-1.4.2")
	d.h.Source = &DirSource{Dir: fleet}
	d.h.UID = os.Getuid()                              // the ptys are the test's own
	d.process(61, "airfleet", "/dev/ptmx", a[6], a[2]) // airfleet sim
	all, bad := d.diagnose()
	if len(bad) != 0 {
		t.Errorf("problems: %+v", bad)
	}
	for _, skipped := range []string{CheckDriver, CheckUdevRule, CheckGroups} {
		if slices.Contains(checks(all), skipped) {
			t.Errorf("%s checked for a fleet directory", skipped)
		}
	}
	d.process(200, "minicom", a[6])
	if _, bad := d.diagnose(); !reflect.DeepEqual(bad, []failed{{CheckPortOpen, "1-1.4.2", "doctor.open", "doctor.open.fix"}}) {
		t.Errorf("minicom on a simulated port: %+v", bad)
	}

	empty := &doctorHost{t: t, sys: d.sys, h: d.h}
	empty.h.Source = &DirSource{Dir: t.TempDir()}
	if _, bad := empty.diagnose(); !reflect.DeepEqual(bad, []failed{{CheckModules, "", "doctor.modules.nonedir", "doctor.modules.nonedir.fix"}}) {
		t.Errorf("empty fleet directory: %+v", bad)
	}
}

// On Windows the host's Linux checks (driver, udev, dialout, ModemManager,
// brltty) are left out, even with the driver missing and the user in no
// group: the modules' checks remain.
func TestDiagnoseWindowsLeavesLinuxChecksOut(t *testing.T) {
	d := newDoctorHost(t)
	d.h.OS = "windows"
	d.h.Groups, d.h.Member = []string{"op"}, []string{"op"}
	if err := os.Remove(filepath.Join(d.h.Sys, "module", "cdc_acm")); err != nil {
		t.Fatal(err)
	}
	all, _ := d.diagnose()
	for _, f := range all {
		switch f.Check {
		case CheckDriver, CheckUdevRule, CheckGroups, CheckModemManager, CheckBrltty:
			t.Errorf("a Linux check on Windows: %+v", f)
		}
	}
	if got := checks(all); len(got) == 0 || got[0] != CheckModules {
		t.Errorf("checks %v, want the modules' first", got)
	}

	// A COM port another program holds, or that Windows refuses, is said
	// with Windows' fix; and with no /proc to read, doctor does not claim
	// that no other program holds a port.
	d = newDoctorHost(t)
	d.h.OS = "windows"
	d.answers["1-1.4.2"] = Found{Err: &PortError{Kind: PortBusy, Path: "COM11", Err: errors.New("access denied")}}
	d.answers["1-1.4.3"] = Found{Err: &PortError{Kind: PortPermissionDenied, Path: "COM12", Err: errors.New("access denied")}}
	all, _ = d.diagnose()
	fixes := map[string]string{}
	for _, f := range all {
		if f.Check == CheckPortOpen {
			t.Errorf("a port-open finding on Windows, where doctor cannot see other programs: %+v", f)
		}
		if f.Check == CheckAT && f.Slot != "" {
			fixes[string(f.Slot)] = f.Fix.Key
		}
	}
	if fixes["1-1.4.2"] != "doctor.at.busy.fix.windows" || fixes["1-1.4.3"] != "doctor.at.denied.fix.windows" {
		t.Errorf("the fixes on Windows: %v", fixes)
	}
}
