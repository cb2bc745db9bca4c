package device

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The checks of the host's set-up for doctor (Diagnose): the driver, the
// udev rule, the user's groups, the ports' permissions.

// unruled returns the allowed USB IDs no udev rule keeps ModemManager
// off.
func (h Host) unruled() []string {
	var out []string
	for _, id := range h.Allow {
		if h.udevRuleFor(id) == "" {
			out = append(out, id.String())
		}
	}
	return out
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
	if missing := h.unruled(); len(missing) > 0 {
		return bad(CheckUdevRule, "", Msg{"doctor.udev.missing", []any{strings.Join(missing, ", "), strings.Join(h.UdevDirs, ", ")}}, "doctor.udev.fix")
	}
	return ok(CheckUdevRule, "doctor.udev.ok", h.udevRuleFor(h.Allow[0]))
}

// udevRuleFor returns the rules file (path:line) that sets
// ID_MM_DEVICE_IGNORE=1 for id, or "".
func (h Host) udevRuleFor(id VIDPID) string {
	vid, pid := fmt.Sprintf("%04x", id.VID), fmt.Sprintf("%04x", id.PID)
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

// portStat is who owns a port and its permission bits.
type portStat struct {
	Uid, Gid uint32
	Mode     uint32
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
		if IsNetworkPort(p.path) {
			continue // socket://host:port: no device node, no owner
		}
		st, err := statPort(p.path)
		if errors.Is(err, errNoOwner) {
			continue // Windows: a COM port has no owner or mode bits
		}
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
func (h Host) mayOpen(st portStat) bool {
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
