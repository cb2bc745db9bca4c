package upgrade

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// requestsLogged is how many requests the log holds for imei today.
func requestsLogged(t *testing.T, log Log, imei string) int {
	t.Helper()
	n, err := log.RequestsSince(imei, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sameCount waits until the platform has counted every request the log
// holds for imei (the module's own request after its reboot reaches the
// platform moments after the log counts it), and fails if the platform
// ever counts more than the log: a request the ban budget never saw.
func sameCount(t *testing.T, f *sim.Fleet, log Log, imei string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		logged, served := requestsLogged(t, log, imei), f.Platform().Requests(imei)
		if served > logged {
			t.Fatalf("%s: the platform counted %d requests, the log %d", imei, served, logged)
		}
		if served == logged {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the log holds %d requests, the platform counted %d", imei, logged, served)
		}
		time.Sleep(10 * time.Millisecond) // polling the platform's count: it has no event to wait for
	}
}

// A module that echoes AT+UPGRADE at once but answers OK late has asked
// the server all the same: the request counts from the moment it was
// written, and the machine follows the download it started to the end.
func TestLateUpgradeOKIsFollowed(t *testing.T) {
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
		s.Faults.LateUpgradeOK = 300 * time.Second // 3 s at the tests' speed
	}}, log, nil)
	cfg := fast(Config{Mode: ModeIoT})
	cfg.CommandTimeout = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := e.NewBatch(cfg).Run(ctx, nil, nil)
	imei := ff.Modules[0].IMEI
	if len(rs) != 1 || rs[0].Outcome != Upgraded || rs[0].Requests != 2 {
		t.Fatalf("want upgraded with 2 requests (its own after the reboot too), got %+v", rs)
	}
	sameCount(t, f, log, imei)
}

// Cancel after the request has gone out but before the first +UPGRADEIND:
// the module is asking the server, so the machine follows it to a safe end
// (here its upgrade and reboot) and counts every request.
func TestCancelBetweenRequestAndProgress(t *testing.T) {
	log := newMemLog()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, f, ff := fleetSim(t, sim.Config{Modules: 2, Scenario: "happy"}, log, func(ev Event) {
		if ev.Sentence.Key() == "request.sent" {
			cancel() // the request is on its way; no +UPGRADEIND yet
		}
	})
	done := make(chan []Result, 1)
	go func() { done <- e.NewBatch(fast(Config{Mode: ModeIoT})).Run(ctx, nil, nil) }()
	var rs []Result
	select {
	case rs = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the batch did not end")
	}
	sent := 0
	for _, r := range rs {
		sent += r.Requests
		switch {
		case r.Requests > 0 && r.Outcome != Upgraded:
			t.Errorf("%s: its request went out, yet it ended %s (%s): the module upgrades unwatched", r.Slot, r.Outcome, r.Sentence.String())
		case r.Requests == 0 && r.Outcome != Cancelled:
			t.Errorf("%s: no request, yet %s (%s)", r.Slot, r.Outcome, r.Sentence.String())
		}
	}
	if sent == 0 {
		t.Fatal("no request went out before the cancel")
	}
	for _, m := range ff.Modules {
		sameCount(t, f, log, m.IMEI)
	}
}

// A module found downloading already (an earlier run was killed after its
// request) is followed to its end: no second AT+UPGRADE (which it would
// refuse with ERROR), its request counted once.
func TestDownloadUnderWayIsFollowed(t *testing.T) {
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
		s.Faults.ProgressStep = 40 * time.Second // 0.4 s a step at the tests' speed
	}}, log, nil)
	m := ff.Modules[0]
	// The earlier run: its request, through the module's other AT port.
	s, err := device.Open(f.Module(m.Slot).Dir()+"/if02", device.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := device.Trigger(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
	for { // the module's own pace: there is no event to wait for
		st, err := device.QueryUpgrade(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == 1 && st.Percent >= 10 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Close()
	rs := e.NewBatch(fast(Config{Mode: ModeIoT})).Run(ctx, nil, nil)
	if len(rs) != 1 || rs[0].Outcome != Upgraded || rs[0].Requests != 2 {
		t.Fatalf("want upgraded with its request and its own after the reboot counted, got %+v", rs)
	}
	if log.sent("AT+UPGRADE") {
		t.Errorf("the engine sent AT+UPGRADE to a module that was downloading already")
	}
	sameCount(t, f, log, m.IMEI)
}

// A run killed after its requests leaves modules downloading or rebooting
// on their own. The next run finds them in the log (interrupted after a
// request): one already back on the new version is verified, one still
// rebooting is awaited, and neither is asked again nor failed.
func TestUnfinishedModulesAreFollowed(t *testing.T) {
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 2, Scenario: "happy", Tweak: func(i int, s *sim.ModuleSpec) {
		s.Faults.SlowReboot = i == 0 // 1.5 s at the tests' speed: still away when the batch starts
	}}, log, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The earlier run: its requests (logged), then it died.
	for _, m := range ff.Modules {
		s, err := device.Open(f.Module(m.Slot).Dir()+"/if02", device.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := device.Trigger(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		log.Event(0, 0, Event{Time: time.Now(), IMEI: m.IMEI, Slot: m.Slot}, KindRequest)
		log.unfinished = append(log.unfinished, Unfinished{IMEI: m.IMEI, Slot: m.Slot, From: m.Core})
	}
	// Wait until the fast one is back on its new version.
	back := ff.Modules[1]
	for {
		ch := e.Sessions().Changed()
		if a := e.Sessions().Module(back.Slot); a.Alive() && a.Info.Firmware.Core != back.Core {
			break
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatal("the module never came back from its upgrade")
		}
	}
	rs := e.NewBatch(fast(Config{Mode: ModeIoT})).Run(ctx, nil, nil)
	if len(rs) != 2 {
		t.Fatalf("%d results, want 2: %+v", len(rs), rs)
	}
	for _, r := range rs {
		if r.Outcome != Upgraded || r.From == r.To {
			t.Errorf("%s: %s %d→%d (%s), want upgraded", r.Slot, r.Outcome, r.From, r.To, r.Sentence.String())
		}
	}
	if log.sent("AT+UPGRADE") {
		t.Errorf("the engine asked again a module an earlier run had left upgrading")
	}
	for _, m := range ff.Modules {
		sameCount(t, f, log, m.IMEI)
	}
}

// Cancel after the request, then the ports vanish mid-download: the
// module may be rebooting into its new firmware, so the machine waits for
// it to come back before it ends the attempt, rather than leave it at once.
func TestCancelThenPortsGoWaitsForTheModule(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, _, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
		s.Faults.UnplugAt, s.Faults.UnplugFor = 50, 20*time.Second // back 0.2 s later at the tests' speed
	}}, newMemLog(), func(ev Event) {
		if ev.Sentence.Key() == "request.sent" {
			cancel()
		}
	})
	rs := e.NewBatch(fast(Config{Mode: ModeIoT})).Run(ctx, nil, nil)
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	r := rs[0]
	var where Sentence
	if len(r.Sentence.Args) > 0 {
		where, _ = r.Sentence.Args[0].(Sentence)
	}
	if r.IMEI != ff.Modules[0].IMEI || r.Outcome != Cancelled || where.Key() != "when.config" {
		t.Errorf("%s (%s): want cancelled once the module was back (when.config), not as its ports went", r.Outcome, r.Sentence.String())
	}
}

// downLog is a log whose disk refuses every commit: what it is given
// stays queued and Sync fails, as a full disk or a lock held too long do.
type downLog struct{ *memLog }

func (l downLog) Sync(context.Context) error { return errors.New("disk full") }

// A request counts from the moment its bytes leave, whatever follows, a
// kill -9 too: so it is on the disk before they leave. When the log cannot
// commit it, the request is not sent at all and the module is held with
// the reason; before, it went out with its count still in the writer's
// queue, lost to a crash in the next 250 ms.
func TestRequestNotSentUnlessLogged(t *testing.T) {
	log := downLog{newMemLog()}
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy"}, log, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := e.NewBatch(fast(Config{Mode: ModeIoT})).Run(ctx, nil, nil)
	imei := ff.Modules[0].IMEI
	if n := f.Platform().Requests(imei); n != 0 {
		t.Errorf("the platform was asked %d times though the log could not record a request", n)
	}
	if len(rs) != 1 || rs[0].Outcome != Held || !rs[0].Sentence.Is(msgHeldLogDown) || rs[0].Requests != 0 {
		t.Fatalf("want held (the log cannot record the request), no request; got %+v", rs)
	}
	if log.sent("AT+UPGRADE") {
		t.Error("AT+UPGRADE was written to the module")
	}
}

// The request is out and the module stops answering (a stall) while it
// goes on downloading: AT+UPGRADE? in a silence gets no answer until the
// ports go with the module's reboot into the new firmware. That is the
// module going away after its request, not a port lost before anything
// was asked: the machine follows it as a reboot, and counts the request
// the module makes by itself once back. It used to end the attempt on the
// query's error and wait for the module as for an unplug; when the
// module took longer than the reboot timeout, its own request after the
// reboot was counted by no log.
func TestQueryLostToTheRebootCountsTheModulesOwnRequest(t *testing.T) {
	log := newMemLog()
	var fleet atomic.Pointer[sim.Fleet]
	var stalled atomic.Bool
	emit := func(e Event) {
		if f := fleet.Load(); f != nil && e.Step == StateDownloading && stalled.CompareAndSwap(false, true) {
			f.Module(e.Slot).Stall(20 * time.Second) // past the download and the command timeout
		}
	}
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
		s.Faults.ProgressStep = 40 * time.Second // 0.4 s a step at the tests' speed
	}}, log, emit)
	fleet.Store(f)
	imei := ff.Modules[0].IMEI
	cfg := fast(Config{Mode: ModeIoT})
	cfg.ProgressTimeout = 100 * time.Millisecond // a silence between two steps: the machine asks
	cfg.CommandTimeout = 30 * time.Second        // the stalled query ends with the ports, not by itself
	cfg.RebootTimeout = 50 * time.Millisecond    // the module is back later than the machine waits
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := e.NewBatch(cfg).Run(ctx, nil, nil)
	if len(rs) != 1 || !stalled.Load() {
		t.Fatalf("want one result after a download, got %+v (stalled %v)", rs, stalled.Load())
	}
	// The module's own request after its reboot reaches the platform
	// moments after the batch: wait for it (no event to wait for).
	for f.Platform().Requests(imei) < 2 {
		if ctx.Err() != nil {
			t.Fatalf("the module never asked by itself after its reboot (platform: %d requests)", f.Platform().Requests(imei))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logged, asked := requestsLogged(t, log, imei), f.Platform().Requests(imei); logged < asked {
		t.Errorf("the platform counted %d requests, the log %d (result %s: %s)", asked, logged, rs[0].Outcome, rs[0].Sentence.String())
	}
}

// A download that makes no progress for four silences in a row is given
// up, but the module may still finish it on its own, reboot into the new
// firmware and ask the server by itself: that request counts when the
// machine gives up, as after any download it stops watching. (Here the
// module is only slow: a step every second.)
func TestStuckDownloadCountsTheModulesOwnRequest(t *testing.T) {
	log := newMemLog()
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy", Tweak: func(_ int, s *sim.ModuleSpec) {
		s.Faults.ProgressStep = 100 * time.Second // 1 s a step at the tests' speed
	}}, log, nil)
	imei := ff.Modules[0].IMEI
	cfg := fast(Config{Mode: ModeIoT})
	cfg.ProgressTimeout = 100 * time.Millisecond // four silences pass between two steps
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs := e.NewBatch(cfg).Run(ctx, nil, nil)
	if len(rs) != 1 || rs[0].Outcome != Failed || !strings.Contains(rs[0].Sentence.String(), "no progress") {
		t.Fatalf("want the download given up as stuck, got %+v", rs)
	}
	for f.Platform().Requests(imei) < 2 { // the module's own pace: no event to wait for
		if ctx.Err() != nil {
			t.Fatalf("the module never asked by itself after its reboot (platform: %d requests)", f.Platform().Requests(imei))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if logged, asked := requestsLogged(t, log, imei), f.Platform().Requests(imei); logged < asked {
		t.Errorf("the platform counted %d requests, the log %d", asked, logged)
	}
}

// stuckLog is a log whose commits never end until the caller gives up;
// waiting is closed when the first Sync starts.
type stuckLog struct {
	*memLog
	waiting chan struct{}
	once    sync.Once
}

func (l *stuckLog) Sync(ctx context.Context) error {
	l.once.Do(func() { close(l.waiting) })
	<-ctx.Done()
	return ctx.Err()
}

// A cancel that comes while a request waits for its record to be saved
// is a cancel: the module is cancelled, nothing sent, not held for a log
// fault (CI saw "held: the log could not record it (context canceled …)"
// for a Ctrl-C while another program held the log's lock).
func TestCancelWhileTheRequestWaitsForTheLog(t *testing.T) {
	log := &stuckLog{memLog: newMemLog(), waiting: make(chan struct{})}
	e, f, ff := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy"}, log, nil)
	cfg := fast(Config{Mode: ModeIoT})
	cfg.CommandTimeout = time.Minute // the cancel, not the command's timeout, ends the wait
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan []Result, 1)
	go func() { done <- e.NewBatch(cfg).Run(ctx, nil, nil) }()
	<-log.waiting
	cancel()
	rs := <-done
	if len(rs) != 1 || rs[0].Outcome != Cancelled || rs[0].Requests != 0 {
		t.Fatalf("want cancelled with no request, got %+v", rs)
	}
	if n := f.Platform().Requests(ff.Modules[0].IMEI); n != 0 {
		t.Errorf("the platform was asked %d times", n)
	}
}
