package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// upgrade sends AT+UPGRADE and returns the +UPGRADEIND values up to the
// first negative one or 100.
func upgrade(c *tconn) []string {
	c.t.Helper()
	if _, final := c.answer("AT+UPGRADE"); final != "OK" {
		c.t.Fatalf("AT+UPGRADE: %s", final)
	}
	var inds []string
	for {
		l, _ := c.waitFor("+UPGRADEIND", func(l string) bool { return strings.HasPrefix(l, "+UPGRADEIND: ") })
		v := strings.TrimPrefix(l, "+UPGRADEIND: ")
		inds = append(inds, v)
		if v == "100" || strings.HasPrefix(v, "-") {
			return inds
		}
	}
}

func TestStateFormats(t *testing.T) {
	formats := []StateFormat{StatePlain, StateBracketed, StateNoSpace, StateEmpty, StateTrailing}
	roles := []string{"wrong-key", "wrong-key", "wrong-key", "wrong-key", "wrong-key", "no-network", "no-network", "too-big"}
	f := startFleet(t, Config{Modules: len(roles), NoQuirks: true, Roles: roles, Scenario: "code-25",
		Tweak: func(i int, s *ModuleSpec) {
			s.Quirks.State = formats[i%len(formats)]
			if i == 5 {
				s.Quirks.State = StateTrailing
			}
			if i == 6 {
				s.Quirks.State = StateEmpty
			}
		}})
	want := []string{
		"+UPGRADE: 2,-1004,400,25",
		"+UPGRADE: 2, [-1004, 400, 25]",
		"+UPGRADE:2,-1004,400,25",
		"+UPGRADE: 2,-1004,,25",
		"+UPGRADE: 2,-1004,400,25",
		"+UPGRADE: 2,-1001",
		"+UPGRADE: 2,-1001,,",
		"+UPGRADE:2,-1003,200,0",
	}
	for i, m := range f.Modules() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			c := dialAT(t, m)
			if i < 5 || i == 7 {
				c.waitRegistered()
			}
			inds := upgrade(c)
			if i == 7 && !slices.Equal(inds, []string{"10", "20", "30", "40", "50", "60", "70", "80", "90", "100"}) {
				t.Errorf("progress %q", inds)
			}
			if i == 7 {
				c.waitLine("+UPGRADEIND: -1003") // after 100 %: too big
			}
			lines, _ := c.answer("AT+UPGRADE?")
			if !slices.Equal(lines, []string{want[i]}) {
				t.Errorf("AT+UPGRADE? = %q, want %q", lines, want[i])
			}
		})
	}
}

func TestTagFormatsAndNVPersistence(t *testing.T) {
	tags := []TagFormat{TagQuoted, TagQuotedSpace, TagBare, TagValueQuoted}
	f := startFleet(t, Config{Modules: 4, NoQuirks: true, Tweak: func(i int, s *ModuleSpec) {
		s.Quirks.Tag = tags[i]
	}})
	wantKey := []string{`+UPGRADE:"KEY","Key1"`, `+UPGRADE: "KEY","Key1"`, `+UPGRADE: KEY,Key1`, `+UPGRADE:KEY,"Key1"`}
	wantPeriod := []string{`+UPGRADE:"PERIOD",86400`, `+UPGRADE: "PERIOD",86400`, `+UPGRADE: PERIOD,86400`, `+UPGRADE:PERIOD,86400`}
	for i, m := range f.Modules() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			c := dialAT(t, m)
			for _, cmd := range []string{`AT+UPGRADE="AUTO",0`, `AT+UPGRADE="KEY",Key1`, `AT+UPGRADE="URL","http://127.0.0.1:1/x.bin"`,
				`AT+UPGRADE="PERIOD",600,1`, `AT+UPGRADE="AUTO",1,1`} {
				if _, final := c.answer(cmd); final != "OK" {
					t.Fatalf("%s: %s", cmd, final)
				}
			}
			if lines, _ := c.answer(`AT+UPGRADE="PERIOD"`); !strings.HasSuffix(lines[0], ",600") {
				t.Errorf("PERIOD before reboot = %q", lines)
			}
			old := linkTarget(m, IF06)
			c.cmd("AT+RESET")
			c.waitClosed()
			waitUntil(t, "new if06", func() bool { l := linkTarget(m, IF06); return l != "" && l != old })
			c = dialAT(t, m)
			c.waitLine("RDY")
			if lines, _ := c.answer(`AT+UPGRADE="KEY"`); !slices.Equal(lines, []string{wantKey[i]}) {
				t.Errorf("KEY after reboot = %q, want %q", lines, wantKey[i])
			}
			if lines, _ := c.answer(`AT+UPGRADE="PERIOD"`); !slices.Equal(lines, []string{wantPeriod[i]}) {
				t.Errorf("PERIOD (savetoNV=1) after reboot = %q, want %q", lines, wantPeriod[i])
			}
			if lines, _ := c.answer(`AT+UPGRADE="AUTO"`); len(lines) != 1 || !strings.HasSuffix(lines[0], ",0") {
				t.Errorf("AUTO (saved 0, then 1 unsaved) after reboot = %q", lines)
			}
			if lines, _ := c.answer(`AT+UPGRADE="URL"`); len(lines) != 1 || !strings.Contains(lines[0], "http://127.0.0.1:1/x.bin") {
				t.Errorf("URL after reboot = %q", lines)
			}
			if key, url, period, auto := m.NV(); key != "Key1" || url == "" || period != 86400 || auto {
				t.Errorf("NV = %q %q %d %v", key, url, period, auto)
			}
		})
	}
}

func TestClearWithEmptyIsAQuirk(t *testing.T) {
	f := startFleet(t, Config{Modules: 2, NoQuirks: true, Tweak: func(i int, s *ModuleSpec) {
		s.Quirks.ClearWithEmpty = i == 1
		s.Auto = false
	}})
	for i, m := range f.Modules() {
		c := dialAT(t, m)
		c.answer(`AT+UPGRADE="URL","http://127.0.0.1:1/a"`)
		_, final := c.answer(`AT+UPGRADE="URL",""`)
		if want := map[int]string{0: "+CME ERROR: 1000", 1: "OK"}[i]; final != want {
			t.Errorf("module %d: clearing URL: %s, want %s", i, final, want)
		}
	}
}

// TestHappyUpgrade runs one upgrade through the platform's default project:
// progress, the ports vanish, come back on new ptys, the version changed,
// and the module asks the platform once more on its own (code 27).
func TestHappyUpgrade(t *testing.T) {
	f := startFleet(t, Config{Modules: 2, NoQuirks: true, Tweak: func(i int, s *ModuleSpec) {
		s.Quirks.PostRebootIND = true
	}})
	m := f.Modules()[1]
	old := m.Ports()
	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0,1`)
	c.waitRegistered()
	if inds := upgrade(c); !slices.Equal(inds, []string{"10", "20", "30", "40", "50", "60", "70", "80", "90", "100"}) {
		t.Fatalf("progress %q", inds)
	}
	c.waitClosed()
	waitUntil(t, "links gone", func() bool { return linkTarget(m, IF02) == "" && linkTarget(m, IF06) == "" })
	waitUntil(t, "links back", func() bool { return linkTarget(m, IF06) != "" })
	now := m.Ports()
	for _, iface := range m.Interfaces() {
		if now[iface] == old[iface] || linkTarget(m, iface) != now[iface] {
			t.Errorf("%s: %s before, %s after, link %s: want a new pty", iface, old[iface], now[iface], linkTarget(m, iface))
		}
	}
	c = dialAT(t, m)
	for _, l := range []string{"RDY", "^MODE: 17,17", "+E_UTRAN Service", "+CGEV: ME PDN ACT 1"} {
		c.waitLine(l)
	}
	c.waitFor("+NITZ", func(l string) bool { return strings.HasPrefix(l, "+NITZ: ") && strings.HasSuffix(l, "+32,0") })
	if lines, _ := c.answer("ATI"); !slices.Equal(lines, []string{"AirM2M_780EP_V1007_LTE_AT"}) {
		t.Errorf("ATI after upgrade = %q", lines)
	}
	c.waitLine("+UPGRADEIND: -1004") // the automatic request after the reboot
	if lines, _ := c.answer("AT+UPGRADE?"); !slices.Equal(lines, []string{"+UPGRADE: 2,-1004,400,27"}) {
		t.Errorf("state after the post-reboot request = %q", lines)
	}
	if n := f.Platform().Requests(m.IMEI()); n != 2 {
		t.Errorf("platform counted %d requests, want 2 (upgrade + post-reboot)", n)
	}
	waitUntil(t, "fleet.json shows 1007", func() bool {
		ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
		return err == nil && ff.Modules[1].Core == 1007 && ff.Modules[1].Online && ff.Modules[0].Core == 1006
	})
}

func TestCode43ThenSuccess(t *testing.T) {
	f := startFleet(t, Config{Scenario: "mixed", Modules: 8, NoQuirks: true, GenerateDelay: 1,
		Roles: slices.Repeat([]string{"ok"}, 8), Models: slices.Repeat([]string{"Air780EP"}, 8)})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.waitRegistered()
	if inds := upgrade(c); !slices.Equal(inds, []string{"-1003"}) {
		t.Fatalf("first request: %q, want -1003 (code 43)", inds)
	}
	if lines, _ := c.answer("AT+UPGRADE?"); !slices.Equal(lines, []string{"+UPGRADE: 2,-1003,400,43"}) {
		t.Errorf("state = %q", lines)
	}
	if inds := upgrade(c); inds[len(inds)-1] != "100" {
		t.Fatalf("second request: %q, want progress to 100", inds)
	}
	c.waitClosed()
	waitUntil(t, "upgraded", func() bool { return m.Version() == 1007 && m.Online() })
}

func TestTooBigNoReboot(t *testing.T) {
	f := startFleet(t, Config{Scenario: "too-big", Modules: 1, NoQuirks: true, Models: []string{"Air780E"}})
	m := f.Modules()[0]
	if m.Version() != 1138 {
		t.Fatalf("too-big Air780E runs %d, want 1138 (transcript e)", m.Version())
	}
	link := linkTarget(m, IF06)
	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.waitRegistered()
	if inds := upgrade(c); inds[len(inds)-1] != "100" {
		t.Fatalf("progress %q", inds)
	}
	c.waitLine("+UPGRADEIND: -1003")
	if lines, final := c.answer("ATI"); final != "OK" || !slices.Equal(lines, []string{"AirM2M_780E_V1138_LTE_AT"}) {
		t.Errorf("ATI after too big = %q %s", lines, final)
	}
	if linkTarget(m, IF06) != link || m.Version() != 1138 {
		t.Error("the module rebooted after a too-big delta")
	}
}

func TestFailedApplyComesBackOld(t *testing.T) {
	f := startFleet(t, Config{Scenario: "failed-apply", Modules: 1, NoQuirks: true})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.waitRegistered()
	upgrade(c)
	c.waitClosed()
	waitUntil(t, "back", func() bool { return linkTarget(m, IF06) != "" })
	c = dialAT(t, m)
	if lines, _ := c.answer("ATI"); !slices.Equal(lines, []string{"AirM2M_780EP_V1006_LTE_AT"}) {
		t.Errorf("ATI after a failed apply = %q", lines)
	}
	if e := m.Expect(); e.Result != ResultFailed || e.Reason != "apply" {
		t.Errorf("expect %+v", e)
	}
}

// TestAutoPeriodSurprise: AUTO is 1 by default; setting PERIOD brings a
// download 2–30 s later with no AT+UPGRADE (transcript c).
func TestAutoPeriodSurprise(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.waitRegistered()
	c.answer(`AT+UPGRADE="AUTO",1`)
	c.answer(`AT+UPGRADE="PERIOD",60`)
	for pct := 10; pct <= 100; pct += 10 {
		c.waitLine(fmt.Sprintf("+UPGRADEIND: %d", pct))
	}
	c.waitClosed()
	waitUntil(t, "upgraded by itself", func() bool { return m.Version() == 1007 && m.Online() })
}

func TestAutoOffMeansNoSurprise(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true, Speed: 1000})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.waitRegistered()
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.answer(`AT+UPGRADE="PERIOD",60`)
	c.answer(fmt.Sprintf(`AT+UPGRADE="URL","%s"`, f.Platform().BaseURL()+"/download/none.bin"))
	// 100 s of simulated time: far beyond the 2–30 s surprise window. The
	// platform's log is the event: it must stay empty.
	c.send("AT")
	if !f.clock.sleep(t.Context(), 100e9) {
		t.Fatal("context ended")
	}
	if n := len(f.Platform().Log()); n != 0 {
		t.Errorf("AUTO=0 module asked the server %d times", n)
	}
}

func TestURLMode(t *testing.T) {
	f := startFleet(t, Config{Scenario: "url", Modules: 2, NoQuirks: true, Tweak: func(i int, s *ModuleSpec) {
		s.Quirks.URLQuery = i == 1
	}})
	b, err := os.ReadFile(filepath.Join(f.Dir(), "platform.json"))
	if err != nil {
		t.Fatal(err)
	}
	var desc struct {
		Files map[string]string `json:"files"`
	}
	if err := json.Unmarshal(b, &desc); err != nil || len(desc.Files) != 1 {
		t.Fatalf("platform.json files: %v %v", desc.Files, err)
	}
	var url string
	for _, u := range desc.Files {
		url = u
	}
	for _, m := range f.Modules() {
		c := dialAT(t, m)
		c.answer(`AT+UPGRADE="AUTO",0`)
		c.answer(fmt.Sprintf(`AT+UPGRADE="URL","%s",1`, url))
		c.waitRegistered()
		if inds := upgrade(c); inds[len(inds)-1] != "100" {
			t.Fatalf("progress %q", inds)
		}
		c.waitClosed()
	}
	for _, m := range f.Modules() {
		waitUntil(t, "upgraded", func() bool { return m.Version() == 1007 && m.Online() })
		if _, u, _, _ := m.NV(); u != "" {
			t.Errorf("URL set with savetoNV=1 reached NV: %q", u)
		}
	}
	queried := 0
	for _, r := range f.Platform().Log() {
		if strings.HasPrefix(r.Path, "/download/") && strings.Contains(r.RawQuery, "imei=") {
			queried++
		}
	}
	if queried != 1 {
		t.Errorf("%d URL-mode requests carried the query parameters, want 1 (the URLQuery module)", queried)
	}
}

func TestMissingFileIs1004(t *testing.T) {
	f := startFleet(t, Config{Scenario: "err-1004", Modules: 1, NoQuirks: true})
	ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil || ff.Mode != ModeURL || ff.Modules[0].Expect != (Expect{Result: ResultHeld, Reason: "404"}) {
		t.Fatalf("fleet.json: %+v %v", ff, err)
	}
	desc := f.Platform().Describe()
	if len(desc.Files) != 0 {
		t.Fatalf("the file should be gone from the server: %v", desc.Files)
	}
	b, _ := os.ReadFile(filepath.Join(f.Dir(), "platform.json"))
	var listed struct{ Files map[string]string }
	json.Unmarshal(b, &listed)
	var url string
	for _, u := range listed.Files {
		url = u
	}
	if url == "" {
		t.Fatal("platform.json lists no file")
	}
	c := dialAT(t, f.Modules()[0])
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.answer(fmt.Sprintf(`AT+UPGRADE="URL","%s"`, url))
	c.waitRegistered()
	if inds := upgrade(c); !slices.Equal(inds, []string{"-1004"}) {
		t.Fatalf("got %q", inds)
	}
	if lines, _ := c.answer("AT+UPGRADE?"); !slices.Equal(lines, []string{"+UPGRADE: 2,-1004,404,0"}) {
		t.Errorf("state %q", lines)
	}
}
