package sim

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/device/sim/delta"
	"airfleet/device/sim/platform"
)

const transcripts = "../../../shared/spec/transcripts"

// replay plays a transcript against module m: it sends every "> " line and
// waits for every "< " line in order (other lines, such as boot URCs the
// transcript did not record, may come in between); "! unplug" waits for
// the port to fail and "! plug" reopens it once if06 is back. Timing is
// not compared.
func replay(t *testing.T, m *Module, file string, subst func(string) string) {
	t.Helper()
	fh, err := os.Open(filepath.Join(transcripts, file))
	if err != nil {
		t.Skipf("transcript: %v", err)
	}
	defer fh.Close()
	c := dialAT(t, m)
	c.waitRegistered()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := subst(sc.Text())
		switch {
		case strings.HasPrefix(line, "> "):
			c.send(line[2:])
		case strings.HasPrefix(line, "< +NITZ: "): // the date is today's
			c.waitFor("+NITZ", func(l string) bool { return strings.HasPrefix(l, "+NITZ: ") && strings.HasSuffix(l, "+32,0") })
		case strings.HasPrefix(line, "< "):
			c.waitLine(line[2:])
		case line == "! unplug":
			c.waitClosed()
		case line == "! plug":
			waitUntil(t, "ports back", func() bool { return linkTarget(m, atIface(m)) != "" })
			c = dialAT(t, m)
		}
	}
}

func same(s string) string { return s }

func TestTranscriptA43ThenSuccess(t *testing.T) {
	f := startFleet(t, Config{Scenario: "mixed", Modules: 8, NoQuirks: true, GenerateDelay: 1,
		Roles: []string{"ok", "ok"}, Models: []string{"Air780EP"}})
	replay(t, f.Modules()[0], "a-platform-43-then-success.txt", same)
}

func TestTranscriptBProjectKey(t *testing.T) {
	const key = "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"
	f := startFleet(t, Config{Scenario: "mixed", Modules: 8, NoQuirks: true, GenerateDelay: 1,
		Roles: []string{"ok"}, Models: []string{"Air780EP"}})
	p := f.Platform()
	if err := p.AddProject(platform.Project{Key: key, Name: "远程升级模块", Account: AccountMain}); err != nil {
		t.Fatal(err)
	}
	if err := p.AddFirmware(key, platform.Firmware{Name: "AirM2M_780EP_LTE_AT", Versions: []int{1006, 1007}, Allow: true, AllDevices: true}); err != nil {
		t.Fatal(err)
	}
	replay(t, f.Modules()[0], "b-project-key.txt", same)
	if got := p.Bound(f.Modules()[0].IMEI()); got != key {
		t.Errorf("module bound to %q", got)
	}
}

func TestTranscriptCAutoPeriod(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true})
	replay(t, f.Modules()[0], "c-auto-period.txt", same)
}

func TestTranscriptDOwnURL780ET(t *testing.T) {
	f := startFleet(t, Config{Scenario: "url", Modules: 1, NoQuirks: true, Models: []string{"Air780ET"},
		Tweak: func(i int, s *ModuleSpec) { s.Quirks.PDNSuffix = true }})
	body := delta.Make(delta.Delta{FirmwareName: "AirM2M_780ET_LTE_AT_IPC", Base: 1015, Target: 1016, Size: 100 << 10}, 1)
	url := f.Platform().ServeFile("dfota_final_AirM2M_AirM2M_V1016.bin", body)
	replay(t, f.Modules()[0], "d-own-url-780et.txt", func(s string) string {
		return strings.ReplaceAll(s, "http://airtest.openluat.com:2900/download/dfota_final_AirM2M_AirM2M_V1016.bin", url)
	})
}

func TestTranscriptEDeltaTooBig(t *testing.T) {
	f := startFleet(t, Config{Scenario: "too-big", Modules: 1, NoQuirks: true, Models: []string{"Air780E"}})
	replay(t, f.Modules()[0], "e-delta-too-big.txt", same)
}
