package device

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
// (driver, udev rule, groups, ModemManager, brltty), then the modules'
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
	var out []Finding
	if isSysfs {
		out = append(out, h.checkDriver(), h.checkUdevRule())
	}
	cands, listErr := h.Source.List()
	ports := portsOf(cands)
	if isSysfs { // a fleet directory's ports are whatever its links lead to: checkPorts
		out = append(out, h.checkGroups(ports))
	}
	procs := readProcs(h.Proc, h.Self)
	out = append(out, h.checkModemManager(procs, ports, len(cands) > 0 && isSysfs && !h.ruled())...)
	out = append(out, checkBrltty(procs))
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
	out = append(out, checkPortOpen(procs, ports, found)...)
	out = append(out, checkAnswers(found)...)
	return append(out, checkIMEIs(found)...)
}

// noModules is the finding of a source that holds no module.
func (h Host) noModules() Finding {
	if ds, isDir := h.Source.(*DirSource); isDir {
		return bad(CheckModules, "", Msg{"doctor.modules.nonedir", []any{ds.Dir}}, "doctor.modules.nonedir.fix", ds.Dir)
	}
	return bad(CheckModules, "", Msg{"doctor.modules.none", nil}, "doctor.modules.none.fix")
}

// ruled reports whether a udev rule keeps ModemManager off every allowed
// USB ID.
func (h Host) ruled() bool {
	for _, id := range h.Allow {
		if h.udevRuleFor(fmt.Sprintf("%04x", id.VID), fmt.Sprintf("%04x", id.PID)) == "" {
			return false
		}
	}
	return true
}

// checkDriver: cdc_acm, the kernel driver of the modules' serial ports.
func (h Host) checkDriver() Finding {
	if _, err := os.Stat(filepath.Join(h.Sys, "module", "cdc_acm")); err != nil {
		return bad(CheckDriver, "", Msg{"doctor.driver.missing", nil}, "doctor.driver.fix")
	}
	return ok(CheckDriver, "doctor.driver.ok")
}

// checkUdevRule: a rule that keeps ModemManager off every allowed USB ID.
func (h Host) checkUdevRule() Finding {
	var missing []string
	for _, id := range h.Allow {
		vid, pid := fmt.Sprintf("%04x", id.VID), fmt.Sprintf("%04x", id.PID)
		if h.udevRuleFor(vid, pid) == "" {
			missing = append(missing, id.String())
		}
	}
	if len(missing) > 0 {
		return bad(CheckUdevRule, "", Msg{"doctor.udev.missing", []any{strings.Join(missing, ", "), strings.Join(h.UdevDirs, ", ")}}, "doctor.udev.fix")
	}
	first := h.Allow[0]
	return ok(CheckUdevRule, "doctor.udev.ok", h.udevRuleFor(fmt.Sprintf("%04x", first.VID), fmt.Sprintf("%04x", first.PID)))
}

// udevRuleFor returns the rules file (path:line) that sets
// ID_MM_DEVICE_IGNORE=1 for vid:pid, or "".
func (h Host) udevRuleFor(vid, pid string) string {
	for _, dir := range h.UdevDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			rules, _ := ParseUdevRules(string(b)) // the rules before a bad line count
			for _, r := range rules {
				if r.IgnoredByModemManager(vid, pid) {
					return f + ":" + strconv.Itoa(r.Line)
				}
			}
		}
	}
	return ""
}

// checkGroups: the user is in the group of the modules' ports (dialout
// when there are none to look at), in this session.
func (h Host) checkGroups(ports []modulePort) Finding {
	group := "dialout"
	for _, p := range ports {
		if st, err := statPort(p.path); err == nil {
			group = h.GroupName(st.Gid)
			break
		}
	}
	switch {
	case h.UID == 0:
		return ok(CheckGroups, "doctor.groups.root")
	case slices.Contains(h.Groups, group):
		return ok(CheckGroups, "doctor.groups.ok", h.User, group)
	case slices.Contains(h.Member, group):
		return bad(CheckGroups, "", Msg{"doctor.groups.relogin", []any{h.User, group}}, "doctor.groups.relogin.fix", group)
	}
	return bad(CheckGroups, "", Msg{"doctor.groups.missing", []any{h.User, group}}, "doctor.groups.fix", group, h.User)
}

// modulePort is one serial port of a module: its path as listed, and the
// device it leads to (a fleet directory's link resolved).
type modulePort struct {
	slot       Slot
	path, real string
}

func portsOf(cands []Candidate) []modulePort {
	var out []modulePort
	for _, c := range cands {
		for _, n := range slices.Sorted(maps.Keys(c.Ports)) {
			p := c.Ports[n]
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				real = p
			}
			out = append(out, modulePort{slot: c.Slot, path: p, real: real})
		}
	}
	return out
}

func statPort(path string) (*syscall.Stat_t, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return nil, errors.New("no owner to read")
	}
	return st, nil
}

// checkPorts: each module's ports exist and this user may open them; on
// sysfs, each is group dialout with mode 0660, as the udev rule makes them
// (else the next user, or the next login, may not).
func (h Host) checkPorts(cands []Candidate, isSysfs bool) []Finding {
	var out []Finding
	for _, c := range cands {
		if c.Problem != nil {
			continue
		}
		if f, isBad := h.checkModulePorts(c, isSysfs); isBad {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return []Finding{ok(CheckPorts, "doctor.ports.ok")}
	}
	return out
}

func (h Host) checkModulePorts(c Candidate, isSysfs bool) (Finding, bool) {
	for _, p := range portsOf([]Candidate{c}) {
		st, err := statPort(p.path)
		if errors.Is(err, fs.ErrNotExist) {
			return bad(CheckPorts, c.Slot, Msg{"doctor.ports.nonode", []any{c.Slot, p.path}}, "doctor.ports.nonode.fix"), true
		}
		if err != nil {
			return bad(CheckPorts, c.Slot, Msg{"doctor.ports.unreadable", []any{c.Slot, p.path, err.Error()}}, "doctor.ports.nonode.fix"), true
		}
		group, mode := h.GroupName(st.Gid), st.Mode&0o777
		if !h.mayOpen(st) {
			return bad(CheckPorts, c.Slot, Msg{"doctor.ports.denied", []any{c.Slot, p.path, group, fmt.Sprintf("%04o", mode)}}, "doctor.groups.fix", group, h.User), true
		}
		if isSysfs && (group != "dialout" || mode&0o060 != 0o060) {
			return bad(CheckPorts, c.Slot, Msg{"doctor.ports.mode", []any{c.Slot, p.path, group, fmt.Sprintf("%04o", mode)}}, "doctor.udev.fix"), true
		}
	}
	return Finding{}, false
}

// mayOpen reports whether this user may read and write a port so owned.
func (h Host) mayOpen(st *syscall.Stat_t) bool {
	switch {
	case h.UID == 0:
		return true
	case int(st.Uid) == h.UID:
		return st.Mode&0o600 == 0o600
	case slices.Contains(h.Groups, h.GroupName(st.Gid)):
		return st.Mode&0o060 == 0o060
	}
	return st.Mode&0o006 == 0o006
}

// proc is one process of the host, as /proc shows it.
type proc struct {
	pid    int
	comm   string
	fds    []string // where its open files lead
	hidden bool     // its open files could not be read (another user's, for a user)
}

// readProcs lists the processes under root (/proc), all but self.
func readProcs(root string, self int) []proc {
	entries, _ := os.ReadDir(root)
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		comm, err := os.ReadFile(filepath.Join(root, e.Name(), "comm"))
		if err != nil {
			continue // gone meanwhile
		}
		p := proc{pid: pid, comm: strings.TrimSpace(string(comm))}
		fdDir := filepath.Join(root, e.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		p.hidden = err != nil
		for _, fd := range fds {
			if t, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil {
				p.fds = append(p.fds, t)
			}
		}
		out = append(out, p)
	}
	return out
}

// heldPorts are the ports of one module that one process has open.
type heldPorts struct {
	slot  Slot
	paths []string
}

// holds returns, module by module, the ports p has open. A simulated
// module's pty is held by the simulator, which holds the pty master
// (/dev/ptmx) too: that is the module's other end, not another program.
func (p proc) holds(ports []modulePort) []heldPorts {
	sim := slices.Contains(p.fds, "/dev/ptmx")
	var out []heldPorts
	for _, mp := range ports {
		if sim && strings.HasPrefix(mp.real, "/dev/pts/") {
			continue
		}
		if !slices.Contains(p.fds, mp.real) && !slices.Contains(p.fds, mp.path) {
			continue
		}
		if len(out) == 0 || out[len(out)-1].slot != mp.slot {
			out = append(out, heldPorts{slot: mp.slot})
		}
		out[len(out)-1].paths = append(out[len(out)-1].paths, mp.path)
	}
	return out
}

// checkModemManager: ModemManager running, and whether it holds ports of
// the modules. Its open files are root's: a user cannot see them, and that
// is a finding when modules are there and no udev rule keeps it off
// (unseen).
func (h Host) checkModemManager(procs []proc, ports []modulePort, unseen bool) []Finding {
	var out []Finding
	running := false
	for _, p := range procs {
		if p.comm != "ModemManager" {
			continue
		}
		running = true
		held := p.holds(ports)
		for _, hp := range held {
			out = append(out, bad(CheckModemManager, hp.slot, Msg{"doctor.mm.holds", []any{p.pid, strings.Join(hp.paths, ", "), hp.slot}}, "doctor.mm.fix"))
		}
		if len(held) == 0 && p.hidden && unseen {
			out = append(out, bad(CheckModemManager, "", Msg{"doctor.mm.hidden", []any{p.pid}}, "doctor.mm.hidden.fix"))
		}
		if len(out) == 0 {
			out = append(out, ok(CheckModemManager, "doctor.mm.running", p.pid))
		}
	}
	if !running {
		out = append(out, ok(CheckModemManager, "doctor.mm.none"))
	}
	return out
}

// checkBrltty: brltty, a Braille display daemon that claims USB serial
// ports, running.
func checkBrltty(procs []proc) Finding {
	for _, p := range procs {
		if p.comm == "brltty" {
			return bad(CheckBrltty, "", Msg{"doctor.brltty", []any{p.pid}}, "doctor.brltty.fix")
		}
	}
	return ok(CheckBrltty, "doctor.brltty.none")
}

// checkPortOpen: module ports open in another program, other than
// ModemManager (said above) and the airfleet that holds the module (said
// by checkAnswers as in use).
func checkPortOpen(procs []proc, ports []modulePort, found []Found) []Finding {
	holders := map[int]bool{}
	for _, f := range found {
		if iu, isInUse := errors.AsType[*InUseError](f.Err); isInUse {
			holders[iu.PID] = true
		}
	}
	var out []Finding
	for _, p := range procs {
		if p.comm == "ModemManager" || holders[p.pid] {
			continue
		}
		for _, hp := range p.holds(ports) {
			out = append(out, bad(CheckPortOpen, hp.slot, Msg{"doctor.open", []any{strings.Join(hp.paths, ", "), hp.slot, p.comm, p.pid}}, "doctor.open.fix", p.comm, p.pid))
		}
	}
	if len(out) == 0 {
		return []Finding{ok(CheckPortOpen, "doctor.open.none")}
	}
	return out
}

// checkAnswers: each module answers AT and is identified; a module
// another airfleet holds is said as such.
func checkAnswers(found []Found) []Finding {
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
			out = append(out, bad(CheckAT, f.Slot, Msg{"doctor.at.denied", []any{f.Slot}}, "doctor.at.denied.fix"))
		case errors.As(f.Err, &pe) && pe.Kind == PortBusy:
			out = append(out, bad(CheckAT, f.Slot, Msg{"doctor.at.busy", []any{f.Slot}}, "doctor.at.busy.fix"))
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
