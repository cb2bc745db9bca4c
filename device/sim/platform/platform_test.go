package platform

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Fixture names shared by the tests.
const (
	acctA  = "13800000000"
	acctB  = "13900000000"
	keyF   = "F0000000000000000000000000000000" // acct A, Air7XXF标准模块
	keyE   = "E0000000000000000000000000000000" // acct A, Air7XXE标准模块
	keyOwn = "C0000000000000000000000000000000" // acct A, 远程升级模块
	keyB   = "B0000000000000000000000000000000" // acct B
	fwEP   = "AirM2M_780EP_LTE_AT"
	fwE    = "AirM2M_780E_LTE_AT"
	imei1  = "860000000000001"
	imei2  = "860000000000002"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, ChinaTime)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start starts p and closes it when the test ends.
func start(t *testing.T, p *Platform) *Platform {
	t.Helper()
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// fixture returns a started platform with accounts A and B, their projects,
// and the 780EP firmware 1005/1006/1007 (pre-generated) in A's default
// project, plus the 780E firmware 1138/1147 in A's EC618 default project.
// imei1 is sold to A, imei2 to B.
func fixture(t *testing.T, cfg Config) *Platform {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = newClock().Now
	}
	p := New(cfg)
	for _, pr := range []Project{
		{Key: keyF, Name: "Air7XXF标准模块", Account: acctA},
		{Key: keyE, Name: "Air7XXE标准模块", Account: acctA},
		{Key: keyOwn, Name: "远程升级模块", Account: acctA},
		{Key: keyB, Name: "Air7XXF标准模块", Account: acctB},
	} {
		must(t, p.AddProject(pr))
	}
	ep := Firmware{Name: fwEP, Versions: []int{1005, 1006, 1007}, Allow: true, AllDevices: true,
		NotAllowedFrom: []int{1004}, DeltaSize: 1000, Pregenerated: true}
	must(t, p.AddFirmware(keyF, ep))
	must(t, p.AddFirmware(keyOwn, ep))
	must(t, p.AddFirmware(keyB, ep))
	must(t, p.AddFirmware(keyE, Firmware{Name: fwE, Versions: []int{1138, 1147}, Allow: true, AllDevices: true,
		DeltaSize: 2000, Pregenerated: true}))
	p.SellIMEI(imei1, acctA)
	p.SellIMEI(imei2, acctB)
	return start(t, p)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// reply is an HTTP answer read in full.
type reply struct {
	status int
	ctype  string
	body   []byte
}

// get asks the platform for path?query.
func get(t *testing.T, p *Platform, pathQuery string) reply {
	t.Helper()
	res, err := http.Get(p.BaseURL() + pathQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{res.StatusCode, res.Header.Get("Content-Type"), b}
}

// upgradeQuery builds an upgrade query the way the AT firmware most likely does.
func upgradeQuery(imei, key, fw string, core int) string {
	v := url.Values{}
	v.Set("imei", imei)
	v.Set("project_key", key)
	v.Set("firmware_name", fw)
	v.Set("core_version", strconv.Itoa(core))
	v.Set("dfota", "1")
	v.Set("version", "0.0.0")
	return UpgradePath + "?" + v.Encode()
}

// codeOf decodes an error answer's JSON body, failing the test if it is not one.
func codeOf(t *testing.T, r reply) (Code, string) {
	t.Helper()
	var body struct {
		Code Code   `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	return body.Code, body.Msg
}

func TestStartClose(t *testing.T) {
	p := New(Config{})
	if p.BaseURL() != "" || p.UpgradeURL() != "" {
		t.Fatal("URLs before Start should be empty")
	}
	base, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	if p.UpgradeURL() != base+UpgradePath {
		t.Errorf("UpgradeURL = %q", p.UpgradeURL())
	}
	if _, err := p.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: err = %v, want ErrStarted", err)
	}
	must(t, p.Close())
	must(t, p.Close())
	if _, err := http.Get(base + "/"); err == nil {
		t.Error("server still answers after Close")
	}
}
