package platform

import (
	"testing"
	"time"
)

func TestGenerationDelay(t *testing.T) {
	clock := newClock()
	p := fixture(t, Config{Now: clock.Now, GenerateDelay: 90 * time.Second, BanAfter: 100})
	reconfig(p, func(fw *Firmware) { fw.Pregenerated = false })
	ask := func() reply { return get(t, p, upgradeQuery(imei1, keyF, fwEP, 1006)) }

	checkRefusal(t, ask(), CodeGenerating, DefaultErrorStatus) // starts generation
	clock.Advance(90*time.Second - time.Nanosecond)
	checkRefusal(t, ask(), CodeGenerating, DefaultErrorStatus)
	// Another pair starts its own generation.
	checkRefusal(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1005)), CodeGenerating, DefaultErrorStatus)
	clock.Advance(time.Nanosecond)
	checkDelta(t, ask(), fwEP, 1006, 1007)
	checkDelta(t, ask(), fwEP, 1006, 1007) // stays ready
	checkRefusal(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1005)), CodeGenerating, DefaultErrorStatus)
	// Every one of those asks counts toward the IMEI's daily limit, 43s included.
	if n := p.Requests(imei1); n != 6 {
		t.Fatalf("the platform counted %d requests of %s, want 6", n, imei1)
	}
}

func TestGenerationSharedAcrossDevices(t *testing.T) {
	clock := newClock()
	p := fixture(t, Config{Now: clock.Now, GenerateDelay: time.Minute})
	reconfig(p, func(fw *Firmware) { fw.Pregenerated = false })
	checkRefusal(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1006)), CodeGenerating, DefaultErrorStatus)
	clock.Advance(time.Minute)
	p.SellIMEI("860000000000003", acctA)
	checkDelta(t, get(t, p, upgradeQuery("860000000000003", keyF, fwEP, 1006)), fwEP, 1006, 1007)
}

func TestPregenerate(t *testing.T) {
	p := fixture(t, Config{})
	reconfig(p, func(fw *Firmware) { fw.Pregenerated = false })
	p.Pregenerate(fwEP, 1006, 1007)
	checkDelta(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1006)), fwEP, 1006, 1007)
	checkRefusal(t, get(t, p, upgradeQuery(imei1, keyF, fwEP, 1005)), CodeGenerating, DefaultErrorStatus)
}
