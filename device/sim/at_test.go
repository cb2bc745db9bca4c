package sim

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestIdentityAnswers(t *testing.T) {
	f := startFleet(t, Config{Modules: 2, NoQuirks: true, Seed: 7})
	m := f.Modules()[0]
	c := dialAT(t, m)

	noURC := func(lines []string) []string {
		return slices.DeleteFunc(lines, isURC)
	}
	if got := noURC(c.cmd("ATI")); !slices.Equal(got, []string{"ATI", "AirM2M_780EP_V1006_LTE_AT", "OK"}) {
		t.Errorf("ATI = %q", got)
	}
	if got := noURC(c.cmd("ATE0")); !slices.Equal(got, []string{"ATE0", "OK"}) {
		t.Errorf("ATE0 = %q", got)
	}
	if got := noURC(c.cmd("AT")); !slices.Equal(got, []string{"OK"}) {
		t.Errorf("AT after ATE0 = %q (echo must be off)", got)
	}
	tests := []struct {
		cmd  string
		want []string
	}{
		{"AT+CGMR", []string{`+CGMR: "AirM2M_780EP_V1006_LTE_AT"`}},
		{"AT+CGMM", []string{`+CGMM: "Air780EP"`}},
		{"AT+CGMI", []string{`+CGMI: "AirM2M"`}},
		{"AT+CGSN", []string{m.IMEI()}},
		{"at+cgsn", []string{m.IMEI()}},
		{"AT+ICCID", []string{"+ICCID: " + m.ICCID()}},
		{"AT+CPIN?", []string{"+CPIN: READY"}},
		{"AT+UPGRADE?", []string{"+UPGRADE: 0"}},
		{`AT+UPGRADE="PERIOD"`, []string{`+UPGRADE:"PERIOD",86400`}},
		{`AT+UPGRADE="AUTO"`, []string{`+UPGRADE:"AUTO",1`}},
		{`AT+UPGRADE="KEY"`, []string{`+UPGRADE:"KEY",""`}},
	}
	for _, tt := range tests {
		lines, final := c.answer(tt.cmd)
		if final != "OK" || !slices.Equal(lines, tt.want) {
			t.Errorf("%s = %q %s, want %q OK", tt.cmd, lines, final, tt.want)
		}
	}
	if !regexp.MustCompile(`^\d{15}$`).MatchString(m.IMEI()) || !luhnValid(m.IMEI()) {
		t.Errorf("IMEI %s: want 15 digits with a valid Luhn digit", m.IMEI())
	}
	if !regexp.MustCompile(`^\d{20}$`).MatchString(m.ICCID()) {
		t.Errorf("ICCID %s: want 20 digits", m.ICCID())
	}
	lines, _ := c.answer("AT*I")
	for _, p := range []string{"Manufacturer: AirM2M", "Model: Air780EP", "Revision: AirM2M_780EP_V1006_LTE_AT", "HWver:", "Buildtime:", "IMEI: " + m.IMEI(), "ICCID: " + m.ICCID(), "IMSI: 460"} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, p) }) {
			t.Errorf("AT*I lacks %q: %q", p, lines)
		}
	}
	for _, bad := range []string{"AT+FOO", "AT+UPGRADE=\"NOPE\",1", `AT+UPGRADE="PERIOD",59`, `AT+UPGRADE="AUTO",2`, `AT+UPGRADE="AUTO",1,7`, `AT+UPGRADE="KEY",a-b`} {
		if _, final := c.answer(bad); final != "ERROR" {
			t.Errorf("%s: final %s, want ERROR", bad, final)
		}
	}
	if _, final := c.answer(`AT+UPGRADE="URL","ftp://x/y"`); final != "+CME ERROR: 1000" {
		t.Errorf("bad URL: final %s, want +CME ERROR: 1000", final)
	}
	c.waitRegistered()
	if lines, _ := c.answer("AT+CSQ"); len(lines) != 1 || !regexp.MustCompile(`^\+CSQ: \d+,99$`).MatchString(lines[0]) {
		t.Errorf("AT+CSQ = %q", lines)
	}
	if lines, _ := c.answer("AT+CEREG?"); !slices.Equal(lines, []string{"+CEREG: 0,1"}) {
		t.Errorf("AT+CEREG? = %q", lines)
	}
}

func TestEchoIsTheCommandAsTyped(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true})
	c := dialAT(t, f.Modules()[0])
	c.send(`at+upgrade="key",Ab12`) // CR
	c.waitLine(`at+upgrade="key",Ab12`)
	c.waitLine("OK")
	// LF alone ends a command too; an LF after CR is ignored.
	if _, err := c.f.Write([]byte("AT\nAT\r\n")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c.waitLine("AT")
		c.waitLine("OK")
	}
	if lines, _ := c.answer(`AT+UPGRADE="KEY"`); !slices.Equal(lines, []string{`+UPGRADE:"KEY","Ab12"`}) {
		t.Errorf("key read back as %q", lines)
	}
}

func TestIMEIsUniqueAndStable(t *testing.T) {
	seen := map[string]bool{}
	for i := range 300 {
		imei := makeIMEI(models["Air780EP"].tac, 42, i)
		if seen[imei] || !luhnValid(imei) || len(imei) != 15 {
			t.Fatalf("module %d: IMEI %s duplicate or invalid", i, imei)
		}
		seen[imei] = true
		if s := slotName(i); s == "" || seen["slot"+s] {
			t.Fatalf("slot %q of module %d is not unique", s, i)
		}
		seen["slot"+slotName(i)] = true
	}
	if !luhnValid("490154203237518") { // a published example IMEI
		t.Fatal("luhn check is wrong")
	}
}
