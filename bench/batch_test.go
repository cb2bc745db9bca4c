//go:build !windows

package bench

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// singles holds the wall times (seconds) of the single-module batches run
// so far, by scenario: the reference of x-single.
var singles struct {
	mu sync.Mutex
	s  map[string][]float64
}

func addSingle(scenario string, secs float64) {
	singles.mu.Lock()
	defer singles.mu.Unlock()
	if singles.s == nil {
		singles.s = map[string][]float64{}
	}
	singles.s[scenario] = append(singles.s[scenario], secs)
}

func singleRef(scenario string) (float64, bool) {
	singles.mu.Lock()
	defer singles.mu.Unlock()
	xs := append([]float64(nil), singles.s[scenario]...)
	return median(xs), len(xs) > 0
}

// BenchmarkBatch times a whole batch: `airfleet sim` in one process,
// `airfleet upgrade --mode iot --json` (the console alone) in another, timed
// from start to exit. One op is one batch; run it with -benchtime 1x.
//
// Scenario happy is the brief's: every module upgrades 1006→1007, deltas
// ready; but each module's reboot takes a random 32–60 s, so a big batch
// waits for its unluckiest module. Scenario slow-reboot gives every module
// the same 150 s reboot: a fixed per-module device time, so x-single there
// is the console's own cost of concurrency.
//
// Metrics: sec/op is the process's wall time; batch-s the summary's seconds
// (after the modules are identified); x-single the wall time over the
// median wall time of this scenario's single-module batches; slowest-s the
// slowest module's own seconds; cpu-ms/module and peak-MB from the child's
// rusage; cpu-%core its CPU over its life; dl-cpu-%core its CPU while
// modules download (first progress to the last end of a download, from the
// log); lines/module and peak-lines/s the transcript volume of the log.
func BenchmarkBatch(b *testing.B) {
	for _, sc := range []string{"happy", "slow-reboot"} {
		for _, n := range []int{1, 16, 64, 256} {
			b.Run(fmt.Sprintf("%s/N=%d", sc, n), func(b *testing.B) { benchBatch(b, sc, n) })
		}
	}
}

func benchBatch(b *testing.B, scenario string, n int) {
	bin := airfleetBin(b)
	speed := *flagSpeed
	if _, ok := singleRef(scenario); !ok && n > 1 {
		// -bench selected no single-module batch before this one: run one,
		// untimed, as the reference.
		r := oneBatch(b, bin, scenario, 1, speed)
		addSingle(scenario, r.wall.Seconds())
	}
	b.ResetTimer()
	var runs []batchRun
	for range b.N {
		b.StopTimer()
		sim := startSim(b, bin, b.TempDir(), n, scenario, speed)
		b.StartTimer()
		r := runUpgrade(b, bin, sim.dir, filepath.Join(b.TempDir(), "airfleet.db"), speed, modeArgs(scenario, sim.dir)...)
		b.StopTimer()
		sim.stop()
		check(b, r, n)
		runs = append(runs, r)
		if n == 1 {
			addSingle(scenario, r.wall.Seconds())
		}
	}
	report(b, scenario, n, runs)
}

// oneBatch runs one untimed batch of n modules.
func oneBatch(b *testing.B, bin, scenario string, n int, speed float64) batchRun {
	b.Helper()
	sim := startSim(b, bin, b.TempDir(), n, scenario, speed)
	r := runUpgrade(b, bin, sim.dir, filepath.Join(b.TempDir(), "airfleet.db"), speed, modeArgs(scenario, sim.dir)...)
	sim.stop()
	check(b, r, n)
	return r
}

func check(b *testing.B, r batchRun, n int) {
	b.Helper()
	if r.sum.Total != n || r.sum.Upgraded != n {
		for _, m := range r.modules {
			if m.Result != "upgraded" {
				b.Logf("%s: %s after %.2fs: %s", m.Slot, m.Result, m.Seconds, m.Message)
			}
		}
		b.Fatalf("%d modules: %d in the summary, %d upgraded", n, r.sum.Total, r.sum.Upgraded)
	}
}

func report(b *testing.B, scenario string, n int, runs []batchRun) {
	var wall, batchS, slowest, cpu, rss, dlCPU, dlWall, lines, peak float64
	for _, r := range runs {
		wall += r.wall.Seconds()
		batchS += r.sum.Seconds
		cpu += r.cpu.Seconds()
		rss = max(rss, float64(r.maxRSSKB)/1024)
		var s float64
		for _, m := range r.modules {
			s = max(s, m.Seconds)
		}
		slowest += s
		f := readLog(b, r.db)
		if !f.dlFrom.IsZero() && f.dlTo.After(f.dlFrom) {
			dlCPU += cpuBetween(r.samples, f.dlFrom, f.dlTo).Seconds()
			dlWall += f.dlTo.Sub(f.dlFrom).Seconds()
		}
		lines += float64(f.lines)
		peak = max(peak, float64(f.peakLinesSec))
	}
	k := float64(len(runs))
	if ref, ok := singleRef(scenario); ok {
		b.ReportMetric(wall/k/ref, "x-single")
	}
	b.ReportMetric(batchS/k, "batch-s")
	b.ReportMetric(slowest/k, "slowest-s")
	b.ReportMetric(cpu/k/float64(n)*1000, "cpu-ms/module")
	b.ReportMetric(cpu/wall*100, "cpu-%core")
	if dlWall > 0 {
		b.ReportMetric(dlCPU/dlWall*100, "dl-cpu-%core")
		b.ReportMetric(dlWall/k, "dl-window-s")
	}
	b.ReportMetric(rss, "peak-MiB")
	b.ReportMetric(lines/k/float64(n), "lines/module")
	b.ReportMetric(peak, "peak-lines/s")
	b.Logf("%s N=%d speed %g: wall %.2fs, summary %.2fs, slowest module %.2fs, CPU %v, peak RSS %.1f MB",
		scenario, n, *flagSpeed, wall/k, batchS/k, slowest/k, time.Duration(cpu/k*float64(time.Second)).Round(time.Millisecond), rss)
}
