package device

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Slot names a module's place on the hub: the USB physical path, such as
// "1-1.4.2". It survives reboots, unlike port names (ttyACM5 becomes ttyACM8).
// It is an alias so that it mixes freely with plain strings.
type Slot = string

// Mode is the USB personality a module shows.
type Mode int

const (
	// ModeNormal is a module running its firmware, with AT ports.
	ModeNormal Mode = iota
	// ModeDownload is a module in download (boot) mode: one port, no AT.
	ModeDownload
)

// String names the mode for people.
func (m Mode) String() string {
	switch m {
	case ModeNormal:
		return "normal"
	case ModeDownload:
		return "download mode"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// USB interface numbers of the Air780 serial ports (spec §6). The _AT and
// _LPAT builds show three (02, 04, 06; 00 and 01 are networking, no tty),
// the _LSAT and _AUAT builds two (00, 02). Which layout a module has is
// read from the set of interfaces present: 04 or 06 make it three-port,
// 00 two-port; 02 alone could be either.
const (
	// ATInterface is the documented AT port of a three-port build.
	ATInterface = 6
	// FallbackATInterface also answers AT on a three-port build; used
	// when interface 06 is absent or silent.
	FallbackATInterface = 2
	// DiagInterface streams binary diagnostic logs on a three-port build.
	// Never send AT there.
	DiagInterface = 4
	// TwoPortATInterface is the AT port of a two-port build.
	TwoPortATInterface = 0
	// TwoPortLogInterface is the binary log of a two-port build (the
	// same number as the three-port FallbackATInterface). Never send AT
	// there.
	TwoPortLogInterface = 2
)

// ATInterfacesText names the AT interfaces of both layouts for people.
const ATInterfacesText = "USB interface 06 or 02, or 00 on a two-port build"

// Interface names that decide a port's use where a module gives them in its
// USB descriptors (spec §6), compared without regard to case.
const (
	NameAT  = "at"  // an AT port
	NameLog = "log" // a binary log: never written to
)

// DownloadVID is the USB vendor ID of a module in download (boot) mode; any
// product ID under it counts.
const DownloadVID = "17d1"

// VIDPID is a USB vendor and product ID pair, written "19d1:0001".
type VIDPID struct {
	VID, PID uint16
}

// DefaultAllow returns the IDs of Air780 modules in normal mode. The ID can be
// changed with AT+SETUSB, so callers may configure their own list.
func DefaultAllow() []VIDPID {
	return []VIDPID{{VID: 0x19d1, PID: 0x0001}}
}

// ParseVIDPID reads "19d1:0001" (hex, either case, surrounding space allowed).
func ParseVIDPID(s string) (VIDPID, error) {
	v, p, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return VIDPID{}, fmt.Errorf("USB ID %q: want vendor:product in hex, like 19d1:0001", s)
	}
	vid, err := parseUSBID(v)
	if err != nil {
		return VIDPID{}, fmt.Errorf("USB ID %q: vendor: %w", s, err)
	}
	pid, err := parseUSBID(p)
	if err != nil {
		return VIDPID{}, fmt.Errorf("USB ID %q: product: %w", s, err)
	}
	return VIDPID{VID: vid, PID: pid}, nil
}

// ParseVIDPIDList reads a comma-separated list such as "19d1:0001,1782:4e00".
func ParseVIDPIDList(s string) ([]VIDPID, error) {
	var out []VIDPID
	for f := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		id, err := ParseVIDPID(f)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// String formats the pair as "19d1:0001".
func (id VIDPID) String() string {
	return fmt.Sprintf("%04x:%04x", id.VID, id.PID)
}

// MarshalText formats the pair as "19d1:0001", for JSON and flags.
func (id VIDPID) MarshalText() ([]byte, error) {
	return []byte(id.String()), nil
}

// UnmarshalText reads "19d1:0001", for JSON and flags.
func (id *VIDPID) UnmarshalText(b []byte) error {
	v, err := ParseVIDPID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// parseUSBID reads a 16-bit hex ID: 1 to 4 digits, no sign, no 0x prefix.
func parseUSBID(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 4 {
		return 0, fmt.Errorf("%q is not a 4-digit hex ID", s)
	}
	n, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is not a 4-digit hex ID", s)
	}
	return uint16(n), nil
}

// Candidate is a module found on the USB bus (or in a fleet directory),
// before or after its AT port has been confirmed.
type Candidate struct {
	Slot  Slot           // USB physical path, e.g. "1-1.4.2"; the identity
	Ports map[int]string // USB interface number → device path
	// Names holds the interfaces' names where the module gives them in
	// its USB descriptors ("at", "log"; spec §6), by interface number;
	// nil when it gives none.
	Names  map[int]string
	ATPort string // the chosen AT port; empty in download mode
	VID    string // "19d1"; empty if the source cannot tell
	PID    string // "0001"; empty if the source cannot tell
	Serial string // USB serial number (the same on every unit)
	Mode   Mode   // normal, or download (boot) mode
	Source string // where it was found: "sysfs" or "dir"
	// Key names the module's place on this host, the same for every
	// airfleet that finds it through the same kind of source: the slot
	// lock (LockSlot) is taken by it. Slots alone repeat between fleet
	// directories; port names move at each reboot.
	Key string

	// Confirmed is set by Confirm once ATPort answered AT with OK.
	Confirmed bool
	// Problem says why the module cannot be used as it is, or nil.
	Problem error
}

// USBID returns the candidate's "vid:pid", or "" when the source has no IDs.
func (c Candidate) USBID() string {
	if c.VID == "" && c.PID == "" {
		return ""
	}
	return c.VID + ":" + c.PID
}

// String describes the candidate in one line for logs.
func (c Candidate) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", c.Slot, c.Mode)
	if id := c.USBID(); id != "" {
		fmt.Fprintf(&b, ", %s", id)
	}
	if c.ATPort != "" {
		fmt.Fprintf(&b, ", AT on %s", c.ATPort)
	}
	b.WriteString(")")
	if c.Problem != nil {
		fmt.Fprintf(&b, ": %v", c.Problem)
	}
	return b.String()
}

// Source lists the modules present right now.
type Source interface {
	List() ([]Candidate, error)
}

// SlotSource is a Source that can also read one slot alone, as it is right
// now: far cheaper than List on a station of hundreds, for a check made
// per port (is this port still the slot's?). ok is false when the slot
// holds no module.
type SlotSource interface {
	Source
	ListSlot(slot Slot) (c Candidate, ok bool, err error)
}

// ATPorts returns the module's ports that answer AT, best first (see
// atInterfaces); never a log port.
func (c Candidate) ATPorts() []string {
	var out []string
	for _, n := range atInterfaces(c.Ports, c.Names) {
		out = append(out, c.Ports[n])
	}
	return out
}

// chooseATPort picks the best AT port of ports (see atInterfaces), or "".
func chooseATPort(ports, names map[int]string) string {
	for _, n := range atInterfaces(ports, names) {
		return ports[n]
	}
	return ""
}

// atInterfaces lists the interfaces of ports worth trying for AT, best
// first (spec §6). Where the module names its interfaces, the names
// decide: the ports named "at" (06, then 02, then 00, then the others),
// never one named "log". Else the set of interfaces present decides: with
// 04 or 06 (the three-port layout) 06, then 02; with 00 (the two-port
// layout) 00 only, never 02, its log. Never 04. None while the layout is
// unknown (02 alone). Other sets (an allow-listed module of another family,
// such as an Air724 on 02 and 03) keep the three-port rule: 06, else 02.
// Names that say neither "at" nor "log" leave the numbers to decide.
func atInterfaces(ports, names map[int]string) []int {
	if named := namedAT(ports, names); len(named) > 0 {
		return named
	}
	order := []int{ATInterface, FallbackATInterface}
	switch {
	case has(ports, DiagInterface), has(ports, ATInterface):
	case has(ports, TwoPortATInterface):
		order = []int{TwoPortATInterface}
	case layoutUnknown(ports, names):
		return nil
	}
	return slices.DeleteFunc(order, func(n int) bool { return !has(ports, n) || isName(names[n], NameLog) })
}

// namedAT lists the ports named "at", best first.
func namedAT(ports, names map[int]string) []int {
	var out []int
	for n := range ports {
		if has(ports, n) && isName(names[n], NameAT) {
			out = append(out, n)
		}
	}
	rank := func(n int) int {
		if i := slices.Index([]int{ATInterface, FallbackATInterface, TwoPortATInterface}, n); i >= 0 {
			return i - 3
		}
		return n
	}
	slices.SortFunc(out, func(a, b int) int { return rank(a) - rank(b) })
	return out
}

// isName reports whether an interface's name is want, whatever its case.
func isName(name, want string) bool {
	return strings.EqualFold(strings.TrimSpace(name), want)
}

// layoutUnknown reports whether ports hold interface 02 alone, unnamed (or
// under a name that says neither at nor log): a three-port build's AT port,
// or a two-port build's log. Nothing may be written to it until the
// module's other ports show which.
func layoutUnknown(ports, names map[int]string) bool {
	return len(ports) == 1 && has(ports, FallbackATInterface) &&
		!isName(names[FallbackATInterface], NameAT) && !isName(names[FallbackATInterface], NameLog)
}

func has(ports map[int]string, n int) bool { return ports[n] != "" }

// sortCandidates orders candidates by slot, so listings are stable.
func sortCandidates(cs []Candidate) {
	slices.SortFunc(cs, func(a, b Candidate) int { return strings.Compare(a.Slot, b.Slot) })
}

// sameCandidate reports whether two listings of a slot show the same module
// state (ports, IDs, mode, problem).
func sameCandidate(a, b Candidate) bool {
	return a.Slot == b.Slot && a.ATPort == b.ATPort && a.VID == b.VID &&
		a.PID == b.PID && a.Serial == b.Serial && a.Mode == b.Mode &&
		a.Source == b.Source && a.Key == b.Key && a.Confirmed == b.Confirmed &&
		errText(a.Problem) == errText(b.Problem) && maps.Equal(a.Ports, b.Ports) &&
		maps.Equal(a.Names, b.Names)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// SysfsSource finds modules through Linux sysfs: every tty whose device is a
// USB interface, grouped by the USB physical path of its device.
type SysfsSource struct {
	Root  string   // sysfs mount point; "/sys" if empty
	Dev   string   // where device nodes live; "/dev" if empty
	Allow []VIDPID // IDs of modules in normal mode; DefaultAllow() if empty
}

// SysfsSourceName is Candidate.Source for modules found by SysfsSource.
const SysfsSourceName = "sysfs"

// parseSysfsID reads a sysfs idVendor or idProduct file ("19d1\n") and
// returns the four lower-case hex digits.
func parseSysfsID(b []byte) (string, error) {
	s := strings.TrimSpace(string(b))
	if len(s) != 4 {
		return "", fmt.Errorf("USB ID %q is not 4 hex digits", s)
	}
	if _, err := strconv.ParseUint(s, 16, 16); err != nil {
		return "", fmt.Errorf("USB ID %q is not 4 hex digits", s)
	}
	return strings.ToLower(s), nil
}

// parseInterfaceNumber reads a sysfs bInterfaceNumber file ("06\n"), which
// the kernel writes as two hex digits.
func parseInterfaceNumber(b []byte) (int, error) {
	s := strings.TrimSpace(string(b))
	if s == "" || len(s) > 2 {
		return 0, fmt.Errorf("interface number %q is not 2 hex digits", s)
	}
	n, err := strconv.ParseUint(s, 16, 8)
	if err != nil {
		return 0, fmt.Errorf("interface number %q is not 2 hex digits", s)
	}
	return int(n), nil
}

// parseSysfsText reads a one-line sysfs text file such as serial.
func parseSysfsText(b []byte) string {
	return strings.TrimSpace(string(b))
}

// allowed reports whether vid:pid (sysfs hex strings) is in the allow-list.
func (s SysfsSource) allowed(vid, pid string) bool {
	allow := s.Allow
	if len(allow) == 0 {
		allow = DefaultAllow()
	}
	id, err := ParseVIDPID(vid + ":" + pid)
	if err != nil {
		return false
	}
	return slices.Contains(allow, id)
}
