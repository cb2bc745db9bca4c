package platform

import (
	"net/http"
	"net/url"
	"testing"

	"airfleet/device/sim/delta"
)

// TestUpgradeCodes reaches every answer of the upgrade endpoint through a
// real HTTP request.
func TestUpgradeCodes(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(p *Platform)
		query   string
		code    Code // CodeOK: expect 200 and a delta
		base    int  // of the delta
		target  int
		project string // key of the serving project in the log
	}{
		{name: "upgrade", query: upgradeQuery(imei1, keyF, fwEP, 1006), base: 1006, target: 1007, project: keyF},
		{name: "upgrade from older base", query: upgradeQuery(imei1, keyF, fwEP, 1005), base: 1005, target: 1007, project: keyF},
		{name: "no imei", query: UpgradePath + "?project_key=" + keyF + "&firmware_name=" + fwEP + "&core_version=1006", code: CodeInvalidIMEI},
		{name: "IMEI upper case", query: UpgradePath + "?IMEI=" + imei1 + "&project_key=" + keyF + "&firmware_name=" + fwEP + "&core_version=1006", code: CodeInvalidIMEI},
		{name: "imei 14 digits", query: upgradeQuery("86000000000000", keyF, fwEP, 1006), code: CodeInvalidIMEI},
		{name: "imei not digits", query: upgradeQuery("86000000000000x", keyF, fwEP, 1006), code: CodeInvalidIMEI},
		{name: "banned", setup: func(p *Platform) { p.Ban(imei1) }, query: upgradeQuery(imei1, keyF, fwEP, 1006), code: CodeBanned},
		{name: "unknown key", query: upgradeQuery(imei1, "NOSUCHKEY", fwEP, 1006), code: CodeNoProject},
		{name: "key of another account", query: upgradeQuery(imei2, keyF, fwEP, 1006), code: CodeNoPermission},
		{name: "bound to another project", setup: func(p *Platform) { p.BindIMEI(imei1, keyOwn) },
			query: upgradeQuery(imei1, keyF, fwEP, 1006), code: CodeNoProject},
		{name: "no key, unsold imei", query: upgradeQuery("861111111111111", "", fwEP, 1006), code: CodeNoProject},
		{name: "no key, unknown model", query: upgradeQuery(imei1, "", "AirM2M_999X_LTE_AT", 1006), code: CodeNoProject},
		{name: "no key, default project F", query: upgradeQuery(imei1, "", fwEP, 1006), base: 1006, target: 1007, project: keyF},
		{name: "no key, default project E", query: upgradeQuery(imei1, "", fwE, 1138), base: 1138, target: 1147, project: keyE},
		{name: "no key, bound to a custom project", setup: func(p *Platform) { p.BindIMEI(imei1, keyOwn) },
			query: upgradeQuery(imei1, "", fwEP, 1006), code: CodeNoProject},
		{name: "no such firmware", query: upgradeQuery(imei1, keyF, fwE, 1138), code: CodeNoFirmware},
		{name: "at latest", query: upgradeQuery(imei1, keyF, fwEP, 1007), code: CodeLatest},
		{name: "above latest", query: upgradeQuery(imei1, keyF, fwEP, 1010), code: CodeLatest},
		{name: "above latest, base missing", query: upgradeQuery(imei1, keyF, fwEP, 1008), code: CodeLatest},
		{name: "upgrade not allowed", setup: func(p *Platform) { reconfig(p, func(fw *Firmware) { fw.Allow = false }) },
			query: upgradeQuery(imei1, keyF, fwEP, 1006), code: CodeLatest},
		{name: "not in IMEI list", setup: onlyIMEIs(imei2), query: upgradeQuery(imei1, keyF, fwEP, 1006), code: CodeLatest},
		{name: "in IMEI list", setup: onlyIMEIs(imei1), query: upgradeQuery(imei1, keyF, fwEP, 1006), base: 1006, target: 1007, project: keyF},
		{name: "jump not allowed", query: upgradeQuery(imei1, keyF, fwEP, 1004), code: CodeNotAllowed},
		{name: "base missing", query: upgradeQuery(imei1, keyF, fwEP, 1001), code: CodeBaseMissing},
		{name: "no version at all", query: UpgradePath + "?imei=" + imei1 + "&project_key=" + keyF + "&firmware_name=" + fwEP, code: CodeBaseMissing},
		{name: "generating", setup: func(p *Platform) { reconfig(p, func(fw *Firmware) { fw.Pregenerated = false }) },
			query: upgradeQuery(imei1, keyF, fwEP, 1006), code: CodeGenerating},
		{name: "version 0.0.N", query: UpgradePath + "?imei=" + imei1 + "&project_key=" + keyF + "&firmware_name=" + fwEP + "&version=0.0.1006",
			base: 1006, target: 1007, project: keyF},
		{name: "version plain number", query: UpgradePath + "?imei=" + imei1 + "&project_key=" + keyF + "&firmware_name=" + fwEP + "&version=1005",
			base: 1005, target: 1007, project: keyF},
		{name: "core_version wins over version", query: UpgradePath + "?imei=" + imei1 + "&project_key=" + keyF + "&firmware_name=" + fwEP +
			"&version=0.0.1007&core_version=1006", base: 1006, target: 1007, project: keyF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := fixture(t, Config{})
			if c.setup != nil {
				c.setup(p)
			}
			r := get(t, p, c.query)
			log := p.Log()
			if len(log) != 1 {
				t.Fatalf("log has %d requests, want 1", len(log))
			}
			rec := log[0]
			if rec.Status != r.status || rec.Code != c.code {
				t.Errorf("log says %d/%d, want %d/%d", rec.Status, rec.Code, r.status, c.code)
			}
			if c.code != CodeOK {
				checkRefusal(t, r, c.code, DefaultErrorStatus)
				return
			}
			checkDelta(t, r, fwOf(c.query), c.base, c.target)
			if rec.Project != c.project || rec.Core != c.base || rec.Bytes != len(r.body) {
				t.Errorf("log: project %q core %d bytes %d, want %q %d %d", rec.Project, rec.Core, rec.Bytes, c.project, c.base, len(r.body))
			}
		})
	}
}

// reconfig replaces the 780EP firmware of project keyF with a changed copy.
func reconfig(p *Platform, change func(fw *Firmware)) {
	fw := Firmware{Name: fwEP, Versions: []int{1005, 1006, 1007}, Allow: true, AllDevices: true,
		NotAllowedFrom: []int{1004}, DeltaSize: 1000, Pregenerated: true}
	change(&fw)
	if err := p.AddFirmware(keyF, fw); err != nil {
		panic(err)
	}
}

// onlyIMEIs returns a setup that limits the 780EP upgrade of keyF to imeis.
func onlyIMEIs(imeis ...string) func(p *Platform) {
	return func(p *Platform) {
		reconfig(p, func(fw *Firmware) { fw.AllDevices = false; fw.IMEIs = imeis })
	}
}

// fwOf returns the firmware_name of an upgrade path and query.
func fwOf(pathQuery string) string {
	u, _ := url.Parse(pathQuery)
	return u.Query().Get("firmware_name")
}

// checkRefusal checks an error answer: status, JSON code and text.
func checkRefusal(t *testing.T, r reply, want Code, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d", r.status, status)
	}
	if r.ctype != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", r.ctype)
	}
	code, msg := codeOf(t, r)
	if code != want || msg != want.Msg() || msg == "" {
		t.Errorf("body %s, want code %d msg %q", r.body, want, want.Msg())
	}
}

// checkDelta checks a successful answer: 200 and an intact delta for the pair.
func checkDelta(t *testing.T, r reply, name string, base, target int) delta.Delta {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d body %.80q, want 200 and a delta", r.status, r.body)
	}
	if r.ctype != "application/octet-stream" {
		t.Errorf("Content-Type %q", r.ctype)
	}
	d, err := delta.Parse(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if d.FirmwareName != name || d.Base != base || d.Target != target {
		t.Errorf("delta %+v, want %s %d→%d", d, name, base, target)
	}
	return d
}

func TestErrorStatus(t *testing.T) {
	p := fixture(t, Config{ErrorStatus: http.StatusForbidden})
	checkRefusal(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1007)), CodeLatest, http.StatusForbidden)
}

func TestDeltaSize(t *testing.T) {
	p := fixture(t, Config{})
	p.SetDeltaSize(fwEP, 1005, 1007, 550*1024)
	if d := checkDelta(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1005)), fwEP, 1005, 1007); d.Size != 550*1024 {
		t.Errorf("pair size %d, want %d", d.Size, 550*1024)
	}
	if d := checkDelta(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1006)), fwEP, 1006, 1007); d.Size != 1000 {
		t.Errorf("firmware size %d, want 1000", d.Size)
	}
	must(t, p.AddFirmware(keyF, Firmware{Name: fwEP, Versions: []int{1006, 1007}, Allow: true, AllDevices: true, Pregenerated: true}))
	if d := checkDelta(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1006)), fwEP, 1006, 1007); d.Size != DefaultDeltaSize {
		t.Errorf("default size %d, want %d", d.Size, DefaultDeltaSize)
	}
}

func TestParseCore(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"1007", 1007, true},
		{"0.0.1007", 1007, true},
		{"V1007", 1007, true},
		{" 1006 ", 1006, true},
		{"0.0.0", 0, true},
		{"1.0.3", 0, false},
		{"", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"abc", 0, false},
	}
	for _, c := range cases {
		if got, ok := parseCore(c.in); got != c.want || ok != c.ok {
			t.Errorf("parseCore(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseCore(f *testing.F) {
	for _, s := range []string{"1007", "0.0.1007", "V1", "1.0.3", "", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseCore(s)
		if n < 0 || !ok && n != 0 {
			t.Fatalf("parseCore(%q) = %d, %v", s, n, ok)
		}
	})
}

func TestValidIMEI(t *testing.T) {
	for s, want := range map[string]bool{
		"860000000000001":  true,
		"86000000000000":   false,
		"8600000000000011": false,
		"86000000000000a":  false,
		"":                 false,
		"８６0000000000001":  false,
	} {
		if validIMEI(s) != want {
			t.Errorf("validIMEI(%q) = %v", s, !want)
		}
	}
}
