//go:build !windows

package bench

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/upgrade"
)

var flagDLProfile = flag.String("dlprofile", "", "write a CPU profile of BenchmarkConsoleInProcess256's download window to `FILE`")

// BenchmarkConsoleInProcess256 runs what `airfleet upgrade --mode iot --json`
// runs (the engine, a batch over every module, the SQLite log, the JSON
// lines) in this process, over a 256-module `airfleet sim` process, so that
// -cpuprofile and -memprofile see the console alone:
//
//	go test ./bench/ -run '^$' -bench ConsoleInProcess256 -benchtime 1x -o /tmp/bench.test -cpuprofile /tmp/cpu.out
//	go tool pprof -top /tmp/bench.test /tmp/cpu.out
//
// The wiring follows main.go's cmdUpgrade; BenchmarkBatch measures the real
// command. With -dlprofile FILE (instead of -cpuprofile) the CPU profile
// covers only the download window: from the first download progress to the
// last module's end of download.
func BenchmarkConsoleInProcess256(b *testing.B) {
	const n = 256
	bin := airfleetBin(b)
	speed := *flagSpeed
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		tmp := b.TempDir()
		sim := startSim(b, bin, tmp, n, "happy", speed)
		b.StartTimer()
		ok := consoleBatch(b, sim.dir, filepath.Join(tmp, "airfleet.db"), speed)
		b.StopTimer()
		sim.stop()
		if ok != n {
			b.Fatalf("%d of %d modules upgraded", ok, n)
		}
	}
}

// consoleBatch upgrades every module in dir as cmdUpgrade does and returns
// how many upgraded.
func consoleBatch(b *testing.B, dir, db string, speed float64) int {
	log, err := upgrade.OpenStoreLog(db)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	progress := upgrade.NewProgress(time.Now())
	emit := progress.Observe
	if *flagDLProfile != "" {
		w := newWindowProfile(b, *flagDLProfile)
		defer w.stop()
		emit = func(e upgrade.Event) { progress.Observe(e); w.observe(e) }
	}
	eng := upgrade.NewEngine(&device.DirSource{Dir: dir}, log, upgrade.EngineOptions{Emit: emit})
	ctx, cancel := context.WithCancel(context.Background())
	engineDone := make(chan struct{})
	go func() { eng.Run(ctx); close(engineDone) }()
	defer func() { cancel(); <-engineDone }()

	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	err = eng.Sessions().WaitReady(wctx)
	wcancel()
	if err != nil {
		b.Fatal(err)
	}
	cfg := upgrade.Config{Mode: upgrade.ModeIoT, RetryAfter: time.Duration(float64(90*time.Second) / speed),
		RebootTimeout: 180 * time.Second, Station: "bench", Operator: "bench"}
	start := time.Now()
	results := eng.NewBatch(cfg).Run(ctx, nil, func(r upgrade.Result) {
		io.Discard.Write(upgrade.MarshalLine(r.JSON()))
	})
	sum := upgrade.Summarize(results, time.Since(start))
	io.Discard.Write(upgrade.MarshalLine(sum))
	return sum.Upgraded
}

// windowProfile profiles the CPU from the first download progress until
// every module that downloaded has reached rebooting.
type windowProfile struct {
	mu        sync.Mutex
	b         *testing.B
	f         *os.File
	on, off   bool
	started   time.Time
	loading   map[string]bool
	rebooting map[string]bool
}

func newWindowProfile(b *testing.B, path string) *windowProfile {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	return &windowProfile{b: b, f: f, loading: map[string]bool{}, rebooting: map[string]bool{}}
}

func (w *windowProfile) observe(e upgrade.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e.Step {
	case upgrade.StateDownloading:
		w.loading[e.Slot] = true
		if !w.on {
			w.on, w.started = true, time.Now()
			if err := pprof.StartCPUProfile(w.f); err != nil {
				w.b.Error(err)
			}
		}
	case upgrade.StateRebooting:
		w.rebooting[e.Slot] = true
		if w.on && !w.off && len(w.rebooting) == len(w.loading) && len(w.loading) == 256 {
			w.off = true
			pprof.StopCPUProfile()
			w.b.Logf("download window profiled: %v", time.Since(w.started).Round(time.Millisecond))
		}
	}
}

func (w *windowProfile) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.on && !w.off {
		pprof.StopCPUProfile()
	}
	w.f.Close()
}
