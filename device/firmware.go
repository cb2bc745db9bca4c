package device

import (
	"regexp"
	"strconv"
	"strings"
)

// Firmware is an Air780 AT firmware string taken apart (spec §2):
// "AirM2M_780EP_V1007_LTE_AT" has Model "780EP", Core 1007, Variant
// "LTE_AT", and Name "AirM2M_780EP_LTE_AT" (the platform's firmware name).
type Firmware struct {
	Raw     string
	Model   string
	Core    int
	Variant string
	Name    string
}

var firmwareRE = regexp.MustCompile(`AirM2M_([0-9A-Za-z]+)_V([0-9]{1,9})_([0-9A-Za-z_]+)`)

// ParseFirmware finds a firmware string in s (which may be quoted, or carry
// a prefix such as "+CGMR: ") and takes it apart.
func ParseFirmware(s string) (Firmware, bool) {
	m := firmwareRE.FindStringSubmatch(s)
	if m == nil {
		return Firmware{}, false
	}
	core, err := strconv.Atoi(m[2])
	if err != nil {
		return Firmware{}, false
	}
	return Firmware{
		Raw:     m[0],
		Model:   m[1],
		Core:    core,
		Variant: m[3],
		Name:    "AirM2M_" + m[1] + "_" + m[3],
	}, true
}

// lastFirmware returns the last line of an ATI answer shaped like a firmware
// string: some builds print "EigenComm", "Air780EP" or "OPENLUAT" first.
func lastFirmware(lines []string) (Firmware, bool) {
	for i := len(lines) - 1; i >= 0; i-- {
		if fw, ok := ParseFirmware(lines[i]); ok {
			return fw, true
		}
	}
	return Firmware{}, false
}

// ProductModel is the marketing model for a firmware model: "780EP" →
// "Air780EP", "201" → "Air201".
func ProductModel(fwModel string) string {
	if fwModel == "" {
		return ""
	}
	return "Air" + fwModel
}

// unquote strips one pair of surrounding double quotes and spaces.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// afterPrefix returns what follows prefix in line (trimmed), and whether
// line started with it.
func afterPrefix(line, prefix string) (string, bool) {
	if !strings.HasPrefix(line, prefix) {
		return "", false
	}
	return strings.TrimSpace(line[len(prefix):]), true
}
