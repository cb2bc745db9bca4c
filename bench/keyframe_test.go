//go:build !windows

package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"airfleet/device"
	"airfleet/tui"
	"airfleet/upgrade"
)

// BenchmarkKeyToFrame256 measures how fast the console answers a key while
// a 256-module batch runs.
//
// The simulator runs in its own process (`airfleet sim --modules 256
// --scenario happy`). This process runs the console as `airfleet demo`
// does: an upgrade.Controller over the fleet directory and the log, and
// tui.Run with the real Bubble Tea program, forwarder and renderer
// (160×48, true colour), whose input is a pipe and whose output is a
// recording writer. Once every module is identified the benchmark types
// "s" (start all), then, until every module has a final result, types "j"
// or "k" (cursor down/up) every 80–120 ms, each followed by F12 (bound to
// nothing) so that the program's next message comes at once. For each
// press:
//
//   - queue-ms: the key written to the pipe → its KeyPressMsg reaches
//     Update (tea.WithFilter sees it just before Update);
//   - update-view-ms: that Update → the next message reaches the filter,
//     which Bubble Tea does only after View() has returned and the view
//     went to the renderer: the key's Update + View;
//   - key-frame-ms: the key written → the first write to the output after
//     that View, i.e. the frame holding the key (the renderer flushes at
//     most 60 times a second, so up to 16.7 ms of it is the frame clock).
//
// updates/s counts the messages the program handled during the batch (each
// is one Update and one View), frames/s its writes to the output. With
// -args -trail 50ms every press slower than 50 ms is logged with the
// messages the program handled before it.
//
// One op is one whole batch (run with -benchtime 1x); sec/op is therefore
// the batch's wall time, and the latencies are metrics.
func BenchmarkKeyToFrame256(b *testing.B) {
	const n = 256
	bin := airfleetBin(b)
	var all keySamples
	b.ResetTimer()
	for range b.N {
		all.add(runKeyBatch(b, bin, n, *flagSpeed))
	}
	b.StopTimer()
	all.report(b)
}

var flagTrail = flag.Duration("trail", 0, "BenchmarkKeyToFrame256: log the messages behind every press slower than `D`")

// keySamples are the measured presses.
type keySamples struct {
	queue, updateView, frame []time.Duration
	missed                   int
	frames, msgs             int
	batch                    time.Duration
	// CPU of this process (the console) and of the simulator during the
	// batch: mean and busiest second, in % of one core (the worst run).
	consoleCPU, consolePeak, simCPU, simPeak float64
}

func (s *keySamples) add(o keySamples) {
	s.queue = append(s.queue, o.queue...)
	s.updateView = append(s.updateView, o.updateView...)
	s.frame = append(s.frame, o.frame...)
	s.missed += o.missed
	s.frames += o.frames
	s.msgs += o.msgs
	s.batch += o.batch
	s.consoleCPU, s.consolePeak = max(s.consoleCPU, o.consoleCPU), max(s.consolePeak, o.consolePeak)
	s.simCPU, s.simPeak = max(s.simCPU, o.simCPU), max(s.simPeak, o.simPeak)
}

func (s *keySamples) report(b *testing.B) {
	if len(s.frame) == 0 {
		b.Fatal("no key press was measured")
	}
	b.ReportMetric(float64(len(s.frame)), "presses")
	b.ReportMetric(float64(s.missed), "missed")
	b.ReportMetric(percentileMS(s.queue, 99), "queue-p99-ms")
	b.ReportMetric(percentileMS(s.updateView, 50), "update-view-p50-ms")
	b.ReportMetric(percentileMS(s.updateView, 99), "update-view-p99-ms")
	b.ReportMetric(percentileMS(s.updateView, 100), "update-view-max-ms")
	b.ReportMetric(meanMS(s.frame), "key-frame-mean-ms")
	b.ReportMetric(percentileMS(s.frame, 50), "key-frame-p50-ms")
	b.ReportMetric(percentileMS(s.frame, 99), "key-frame-p99-ms")
	b.ReportMetric(percentileMS(s.frame, 100), "key-frame-max-ms")
	b.ReportMetric(float64(s.frames)/s.batch.Seconds(), "frames/s")
	b.ReportMetric(float64(s.msgs)/s.batch.Seconds(), "updates/s")
	b.ReportMetric(s.consoleCPU*100, "console-cpu-%core")
	b.ReportMetric(s.consolePeak*100, "console-peak1s-%core")
	b.ReportMetric(s.simCPU*100, "sim-cpu-%core")
	b.ReportMetric(s.simPeak*100, "sim-peak1s-%core")
}

// probe watches the program: the filter sees every message before Update,
// Write sees every frame.
type probe struct {
	mu      sync.Mutex
	state   probeState
	want    string // the key being measured
	keyAt   time.Time
	updAt   time.Time
	nextAt  time.Time
	frameAt time.Time
	done    chan struct{}
	frames  int // writes to the output
	// earlyWrites counts the writes between the key's Update and the next
	// message: a frame flushed there may already show the key, and the
	// frame after the next message then has nothing new to write.
	earlyWrites int
	earlyAt     time.Time // the last of them
	msgs        int       // messages handled (each is an Update and a View)
	trail       []step    // messages handled while the key waited, and after it
}

// step is one message the program handled: its type and when it reached
// the filter.
type step struct {
	what string
	at   time.Time
}

type probeState int

const (
	probeIdle     probeState = iota
	probeWaitKey             // written to the pipe, not yet at Update
	probeWaitNext            // at Update; waiting for the next message
	probeWaitDraw            // View returned; waiting for the next frame
)

func (p *probe) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs++
	if p.state == probeWaitKey || p.state == probeWaitNext {
		p.trail = append(p.trail, step{fmt.Sprintf("%T", msg), now})
	}
	switch p.state {
	case probeWaitNext:
		p.nextAt, p.state = now, probeWaitDraw
		if p.earlyWrites > 0 {
			// The renderer flushed between the key's Update and now. If
			// that frame was the one before the key's View, the key's own
			// frame follows at the next tick (it differs); if it already
			// showed the key, nothing follows until the screen changes
			// again, which can be a second away. So: no write within two
			// frames means the early write was the key's frame.
			done, at := p.done, p.earlyAt
			time.AfterFunc(2*time.Second/60, func() {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.state == probeWaitDraw && p.done == done {
					p.frameAt, p.state = at, probeIdle
					close(done)
				}
			})
		}
	case probeWaitKey:
		if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == p.want {
			p.updAt, p.state = now, probeWaitNext
		}
	}
	return msg
}

func (p *probe) Write(b []byte) (int, error) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frames++
	if p.state == probeWaitNext {
		p.earlyWrites++
		p.earlyAt = now
	}
	if p.state == probeWaitDraw {
		p.frameAt, p.state = now, probeIdle
		close(p.done)
	}
	return len(b), nil
}

// press types key (and F12 after it) and waits for the frame that shows it.
// trail says which messages the program handled from the key's write to the
// key's View, and how long each took.
func (p *probe) press(w *os.File, key string) (queue, updateView, frame time.Duration, trail string, err error) {
	p.mu.Lock()
	p.state, p.want, p.done, p.trail, p.earlyWrites = probeWaitKey, key, make(chan struct{}), p.trail[:0], 0
	done := p.done
	p.keyAt = time.Now()
	p.mu.Unlock()
	if _, err := w.Write([]byte(key + "\x1b[24~")); err != nil {
		return 0, 0, 0, "", err
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.mu.Lock()
		p.state = probeIdle
		p.mu.Unlock()
		return 0, 0, 0, "", errors.New("no frame within 10 s")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	prev := p.keyAt
	for i, st := range p.trail {
		if i > 0 {
			fmt.Fprintf(&b, "%s %.1fms; ", p.trail[i-1].what, float64(st.at.Sub(prev))/1e6)
		} else {
			fmt.Fprintf(&b, "(wait %.1fms) ", float64(st.at.Sub(prev))/1e6)
		}
		prev = st.at
	}
	if p.earlyWrites > 0 {
		fmt.Fprintf(&b, "[%d frame(s) written between the key's Update and the next message]", p.earlyWrites)
	}
	return p.updAt.Sub(p.keyAt), p.nextAt.Sub(p.updAt), p.frameAt.Sub(p.keyAt), b.String(), nil
}

// fleetWatch counts identified and finished modules from the engine's events.
type fleetWatch struct {
	mu                sync.Mutex
	n                 int
	idle, final       map[string]bool
	last              map[string]upgrade.Event // each slot's latest event
	upgraded          int
	allIdle, allFinal chan struct{}
}

func newFleetWatch(n int) *fleetWatch {
	return &fleetWatch{n: n, idle: map[string]bool{}, final: map[string]bool{}, last: map[string]upgrade.Event{},
		allIdle: make(chan struct{}), allFinal: make(chan struct{})}
}

func (f *fleetWatch) observe(e upgrade.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last[e.Slot] = e
	if e.Step == upgrade.StateIdle && e.IMEI != "" && !f.idle[e.Slot] {
		if f.idle[e.Slot] = true; len(f.idle) == f.n {
			close(f.allIdle)
		}
	}
	if e.Result != nil && e.Step.Final() && !f.final[e.Slot] {
		if e.Result.Outcome == upgrade.Upgraded {
			f.upgraded++
		}
		if f.final[e.Slot] = true; len(f.final) == f.n {
			close(f.allFinal)
		}
	}
}

// unfinished lists the slots without a result and their latest event.
func (f *fleetWatch) unfinished() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for slot, e := range f.last {
		if !f.final[slot] {
			fmt.Fprintf(&b, "  %s %s %s %s: %s\n", slot, e.IMEI, e.Time.Format("15:04:05.000"), e.Step, e.Sentence.String())
		}
	}
	return b.String()
}

// runKeyBatch runs one batch of n modules under the console and measures
// key presses while it runs.
func runKeyBatch(b *testing.B, bin string, n int, speed float64) (s keySamples) {
	b.StopTimer()
	tmp := b.TempDir()
	sim := startSim(b, bin, tmp, n, "happy", speed)
	defer sim.stop()
	log, err := upgrade.OpenStoreLog(filepath.Join(tmp, "airfleet.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()

	// The demo's settings: the console's waits scaled like the fleet's.
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }
	cfg := upgrade.Config{Mode: upgrade.ModeIoT, RetryAfter: scale(90 * time.Second), RebootTimeout: scale(180 * time.Second),
		ProgressTimeout: scale(60 * time.Second), NetworkTimeout: scale(60 * time.Second), Station: "bench"}
	watch := newFleetWatch(n)
	ctl := upgrade.NewController(&device.DirSource{Dir: sim.dir}, log, cfg,
		upgrade.EngineOptions{Interval: 100 * time.Millisecond, Emit: watch.observe})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctlDone := make(chan struct{})
	go func() { ctl.Run(ctx); close(ctlDone) }()

	in, keys, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	defer keys.Close()
	p := &probe{}
	tuiDone := make(chan error, 1)
	go func() {
		tuiDone <- tui.Run(ctx, ctl, tui.Options{Lang: "en", ProgramOptions: []tea.ProgramOption{
			tea.WithInput(in), tea.WithOutput(p), tea.WithWindowSize(160, 48), tea.WithFilter(p.filter),
			tea.WithEnvironment([]string{"TERM=xterm-256color", "COLORTERM=truecolor", "TTY_FORCE=1"}),
			tea.WithoutSignalHandler(),
		}})
	}()
	defer func() {
		cancel()
		<-tuiDone
		go func() {
			for range ctl.Events() { // nobody reads them once the console is gone
			}
		}()
		<-ctlDone
	}()

	select {
	case <-watch.allIdle:
	case err := <-tuiDone:
		b.Fatalf("the console ended before the modules were identified: %v", err)
	case <-time.After(2 * time.Minute):
		b.Fatal("the modules were not identified within 2 minutes")
	}
	time.Sleep(200 * time.Millisecond) // let the console fold the discovery events
	b.StartTimer()
	start := time.Now()
	if _, err := keys.Write([]byte("s")); err != nil {
		b.Fatal(err)
	}
	frames0, msgs0 := p.counts()
	stopSampling := make(chan struct{})
	consoleSamples, simSamples := make(chan []cpuSample, 1), make(chan []cpuSample, 1)
	go func() { consoleSamples <- sampleCPU(os.Getpid(), stopSampling) }()
	go func() { simSamples <- sampleCPU(sim.cmd.Process.Pid, stopSampling) }()
	defer func() {
		close(stopSampling)
		cs, ss := <-consoleSamples, <-simSamples
		s.consoleCPU, s.consolePeak = meanCPU(cs), peakCPU(cs, time.Second)
		s.simCPU, s.simPeak = meanCPU(ss), peakCPU(ss, time.Second)
	}()
	deadline := time.After(time.Duration(float64(10*time.Minute) / speed))
	for i := 0; ; i++ {
		select {
		case <-watch.allFinal:
			s.batch = time.Since(start)
			frames, msgs := p.counts()
			s.frames, s.msgs = frames-frames0, msgs-msgs0
			b.StopTimer()
			watch.mu.Lock()
			ok := watch.upgraded
			watch.mu.Unlock()
			if ok != n {
				b.Errorf("%d of %d modules upgraded", ok, n)
			}
			return s
		case <-deadline:
			b.Fatalf("the batch did not end; %d presses measured; not finished:\n%s", len(s.frame), watch.unfinished())
		default:
		}
		key := "j"
		if i%2 == 1 {
			key = "k"
		}
		q, uv, f, trail, err := p.press(keys, key)
		if err != nil {
			s.missed++
			b.Logf("press %d: %v", i, err)
			continue
		}
		if *flagTrail > 0 && f > *flagTrail {
			b.Logf("press %d at %.1fs: key to frame %.1fms: %s", i, time.Since(start).Seconds(), float64(f)/1e6, trail)
		}
		s.queue, s.updateView, s.frame = append(s.queue, q), append(s.updateView, uv), append(s.frame, f)
		time.Sleep(80*time.Millisecond + rand.N(40*time.Millisecond))
	}
}

func (p *probe) counts() (frames, msgs int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames, p.msgs
}
