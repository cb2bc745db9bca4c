package device

import (
	"reflect"
	"strings"
	"testing"
)

// Instance IDs and location paths as Windows gave them for Air780 modules
// (shared/spec/air780-at-fota.md §6) and for other USB serial devices.
func TestParseInstanceID(t *testing.T) {
	for _, c := range []struct {
		in   string
		want pnpID
		bad  bool
	}{
		{in: `USB\VID_19D1&PID_0001&MI_06\7&17910EBA&0&0006`, want: pnpID{VID: "19d1", PID: "0001", Iface: 6}},
		{in: `USB\VID_19D1&PID_0001&MI_00\9&17910EBA&0&0000`, want: pnpID{VID: "19d1", PID: "0001", Iface: 0}},
		{in: `USB\VID_19D1&PID_0001&MI_02\9&17910EBA&0&0002`, want: pnpID{VID: "19d1", PID: "0001", Iface: 2}},
		{in: `usb\vid_19d1&pid_0001&mi_0a\6&2a3f7c1b&0&000a`, want: pnpID{VID: "19d1", PID: "0001", Iface: 10}},
		// The composite's parent, and a device with a serial of its own.
		{in: `USB\VID_19D1&PID_0001\000000000001`, want: pnpID{VID: "19d1", PID: "0001", Iface: -1, Serial: "000000000001"}},
		// Download mode: one port, a serial Windows made up.
		{in: `USB\VID_17D1&PID_0001\5&1F2E3D4C&0&3`, want: pnpID{VID: "17d1", PID: "0001", Iface: -1}},
		{in: `FTDIBUS\VID_0403+PID_6001+A50285BIA\0000`, bad: true},
		{in: `ACPI\PNP0501\1`, bad: true},
		{in: `USB\VID_19D1\x`, bad: true},
		{in: `USB\VID_19D1&PID_01\x`, bad: true},
		{in: `USB\VID_19D1&PID_0001&MI_6\x`, bad: true},
		{in: `USB\VID_19D1&PID_0001&MI_ZZ\x`, bad: true},
		{in: ``, bad: true},
	} {
		got, err := parseInstanceID(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("parseInstanceID(%q) = %+v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseInstanceID(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseLocationPath(t *testing.T) {
	for _, c := range []struct {
		in   string
		want pnpLocation
		bad  string
	}{
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(4)#USBMI(1)`,
			want: pnpLocation{Controller: "PCIROOT(0)#PCI(1400)", Slot: "1-8.4", Iface: 1}},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(1)#USB(2)#USB(3)`,
			want: pnpLocation{Controller: "PCIROOT(0)#PCI(1400)", Slot: "1-1.2.3", Iface: -1}},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(1)#USB(2)#USB(3)#USBMI(6)`,
			want: pnpLocation{Controller: "PCIROOT(0)#PCI(1400)", Slot: "1-1.2.3", Iface: 6}},
		{in: `PCIROOT(0)#PCI(0801)#PCI(0000)#USBROOT(1)#USB(2)#USBMI(0)`,
			want: pnpLocation{Controller: "PCIROOT(0)#PCI(0801)#PCI(0000)", Slot: "2-2", Iface: 0}},
		{in: `ACPI(_SB_)#ACPI(PCI0)#ACPI(XHC_)#ACPI(RHUB)#ACPI(HS08)`, bad: "no USBROOT"},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)`, bad: "no port"},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(0)`, bad: "port"},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(1)#USBMI(1)#USB(2)`, bad: "where a port"},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(x)`, bad: "port"},
		{in: `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(1`, bad: "NAME(n)"},
		{in: ``, bad: "NAME(n)"},
	} {
		got, err := parseLocationPath(c.in)
		if c.bad != "" {
			if err == nil || !strings.Contains(err.Error(), c.bad) {
				t.Errorf("parseLocationPath(%q) = %+v, %v; want an error saying %q", c.in, got, err, c.bad)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseLocationPath(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

// A device listing an ACPI path first still gets its USB one.
func TestUSBLocationSkipsACPI(t *testing.T) {
	loc, err := usbLocation([]string{`ACPI(_SB_)#ACPI(PCI0)#ACPI(XHC_)#ACPI(RHUB)#ACPI(HS08)`,
		`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(4)#USBMI(1)`})
	if err != nil || loc.Slot != "1-8.4" || loc.Iface != 1 {
		t.Errorf("usbLocation = %+v, %v", loc, err)
	}
	if _, err := usbLocation(nil); err == nil {
		t.Error("usbLocation(nil): no error")
	}
}

// threePortPNP lists an _AT build at hub port p as Windows does: three
// interfaces of one composite, each a COM port.
func threePortPNP(hub, port string, com ...string) []pnpPort {
	var out []pnpPort
	for i, mi := range []string{"02", "04", "06"} {
		out = append(out, pnpPort{
			InstanceID:    `USB\VID_19D1&PID_0001&MI_` + mi + `\7&17910EBA&0&00` + mi,
			LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(` + hub + `)#USB(` + port + `)#USBMI(` + mi[1:] + `)`},
			PortName:      com[i], BusName: "BYD AirM2M Compo",
		})
	}
	return out
}

func TestGroupPNPPorts(t *testing.T) {
	var ports []pnpPort
	ports = append(ports, threePortPNP("8", "4", "COM11", "COM12", "COM13")...)
	// 02 and 04 only so far: 02 is the AT port until 06 appears.
	ports = append(ports, threePortPNP("8", "3", "COM21", "COM22", "")...)
	// A two-port build that names its interfaces (spec §6, seen on Windows).
	ports = append(ports,
		pnpPort{InstanceID: `USB\VID_19D1&PID_0001&MI_00\9&17910EBA&0&0000`,
			LocationPaths: []string{`ACPI(_SB_)#ACPI(PCI0)#ACPI(XHC_)`, `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(2)#USBMI(0)`},
			PortName:      "COM5", BusName: "at"},
		pnpPort{InstanceID: `USB\VID_19D1&PID_0001&MI_02\9&17910EBA&0&0002`,
			LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(2)#USBMI(2)`},
			PortName:      "COM6", BusName: "log"},
	)
	// Interface 02 alone, unnamed: a three-port AT port or a two-port log.
	// Not a module yet.
	ports = append(ports, pnpPort{InstanceID: `USB\VID_19D1&PID_0001&MI_02\7&2&0&0002`,
		LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(5)#USBMI(2)`}, PortName: "COM30"})
	// A module in download mode.
	ports = append(ports, pnpPort{InstanceID: `USB\VID_17D1&PID_0001\5&1F2E3D4C&0&1`,
		LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(1)`}, PortName: "COM3"})
	// Not ours: an FTDI adapter, a motherboard UART, a port with no name.
	ports = append(ports,
		pnpPort{InstanceID: `USB\VID_0403&PID_6001\A50285BI`, LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(7)`}, PortName: "COM4"},
		pnpPort{InstanceID: `ACPI\PNP0501\1`, PortName: "COM1"},
		pnpPort{InstanceID: `USB\VID_19D1&PID_0001&MI_06\7&1&0&0006`, LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(6)#USBMI(6)`}},
	)
	got := groupPNPPorts(ports, nil)
	key := func(slot string) string { return "usb:PCIROOT(0)#PCI(1400)/" + slot }
	want := []Candidate{
		{Slot: "1-8.1", Ports: map[int]string{0: "COM3"}, VID: "17d1", PID: "0001", Mode: ModeDownload, Source: SetupAPISourceName, Key: key("1-8.1")},
		{Slot: "1-8.2", Ports: map[int]string{0: "COM5", 2: "COM6"}, Names: map[int]string{0: "at", 2: "log"}, ATPort: "COM5",
			VID: "19d1", PID: "0001", Source: SetupAPISourceName, Key: key("1-8.2")},
		{Slot: "1-8.3", Ports: map[int]string{2: "COM21", 4: "COM22"}, ATPort: "COM21", VID: "19d1", PID: "0001", Source: SetupAPISourceName, Key: key("1-8.3")},
		{Slot: "1-8.4", Ports: map[int]string{2: "COM11", 4: "COM12", 6: "COM13"}, ATPort: "COM13", VID: "19d1", PID: "0001", Source: SetupAPISourceName, Key: key("1-8.4")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groupPNPPorts =\n%s\nwant\n%s", dumpDirCandidates(got), dumpDirCandidates(want))
	}
	// The AT ports to try, in order, never a log port.
	if at := got[3].ATPorts(); !reflect.DeepEqual(at, []string{"COM13", "COM11"}) {
		t.Errorf("three-port AT ports = %v, want COM13 then COM11", at)
	}
	if at := got[1].ATPorts(); !reflect.DeepEqual(at, []string{"COM5"}) {
		t.Errorf("two-port AT ports = %v, want COM5 only", at)
	}
}

// Windows keeps a module's COM numbers across its reboot: the module is
// found again, in the same slot, with the same ports, and a module that
// another hub moved to another place is another slot.
func TestGroupPNPPortsAfterReboot(t *testing.T) {
	before := groupPNPPorts(threePortPNP("8", "4", "COM11", "COM12", "COM13"), nil)
	during := groupPNPPorts(nil, nil)
	after := groupPNPPorts(threePortPNP("8", "4", "COM11", "COM12", "COM13"), nil)
	if len(before) != 1 || len(during) != 0 || !reflect.DeepEqual(before, after) {
		t.Errorf("before %v, during %v, after %v", before, during, after)
	}
	moved := groupPNPPorts(threePortPNP("8", "5", "COM11", "COM12", "COM13"), nil)
	if moved[0].Slot == before[0].Slot || moved[0].Key == before[0].Key {
		t.Errorf("a module in another port keeps slot %s", moved[0].Slot)
	}
}

// Two controllers with a module at the same port path: the slots differ.
func TestGroupPNPPortsTwoControllers(t *testing.T) {
	a := threePortPNP("1", "2", "COM11", "COM12", "COM13")
	b := threePortPNP("1", "2", "COM21", "COM22", "COM23")
	for i := range b {
		b[i].LocationPaths[0] = strings.Replace(b[i].LocationPaths[0], "PCI(1400)", "PCI(0D00)", 1)
	}
	got := groupPNPPorts(append(a, b...), nil)
	if len(got) != 2 || got[0].Slot == got[1].Slot || got[0].Key == got[1].Key {
		t.Fatalf("groupPNPPorts = %s", dumpDirCandidates(got))
	}
	for _, c := range got {
		if !strings.HasSuffix(c.Slot, "/1-1.2") {
			t.Errorf("slot %q does not end in the port path", c.Slot)
		}
	}
}

// Another allow-list: a module whose USB ID was changed with AT+SETUSB.
func TestGroupPNPPortsAllowList(t *testing.T) {
	ports := threePortPNP("8", "4", "COM11", "COM12", "COM13")
	if got := groupPNPPorts(ports, []VIDPID{{VID: 0x1782, PID: 0x4e00}}); len(got) != 0 {
		t.Errorf("found %v outside the allow-list", got)
	}
}

func FuzzParseLocationPath(f *testing.F) {
	for _, s := range []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(8)#USB(4)#USBMI(1)`, `ACPI(_SB_)#ACPI(PCI0)`, `USBROOT(0)#USB(1)`, `#()`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := parseLocationPath(s)
		if err != nil {
			return
		}
		if loc.Slot == "" || strings.ContainsAny(loc.Slot, "#()/ ") {
			t.Fatalf("parseLocationPath(%q) = %+v: not a slot", s, loc)
		}
	})
}
