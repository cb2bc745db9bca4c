package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// miniConsole upgrades one module the way the scenario's mode intends and
// reports what a console would conclude. It is deliberately simple (plain
// framing only: fleets here run with NoQuirks).
func miniConsole(t *testing.T, f *Fleet, m *Module) Expect {
	t.Helper()
	if f.Mode() == ModeLocal {
		return miniLocal(t, f, m)
	}
	var url string
	if f.Mode() == ModeURL {
		b, err := os.ReadFile(filepath.Join(f.Dir(), "platform.json"))
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Files map[string]string }
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		url = d.Files[deltaFileName(m.Model().FirmwareName(), m.Version(), m.Info().Target)]
		// Like a careful console: a URL that answers an error is found
		// from the host, and the module is held before it asks.
		resp, err := http.Head(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return Expect{Result: ResultHeld}
		}
	}
	c := dialAT(t, m)
	prepare := func() {
		c.answer(`AT+UPGRADE="AUTO",0,1`)
		if url != "" {
			c.answer(fmt.Sprintf(`AT+UPGRADE="URL","%s",1`, url))
		}
	}
	prepare()
	// Like a careful console: a key left in NV would send a default-project
	// request elsewhere; clear it for the request (RAM only), or hold.
	if url == "" {
		if lines, _ := c.answer(`AT+UPGRADE="KEY"`); len(lines) > 0 && !strings.HasSuffix(strings.TrimSpace(lines[0]), `""`) && !strings.HasSuffix(strings.TrimSpace(lines[0]), ",") {
			if _, final := c.answer(`AT+UPGRADE="KEY","",1`); final != "OK" {
				return Expect{Result: ResultHeld} // the reason is compared apart
			}
		}
	}
	// Like a careful console: no SIM or no network ends it before any request.
	if _, final := c.answer("AT+CPIN?"); final != "OK" {
		return Expect{Result: ResultFailed}
	}
	if !registered(c, f.clock.dur(60*time.Second)) {
		return Expect{Result: ResultFailed}
	}
	start, tries43 := m.Version(), 0
	for attempt := 0; attempt < 4; attempt++ {
		if _, final := c.answer("AT+UPGRADE"); final != "OK" {
			t.Fatalf("AT+UPGRADE: %s", final)
		}
		var l string
		for open := true; open && l != "+UPGRADEIND: 100" && !strings.HasPrefix(l, "+UPGRADEIND: -"); {
			l, open = c.next(waitLong)
			if !open { // unplugged mid-download: wait, then retry
				waitUntil(t, "ports back", func() bool { return linkTarget(m, atIface(m)) != "" })
				c = dialAT(t, m)
				prepare()
				c.waitRegistered()
			}
		}
		if l != "+UPGRADEIND: 100" && !strings.HasPrefix(l, "+UPGRADEIND: -") {
			continue
		}
		if l != "+UPGRADEIND: 100" {
			e, _ := strconv.Atoi(strings.TrimPrefix(l, "+UPGRADEIND: "))
			lines, _ := c.answer("AT+UPGRADE?")
			var st, err, http, code int
			fmt.Sscanf(strings.ReplaceAll(lines[0], ",", " "), "+UPGRADE: %d %d %d %d", &st, &err, &http, &code)
			if err != e {
				t.Fatalf("+UPGRADEIND: %d but %q", e, lines)
			}
			switch {
			case code == 43 && tries43 < 2:
				tries43++
				continue
			case code == 27 && m.Version() == m.Info().Target:
				return Expect{Result: ResultCurrent, To: m.Version(), Code: 27}
			case code != 0:
				return Expect{Result: ResultFailed, Code: code}
			}
			return Expect{Result: ResultFailed, Code: e}
		}
		// 100 %: either -1003 (no reboot) or the ports vanish.
		closed := false
		for !closed {
			l, open := c.next(waitLong)
			if !open {
				closed = true
			} else if l == "+UPGRADEIND: -1003" {
				return Expect{Result: ResultFailed, Code: -1003}
			}
		}
		waitUntil(t, "ports back", func() bool { return linkTarget(m, atIface(m)) != "" })
		c = dialAT(t, m)
		lines, _ := c.answer("ATI")
		v := 0
		if _, err := fmt.Sscanf(strings.ReplaceAll(lines[len(lines)-1], "_", " "), "AirM2M %s V%d", new(string), &v); err != nil {
			t.Fatalf("ATI %q: %v", lines, err)
		}
		if v == start {
			return Expect{Result: ResultFailed}
		}
		return Expect{Result: ResultUpgraded, To: v}
	}
	return Expect{Result: ResultFailed, Code: 43}
}

// registered polls AT+CREG? for at most d.
func registered(c *tconn, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if lines, _ := c.answer("AT+CREG?"); len(lines) == 1 && (lines[0] == "+CREG: 0,1" || lines[0] == "+CREG: 0,5") {
			return true
		}
	}
	return false
}

// TestScenarioOutcomes runs every scenario through miniConsole and compares
// the outcome with fleet.json's expectation (result, version, code).
func TestScenarioOutcomes(t *testing.T) {
	for _, name := range Scenarios() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc, _ := findScenario(name)
			n := max(1, sc.minModules)
			if name == "mixed" || name == "code-27" || name == "local" {
				n = map[string]int{"mixed": 12, "code-27": 2, "local": 8}[name]
			}
			f := startFleet(t, Config{Scenario: name, Modules: n, NoQuirks: true, Seed: 11, GenerateDelay: 1})
			ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range f.Modules() {
				t.Run(m.Role(), func(t *testing.T) {
					t.Parallel()
					got := miniConsole(t, f, m)
					want := ff.Modules[i].Expect
					want.Reason = ""
					if got != want {
						t.Errorf("module %d (%s): console concluded %+v, fleet.json expects %+v", i, m.Role(), got, want)
					}
				})
			}
		})
	}
}

// miniLocal upgrades one module through AT+UARTUPGRADE from the fleet's
// delta map, step by step along a chain, as a careful console would: hold
// a module without the command or without a delta for its base; resend a
// segment once after an error, start again from the erase once after
// anything worse, and then fail with the code; apply only what verify
// called VERIFIED; check the version after the reboot.
func miniLocal(t *testing.T, f *Fleet, m *Module) Expect {
	t.Helper()
	c := dialAT(t, m)
	c.waitLine("RDY")
	if _, final := c.answer("AT+UARTUPGRADE=?"); final != "OK" {
		return Expect{Result: ResultHeld}
	}
	fw, start := m.Model().FirmwareName(), m.Version()
	if mapDelta(t, f, fw, start) == nil {
		return Expect{Result: ResultHeld}
	}
	for {
		v := m.Version()
		file := mapDelta(t, f, fw, v)
		if file == nil {
			return Expect{Result: ResultUpgraded, To: v}
		}
		if e, ok := miniTransfer(t, m, &c, file); !ok {
			return e
		}
		if got := verifyState(t, c); got != "XOTA_PS_PKG_VERIFIED" {
			return Expect{Result: ResultFailed}
		}
		if _, final := c.answer("AT+UARTUPGRADE=5"); final != "OK" {
			t.Fatalf("apply after VERIFIED: %s", final)
		}
		c.waitClosed()
		c = dialAT(t, m)
		c.waitLine("RDY")
		lines, _ := c.answer("ATI")
		if lines[len(lines)-1] == m.Model().Firmware(v) {
			return Expect{Result: ResultFailed} // the apply did not take
		}
	}
}

// miniTransfer erases and writes file; on failure it reports the Expect a
// console would conclude. A module unplugged meanwhile is waited for, and
// the transfer starts again from the erase.
func miniTransfer(t *testing.T, m *Module, cp **tconn, file []byte) (Expect, bool) {
	t.Helper()
	const gone = "(unplugged)"
	code := func(l string) int {
		n, err := strconv.Atoi(l[strings.LastIndexByte(l, ' ')+1:])
		if err != nil {
			t.Fatalf("no code in %q", l)
		}
		return n
	}
	// ask sends a line and returns its final answer, or gone if the port
	// closed: then it reopens the port once the module is back.
	ask := func(line string) string {
		c := *cp
		c.send(line)
		for {
			l, open := c.next(waitLong)
			if !open {
				waitUntil(t, "ports back", func() bool { return linkTarget(m, atIface(m)) != "" })
				*cp = dialAT(t, m)
				(*cp).waitLine("RDY")
				return gone
			}
			if isFinal(l) {
				return l
			}
		}
	}
	// write returns "" once every segment is written, else the last answer.
	write := func() string {
		if final := ask("AT+UARTUPGRADE=0"); final != "OK" {
			return final
		}
		for sn := 0; sn*1024 < len(file); sn++ {
			line := segLine(sn, file[sn*1024:min(len(file), sn*1024+1024)])
			final := ask(line)
			if final != "OK" && final != gone {
				final = ask(line) // resend once
			}
			if final != "OK" {
				return final
			}
		}
		return ""
	}
	for tries, unplugs := 0, 0; ; {
		final := write()
		switch {
		case final == "":
			return Expect{}, true
		case final == gone && unplugs < 3:
			unplugs++
		case tries == 0:
			tries++ // start again from the erase, once
		default:
			return Expect{Result: ResultFailed, Code: code(final)}, false
		}
	}
}

// TestUartRoleOutcomes runs miniLocal on a module of each local role and
// compares its conclusion with the role's Expect.
func TestUartRoleOutcomes(t *testing.T) {
	for _, role := range Roles() {
		if !strings.HasPrefix(role, "uart-") && role != "ok" && role != "failed-apply" {
			continue
		}
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			f := startFleet(t, Config{Scenario: "local-chain", Modules: 1, NoQuirks: true, Speed: 1000, Roles: []string{role}})
			m := f.Modules()[0]
			got, want := miniLocal(t, f, m), m.Expect()
			want.Reason = ""
			if got != want {
				t.Errorf("%s: console concluded %+v, the role expects %+v", role, got, want)
			}
		})
	}
}
