package platform

import "testing"

func TestFamilyOf(t *testing.T) {
	cases := map[string]string{
		"AirM2M_780E_LTE_AT":    FamilyEC618,
		"AirM2M_700E_LTE_AT":    FamilyEC618,
		"AirM2M_780EP_LTE_AT":   FamilyEC718,
		"AirM2M_780EPS_LTE_AT":  FamilyEC718,
		"AirM2M_780EPA_LTE_AT":  FamilyEC718,
		"AirM2M_780EPT_LTE_AT":  FamilyEC718,
		"AirM2M_780EQ_LTE_AT":   FamilyEC718,
		"AirM2M_780ET_LTE_AT":   FamilyEC718,
		"AirM2M_700ECQ_LTE_AT":  FamilyEC718,
		"AirM2M_700EAQ_LTE_AT":  FamilyEC718,
		"AirM2M_201_LTE_AT":     FamilyEC718,
		"AirM2M_780EP_LTE_LSAT": FamilyEC718,
		"AirM2M_999_LTE_AT":     "",
		"garbage":               "",
		"":                      "",
	}
	for name, want := range cases {
		if got := FamilyOf(name); got != want {
			t.Errorf("FamilyOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDefaultProjectName(t *testing.T) {
	for fam, want := range map[string]string{
		FamilyEC618: "Air7XXE标准模块",
		FamilyEC718: "Air7XXF标准模块",
		"EC716":     "Air7XXF标准模块",
		"":          "",
	} {
		if got := DefaultProjectName(fam); got != want {
			t.Errorf("DefaultProjectName(%q) = %q, want %q", fam, got, want)
		}
	}
}

func TestBindToFirstProject(t *testing.T) {
	p := fixture(t, Config{})
	const unsold = "861234567890123"
	// Unsold: the first project that asks gets the module.
	checkDelta(t, get(t, p, upgradeQuery(unsold, keyOwn, fwEP, 1006)), fwEP, 1006, 1007)
	if b := p.Bound(unsold); b != keyOwn {
		t.Fatalf("bound to %q, want %q", b, keyOwn)
	}
	checkRefusal(t, get(t, p, upgradeQuery(unsold, keyF, fwEP, 1006)), CodeNoProject, DefaultErrorStatus)
	checkRefusal(t, get(t, p, upgradeQuery(unsold, keyB, fwEP, 1006)), CodeNoProject, DefaultErrorStatus)
	// Staff move it.
	p.BindIMEI(unsold, keyF)
	checkDelta(t, get(t, p, upgradeQuery(unsold, keyF, fwEP, 1006)), fwEP, 1006, 1007)
	checkRefusal(t, get(t, p, upgradeQuery(unsold, keyOwn, fwEP, 1006)), CodeNoProject, DefaultErrorStatus)
}

func TestBindHappensOnlyOnceProjectResolves(t *testing.T) {
	p := fixture(t, Config{})
	checkRefusal(t, get(t, p, upgradeQuery(imei2, keyF, fwEP, 1006)), CodeNoPermission, DefaultErrorStatus)
	checkRefusal(t, get(t, p, upgradeQuery(imei1, "NOSUCHKEY", fwEP, 1006)), CodeNoProject, DefaultErrorStatus)
	if p.Bound(imei1) != "" || p.Bound(imei2) != "" {
		t.Error("a refused project bound the IMEI")
	}
	// A 26 or 27 still binds: the project was found.
	checkRefusal(t, get(t, p, upgradeQuery(imei1, keyOwn, fwE, 1138)), CodeNoFirmware, DefaultErrorStatus)
	if p.Bound(imei1) != keyOwn {
		t.Errorf("bound to %q, want %q", p.Bound(imei1), keyOwn)
	}
}

func TestDefaultProjectByFlag(t *testing.T) {
	p := fixture(t, Config{})
	must(t, p.AddProject(Project{Key: "K1", Name: "my modules", Account: "acct-c", Family: FamilyEC718, Default: true}))
	must(t, p.AddFirmware("K1", Firmware{Name: fwEP, Versions: []int{1006, 1007}, Allow: true, AllDevices: true, Pregenerated: true}))
	p.SellIMEI("862000000000000", "acct-c")
	get(t, p, upgradeQuery("862000000000000", "", fwEP, 1006))
	if got := p.Log()[0].Project; got != "K1" {
		t.Errorf("served by %q, want K1", got)
	}
}

func TestAddErrors(t *testing.T) {
	p := New(Config{})
	if err := p.AddProject(Project{Name: "no key"}); err == nil {
		t.Error("AddProject without a key succeeded")
	}
	if err := p.AddFirmware("nope", Firmware{Name: fwEP}); err == nil {
		t.Error("AddFirmware to a missing project succeeded")
	}
	must(t, p.AddProject(Project{Key: "k"}))
	if err := p.AddFirmware("k", Firmware{}); err == nil {
		t.Error("AddFirmware without a name succeeded")
	}
}

func TestFirmwareIsCopied(t *testing.T) {
	p := fixture(t, Config{})
	fw := Firmware{Name: fwEP, Versions: []int{1006, 1007}, Allow: true, AllDevices: true, Pregenerated: true}
	must(t, p.AddFirmware(keyF, fw))
	fw.Versions[1] = 1006 // the caller's slice, changed afterwards
	checkDelta(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1006)), fwEP, 1006, 1007)
}
