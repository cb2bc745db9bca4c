//go:build !windows

package bench

import (
	"context"
	"flag"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/upgrade"
)

var flagLineRounds = flag.Int("line.rounds", 3, "modules that pass through each slot in BenchmarkLine32")

// BenchmarkLine32 measures a line rather than a batch: 32 slots, the
// console with auto-start on, modules plugged in at random moments, each
// unplugged by the operator once it is green and replaced by the next.
//
//	go test ./bench/ -run '^$' -bench Line32 -benchtime 1x -count 3
//
// It reports, per module: ports → the first AT command (ports-at), ports →
// its upgrade request (ports-req; the goal is under 2 s at p99), where
// "ports" is the moment the plugged module's USB ports appear (the
// simulator's boot, sim.PlugDelay, after the plug; a real module boots
// too), and the engine's final event → the console's event queue
// (done-green, the console's share of "done → green row"; drawing the row
// is tui's BenchmarkView256). And modules per hour against the physical limit:
// slots × 3600 / one module's plug → green time, which no console can
// beat. The simulator runs in this process (it must plug and unplug), at
// -speed (default 4: every delay divided by 4), so one module's time is a
// quarter of a real one and modules/h four times a real line's; the ratio
// to the limit and the latencies the console adds are what carry over.
func BenchmarkLine32(b *testing.B) {
	const slots = 32
	for range b.N {
		l := runLine(b, slots, *flagLineRounds, *flagSpeed)
		b.ReportMetric(percentileMS(l.portsAT, 50), "ports-at-p50-ms")
		b.ReportMetric(percentileMS(l.portsAT, 99), "ports-at-p99-ms")
		b.ReportMetric(percentileMS(l.portsReq, 50), "ports-req-p50-ms")
		b.ReportMetric(percentileMS(l.portsReq, 99), "ports-req-p99-ms")
		b.ReportMetric(percentileMS(l.doneGreen, 50), "done-green-p50-ms")
		b.ReportMetric(percentileMS(l.doneGreen, 99), "done-green-p99-ms")
		b.ReportMetric(l.perHour, "modules/h")
		b.ReportMetric(l.limitPerHour, "limit/h")
	}
}

// lineRun is what one line run measured.
type lineRun struct {
	portsAT, portsReq, doneGreen []time.Duration
	perHour, limitPerHour        float64
}

// lineLog is the engine's log with the first AT line of each slot after
// its plug-in noted.
type lineLog struct {
	*upgrade.StoreLog
	first func(slot string, t time.Time)
}

func (l lineLog) Transcript(attempt int64, slot, imei string, r device.Record) {
	if r.Dir == device.Out {
		l.first(slot, r.Time)
	}
	l.StoreLog.Transcript(attempt, slot, imei, r)
}

func runLine(b *testing.B, slots, rounds int, speed float64) lineRun {
	b.Helper()
	needPTYs(b, slots)
	tmp := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(tmp, "fleet"), Modules: slots * rounds, Scenario: "happy", Speed: speed,
		Tweak: func(_ int, s *sim.ModuleSpec) { s.Unplugged = true }})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	store, err := upgrade.OpenStoreLog(filepath.Join(tmp, "airfleet.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()

	var mu sync.Mutex
	plugged := map[string]time.Time{} // slot → its ports' appearance after the plug-in
	atSeen := map[string]bool{}
	var run lineRun
	slotOf := map[string]string{} // IMEI → slot
	green := map[string]chan struct{}{}
	for _, m := range f.Modules() {
		slotOf[m.IMEI()] = m.Slot()
		green[m.IMEI()] = make(chan struct{})
	}
	var perModule []time.Duration
	log := lineLog{StoreLog: store, first: func(slot string, t time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := plugged[slot]; ok && !atSeen[slot] {
			atSeen[slot] = true
			run.portsAT = append(run.portsAT, t.Sub(p))
		}
	}}
	emit := func(e upgrade.Event) {
		mu.Lock()
		defer mu.Unlock()
		p, ok := plugged[slotOf[e.IMEI]]
		switch {
		case !ok:
		case e.Sentence.Key() == "request.sent":
			run.portsReq = append(run.portsReq, e.Time.Sub(p))
		case e.Result != nil && e.Result.Outcome == upgrade.Upgraded:
			perModule = append(perModule, e.Time.Sub(p))
		}
	}
	cfg := upgrade.Config{Mode: upgrade.ModeIoT, RetryAfter: time.Duration(float64(90*time.Second) / speed), Station: "line", Operator: "bench"}
	ctl := upgrade.NewController(&device.DirSource{Dir: f.Dir()}, log, cfg, upgrade.EngineOptions{Emit: emit})
	ctl.SetAutoStart(true)
	cctx, stop := context.WithCancel(ctx)
	ctlDone := make(chan struct{})
	go func() { ctl.Run(cctx); close(ctlDone) }()
	defer func() { stop(); <-ctlDone }()
	go func() { // the console's side: every event reaches it in order
		for e := range ctl.Events() {
			if e.Result != nil && e.Result.Outcome == upgrade.Upgraded {
				mu.Lock()
				run.doneGreen = append(run.doneGreen, time.Since(e.Time))
				mu.Unlock()
				close(green[e.IMEI])
			}
		}
	}()

	// The operator: each slot's modules in turn, plugged in at a random
	// moment, unplugged a moment after the row turns green.
	scaled := func(lo, hi time.Duration, rng *rand.Rand) time.Duration {
		return time.Duration(float64(lo+time.Duration(rng.Int64N(int64(hi-lo)))) / speed)
	}
	mods := f.Modules()
	start := time.Now()
	var wg sync.WaitGroup
	for s := range slots {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s), 7))
			time.Sleep(scaled(0, 20*time.Second, rng)) // the first plug-ins spread over 20 s
			for r := range rounds {
				m := mods[r*slots+s]
				mu.Lock()
				plugged[m.Slot()] = time.Now().Add(time.Duration(float64(sim.PlugDelay) / speed))
				mu.Unlock()
				m.Plug()
				select {
				case <-green[m.IMEI()]:
				case <-time.After(10 * time.Minute):
					b.Errorf("%s never turned green", m.Slot())
					return
				}
				time.Sleep(scaled(time.Second, 4*time.Second, rng)) // the operator sees it and pulls it
				m.Unplug()
				time.Sleep(scaled(time.Second, 3*time.Second, rng)) // and fits the next
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	n := len(perModule)
	if n != slots*rounds {
		b.Fatalf("%d of %d modules upgraded", n, slots*rounds)
	}
	one := percentileMS(perModule, 50)/1000 + sim.PlugDelay.Seconds()/speed // from the plug
	run.perHour = float64(n) / elapsed.Hours()
	run.limitPerHour = float64(slots) * 3600 / one
	return run
}
