package device

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// On Windows, SysfsSource reads the Plug and Play manager through SetupAPI
// instead of sysfs (the name stays: it is "the system's own list of USB
// serial ports", what airfleet uses when no fleet directory is given). The
// strings it reads are turned into modules by groupPNPPorts (pnp.go).

// guidDevClassPorts is GUID_DEVCLASS_PORTS, the "Ports (COM & LPT)" class.
var guidDevClassPorts = windows.GUID{Data1: 0x4d36e978, Data2: 0xe325, Data3: 0x11ce,
	Data4: [8]byte{0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18}}

// devpkeyBusReportedDeviceDesc is DEVPKEY_Device_BusReportedDeviceDesc: for
// an interface of a composite device, the interface's name from its USB
// descriptors ("at", "log") where the module gives one.
var devpkeyBusReportedDeviceDesc = windows.DEVPROPKEY{
	FmtID: windows.DEVPROPGUID{Data1: 0x540b947e, Data2: 0x8b40, Data3: 0x45bc,
		Data4: [8]byte{0xa8, 0xa2, 0x6a, 0x0b, 0x89, 0x4c, 0xbd, 0xa2}},
	PID: 4,
}

// List returns the modules among the present serial ports, sorted by slot,
// found as on Linux (groupPNPPorts). Only a failure to ask SetupAPI at all
// is an error; a port whose strings cannot be read is skipped.
func (s SysfsSource) List() ([]Candidate, error) {
	ports, err := pnpSerialPorts()
	if err != nil {
		return nil, err
	}
	return groupPNPPorts(ports, s.Allow), nil
}

// pnpSerialPorts lists the present devices of the Ports class with the
// strings groupPNPPorts reads.
func pnpSerialPorts() ([]pnpPort, error) {
	set, err := windows.SetupDiGetClassDevsEx(&guidDevClassPorts, "", 0, windows.DIGCF_PRESENT, 0, "")
	if err != nil {
		return nil, fmt.Errorf("cannot list the serial ports (SetupAPI): %w", err)
	}
	defer set.Close()
	var out []pnpPort
	for i := 0; ; i++ {
		data, err := windows.SetupDiEnumDeviceInfo(set, i)
		if errors.Is(err, windows.ERROR_NO_MORE_ITEMS) {
			break
		}
		if err != nil {
			continue
		}
		p := pnpPort{}
		if p.InstanceID, err = windows.SetupDiGetDeviceInstanceId(set, data); err != nil {
			continue
		}
		if v, err := windows.SetupDiGetDeviceRegistryProperty(set, data, windows.SPDRP_LOCATION_PATHS); err == nil {
			p.LocationPaths, _ = v.([]string)
		}
		if v, err := windows.SetupDiGetDeviceProperty(set, data, &devpkeyBusReportedDeviceDesc); err == nil {
			p.BusName, _ = v.(string)
		}
		p.PortName = portName(set, data)
		out = append(out, p)
	}
	return out, nil
}

// portName reads the PortName value (COM11) of the device's registry key.
func portName(set windows.DevInfo, data *windows.DevInfoData) string {
	h, err := set.OpenDevRegKey(data, windows.DICS_FLAG_GLOBAL, 0, windows.DIREG_DEV, windows.KEY_READ)
	if err != nil {
		return ""
	}
	k := registry.Key(h)
	defer k.Close()
	name, _, err := k.GetStringValue("PortName")
	if err != nil {
		return ""
	}
	return name
}
