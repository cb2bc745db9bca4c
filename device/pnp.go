package device

import (
	"fmt"
	"strconv"
	"strings"
)

// Windows discovery, the pure part: the strings Windows' Plug and Play
// manager gives for a serial port, turned into the modules Linux's sysfs
// gives. discover_windows.go reads them with SetupAPI; everything here is
// plain string work, tested on any system with strings seen on Windows.
//
// A module's port, as SetupAPI lists it under the Ports class:
//
//	instance ID     USB\VID_19D1&PID_0001&MI_06\7&17910EBA&0&0006
//	location path   PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(4)#USBMI(6)
//	PortName        COM11
//	bus-reported    at        (the interface's name, where the module gives one)
//
// The instance ID carries VID, PID and the interface number (MI_06); the
// part after the last "\" is Windows' own. The location path names the
// physical place: USBROOT(n) is the root hub, each USB(n) a port on the way,
// USBMI(n) the interface of a composite device. pyserial spells that path
// "1-8.4:x.6"; our slot is its device part, "1-8.4", the shape of a Linux
// sysfs path. Windows keeps a module's COM number across its reboot, so
// the port name says nothing about identity: the slot and the IMEI do.

// pnpPort is one serial port as SetupAPI lists it.
type pnpPort struct {
	InstanceID    string   // USB\VID_19D1&PID_0001&MI_06\7&17910EBA&0&0006
	LocationPaths []string // SPDRP_LOCATION_PATHS; several where ACPI names the port too
	PortName      string   // COM11
	BusName       string   // the bus-reported description: the interface's name, or the product's
}

// pnpID is what an instance ID says.
type pnpID struct {
	VID, PID string // lower-case hex: "19d1", "0001"
	Iface    int    // the interface number (MI_xx); -1 for a device that is not composite
	Serial   string // the USB serial number of a device that is not composite, if it has one
}

// parseInstanceID reads a USB device instance ID: USB\VID_xxxx&PID_xxxx
// [&MI_xx]\<instance>. The instance part is a USB serial number only for a
// device that is not composite and whose serial Windows trusts (no "&" in
// it); otherwise it is Windows' own.
func parseInstanceID(id string) (pnpID, error) {
	out := pnpID{Iface: -1}
	parts := strings.Split(id, `\`)
	if len(parts) != 3 || !strings.EqualFold(parts[0], "USB") {
		return out, fmt.Errorf("instance ID %q is not USB\\VID_xxxx&PID_xxxx\\…", id)
	}
	for f := range strings.SplitSeq(parts[1], "&") {
		key, val, _ := strings.Cut(f, "_")
		var err error
		switch strings.ToUpper(key) {
		case "VID":
			out.VID, err = pnpHex(val, 4)
		case "PID":
			out.PID, err = pnpHex(val, 4)
		case "MI":
			out.Iface, err = parseInterfaceNumber([]byte(val))
			if err == nil && len(val) != 2 {
				err = fmt.Errorf("interface %q is not 2 hex digits", val)
			}
		}
		if err != nil {
			return out, fmt.Errorf("instance ID %q: %w", id, err)
		}
	}
	if out.VID == "" || out.PID == "" {
		return out, fmt.Errorf("instance ID %q has no VID_ or PID_", id)
	}
	if out.Iface < 0 && parts[2] != "" && !strings.Contains(parts[2], "&") {
		out.Serial = parts[2]
	}
	return out, nil
}

// pnpHex reads n hex digits and returns them in lower case.
func pnpHex(s string, n int) (string, error) {
	if len(s) != n {
		return "", fmt.Errorf("%q is not %d hex digits", s, n)
	}
	if _, err := strconv.ParseUint(s, 16, 32); err != nil {
		return "", fmt.Errorf("%q is not %d hex digits", s, n)
	}
	return strings.ToLower(s), nil
}

// pnpLocation is what a location path says.
type pnpLocation struct {
	Controller string // the part before USBROOT: PCIROOT(0)#PCI(1400)
	Slot       Slot   // 1-8.4: the root hub (USBROOT(n) is n+1) and the ports to the device
	Iface      int    // USBMI(n); -1 if the path ends at a device
}

// parseLocationPath reads a USB location path:
// PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(4)[#USBMI(6)] is controller
// PCIROOT(0)#PCI(1400), slot 1-8.4, interface 6 (pyserial: "1-8.4:x.6").
// A path with no USBROOT (an ACPI one) is not one; so is one with no port.
func parseLocationPath(path string) (pnpLocation, error) {
	loc := pnpLocation{Iface: -1}
	bad := func(why string) (pnpLocation, error) {
		return pnpLocation{Iface: -1}, fmt.Errorf("location path %q %s", path, why)
	}
	elems := strings.Split(path, "#")
	root := -1
	var b strings.Builder
	for i, e := range elems {
		name, arg, ok := pnpElem(e)
		if !ok {
			return bad("has an element that is not NAME(n): " + strconv.Quote(e))
		}
		switch {
		case root < 0 && name == "USBROOT":
			n, err := strconv.ParseUint(arg, 10, 8)
			if err != nil {
				return bad("has root hub " + strconv.Quote(arg))
			}
			root = i
			loc.Controller = strings.Join(elems[:i], "#")
			fmt.Fprintf(&b, "%d", n+1)
		case root < 0:
			continue // the controller's place: PCIROOT, PCI, ACPI …
		case name == "USB" && loc.Iface < 0:
			n, err := strconv.ParseUint(arg, 10, 8)
			if err != nil || n == 0 {
				return bad("has port " + strconv.Quote(arg))
			}
			if i == root+1 {
				b.WriteByte('-')
			} else {
				b.WriteByte('.')
			}
			b.WriteString(strconv.FormatUint(n, 10))
		case name == "USBMI" && loc.Iface < 0 && i == len(elems)-1:
			n, err := strconv.ParseUint(arg, 10, 8)
			if err != nil {
				return bad("has interface " + strconv.Quote(arg))
			}
			loc.Iface = int(n)
		default:
			return bad("has " + strconv.Quote(e) + " where a port or the last interface should be")
		}
	}
	switch {
	case root < 0:
		return bad("has no USBROOT")
	case len(elems) < root+2 || !strings.HasPrefix(elems[root+1], "USB("):
		return bad("has no port after USBROOT")
	}
	loc.Slot = b.String()
	return loc, nil
}

// pnpElem splits "USB(8)" into "USB" and "8".
func pnpElem(e string) (name, arg string, ok bool) {
	open := strings.IndexByte(e, '(')
	if open <= 0 || !strings.HasSuffix(e, ")") {
		return "", "", false
	}
	return strings.ToUpper(e[:open]), e[open+1 : len(e)-1], true
}

// usbLocation picks the USB path among a device's location paths (one may
// start at PCIROOT, another at ACPI) and reads it.
func usbLocation(paths []string) (pnpLocation, error) {
	var first error
	for _, p := range paths {
		loc, err := parseLocationPath(p)
		if err == nil {
			return loc, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("no location path")
	}
	return pnpLocation{Iface: -1}, first
}

// SetupAPISourceName is Candidate.Source for modules found through
// Windows' SetupAPI.
const SetupAPISourceName = "setupapi"

// groupPNPPorts turns SetupAPI's serial ports into modules as SysfsSource
// does on Linux: ports of modules in allow (or in download mode, VID
// 17d1) grouped by slot, the AT port chosen by the same rule (06 then 02
// on three-port builds, 00 on two-port builds, the interfaces' names where
// the module gives them; never a log port), a module whose AT interfaces
// have not appeared yet left out. A port whose strings cannot be read is
// skipped: it is not one of ours, or it is half-listed while it comes or
// goes. Where two USB controllers hold a module at the same port path, the
// slots are told apart by the controller ("PCIROOT(0)#PCI(1400)/1-8.4").
func groupPNPPorts(ports []pnpPort, allow []VIDPID) []Candidate {
	type found struct {
		loc pnpLocation
		c   *Candidate
	}
	byPlace := map[string]*found{} // controller + slot → module
	var order []string
	for _, p := range ports {
		id, err := parseInstanceID(p.InstanceID)
		if err != nil || p.PortName == "" {
			continue
		}
		mode := ModeNormal
		switch {
		case id.VID == DownloadVID:
			mode = ModeDownload
		case !(SysfsSource{Allow: allow}).allowed(id.VID, id.PID):
			continue
		}
		loc, err := usbLocation(p.LocationPaths)
		if err != nil {
			continue
		}
		iface := id.Iface
		if iface < 0 {
			iface = max(loc.Iface, 0) // a device that is not composite: its one port
		}
		place := loc.Controller + "/" + loc.Slot
		f := byPlace[place]
		if f == nil {
			f = &found{loc: loc, c: &Candidate{Slot: loc.Slot, Ports: map[int]string{}, VID: id.VID, PID: id.PID,
				Serial: id.Serial, Mode: mode, Source: SetupAPISourceName, Key: "usb:" + place}}
			byPlace[place] = f
			order = append(order, place)
		}
		f.c.Ports[iface] = p.PortName
		if name := strings.TrimSpace(p.BusName); isName(name, NameAT) || isName(name, NameLog) {
			if f.c.Names == nil {
				f.c.Names = map[int]string{}
			}
			f.c.Names[iface] = name
		}
	}
	slots := map[Slot]int{}
	for _, place := range order {
		slots[byPlace[place].loc.Slot]++
	}
	out := make([]Candidate, 0, len(order))
	for _, place := range order {
		f := byPlace[place]
		c := *f.c
		if slots[c.Slot] > 1 {
			c.Slot = place
		}
		if c.Mode == ModeNormal {
			c.ATPort = chooseATPort(c.Ports, c.Names)
			if c.ATPort == "" {
				continue // no AT port known so far: not a module yet
			}
		}
		out = append(out, c)
	}
	sortCandidates(out)
	return out
}
