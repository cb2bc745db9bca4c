package device

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DirSource finds modules in a fleet directory, the layout the simulator
// (device/sim) writes and that a udev rule can also build:
//
//	DIR/<slot>/if02   links to (or device nodes of) the module's ports,
//	DIR/<slot>/if04   one per USB interface; the slot is the
//	DIR/<slot>/if06   subdirectory's name, e.g. "1-1.4.2"
//	DIR/<slot>/boot   alone: the module is in download mode
//
// Files at the top level (platform.json, fleet.json) and names starting
// with "." are ignored. A link whose target is missing counts as absent, so
// a slot whose links are being re-created after a reboot is not a module
// until if02 or if06 is back. VID, PID and Serial are left empty: the
// directory does not say them.
type DirSource struct {
	Dir string
}

// DirSourceName is Candidate.Source for modules found by DirSource.
const DirSourceName = "dir"

// bootEntry is the single port of a module in download mode.
const bootEntry = "boot"

// List returns the modules in the directory, sorted by slot. Only a failure
// to read the directory itself is an error; a port that is not a serial
// device is reported as the candidate's Problem.
func (d DirSource) List() ([]Candidate, error) {
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read the fleet directory %s: %w", d.Dir, err)
	}
	var out []Candidate
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(d.Dir, e.Name())
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue // platform.json, fleet.json, a vanishing entry
		}
		if c, ok := readSlotDir(dir); ok {
			out = append(out, c)
		}
	}
	sortCandidates(out)
	return out, nil
}

// readSlotDir reads one DIR/<slot>/ directory. ok is false if it holds no
// module yet.
func readSlotDir(dir string) (c Candidate, ok bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c, false // removed while we looked
	}
	c = Candidate{Slot: filepath.Base(dir), Ports: map[int]string{}, Source: DirSourceName}
	var problems []error
	boot := ""
	for _, e := range entries {
		n, isPort := dirInterfaceNumber(e.Name())
		if !isPort && e.Name() != bootEntry {
			continue
		}
		path, present, problem := dirPort(filepath.Join(dir, e.Name()))
		if !present {
			continue
		}
		if problem != nil {
			problems = append(problems, problem)
		}
		if isPort {
			c.Ports[n] = path
		} else {
			boot = path
		}
	}
	c.ATPort = chooseATPort(c.Ports)
	switch {
	case c.ATPort != "":
	case boot != "":
		c.Mode = ModeDownload
		c.Ports = map[int]string{0: boot}
	default:
		return c, false
	}
	if len(problems) > 0 {
		c.Problem = fmt.Errorf("module %s: %w", c.Slot, errors.Join(problems...))
	}
	return c, true
}

// dirInterfaceNumber reads "if06" as interface 6.
func dirInterfaceNumber(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "if")
	if !ok || len(rest) != 2 {
		return 0, false
	}
	n, err := parseInterfaceNumber([]byte(rest))
	return n, err == nil
}

// dirPort resolves one port entry. present is false when the entry or its
// link target is missing; problem is set when it is not a character device.
func dirPort(entry string) (path string, present bool, problem error) {
	path, err := filepath.EvalSymlinks(entry)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return entry, true, fmt.Errorf("cannot follow %s: %w", entry, err)
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return path, true, fmt.Errorf("cannot inspect %s: %w", entry, err)
	}
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return path, true, fmt.Errorf("%s is not a serial device (it is %s); the fleet directory must hold links to device nodes",
			entry, describeFileMode(fi.Mode()))
	}
	return path, true, nil
}

// describeFileMode names a file's type for people.
func describeFileMode(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a device node"
}
