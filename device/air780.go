package device

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Info describes one module as its AT port reports it.
type Info struct {
	Firmware     Firmware
	Model        string // "Air780EP": from AT+CGMM, else from the firmware string
	Revision     string // AT+CGMR's firmware string, when it answers
	IMEI         string
	ICCID        string // "" when the module does not say
	SIM          SIMState
	Registration Registration
	Signal       Signal
}

// SIMState is what AT+CPIN? said.
type SIMState struct {
	Ready bool
	State string // "READY", "SIM PIN", or the error, e.g. "+CME ERROR: 10"
}

// Registration is the answer of AT+CEREG? (or AT+CREG?).
type Registration struct {
	Stat  int    // 1 home, 5 roaming, 2 searching, 0 not searching, 3 denied; -1 unknown
	Which string // "CEREG" or "CREG"
}

// Registered reports whether the module is on a network (home or roaming):
// FOTA cannot work otherwise.
func (r Registration) Registered() bool { return r.Stat == 1 || r.Stat == 5 }

func (r Registration) String() string {
	switch r.Stat {
	case 1:
		return "registered"
	case 5:
		return "roaming"
	case 2:
		return "searching"
	case 0:
		return "not registered"
	case 3:
		return "denied"
	case -1:
		return "unknown"
	}
	return "stat " + strconv.Itoa(r.Stat)
}

// Signal is AT+CSQ's answer. RSSI 99 means unknown.
type Signal struct {
	RSSI, BER int
}

// DBm converts RSSI to dBm (-113 + 2·rssi), or 0 when unknown.
func (s Signal) DBm() int {
	if s.RSSI < 0 || s.RSSI > 31 {
		return 0
	}
	return -113 + 2*s.RSSI
}

// Identify asks the module who it is and whether it can reach the network.
// ATI and AT+CGSN must answer; the other questions are best effort and leave
// their fields unknown when a build does not know them.
func Identify(ctx context.Context, s *Session) (Info, error) {
	var info Info
	lines, err := s.Command(ctx, "ATI")
	if err != nil {
		return info, fmt.Errorf("identify: %w", err)
	}
	fw, ok := lastFirmware(lines)
	if !ok {
		return info, fmt.Errorf("identify: %s: ATI answered %q, which holds no AirM2M firmware string: is this an Air780-family module with AT firmware?", s.Name(), strings.Join(lines, " | "))
	}
	info.Firmware = fw
	info.Model = ProductModel(fw.Model)
	if info.IMEI, err = IMEI(ctx, s); err != nil {
		return info, fmt.Errorf("identify: %w", err)
	}
	if lines, err := s.Command(ctx, "AT+CGMM", WithPrefix("+CGMM:")); err == nil {
		if m := parseCGMM(lines); m != "" {
			info.Model = m
		}
	} else if isGone(err) {
		return info, fmt.Errorf("identify: %w", err)
	}
	if lines, err := s.Command(ctx, "AT+CGMR", WithPrefix("+CGMR:")); err == nil {
		if rv, ok := lastFirmware(lines); ok {
			info.Revision = rv.Raw
		}
	} else if isGone(err) {
		return info, fmt.Errorf("identify: %w", err)
	}
	if err := status(ctx, s, &info); err != nil {
		return info, fmt.Errorf("identify: %w", err)
	}
	return info, nil
}

// Status refreshes the fields that change while a module sits on the hub:
// ICCID, SIM, registration and signal.
func Status(ctx context.Context, s *Session, info *Info) error { return status(ctx, s, info) }

func status(ctx context.Context, s *Session, info *Info) error {
	if lines, err := s.Command(ctx, "AT+ICCID", WithPrefix("+ICCID:")); err == nil {
		info.ICCID = parseICCID(lines)
	} else if isGone(err) {
		return err
	}
	info.SIM = SIMState{State: "unknown"}
	if lines, err := s.Command(ctx, "AT+CPIN?", WithPrefix("+CPIN:")); err == nil {
		info.SIM = parseCPIN(lines)
	} else if isGone(err) {
		return err
	} else {
		info.SIM = SIMState{State: errorFinal(err)}
	}
	reg, err := registration(ctx, s)
	if err != nil {
		return err
	}
	info.Registration = reg
	info.Signal = Signal{RSSI: 99, BER: 99}
	if lines, err := s.Command(ctx, "AT+CSQ", WithPrefix("+CSQ:")); err == nil {
		if sig, ok := parseCSQ(lines); ok {
			info.Signal = sig
		}
	} else if isGone(err) {
		return err
	}
	return nil
}

// IMEI asks AT+CGSN for the module's 15-digit IMEI.
func IMEI(ctx context.Context, s *Session) (string, error) {
	lines, err := s.Command(ctx, "AT+CGSN", WithPrefix("+CGSN:"))
	if err != nil {
		return "", err
	}
	for _, l := range lines {
		v, _ := afterPrefix(l, "+CGSN:")
		if v == "" {
			v = l
		}
		if v = unquote(v); IsIMEI(v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s: AT+CGSN answered %q, not a 15-digit IMEI", s.Name(), strings.Join(lines, " | "))
}

func registration(ctx context.Context, s *Session) (Registration, error) {
	for _, which := range []string{"CEREG", "CREG"} {
		lines, err := s.Command(ctx, "AT+"+which+"?", WithPrefix("+"+which+":"))
		if isGone(err) {
			return Registration{}, err
		}
		if err != nil {
			continue
		}
		if r, ok := parseReg(lines, which); ok {
			return r, nil
		}
	}
	return Registration{Stat: -1}, nil
}

func isGone(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled)
}

func errorFinal(err error) string {
	var cme *CMEError
	if errors.As(err, &cme) {
		if cme.Code >= 0 {
			return "+CME ERROR: " + strconv.Itoa(cme.Code)
		}
		return "+CME ERROR: " + cme.Text
	}
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.Final
	}
	return err.Error()
}

// IsIMEI reports whether s is an IMEI as modules print it and people type
// it: exactly fifteen digits. The one IMEI check of airfleet.
func IsIMEI(s string) bool { return len(s) == 15 && allDigits(s) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseCGMM(lines []string) string {
	for _, l := range lines {
		if v, ok := afterPrefix(l, "+CGMM:"); ok {
			return unquote(v)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "Air") {
			return l
		}
	}
	return ""
}

func parseICCID(lines []string) string {
	for _, l := range lines {
		v, ok := afterPrefix(l, "+ICCID:")
		if !ok {
			v = l
		}
		v = unquote(v)
		if len(v) >= 18 && len(v) <= 22 && isICCIDChars(v) {
			return v
		}
	}
	return ""
}

func isICCIDChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ParseCPIN reads "+CPIN: READY" and its kin.
func parseCPIN(lines []string) SIMState {
	for _, l := range lines {
		if v, ok := afterPrefix(l, "+CPIN:"); ok {
			v = unquote(v)
			return SIMState{Ready: v == "READY", State: v}
		}
	}
	return SIMState{State: "unknown"}
}

// parseReg reads "+CEREG: <n>,<stat>[,...]" (or the unsolicited form
// "+CEREG: <stat>[,...]" when only one field is numeric and no n is given).
func parseReg(lines []string, which string) (Registration, bool) {
	for _, l := range lines {
		v, ok := afterPrefix(l, "+"+which+":")
		if !ok {
			continue
		}
		f := splitFields(v)
		idx := 1
		if len(f) == 1 {
			idx = 0
		}
		if len(f) <= idx {
			continue
		}
		n, err := strconv.Atoi(f[idx])
		if err != nil {
			continue
		}
		return Registration{Stat: n, Which: which}, true
	}
	return Registration{}, false
}

func parseCSQ(lines []string) (Signal, bool) {
	for _, l := range lines {
		v, ok := afterPrefix(l, "+CSQ:")
		if !ok {
			continue
		}
		f := splitFields(v)
		if len(f) != 2 {
			continue
		}
		r, err1 := strconv.Atoi(f[0])
		b, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		return Signal{RSSI: r, BER: b}, true
	}
	return Signal{}, false
}

// splitFields splits a comma-separated answer, trimming spaces and quotes
// around each field and dropping square brackets.
func splitFields(v string) []string {
	v = strings.NewReplacer("[", "", "]", "").Replace(v)
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = unquote(p)
	}
	return parts
}
