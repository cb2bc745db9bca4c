package device

import (
	"context"
	"errors"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
)

// Diagnose ("airfleet doctor") looks at this host for everything that
// keeps modules from appearing or answering, and says each finding with its
// fix. Every input from the host (sysfs, /dev, /proc, the udev rules, the
// user and groups, the AT probe) is a field of Host, so that tests run it
// against a fake sysfs tree and a fake process list.

// Host is what Diagnose looks at. CurrentHost fills it from the running
// system.
type Host struct {
	// Source lists the modules: a SysfsSource (then the checks of USB,
	// the driver and udev apply) or a fleet directory (*DirSource).
	Source Source
	// Sys is the sysfs root (/sys); Proc the procfs root (/proc).
	Sys, Proc string
	// UdevDirs are where udev rules live (/etc/udev/rules.d, …).
	UdevDirs []string
	// Allow are the USB IDs of modules in normal mode (DefaultAllow() if
	// empty): the udev rule must cover each.
	Allow []VIDPID

	User   string   // login name
	UID    int      // 0: root, who may open every port
	Groups []string // the groups this process has (what counts now)
	Member []string // the groups the user is in by the group database (counts from the next login)
	// GroupName names a group ID (user.LookupGroupId by default).
	GroupName func(gid uint32) string
	Self      int // this process's PID: its own open ports are not another program's

	// Inspect opens and identifies the modules (Inspect(ctx, cands, 0)
	// by default).
	Inspect func(ctx context.Context, cands []Candidate) []Found

	// OS is the system (runtime.GOOS if empty). The checks of the driver,
	// udev, the groups, ModemManager and brltty are Linux's: on Windows a
	// COM port has no group, no udev and no ModemManager, and saying "add
	// your user to dialout" there would send the operator the wrong way.
	OS string
}

// windows reports whether the host is Windows: its fixes name Device
// Manager, not lsusb.
func (h Host) windows() bool {
	if h.OS == "" {
		return runtime.GOOS == "windows"
	}
	return h.OS == "windows"
}

// linux reports whether the host's own checks (driver, udev, groups,
// ModemManager, brltty) apply.
func (h Host) linux() bool {
	if h.OS == "" {
		return runtime.GOOS == "linux"
	}
	return h.OS == "linux"
}

// Check names of the findings, as `airfleet doctor --json` prints them.
const (
	CheckDriver       = "cdc_acm"
	CheckUdevRule     = "udev-rule"
	CheckGroups       = "groups"
	CheckModemManager = "modemmanager"
	CheckBrltty       = "brltty"
	CheckModules      = "modules"
	CheckDownloadMode = "download-mode"
	CheckPorts        = "port-permissions"
	CheckPortOpen     = "port-open"
	CheckInUse        = "in-use"
	CheckAT           = "at"
	CheckIMEI         = "imei"
)

// Msg is a sentence of a finding: a key into the message table of the
// program that shows it (both languages live there) and its arguments.
type Msg struct {
	Key  string
	Args []any
}

// Finding is one thing Diagnose found: what was checked, whether it is
// well, what was seen, and the exact fix (none when OK).
type Finding struct {
	Check  string
	OK     bool
	Slot   Slot // the module concerned, if one
	Detail Msg
	Fix    Msg
}

func ok(check string, key string, args ...any) Finding {
	return Finding{Check: check, OK: true, Detail: Msg{key, args}}
}

func bad(check string, slot Slot, detail Msg, fixKey string, fixArgs ...any) Finding {
	return Finding{Check: check, Slot: slot, Detail: detail, Fix: Msg{fixKey, fixArgs}}
}

// DefaultUdevDirs are where udev reads rules from, the local ones first.
var DefaultUdevDirs = []string{"/etc/udev/rules.d", "/run/udev/rules.d", "/lib/udev/rules.d", "/usr/lib/udev/rules.d"}

// CurrentHost is this host, its modules found through src.
func CurrentHost(src Source, allow []VIDPID) Host {
	h := Host{Source: src, Sys: "/sys", Proc: "/proc", UdevDirs: DefaultUdevDirs, Allow: allow,
		UID: os.Getuid(), Self: os.Getpid(), GroupName: lookupGroupName}
	if s, isSysfs := src.(SysfsSource); isSysfs && s.Root != "" {
		h.Sys = s.Root
	}
	gids, _ := os.Getgroups()
	gids = append(gids, os.Getgid())
	for _, g := range gids {
		h.Groups = append(h.Groups, h.GroupName(uint32(g)))
	}
	if u, err := user.Current(); err == nil {
		h.User = u.Username
		ids, _ := u.GroupIds()
		for _, id := range ids {
			if n, err := strconv.ParseUint(id, 10, 32); err == nil {
				h.Member = append(h.Member, h.GroupName(uint32(n)))
			}
		}
	}
	return h
}

func lookupGroupName(gid uint32) string {
	id := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(id); err == nil {
		return g.Name
	}
	return id
}

// Diagnose checks the host and returns its findings: the host's own
// (driver, udev rule, groups, ModemManager, brltty; on Linux only), then the modules'
// (found at all, download mode, port permissions, ports open in other
// programs, held by another airfleet, answering AT, IMEIs repeated). With a
// fleet directory the checks of USB, the driver and udev do not apply and
// are left out.
func Diagnose(ctx context.Context, h Host) []Finding {
	if h.GroupName == nil {
		h.GroupName = lookupGroupName
	}
	if h.Inspect == nil {
		h.Inspect = func(ctx context.Context, c []Candidate) []Found { return Inspect(ctx, c, 0) }
	}
	if len(h.Allow) == 0 {
		h.Allow = DefaultAllow()
	}
	_, isSysfs := h.Source.(SysfsSource)
	linux := h.linux()
	var out []Finding
	if isSysfs && linux {
		out = append(out, h.checkDriver(), h.checkUdevRule())
	}
	cands, listErr := h.Source.List()
	ports := portsOf(cands)
	if isSysfs && linux { // a fleet directory's ports are whatever its links lead to: checkPorts
		out = append(out, h.checkGroups(ports))
	}
	procs := readProcs(h.Proc, h.Self)
	if linux {
		out = append(out, h.checkModemManager(procs, ports, len(cands) > 0 && isSysfs && len(h.unruled()) > 0)...)
		out = append(out, checkBrltty(procs))
	}
	if listErr != nil {
		f := h.noModules()
		f.Detail = Msg{"doctor.list.failed", []any{oneLine(listErr.Error())}}
		return append(out, f)
	}
	if len(cands) == 0 {
		return append(out, h.noModules())
	}
	out = append(out, ok(CheckModules, "doctor.modules.found", len(cands)))
	var normal []Candidate
	for _, c := range cands {
		switch {
		case c.Mode == ModeDownload:
			out = append(out, bad(CheckDownloadMode, c.Slot, Msg{"doctor.download", []any{c.Slot, c.VID + ":" + c.PID}}, "doctor.download.fix"))
		case c.Problem != nil:
			out = append(out, bad(CheckModules, c.Slot, Msg{"doctor.problem", []any{c.Problem.Error()}}, "doctor.problem.fix"))
		default:
			normal = append(normal, c)
		}
	}
	out = append(out, h.checkPorts(cands, isSysfs)...)
	found := h.Inspect(ctx, normal)
	if linux { // the programs holding a port are read from /proc
		out = append(out, checkPortOpen(procs, ports, found)...)
	}
	out = append(out, checkAnswers(found, h.windows())...)
	return append(out, checkIMEIs(found)...)
}

// noModules is the finding of a source that holds no module.
func (h Host) noModules() Finding {
	if ds, isDir := h.Source.(*DirSource); isDir {
		return bad(CheckModules, "", Msg{"doctor.modules.nonedir", []any{ds.Dir}}, "doctor.modules.nonedir.fix", ds.Dir)
	}
	if h.windows() {
		return bad(CheckModules, "", Msg{"doctor.modules.none", nil}, "doctor.modules.none.fix.windows")
	}
	return bad(CheckModules, "", Msg{"doctor.modules.none", nil}, "doctor.modules.none.fix")
}

// checkAnswers: each module answers AT and is identified; a module
// another airfleet holds is said as such. A port refused or held is said
// with the fix of the system (windows: no dialout group, no ModemManager).
func checkAnswers(found []Found, windows bool) []Finding {
	suffix := ""
	if windows {
		suffix = ".windows"
	}
	if len(found) == 0 {
		return nil // none in normal mode: said above
	}
	var out []Finding
	answered := 0
	for _, f := range found {
		var pe *PortError
		switch iu, isInUse := errors.AsType[*InUseError](f.Err); {
		case f.Err == nil:
			answered++
		case isInUse:
			out = append(out, bad(CheckInUse, f.Slot, Msg{"doctor.inuse", []any{f.Slot, iu.PID}}, "doctor.inuse.fix", iu.PID))
		case errors.As(f.Err, &pe) && pe.Kind == PortPermissionDenied:
			out = append(out, bad(CheckAT, f.Slot, Msg{"doctor.at.denied", []any{f.Slot}}, "doctor.at.denied.fix"+suffix))
		case errors.As(f.Err, &pe) && pe.Kind == PortBusy:
			out = append(out, bad(CheckAT, f.Slot, Msg{"doctor.at.busy", []any{f.Slot}}, "doctor.at.busy.fix"+suffix))
		default:
			out = append(out, bad(CheckAT, f.Slot, Msg{"doctor.at.silent", []any{f.Slot, oneLine(f.Err.Error())}}, "doctor.at.silent.fix"))
		}
	}
	if answered > 0 || len(out) == 0 {
		out = append([]Finding{ok(CheckAT, "doctor.at.ok", answered, len(found))}, out...)
	}
	return out
}

// checkIMEIs: two modules that report one IMEI cannot be told apart.
func checkIMEIs(found []Found) []Finding {
	slots := map[string][]string{}
	var imeis []string
	for _, f := range found {
		if f.Err != nil || f.Info.IMEI == "" {
			continue
		}
		if slots[f.Info.IMEI] == nil {
			imeis = append(imeis, f.Info.IMEI)
		}
		slots[f.Info.IMEI] = append(slots[f.Info.IMEI], f.Slot)
	}
	var out []Finding
	for _, imei := range imeis {
		if s := slots[imei]; len(s) > 1 {
			out = append(out, bad(CheckIMEI, s[0], Msg{"doctor.imei.same", []any{strings.Join(s, ", "), imei}}, "doctor.imei.fix"))
		}
	}
	if len(out) == 0 {
		return []Finding{ok(CheckIMEI, "doctor.imei.ok")}
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
