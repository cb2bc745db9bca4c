//go:build linux

package device

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sysfsPort is one USB serial port read from sysfs.
type sysfsPort struct {
	slot   Slot   // USB device directory name, e.g. "1-1.4.2"
	iface  int    // bInterfaceNumber
	vid    string // idVendor
	pid    string // idProduct
	serial string // USB serial number, may be empty
	name   string // the interface's name (its interface file), may be empty
	path   string // device node, e.g. "/dev/ttyACM5"
}

// List walks <Root>/class/tty and returns one Candidate per module in the
// allow-list or in download mode, sorted by slot. An interface's name (the
// interface file of its directory: "at", "log") goes to Candidate.Names. Ttys that are not USB, or
// belong to other USB devices, are skipped; so is a normal-mode module whose
// AT interfaces have not appeared yet (04 alone, or 02 alone, which may be
// a two-port build's log: see atInterfaces). A tty that vanishes while it
// is read (an unplug, a reboot) is skipped, not reported as an error.
func (s SysfsSource) List() ([]Candidate, error) {
	root, dev := s.Root, s.Dev
	if root == "" {
		root = "/sys"
	}
	if dev == "" {
		dev = "/dev"
	}
	classDir := filepath.Join(root, "class", "tty")
	entries, err := os.ReadDir(classDir)
	if err != nil {
		return nil, fmt.Errorf("cannot list serial ports in %s (is sysfs mounted?): %w", classDir, err)
	}
	bySlot := map[Slot]*Candidate{}
	for _, e := range entries {
		p, ok := readSysfsPort(filepath.Join(classDir, e.Name()))
		if !ok {
			continue
		}
		p.path = filepath.Join(dev, e.Name())
		s.addPort(bySlot, p)
	}
	out := make([]Candidate, 0, len(bySlot))
	for _, c := range bySlot {
		if c.Mode == ModeNormal {
			c.ATPort = chooseATPort(c.Ports, c.Names)
			if c.ATPort == "" {
				continue // no AT port known so far: not a module yet
			}
		}
		out = append(out, *c)
	}
	sortCandidates(out)
	return out, nil
}

// addPort files p under its module, if the module is one of ours.
func (s SysfsSource) addPort(bySlot map[Slot]*Candidate, p sysfsPort) {
	mode := ModeNormal
	switch {
	case p.vid == DownloadVID:
		mode = ModeDownload
	case !s.allowed(p.vid, p.pid):
		return
	}
	c := bySlot[p.slot]
	if c == nil {
		c = &Candidate{Slot: p.slot, Ports: map[int]string{}, VID: p.vid, PID: p.pid,
			Serial: p.serial, Mode: mode, Source: SysfsSourceName, Key: s.key(p.slot)}
		bySlot[p.slot] = c
	}
	c.Ports[p.iface] = p.path
	if p.name != "" {
		if c.Names == nil {
			c.Names = map[int]string{}
		}
		c.Names[p.iface] = p.name
	}
}

// key is Candidate.Key of the module in slot: "usb:" and the slot, which
// the kernel makes unique on the host; a sysfs tree elsewhere than /sys
// (tests) is named with it.
func (s SysfsSource) key(slot Slot) string {
	if s.Root == "" || s.Root == "/sys" {
		return "usb:" + slot
	}
	return "usb:" + s.Root + ":" + slot
}

// readSysfsPort follows a /sys/class/tty entry to its USB interface and USB
// device. ok is false for ttys that are not on USB or cannot be read.
func readSysfsPort(ttyDir string) (p sysfsPort, ok bool) {
	devDir, err := filepath.EvalSymlinks(filepath.Join(ttyDir, "device"))
	if err != nil {
		return p, false // virtual ttys have no device link
	}
	ifaceDir, ok := findInterfaceDir(devDir)
	if !ok {
		return p, false
	}
	if p.iface, err = parseInterfaceNumber(readSmall(ifaceDir, "bInterfaceNumber")); err != nil {
		return p, false
	}
	p.name = parseSysfsText(readSmall(ifaceDir, "interface")) // the interface string descriptor, if any
	usbDir := filepath.Dir(ifaceDir)
	p.slot = filepath.Base(usbDir)
	if !strings.HasPrefix(filepath.Base(ifaceDir), p.slot+":") {
		return p, false // not laid out like a USB interface under its device
	}
	if p.vid, err = parseSysfsID(readSmall(usbDir, "idVendor")); err != nil {
		return p, false
	}
	if p.pid, err = parseSysfsID(readSmall(usbDir, "idProduct")); err != nil {
		return p, false
	}
	p.serial = parseSysfsText(readSmall(usbDir, "serial"))
	return p, true
}

// findInterfaceDir returns dir if it is a USB interface (cdc_acm ttys), or
// its parent if that is one (usb-serial ttys such as ttyUSB, whose device is
// a port directory below the interface).
func findInterfaceDir(dir string) (string, bool) {
	for range 2 {
		if _, err := os.Stat(filepath.Join(dir, "bInterfaceNumber")); err == nil {
			return dir, true
		}
		dir = filepath.Dir(dir)
	}
	return "", false
}

// readSmall reads a small sysfs attribute; a missing one reads as empty.
func readSmall(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil
	}
	return b
}
