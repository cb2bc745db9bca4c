package device

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// DirSource finds modules in a fleet directory, the layout the simulator
// (device/sim) writes and that a udev rule can also build:
//
//	DIR/<slot>/if02   links to (or device nodes of) the module's ports,
//	DIR/<slot>/if04   one per USB interface; the slot is the
//	DIR/<slot>/if06   subdirectory's name, e.g. "1-1.4.2"
//	DIR/<slot>/boot   alone: the module is in download mode
//
// An interface entry may also be a regular file whose one line is a port
// over TCP, socket://host:port (a remote hub behind ser2net in raw mode,
// or the simulator's tcp transport): the port is then that address. Any
// other regular file is a setup mistake (ErrNotSerial). Such an address
// whose connection dropped is listed as absent for a second (see
// dropHoldDown): behind ser2net a module's reboot drops the connection but
// leaves the entry, and the dropped connection is the unplug.
//
// That is a three-port build (_AT, _LPAT). A two-port build (_LSAT,
// _AUAT) has DIR/<slot>/if00 (its AT port) and if02 (its binary log). The
// set of entries present tells the layouts apart (see Candidate.ATPorts):
// if04 or if06 make it three-port, if00 two-port.
//
// A module that names its interfaces in its USB descriptors (spec §6: "at"
// and "log") has the name after the number, and the names then decide
// which ports are AT ports, whatever the numbers say:
//
//	DIR/<slot>/if00-at    the AT port
//	DIR/<slot>/if02-log   a binary log: never written to
//
// A name is letters, digits and "_" (Candidate.Names); names other than
// "at" and "log" leave the numbers to decide. Two entries for one
// interface (if02 and if02-log) are a Problem.
//
// Files at the top level (platform.json, fleet.json) and names starting
// with "." are ignored. A link whose target is missing counts as absent, so
// a slot whose links are being re-created after a reboot is not a module
// until its ports are back. A slot whose ports hold no AT port (if04 only;
// or if02 alone once the directory has settled, since it is a three-port
// build's AT port but a two-port build's log) is a module with ErrNoATPort
// as its Problem, so that the mistake shows. VID, PID and Serial are left
// empty: the directory does not say them.
//
// A watcher lists the directory four times a second, 256 slots and 768
// links on a full station. A slot directory whose modification time has
// not changed keeps its entries and link targets from the last look; each
// listing then costs one stat per slot and one per port (is the device
// node still there?), not a directory read and a symlink walk.
// Use a *DirSource: the cache lives in it. It is safe for concurrent use.
type DirSource struct {
	Dir string

	mu    sync.Mutex
	slots map[string]*slotCache // slot name → what its directory held
}

// slotCache is what one slot directory held at its modification time.
type slotCache struct {
	dir   string
	key   string // Candidate.Key: "dir:" and the slot directory's real path
	mtime time.Time
	young bool // read within settleTime of mtime: read it again next time
	ports []portEntry
}

// settleTime: file times tick at the kernel's clock (a few milliseconds),
// so two changes in one tick share a time. A directory read that soon
// after its last change may have seen only the first: it is not trusted.
const settleTime = 100 * time.Millisecond

// portEntry is one port link of a slot, resolved once per directory change.
type portEntry struct {
	name   string // "if06", "if00-at", "boot"
	entry  string // DIR/<slot>/if06
	target string // what it resolves to ("" when it did not resolve)
	err    error  // why it did not resolve

	// An entry that is a regular file holding a port address: the
	// address, read when the file had this size and time.
	addr      string
	addrErr   error
	addrSize  int64
	addrMtime time.Time
}

// DirSourceName is Candidate.Source for modules found by DirSource.
const DirSourceName = "dir"

// bootEntry is the single port of a module in download mode.
const bootEntry = "boot"

// List returns the modules in the directory, sorted by slot. Only a failure
// to read the directory itself is an error; a port that is not a serial
// device is reported as the candidate's Problem.
func (d *DirSource) List() ([]Candidate, error) {
	entries, err := os.ReadDir(d.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read the fleet directory %s: %w", d.Dir, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := make(map[string]*slotCache, len(entries))
	var out []Candidate
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		dir := filepath.Join(d.Dir, name)
		fi, err := os.Stat(dir) // follows a linked slot directory too
		if err != nil || !fi.IsDir() {
			continue // platform.json, fleet.json, a vanishing entry
		}
		sc := d.slots[name]
		if sc == nil || sc.young || !sc.mtime.Equal(fi.ModTime()) {
			if sc, err = readSlotPorts(dir, fi.ModTime()); err != nil {
				continue // removed while we looked
			}
		}
		seen[name] = sc
		if c, ok := sc.candidate(name); ok {
			out = append(out, c)
		}
	}
	d.slots = seen
	sortCandidates(out)
	return out, nil
}

// ListSlot reads DIR/<slot>/ afresh (no cache: the answer is about now), as
// List would list it (SlotSource).
func (d *DirSource) ListSlot(slot Slot) (Candidate, bool, error) {
	dir := filepath.Join(d.Dir, slot)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Candidate{}, false, nil
	}
	if err != nil {
		return Candidate{}, false, err
	}
	if !fi.IsDir() {
		return Candidate{}, false, nil
	}
	sc, err := readSlotPorts(dir, fi.ModTime())
	if errors.Is(err, fs.ErrNotExist) {
		return Candidate{}, false, nil // removed while we looked
	}
	if err != nil {
		return Candidate{}, false, err
	}
	c, ok := sc.candidate(slot)
	return c, ok, nil
}

// readSlotPorts reads the port entries of one DIR/<slot>/ directory.
func readSlotPorts(dir string, mtime time.Time) (*slotCache, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	sc := &slotCache{dir: dir, key: dirSlotKey(dir), mtime: mtime, young: time.Since(mtime) < settleTime}
	for _, e := range entries {
		if _, _, isPort := dirInterface(e.Name()); !isPort && e.Name() != bootEntry {
			continue
		}
		p := portEntry{name: e.Name(), entry: filepath.Join(dir, e.Name())}
		p.target, p.err = filepath.EvalSymlinks(p.entry)
		sc.ports = append(sc.ports, p)
	}
	return sc, nil
}

// candidate builds the slot's module from its cached ports. ok is false if
// it holds no module yet.
func (sc *slotCache) candidate(slot string) (c Candidate, ok bool) {
	c = Candidate{Slot: slot, Ports: map[int]string{}, Source: DirSourceName, Key: sc.key}
	var problems []error
	boot := ""
	entryOf := map[int]string{}
	for i := range sc.ports {
		p := &sc.ports[i]
		path, present, problem := p.check()
		if !present {
			continue
		}
		if problem != nil {
			problems = append(problems, problem)
		}
		n, name, isPort := dirInterface(p.name)
		if !isPort {
			boot = path
			continue
		}
		if other, dup := entryOf[n]; dup {
			problems = append(problems, fmt.Errorf("%s holds two entries for interface %02d, %s and %s; keep one", sc.dir, n, other, p.name))
		}
		entryOf[n] = p.name
		c.Ports[n] = path
		if name != "" {
			if c.Names == nil {
				c.Names = map[int]string{}
			}
			c.Names[n] = name
		}
	}
	c.ATPort = chooseATPort(c.Ports, c.Names)
	switch {
	case c.ATPort != "":
	case boot != "":
		c.Mode = ModeDownload
		c.Ports = map[int]string{0: boot}
	case layoutUnknown(c.Ports, c.Names) && sc.young:
		return c, false // if02 just linked: its module's other links may follow
	case layoutUnknown(c.Ports, c.Names):
		// if02 alone: a three-port build's AT port, or a two-port
		// build's log. Never written to on a guess.
		problems = append(problems, fmt.Errorf("%w: %s holds %s only, which is a three-port build's AT port (beside if04, if06) but a two-port build's binary log (beside if00); link the module's other ports too",
			ErrNoATPort, sc.dir, portNames(c.Ports)))
	case len(c.Ports) > 0:
		// Ports, but none for AT: a module whose directory lacks if06
		// and if02. Shown with the fix rather than left invisible.
		problems = append(problems, fmt.Errorf("%w: %s holds %s only; link if06 (or if02) to the module's AT port, or if00 on a two-port build",
			ErrNoATPort, sc.dir, portNames(c.Ports)))
	default:
		return c, false
	}
	if len(problems) > 0 {
		c.Problem = fmt.Errorf("module %s: %w", c.Slot, errors.Join(problems...))
	}
	return c, true
}

// dirSlotKey names a slot directory on this host: its absolute path with
// every link resolved, so that two airfleets given the same fleet through
// different paths agree, and "1-1.1.1" of one fleet is not that of another.
// The slot directory, not the port it links to: the simulator makes new
// ptys at each reboot, and a udev link moves from ttyACM5 to ttyACM8.
func dirSlotKey(dir string) string {
	p, err := filepath.Abs(dir)
	if err != nil {
		p = dir
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return DirSourceName + ":" + p
}

// check looks at a cached port now. present is false when the entry or its
// link target is missing; problem is set when it is not a character device
// nor a regular file holding a port address (socket://host:port).
func (p *portEntry) check() (path string, present bool, problem error) {
	switch {
	case errors.Is(p.err, fs.ErrNotExist):
		// A dangling link: its target may appear without the slot
		// directory changing (a udev link to /dev/ttyUSB3 while the
		// module reboots), so look again.
		target, err := filepath.EvalSymlinks(p.entry)
		if err != nil {
			return "", false, nil
		}
		p.target, p.err = target, nil
	case p.err != nil:
		return p.entry, true, fmt.Errorf("cannot follow %s: %w", p.entry, p.err)
	}
	fi, err := os.Stat(p.target)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return p.target, true, fmt.Errorf("cannot inspect %s: %w", p.entry, err)
	}
	if fi.Mode().IsRegular() {
		if addr, isAddr, err := p.address(fi); isAddr {
			if err == nil && heldDown(addr) {
				return "", false, nil // its connection just dropped: unplugged
			}
			return addr, true, err
		}
	}
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return p.target, true, fmt.Errorf("%s is %w (it is %s); the fleet directory must hold links to device nodes",
			p.entry, ErrNotSerial, describeFileMode(fi.Mode()))
	}
	return p.target, true, nil
}

// maxAddressFile bounds what is read of an entry that may hold a port
// address: one line, socket://host:port.
const maxAddressFile = 512

// address reads the port address that the regular file p.target (whose
// stat is fi) may hold: one line, socket://host:port (ser2net in raw mode,
// or the simulator's tcp transport). isAddr is false for any other file,
// which stays a setup mistake; err says what is wrong with an address
// that is not one airfleet can use. The reading is cached until the file's
// size or time changes.
func (p *portEntry) address(fi fs.FileInfo) (addr string, isAddr bool, err error) {
	if p.addrMtime.Equal(fi.ModTime()) && p.addrSize == fi.Size() && (p.addr != "" || p.addrErr != nil) {
		return p.addr, true, p.addrErr
	}
	if fi.Size() > maxAddressFile {
		return "", false, nil
	}
	b, err := os.ReadFile(p.target)
	if err != nil {
		return "", false, nil
	}
	line := strings.TrimSpace(string(b))
	if !IsNetworkPort(line) {
		return "", false, nil
	}
	if strings.ContainsAny(line, "\r\n") {
		p.addr, p.addrErr = line, fmt.Errorf("%s holds more than one line; it must hold one port address, socket://HOST:PORT", p.entry)
	} else if _, err := ParseNetworkPort(line); err != nil {
		p.addr, p.addrErr = redactAddress(line), fmt.Errorf("%s: %w", p.entry, err)
	} else {
		p.addr, p.addrErr = line, nil
	}
	p.addrSize, p.addrMtime = fi.Size(), fi.ModTime()
	return p.addr, true, p.addrErr
}

// portNames lists the interfaces as the directory names them: "if04".
func portNames(ports map[int]string) string {
	names := make([]string, 0, len(ports))
	for n := range ports {
		names = append(names, fmt.Sprintf("if%02d", n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// dirInterface reads a port entry's name: "if06" is interface 6 without a
// name, "if00-at" interface 0 named "at". A name is one or more letters,
// digits or "_".
func dirInterface(entry string) (n int, name string, ok bool) {
	rest, ok := strings.CutPrefix(entry, "if")
	if !ok || len(rest) < 2 {
		return 0, "", false
	}
	num, rest := rest[:2], rest[2:]
	if rest != "" {
		name, ok = strings.CutPrefix(rest, "-")
		if !ok || name == "" || strings.ContainsFunc(name, func(r rune) bool {
			return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			return 0, "", false
		}
	}
	n, err := parseInterfaceNumber([]byte(num))
	return n, name, err == nil
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
