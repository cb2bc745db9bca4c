package upgrade

import (
	"testing"

	"airfleet/device"
)

// The plan says, before the batch, which modules take which deltas and
// which are held, in both languages.
func TestDeltaPlan(t *testing.T) {
	m := deltaMap(t,
		DeltaEntry{Firmware: fwEP, From: 1006, To: 1007, URL: "http://h/6.bin"},
		DeltaEntry{Firmware: fwEP, From: 1007, To: 1009, URL: "http://h/7.bin"})
	var mods []*Module
	add := func(n, core int) {
		for range n {
			imei := "86123456789" + string(rune('0'+len(mods)/10)) + "00" + string(rune('0'+len(mods)%10))
			mods = append(mods, &Module{Info: device.Info{IMEI: imei, Firmware: device.Firmware{Name: fwEP, Core: core}}})
		}
	}
	add(3, 1006)
	add(1, 1007)
	add(2, 1005)
	add(1, 1009)
	cfg := Config{Mode: ModeURL, Deltas: m, Target: 1009}
	p := cfg.DeltaPlan(mods, nil)
	if got, want := p.In("en"), "3 modules: 1006→1007→1009; 1 module: 1007→1009; 1 already on 1009; 2 held: no delta from 1005"; got != want {
		t.Errorf("plan:\n got %q\nwant %q", got, want)
	}
	if got, want := p.In("zh"), "3 个模块:1006→1007→1009;1 个模块:1007→1009;1 个已是 1009;2 个暂缓:没有从 1005 起的差分包"; got != want {
		t.Errorf("plan in Chinese:\n got %q\nwant %q", got, want)
	}
	if got := cfg.DeltaPlan(mods, []string{mods[4].Info.IMEI}).In("en"); got != "1 held: no delta from 1005" {
		t.Errorf("plan of one listed IMEI: %q", got)
	}
	if !(Config{Mode: ModeIoT, Deltas: m}).DeltaPlan(mods, nil).IsZero() {
		t.Error("a plan for a batch that uses no delta map")
	}
}
