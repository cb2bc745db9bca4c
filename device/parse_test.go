package device

import (
	"strings"
	"testing"
)

func TestParseFirmware(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want Firmware
	}{
		{"AirM2M_780EP_V1007_LTE_AT", true, Firmware{"AirM2M_780EP_V1007_LTE_AT", "780EP", 1007, "LTE_AT", "AirM2M_780EP_LTE_AT"}},
		{`+CGMR: "AirM2M_780ET_V1016_LTE_AT_IPC"`, true, Firmware{"AirM2M_780ET_V1016_LTE_AT_IPC", "780ET", 1016, "LTE_AT_IPC", "AirM2M_780ET_LTE_AT_IPC"}},
		{"AirM2M_780E_V1183_LTE_LSAT", true, Firmware{"AirM2M_780E_V1183_LTE_LSAT", "780E", 1183, "LTE_LSAT", "AirM2M_780E_LTE_LSAT"}},
		{"AirM2M_201_V2014_LTE_AT", true, Firmware{"AirM2M_201_V2014_LTE_AT", "201", 2014, "LTE_AT", "AirM2M_201_LTE_AT"}},
		{"EigenComm", false, Firmware{}},
		{"AirM2M_780EP_LTE_AT", false, Firmware{}},
		{"", false, Firmware{}},
	}
	for _, c := range cases {
		got, ok := ParseFirmware(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseFirmware(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	fw, ok := lastFirmware([]string{"EigenComm", "Air780EP", "Manufacturer: AirM2M", "OPENLUAT", "AirM2M_780EP_V1006_LTE_AT"})
	if !ok || fw.Core != 1006 {
		t.Errorf("lastFirmware: %+v %v", fw, ok)
	}
}

func TestParseUpgradeState(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want UpgradeState
	}{
		{"+UPGRADE: 0", true, UpgradeState{}},
		{"+UPGRADE:0", true, UpgradeState{}},
		{"+UPGRADE: 1,40", true, UpgradeState{State: 1, Percent: 40}},
		{"+UPGRADE: 1, 100", true, UpgradeState{State: 1, Percent: 100}},
		{"+UPGRADE: 2,-1004,400,27", true, UpgradeState{2, 0, -1004, 400, 27}},
		{"+UPGRADE:2,-1004,400,27", true, UpgradeState{2, 0, -1004, 400, 27}},
		{"+UPGRADE: 2, [-1004, 400, 27]", true, UpgradeState{2, 0, -1004, 400, 27}},
		{"+UPGRADE: 2,[-1003,200,43]", true, UpgradeState{2, 0, -1003, 200, 43}},
		{"+UPGRADE: 2,-1003,,43", true, UpgradeState{2, 0, -1003, 0, 43}},
		{"+UPGRADE: 2,-1002", true, UpgradeState{2, 0, -1002, 0, 0}},
		{"+UPGRADE: 2", true, UpgradeState{State: 2}},
		{`+UPGRADE: 2,"-1004","404","0"`, true, UpgradeState{2, 0, -1004, 404, 0}},
		{"+UPGRADE: 3", false, UpgradeState{}},
		{"+UPGRADE: 1,101", false, UpgradeState{}},
		{"+UPGRADE: x", false, UpgradeState{}},
		{"+UPGRADE: ", false, UpgradeState{}},
		{"+UPGRADE: 2,-1004,400,27,9", false, UpgradeState{}},
		{`+UPGRADE:"KEY","abc"`, false, UpgradeState{}},
		{"+UPGRADEIND: 10", false, UpgradeState{}},
	}
	for _, c := range cases {
		got, ok := ParseUpgradeState(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseUpgradeState(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseTagLine(t *testing.T) {
	cases := []struct{ in, tag, val string }{
		{`+UPGRADE:"KEY","EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"`, "KEY", "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"},
		{`+UPGRADE: KEY,abc`, "KEY", "abc"},
		{`+UPGRADE: "URL", "http://h:2900/x.bin?a=1,b=2"`, "URL", "http://h:2900/x.bin?a=1,b=2"},
		{`+UPGRADE:AUTO,0`, "AUTO", "0"},
		{`+UPGRADE: "PERIOD",86400`, "PERIOD", "86400"},
		{`+UPGRADE: "KEY",""`, "KEY", ""},
	}
	for _, c := range cases {
		tag, val, ok := ParseTagLine(c.in)
		if !ok || tag != c.tag || val != c.val {
			t.Errorf("ParseTagLine(%q) = %q, %q, %v", c.in, tag, val, ok)
		}
	}
	for _, bad := range []string{"+UPGRADE: 2,-1004,400,27", "+UPGRADE: 0", "+CGSN: 1", "+UPGRADE:KEY"} {
		if _, _, ok := ParseTagLine(bad); ok {
			t.Errorf("ParseTagLine(%q) accepted", bad)
		}
	}
}

func TestParseUpgradeInd(t *testing.T) {
	for in, want := range map[string]int{"+UPGRADEIND: 10": 10, "+UPGRADEIND:100": 100, "+UPGRADEIND: -1003": -1003, " +UPGRADEIND: 0 ": 0} {
		if got, ok := ParseUpgradeInd(in); !ok || got != want {
			t.Errorf("ParseUpgradeInd(%q) = %d, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"+UPGRADEIND: x", "+UPGRADEIND: 101", "+UPGRADEDL: 10", "+UPGRADEIND:"} {
		if _, ok := ParseUpgradeInd(bad); ok {
			t.Errorf("ParseUpgradeInd(%q) accepted", bad)
		}
	}
}

func TestClassifyURC(t *testing.T) {
	cases := map[string]URCKind{
		"+UPGRADEIND: 10":                 URCUpgradeInd,
		"+UPGRADEDL: 5":                   URCUpgradeDL,
		"+UPGRADEVER: x":                  URCUpgradeVer,
		"RDY":                             URCBoot,
		"^MODE: 17,17":                    URCBoot,
		"+E_UTRAN Service":                URCBoot,
		"+CGEV: ME PDN ACT 1,0":           URCBoot,
		"+NITZ: 2024/07/17,11:26:40+32,0": URCBoot,
		`+QIND: "FOTA","END",0`:           URCBootloader,
		"^boot.rom'v'!":                   URCBootloader,
		"+CSQ: 1,1":                       URCOther,
	}
	for in, want := range cases {
		if got := ClassifyURC(in); got != want {
			t.Errorf("ClassifyURC(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSmallParsers(t *testing.T) {
	if r, ok := parseReg([]string{"+CREG: 0,5"}, "CREG"); !ok || !r.Registered() || r.Stat != 5 {
		t.Errorf("CREG 0,5: %+v %v", r, ok)
	}
	if r, ok := parseReg([]string{"+CEREG: 2,2,\"1A2B\",\"01C3D4E5\",7"}, "CEREG"); !ok || r.Registered() {
		t.Errorf("CEREG searching: %+v %v", r, ok)
	}
	if s, ok := parseCSQ([]string{"+CSQ: 24,99"}); !ok || s.RSSI != 24 || s.DBm() != -65 {
		t.Errorf("CSQ: %+v %v", s, ok)
	}
	if c := parseCPIN([]string{"+CPIN: READY"}); !c.Ready {
		t.Errorf("CPIN READY: %+v", c)
	}
	if c := parseCPIN([]string{"+CPIN: SIM PIN"}); c.Ready || c.State != "SIM PIN" {
		t.Errorf("CPIN SIM PIN: %+v", c)
	}
	if id := parseICCID([]string{"+ICCID: 89860412345678901234"}); id != "89860412345678901234" {
		t.Errorf("ICCID: %q", id)
	}
	if m := parseCGMM([]string{`+CGMM: "Air780EP"`}); m != "Air780EP" {
		t.Errorf("CGMM: %q", m)
	}
}

func TestValidateKey(t *testing.T) {
	if err := ValidateKey("EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "abc\"", "abc\r", "ab\ncd", "a b", "abc;AT+RESET", "k\x00", strings.Repeat("a", 65), "ключ"} {
		err := ValidateKey(bad)
		if err == nil {
			t.Errorf("ValidateKey(%q) accepted", bad)
			continue
		}
		if len(bad) > 8 && strings.Contains(err.Error(), bad) {
			t.Errorf("ValidateKey error prints the whole key: %v", err)
		}
	}
}

func TestValidateURL(t *testing.T) {
	for _, ok := range []string{"http://airtest.openluat.com:2900/download/dfota_final_AirM2M_AirM2M_V1007.bin", "https://h/x?a=1&b=2"} {
		if err := ValidateURL(ok); err != nil {
			t.Errorf("ValidateURL(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ftp://h/x", "http://h/x\"", "http://h/x\r\nAT+RESET", "http://h/a b", "http:///x", "h/x", "http://h/\x7f", "http://h/" + strings.Repeat("a", 300)} {
		if err := ValidateURL(bad); err == nil {
			t.Errorf("ValidateURL(%q) accepted", bad)
		}
	}
}

// A key the batch was given is masked wherever it stands, even where no
// KEY tag announces it.
func TestRedactKnownKey(t *testing.T) {
	const key = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"
	for _, in := range []string{
		"\xa7" + key, key + key, "noise " + key + " noise", `AT+UPGRADE="KEY","` + key + `"` + key,
	} {
		if got := RedactKey(in, key); strings.Contains(got, key) || !strings.Contains(got, "…hl0o") {
			t.Errorf("RedactKey(%q, key) = %q", in, got)
		}
	}
	if got := RedactKey("+CSQ: 24,99", "24"); got != "+CSQ: 24,99" {
		t.Errorf("a very short known key garbled a line: %q", got)
	}
}

func TestRedactKey(t *testing.T) {
	const key = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"
	cases := map[string]string{
		`AT+UPGRADE="KEY","` + key + `"`:   `AT+UPGRADE="KEY","…hl0o"`,
		`AT+UPGRADE="KEY",` + key:          `AT+UPGRADE="KEY","…hl0o"`,
		`AT+UPGRADE="KEY","` + key + `",1`: `AT+UPGRADE="KEY","…hl0o",1`,
		`+UPGRADE: "KEY","` + key + `"`:    `+UPGRADE: "KEY","…hl0o"`,
		`+UPGRADE:KEY,` + key:              `+UPGRADE:KEY,"…hl0o"`,
		`AT+UPGRADE="KEY"`:                 `AT+UPGRADE="KEY"`,
		`+UPGRADE: "KEY",""`:               `+UPGRADE: "KEY",""`,
		`+UPGRADE: "URL","http://h/x"`:     `+UPGRADE: "URL","http://h/x"`,
		`+UPGRADE: 2,-1004,400,25`:         `+UPGRADE: 2,-1004,400,25`,
		// Noise before the echo (the garbage scenario) and lower case.
		"\xa7\xd5AT+UPGRADE=\"KEY\",\"" + key + `"`: "\xa7\xd5AT+UPGRADE=\"KEY\",\"…hl0o\"",
		`at+upgrade="key","` + key + `"`:            `at+upgrade="key","…hl0o"`,
		"\x00+UPGRADE: KEY," + key:                  "\x00+UPGRADE: KEY,\"…hl0o\"",
	}
	for in, want := range cases {
		if got := RedactKey(in); got != want {
			t.Errorf("RedactKey(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(RedactKey(in), key) {
			t.Errorf("RedactKey(%q) keeps the key", in)
		}
	}
}

// A URL's password never reaches an error message.
func TestValidateURLNeverShowsThePassword(t *testing.T) {
	for _, bad := range []string{"http://user:secretpw@h/a b", "ftp://user:secretpw@h/x", "http://user:secretpw@/x", "http://user:se@cretpw@h/\"x"} {
		err := ValidateURL(bad)
		if err == nil {
			t.Fatalf("ValidateURL(%q) accepted", bad)
		}
		if strings.Contains(err.Error(), "secretpw") || strings.Contains(err.Error(), "cretpw") {
			t.Errorf("ValidateURL(%q): %v", bad, err)
		}
	}
}
