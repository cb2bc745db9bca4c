package device

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The checks of the host's processes for doctor (Diagnose): who holds the
// modules' ports, read from /proc/<pid>/fd.

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
