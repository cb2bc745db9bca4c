package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/upgrade"

	_ "github.com/mattn/go-sqlite3"
)

func TestCodes(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"codes", "43"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"43", "正在生成版本", "please wait", "wait and retry"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("codes 43 does not say %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	run(context.Background(), []string{"codes"}, &out, &errb)
	for _, want := range []string{"\n3  ", "\n44  ", "\n-1006  "} {
		if !strings.Contains("\n"+out.String(), want) {
			t.Errorf("the catalogue misses %q", strings.TrimSpace(want))
		}
	}
}

// airfleet upgrade --json on the mixed scenario: one object per module with
// the documented fields, exactly the scenario's results, a summary, and
// exit status 1 because some failed.
func TestUpgradeJSON(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 8, Scenario: "mixed", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", filepath.Join(dir, "log.db"),
		"--retry-after", "2s", "--reboot-timeout", "8s"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some modules fail in this scenario); stderr %s", code, errb.String())
	}
	ff, err := sim.ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]sim.Expect{}
	for _, m := range ff.Modules {
		want[m.IMEI] = m.Expect
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(ff.Modules)+1 {
		t.Fatalf("%d lines, want %d results and a summary:\n%s", len(lines), len(ff.Modules), out.String())
	}
	for _, l := range lines[:len(lines)-1] {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		for _, field := range []string{"slot", "imei", "model", "from", "to", "result", "code", "module_error", "http_status", "attempts", "seconds", "message"} {
			if _, ok := r[field]; !ok {
				t.Errorf("no %q in %s", field, l)
			}
		}
		exp := want[r["imei"].(string)]
		got := r["result"].(string)
		code, _ := r["code"].(float64)
		if code == 0 {
			code, _ = r["module_error"].(float64)
		}
		if got != exp.Result || (exp.Code != 0 && int(code) != exp.Code) {
			t.Errorf("%s: %s code %v, the scenario says %s code %d", r["slot"], got, code, exp.Result, exp.Code)
		}
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum["summary"] != true || sum["total"] != float64(len(ff.Modules)) {
		t.Fatalf("summary %q (%v)", lines[len(lines)-1], err)
	}

	// --retry-failed takes exactly the modules that did not pass and that
	// a retry can help; the others (40, 27 with the same settings) are
	// named on stderr and send nothing.
	var failed, skipped []string
	for _, m := range ff.Modules {
		if m.Expect.Result == "upgraded" || m.Expect.Result == "current" {
			continue
		}
		if _, skip := upgrade.RetrySkip(upgrade.Result{Outcome: upgrade.Failed, Code: m.Expect.Code}, upgrade.Config{Mode: upgrade.ModeIoT}, upgrade.Config{Mode: upgrade.ModeIoT}); skip {
			skipped = append(skipped, m.IMEI)
			continue
		}
		failed = append(failed, m.IMEI)
	}
	if len(skipped) != 2 {
		t.Fatalf("the mixed scenario should hold two failures a retry cannot help (40, 27), found %d", len(skipped))
	}
	out.Reset()
	errb.Reset()
	run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", filepath.Join(dir, "log.db"),
		"--retry-after", "2s", "--reboot-timeout", "8s", "--retry-failed", "--force"}, &out, &errb)
	lines = strings.Split(strings.TrimSpace(out.String()), "\n")
	var retried []string
	for _, l := range lines[:len(lines)-1] {
		var r struct{ IMEI string }
		json.Unmarshal([]byte(l), &r)
		retried = append(retried, r.IMEI)
	}
	slices.Sort(failed)
	slices.Sort(retried)
	if !slices.Equal(failed, retried) {
		t.Errorf("--retry-failed upgraded %v, want the failed ones %v (stderr %s)", retried, failed, errb.String())
	}
	for _, imei := range skipped {
		if !strings.Contains(errb.String(), imei+": not retried") {
			t.Errorf("stderr does not say why %s was not retried:\n%s", imei, errb.String())
		}
	}
}

// TestUpgradeURLTemplate: --url-template sends each module to its own
// base's delta; one whose delta the server does not have (404) is held by
// the host's check, never downloading anything.
func TestUpgradeURLTemplate(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 2, Scenario: "url", Speed: 50,
		Tweak: func(i int, s *sim.ModuleSpec) { s.Version, s.NotListed = 1005+i, true }})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const fw = "AirM2M_780EP_LTE_AT"
	gone := sim.DeltaFileName(fw, 1005, 1007)
	f.Platform().RemoveFile(gone)
	var out, errb bytes.Buffer
	code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "url", "--target", "1007", "--json", "--db", filepath.Join(dir, "log.db"),
		"--url-template", f.Platform().BaseURL() + "/download/dfota_{firmware}_V{from}_V{to}.bin", "--reboot-timeout", "8s"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one module held); stderr %s", code, errb.String())
	}
	got := map[float64]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if from, ok := r["from"].(float64); ok {
			got[from] = r["result"].(string) + ": " + r["message"].(string)
		}
	}
	if !strings.HasPrefix(got[1006], "upgraded") || !strings.HasPrefix(got[1005], "held") || !strings.Contains(got[1005], "404") {
		t.Errorf("results %v; want 1006 upgraded, 1005 held for the 404", got)
	}
	if n := f.Platform().Downloads(sim.DeltaFileName(fw, 1006, 1007)); n != 1 {
		t.Errorf("1006's delta downloaded %d times, want 1", n)
	}
}
