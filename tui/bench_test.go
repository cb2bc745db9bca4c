package tui

import (
	"fmt"
	"testing"

	"airfleet/upgrade"
)

// BenchmarkView256 renders a screen of a 256-module batch in full flight.
func BenchmarkView256(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {160, 48}, {240, 80}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			m := newTestModel(b, NewFakeBackend(testPlan, 0), "zh", size[0], size[1])
			var evs []upgrade.Event
			for hub := 1; hub <= 16; hub++ {
				for port := 1; port <= 16; port++ {
					slot := fmt.Sprintf("%d-1.%d", hub, port)
					n := hub*100 + port
					evs = append(evs, discovered(0, slot, imeiN(n), "Air780EP", 2004))
					e := ev(1, slot, allStates[n%len(allStates)])
					e.Percent, e.Code, e.Sentence = n%101, 43*(n%2), upgrade.Verbatim("platform is making the delta")
					evs = append(evs, e)
				}
			}
			send(m, evs...)
			if len(m.fleet.rows) < 200 {
				b.Fatalf("%d rows", len(m.fleet.rows))
			}
			press(m, "pgdown")
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkEvents256 folds one progress event per module of a 256-module
// batch, as one forwarded batch.
func BenchmarkEvents256(b *testing.B) {
	m := newTestModel(b, NewFakeBackend(testPlan, 0), "en", 160, 48)
	var evs []upgrade.Event
	for i := range 256 {
		evs = append(evs, discovered(0, fmt.Sprintf("1-%d", i), imeiN(i), "Air780E", 1))
	}
	send(m, evs...)
	for i := range evs {
		evs[i].Step, evs[i].Percent = upgrade.StateDownloading, 50
	}
	b.ReportAllocs()
	for b.Loop() {
		send(m, evs...)
	}
}
