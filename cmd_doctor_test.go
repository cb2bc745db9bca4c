package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// TestDoctor runs `airfleet doctor` on a simulated fleet: one JSON object
// per finding with check, ok, detail and fix; the modules answer AT, no
// two share an IMEI, the simulator holding its ptys is not another
// program; a module another airfleet holds is a problem with its fix, in
// either language, and the exit status is 1 (issue 12.3).
func TestDoctor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(t.TempDir(), "fleet"), Modules: 3, Scenario: "happy", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doctor := func(args ...string) (code int, stdout, stderr string) {
		var out, errb bytes.Buffer
		code = run(ctx, append([]string{"doctor", "--ports", f.Dir()}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	findings := func(stdout string) map[string][]map[string]any {
		t.Helper()
		by := map[string][]map[string]any{}
		for line := range strings.Lines(stdout) {
			var o map[string]any
			if err := json.Unmarshal([]byte(line), &o); err != nil {
				t.Fatalf("not JSON: %q", line)
			}
			for _, k := range []string{"check", "ok", "detail", "fix"} {
				if _, has := o[k]; !has {
					t.Errorf("%q has no %s", line, k)
				}
			}
			by[o["check"].(string)] = append(by[o["check"].(string)], o)
		}
		return by
	}

	_, out, _ := doctor("--json")
	by := findings(out)
	for _, check := range []string{"modules", "port-permissions", "port-open", "at", "imei"} {
		if len(by[check]) != 1 || by[check][0]["ok"] != true {
			t.Errorf("%s: %v, want one finding, ok", check, by[check])
		}
	}
	if at := by["at"]; len(at) == 0 || at[0]["detail"] != "3 of 3 modules answer AT and were identified" {
		t.Errorf("at: %v", at)
	}
	for _, sysfsOnly := range []string{"cdc_acm", "udev-rule", "groups"} {
		if by[sysfsOnly] != nil {
			t.Errorf("%s checked with --ports", sysfsOnly)
		}
	}

	// Another airfleet (this test) holds the first module.
	cands, err := (&device.DirSource{Dir: f.Dir()}).List()
	if err != nil || len(cands) != 3 {
		t.Fatalf("%d modules, %v", len(cands), err)
	}
	l, err := device.LockSlot("", cands[0])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, out, _ := doctor("--json")
	if code != 1 {
		t.Errorf("exit %d with a module in use, want 1", code)
	}
	inUse := findings(out)["in-use"]
	if len(inUse) != 1 || inUse[0]["ok"] != false || inUse[0]["slot"] != cands[0].Slot ||
		!strings.Contains(inUse[0]["fix"].(string), "quit it") {
		t.Errorf("in-use: %v", inUse)
	}
	for lang, want := range map[string][]string{"en": {"✘ in-use", "is in use by airfleet PID", "fix: let that airfleet finish"}, "zh": {"✘ in-use", "正被 airfleet", "解决:"}} {
		code, out, _ := doctor("--lang", lang)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", lang, code)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the findings do not say %q:\n%s", lang, w, out)
			}
		}
	}
}
