package upgrade

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// TestMain keeps the package's slot locks in a directory of its own, away
// from the host's airfleets and the other packages' tests.
func TestMain(m *testing.M) {
	if os.Getenv(device.LockDirEnv) != "" { // chosen by the caller, or a helper process of ours
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "airfleet-upgrade-locks-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(device.LockDirEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lockStation is a station under test over a fleet directory, with the
// slots it saw AT lines of.
type lockStation struct {
	*Sessions
	mu     sync.Mutex
	lines  map[string]int // AT lines per slot
	cancel context.CancelFunc
	done   chan struct{}
}

// startLockStation runs a station over the fleet in dir until the test
// ends (or stop). bound may be nil.
func startLockStation(t *testing.T, dir string, bound func(string) bool) *lockStation {
	t.Helper()
	ls := &lockStation{lines: map[string]int{}, done: make(chan struct{})}
	ls.Sessions = NewSessions(&device.DirSource{Dir: dir}, SessionsOptions{
		Interval: 20 * time.Millisecond, IdlePoll: 20 * time.Millisecond, Bound: bound,
		Transcript: func(slot, _ string, _ device.Record) {
			ls.mu.Lock()
			ls.lines[slot]++
			ls.mu.Unlock()
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	ls.cancel = cancel
	go func() { ls.Run(ctx); close(ls.done) }()
	t.Cleanup(ls.stop)
	return ls
}

func (ls *lockStation) stop() {
	ls.cancel()
	<-ls.done
}

func (ls *lockStation) linesOf(slot string) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.lines[slot]
}

// waitFor waits, on the station's changes, until ok holds.
func (ls *lockStation) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		ch := ls.Changed()
		if ok() {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("no %s within 30 s", what)
		}
	}
}

// simFleet starts a simulated fleet in a new directory.
func simFleet(t *testing.T, n int) *sim.Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{Dir: t.TempDir(), Modules: n, Scenario: "happy", Speed: simSpeed})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Close() })
	return f
}

// inUse returns a's *device.InUseError, or nil.
func inUse(a *Module) *device.InUseError {
	if a == nil {
		return nil
	}
	iu, _ := errors.AsType[*device.InUseError](a.Err)
	return iu
}

// Two stations started together on one fleet (two consoles, or a console
// and an upgrade, as two processes would be): each module is opened by
// exactly one; the other says it is in use, naming the PID, and never
// sent it a byte. When the owner stops, the other takes the module over
// without a replug.
func TestTwoStationsOneFleet(t *testing.T) {
	f := simFleet(t, 4)
	st := []*lockStation{startLockStation(t, f.Dir(), nil), startLockStation(t, f.Dir(), nil)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range st {
		if err := s.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	owner := map[string]int{}
	for _, m := range f.Modules() {
		slot := m.Slot()
		var owners []int
		for i, s := range st {
			a := s.Module(slot)
			switch iu := inUse(a); {
			case a != nil && a.Err == nil && a.Alive():
				owners = append(owners, i)
			case iu != nil && iu.PID == os.Getpid() && iu.Slot == slot:
				if n := s.linesOf(slot); n != 0 {
					t.Errorf("%s: station %d was refused the module, yet exchanged %d AT lines with it", slot, i, n)
				}
				if zh := errSentence(a.Err).In("zh"); !strings.Contains(zh, "槽位 "+slot+" 的模块正被另一个 airfleet(PID ") {
					t.Errorf("%s in Chinese: %q", slot, zh)
				}
			default:
				t.Errorf("%s in station %d: %+v, want identified or in use by this PID", slot, i, a)
			}
		}
		if len(owners) != 1 {
			t.Fatalf("%s is open in stations %v, want exactly one", slot, owners)
		}
		owner[slot] = owners[0]
	}

	// The owner of the first module stops: the other takes it over.
	slot := f.Modules()[0].Slot()
	o := owner[slot]
	st[o].stop()
	other := st[1-o]
	other.waitFor(t, "takeover of "+slot, func() bool {
		a := other.Module(slot)
		return a != nil && a.Err == nil && a.Alive()
	})
}

// A module the station owns keeps its lock while it is away with an
// attempt bound to its slot (the reboot after a download), however long;
// with no attempt bound it is let go after the grace.
func TestSlotLockHeldThroughReboot(t *testing.T) {
	f := simFleet(t, 1)
	m := f.Modules()[0]
	var bound atomic.Bool
	asked := make(chan bool, 64) // each answer the station got, as it asks
	s := startLockStation(t, f.Dir(), func(string) bool {
		v := bound.Load()
		select {
		case asked <- v:
		default:
		}
		return v
	})
	s.locks.grace = 10 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	cands, err := (&device.DirSource{Dir: f.Dir()}).List()
	if err != nil || len(cands) != 1 {
		t.Fatalf("List() = %v, %v", cands, err)
	}
	c := cands[0]
	tryLock := func() error {
		l, err := device.LockSlot("", c)
		if err == nil {
			l.Close()
		}
		return err
	}
	// nextAsked waits for the station to ask whether an attempt is bound.
	nextAsked := func() bool {
		t.Helper()
		select {
		case v := <-asked:
			return v
		case <-ctx.Done():
			t.Fatal("the station never asked whether an attempt is bound")
			return false
		}
	}

	bound.Store(true)
	m.Unplug()
	for range 3 { // three graces pass, the attempt bound each time
		nextAsked()
	}
	if _, ok := errors.AsType[*device.InUseError](tryLock()); !ok {
		t.Fatal("the lock of a module away with an attempt bound was let go")
	}
	m.Plug()
	s.waitFor(t, "the module's return", func() bool { a := s.Module(m.Slot()); return a != nil && a.Err == nil && a.Alive() })

	bound.Store(false)
	m.Unplug()
	for nextAsked() {
	}
	// A barrier: the release is done under the mutex, right after the answer.
	s.locks.mu.Lock()
	//lint:ignore SA2001 the critical section is empty on purpose (a barrier)
	s.locks.mu.Unlock()
	if err := tryLock(); err != nil {
		t.Fatalf("the lock of a module gone with no attempt bound was not let go: %v", err)
	}
}

// Two engines on one fleet run a batch each at the same time: each module
// is upgraded by exactly one, whose log alone holds its requests (the
// other's station sees it come back from its reboot and leaves it alone),
// and the other batch reports it in use.
func TestTwoEnginesOneFleet(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 4, Scenario: "happy", Speed: simSpeed})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	logs := []*memLog{newMemLog(), newMemLog()}
	engines := make([]*Engine, 2)
	var wg sync.WaitGroup
	for i := range engines {
		engines[i] = NewEngine(&device.DirSource{Dir: f.Dir()}, logs[i], EngineOptions{Interval: 20 * time.Millisecond})
		wg.Add(1)
		go func() { defer wg.Done(); engines[i].Run(ctx) }()
	}
	defer wg.Wait()
	defer cancel()
	results := make([]map[string]Result, 2) // by slot
	var bwg sync.WaitGroup
	for i, e := range engines {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
			defer wcancel()
			if err := e.Sessions().WaitReady(wctx); err != nil {
				t.Error(err)
				return
			}
			results[i] = map[string]Result{}
			for _, r := range e.NewBatch(fast(Config{Mode: ModeIoT, Force: true})).Run(ctx, nil, nil) {
				results[i][r.Slot] = r
			}
		}()
	}
	bwg.Wait()
	if t.Failed() {
		return
	}
	for _, m := range f.Modules() {
		var drivers []int
		for i, l := range logs {
			if n, _ := l.RequestsSince(m.IMEI(), time.Time{}); n > 0 {
				drivers = append(drivers, i)
			}
		}
		if len(drivers) != 1 {
			t.Errorf("%s: requests in the logs of engines %v, want exactly one", m.Slot(), drivers)
			continue
		}
		d := drivers[0]
		if r := results[d][m.Slot()]; r.Outcome != Upgraded {
			t.Errorf("%s: engine %d drove it: %s %s", m.Slot(), d, r.Outcome, r.Sentence.String())
		}
		want := fmt.Sprintf("module in slot %s is in use by airfleet PID %d", m.Slot(), os.Getpid())
		if r := results[1-d][m.Slot()]; r.Outcome != Failed || !strings.HasPrefix(r.Sentence.String(), want) {
			t.Errorf("%s: engine %d says %s %q, want failed, %q", m.Slot(), 1-d, r.Outcome, r.Sentence.String(), want)
		}
	}
	// Asked for a module by IMEI, the engine that was refused it says it
	// may be the one in use: it never learnt the IMEI.
	m := f.Modules()[0]
	var refused int
	for i, l := range logs {
		if n, _ := l.RequestsSince(m.IMEI(), time.Time{}); n == 0 {
			refused = i
		}
	}
	rs := engines[refused].NewBatch(fast(Config{Mode: ModeIoT})).Run(ctx, []string{m.IMEI()}, nil)
	if len(rs) != 1 || rs[0].Outcome != Failed || !strings.Contains(rs[0].Sentence.String(), "slot "+m.Slot()) ||
		!strings.Contains(rs[0].Sentence.String(), "another airfleet") {
		t.Errorf("--imei %s on the engine refused it: %+v", m.IMEI(), rs)
	}
}
