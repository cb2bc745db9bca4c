package sim

import (
	"fmt"
	"strconv"
)

// Model describes one module model of the Air780 family as the simulator
// plays it.
type Model struct {
	Name    string // marketing name, AT+CGMM: Air780EP
	Token   string // model part of the firmware string: 780EP
	Variant string // build variant: LTE_AT
	Base    int    // core version a fresh module of a scenario runs
	Target  int    // newest core version the platform holds
	// FOTAArea is the largest delta payload the module accepts (bytes).
	FOTAArea int
	// Only100 models print a single +UPGRADEIND: 100 instead of 10 … 100.
	Only100 bool
	// TwoPort builds (_LSAT, _AUAT) show interfaces if00 (AT) and if02
	// (binary log); the others if02, if04 (binary log) and if06 (spec §6).
	TwoPort bool
	tac     string // IMEI type allocation code (8 digits)
	hwver   string
}

// layout returns the model's USB serial interfaces in link order.
func (m Model) layout() []iface {
	if m.TwoPort {
		return twoPort
	}
	return threePort
}

// Firmware returns the firmware string of core version v, e.g.
// AirM2M_780EP_V1006_LTE_AT.
func (m Model) Firmware(v int) string {
	return fmt.Sprintf("AirM2M_%s_V%d_%s", m.Token, v, m.Variant)
}

// FirmwareName returns the platform's firmware name: the firmware string
// without its version, e.g. AirM2M_780EP_LTE_AT.
func (m Model) FirmwareName() string {
	return fmt.Sprintf("AirM2M_%s_%s", m.Token, m.Variant)
}

// fotaKB is the FOTA area of the AT firmware: 480 KB per the vendor's table
// for Air780E and Air780EP; the simulator assumes the same for the others.
const fotaKB = 480 * 1024

// models are the models the simulator knows, by name. A name is the
// marketing name (AT+CGMM), but for another build of a model: Air780E_LSAT
// is an Air780E running the two-port _LTE_LSAT build.
var models = map[string]Model{
	"Air780EP": {Name: "Air780EP", Token: "780EP", Variant: "LTE_AT", Base: 1006, Target: 1007, FOTAArea: fotaKB, tac: "86446806", hwver: "A11"},
	"Air780E":  {Name: "Air780E", Token: "780E", Variant: "LTE_AT", Base: 1143, Target: 1147, FOTAArea: fotaKB, tac: "86230105", hwver: "A14"},
	// AirM2M_780E_V1183_LTE_LSAT: a two-port build (spec §6).
	"Air780E_LSAT": {Name: "Air780E", Token: "780E", Variant: "LTE_LSAT", Base: 1183, Target: 1184, FOTAArea: fotaKB, TwoPort: true, tac: "86230106", hwver: "A14"},
	// More EC618 (Air780E series) models: the AT+UARTUPGRADE builds of
	// the local scenarios (TACs and hardware versions invented).
	"Air780EG":  {Name: "Air780EG", Token: "780EG", Variant: "LTE_AT", Base: 1161, Target: 1162, FOTAArea: fotaKB, tac: "86230107", hwver: "A13"},
	"Air780EX":  {Name: "Air780EX", Token: "780EX", Variant: "LTE_AT", Base: 1161, Target: 1162, FOTAArea: fotaKB, tac: "86230108", hwver: "A13"},
	"Air700E":   {Name: "Air700E", Token: "700E", Variant: "LTE_AT", Base: 1161, Target: 1162, FOTAArea: fotaKB, tac: "86230109", hwver: "A11"},
	"Air780EPS": {Name: "Air780EPS", Token: "780EPS", Variant: "LTE_AT", Base: 1006, Target: 1007, FOTAArea: fotaKB, tac: "86446807", hwver: "A10"},
	"Air780EPA": {Name: "Air780EPA", Token: "780EPA", Variant: "LTE_AT", Base: 1006, Target: 1007, FOTAArea: fotaKB, tac: "86446808", hwver: "A10"},
	"Air780ET":  {Name: "Air780ET", Token: "780ET", Variant: "LTE_AT_IPC", Base: 1015, Target: 1016, FOTAArea: fotaKB, Only100: true, tac: "86881206", hwver: "A10"},
	"Air780EQ":  {Name: "Air780EQ", Token: "780EQ", Variant: "LTE_AT", Base: 2013, Target: 2014, FOTAArea: fotaKB, tac: "86881207", hwver: "A12"},
	"Air700ECQ": {Name: "Air700ECQ", Token: "700ECQ", Variant: "LTE_AT", Base: 2013, Target: 2014, FOTAArea: fotaKB, tac: "86881208", hwver: "A10"},
}

// ModelNamed returns the model called name (e.g. "Air780EP", "Air780E_LSAT").
func ModelNamed(name string) (Model, bool) {
	m, ok := models[name]
	return m, ok
}

// luhn returns the Luhn check digit of the decimal string s.
func luhn(s string) byte {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 { // doubled: rightmost digit of the payload
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// luhnValid reports whether s (with its check digit last) passes Luhn.
func luhnValid(s string) bool {
	return len(s) > 1 && luhn(s[:len(s)-1]) == s[len(s)-1]
}

// mix scrambles seed for one use (splitmix64), so that small seeds still
// give realistic-looking numbers.
func mix(seed, use uint64) uint64 {
	z := seed + use*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// makeIMEI returns the IMEI of module i: the model's TAC, a serial number
// unique within the fleet (derived from seed), and the Luhn digit.
func makeIMEI(tac string, seed uint64, i int) string {
	serial := (mix(seed, 1)%1_000_000 + uint64(i)*7919) % 1_000_000 // 7919 is prime: unique for i < 1e6
	s := tac + fmt.Sprintf("%06d", serial)
	return s + string(luhn(s))
}

// makeICCID returns a 20-digit China Mobile style ICCID for module i.
func makeICCID(seed uint64, i int) string {
	n := (mix(seed, 2)%10_000_000_000_000 + uint64(i)*104729) % 10_000_000_000_000
	s := "898604" + fmt.Sprintf("%013d", n)
	return s + string(luhn(s))
}

// makeIMSI returns a 15-digit IMSI for module i.
func makeIMSI(seed uint64, i int) string {
	n := (mix(seed, 3)%10_000_000_000 + uint64(i)*7907) % 10_000_000_000
	return "46004" + fmt.Sprintf("%010d", n)
}

// slotName returns the USB physical path of module i: four modules per hub
// on seven hub ports of bus 1 (1-1.1.1 … 1-1.7.4), then two levels of
// four-port hubs on further buses.
func slotName(i int) string {
	if i < 28 {
		return "1-1." + strconv.Itoa(i/4+1) + "." + strconv.Itoa(i%4+1)
	}
	j := i - 28
	bus := 2 + j/112
	k := j % 112
	return fmt.Sprintf("%d-1.%d.%d.%d", bus, k/16+1, (k/4)%4+1, k%4+1)
}

// projectKey returns a 32-character key of letters and digits derived from
// seed and tag, shaped like the platform's ProductKeys.
func projectKey(seed uint64, tag string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var h uint64 = 14695981039346656037
	for _, c := range []byte(tag) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	g := newRNG(seed, h)
	b := make([]byte, 32)
	for i := range b {
		b[i] = alphabet[g.intn(len(alphabet))]
	}
	return string(b)
}
