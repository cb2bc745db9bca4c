package device

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// eventDeadline is how long a test waits for an event before failing; far
// beyond the one second a change takes to be reported.
const eventDeadline = 10 * time.Second

// nextDeviceEvent returns the next change; Listed is skipped
// (TestWatchListed checks it).
func nextDeviceEvent(t *testing.T, ch <-chan DeviceEvent) DeviceEvent {
	t.Helper()
	for {
		if ev := nextEventOrListed(t, ch); ev != (Listed{}) {
			return ev
		}
	}
}

func nextEventOrListed(t *testing.T, ch <-chan DeviceEvent) DeviceEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event channel closed early")
		}
		return ev
	case <-time.After(eventDeadline):
		t.Fatal("no event in time")
	}
	return nil
}

// Listed comes once, after the modules present at the start, and also
// when there are none: an empty station is known to be empty (issue 12.2).
func TestWatchListed(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	empty := &fakeSource{}
	evs := Watch(ctx, empty, time.Millisecond)
	if ev := nextEventOrListed(t, evs); ev != (Listed{}) {
		t.Fatalf("empty source: got %#v, want Listed", ev)
	}
	a := watchCandidate("1-1", "/dev/ttyACM5")
	empty.set([]Candidate{a}, nil)
	if ev := nextEventOrListed(t, evs); !reflect.DeepEqual(ev, Attached{a}) {
		t.Fatalf("got %#v, want Attached and no second Listed", ev)
	}

	two := &fakeSource{list: []Candidate{a, watchCandidate("1-2", "/dev/ttyACM8")}}
	evs2 := Watch(ctx, two, time.Millisecond)
	wantAttached(t, evs2, "1-1", "/dev/ttyACM5")
	wantAttached(t, evs2, "1-2", "/dev/ttyACM8")
	if ev := nextEventOrListed(t, evs2); ev != (Listed{}) {
		t.Fatalf("got %#v, want Listed after the modules present", ev)
	}
	cancel()
	waitClosed(t, evs)
	waitClosed(t, evs2)
}

func wantAttached(t *testing.T, ch <-chan DeviceEvent, slot, atPort string) Candidate {
	t.Helper()
	ev := nextDeviceEvent(t, ch)
	a, ok := ev.(Attached)
	if !ok || a.Candidate.Slot != slot || a.Candidate.ATPort != atPort {
		t.Fatalf("got %#v, want Attached %s on %s", ev, slot, atPort)
	}
	return a.Candidate
}

func wantDetached(t *testing.T, ch <-chan DeviceEvent, slot string) Detached {
	t.Helper()
	ev := nextDeviceEvent(t, ch)
	d, ok := ev.(Detached)
	if !ok || d.Slot != slot {
		t.Fatalf("got %#v, want Detached %s", ev, slot)
	}
	return d
}

// waitClosed drains ch until it closes.
func waitClosed(t *testing.T, ch <-chan DeviceEvent) {
	t.Helper()
	deadline := time.After(eventDeadline)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("event channel not closed after cancel")
		}
	}
}

func TestWatchDirPlugRebootUnplug(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fleet := filepath.Join(t.TempDir(), "fleet")
	writeTestFile(t, filepath.Join(fleet, "platform.json"), "{}")
	a := plugModule(t, fleet, "1-1.4.2")

	evs := Watch(ctx, &DirSource{Dir: fleet}, 20*time.Millisecond)
	wantAttached(t, evs, "1-1.4.2", a[6])

	b := plugModule(t, fleet, "1-1.4.3")
	wantAttached(t, evs, "1-1.4.3", b[6])

	// Reboot: the links go, then come back on new ptys.
	unplugModule(t, fleet, "1-1.4.2")
	if d := wantDetached(t, evs, "1-1.4.2"); d.Last.ATPort != a[6] {
		t.Errorf("Detached.Last = %v", d.Last)
	}
	a2 := plugModule(t, fleet, "1-1.4.2")
	wantAttached(t, evs, "1-1.4.2", a2[6])

	if err := os.RemoveAll(filepath.Join(fleet, "1-1.4.3")); err != nil {
		t.Fatal(err)
	}
	wantDetached(t, evs, "1-1.4.3")

	// The directory vanishing is reported, and the watch goes on.
	if err := os.Rename(fleet, fleet+".away"); err != nil {
		t.Fatal(err)
	}
	if ev, ok := nextDeviceEvent(t, evs).(ListFailed); !ok || !errors.Is(ev.Err, os.ErrNotExist) {
		t.Fatalf("got %#v, want ListFailed", ev)
	}
	if err := os.Rename(fleet+".away", fleet); err != nil {
		t.Fatal(err)
	}
	c := plugModule(t, fleet, "1-1.4.4")
	wantAttached(t, evs, "1-1.4.4", c[6])

	cancel()
	waitClosed(t, evs)
}

// fakeSource is a Source whose listing tests change at will.
type fakeSource struct {
	mu   sync.Mutex
	list []Candidate
	err  error
}

func (f *fakeSource) set(list []Candidate, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list, f.err = list, err
}

func (f *fakeSource) List() ([]Candidate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list, f.err
}

func watchCandidate(slot, at string) Candidate {
	return Candidate{Slot: slot, Ports: map[int]string{6: at}, ATPort: at, Source: "fake"}
}

func TestWatchChangedWithinOneSecond(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &fakeSource{list: []Candidate{watchCandidate("1-1", "/dev/ttyACM5")}}
	evs := Watch(ctx, src, 0) // default interval

	wantAttached(t, evs, "1-1", "/dev/ttyACM5")
	start := time.Now()
	src.set([]Candidate{watchCandidate("1-1", "/dev/ttyACM8")}, nil)
	ev := nextDeviceEvent(t, evs)
	took := time.Since(start)
	ch, ok := ev.(Changed)
	if !ok || ch.Old.ATPort != "/dev/ttyACM5" || ch.New.ATPort != "/dev/ttyACM8" {
		t.Fatalf("got %#v, want Changed ttyACM5 → ttyACM8", ev)
	}
	t.Logf("change reported after %v", took)
	if took > time.Second {
		t.Errorf("change reported after %v, want within 1s", took)
	}
	cancel()
	waitClosed(t, evs)
}

func TestWatchStopsWithUnreadEvents(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	var list []Candidate
	for _, s := range []string{"a", "b", "c"} {
		list = append(list, watchCandidate(s, s))
	}
	w := Watcher{Source: &fakeSource{list: list}, Interval: time.Millisecond, Settle: 1}
	evs := w.Run(ctx)
	nextDeviceEvent(t, evs) // running; the rest stay unread
	cancel()
	waitClosed(t, evs)
}

func TestWatchStateSettles(t *testing.T) {
	s := newWatchState(2)
	half := Candidate{Slot: "1-1", Ports: map[int]string{2: "p2"}, ATPort: "p2"}
	full := Candidate{Slot: "1-1", Ports: map[int]string{2: "p2", 6: "p6"}, ATPort: "p6"}
	other := Candidate{Slot: "1-1", Ports: map[int]string{2: "q2", 6: "q6"}, ATPort: "q6"}
	steps := []struct {
		list []Candidate
		err  error
		want []DeviceEvent
	}{
		{nil, nil, []DeviceEvent{Listed{}}}, // nothing there, and that is settled
		{[]Candidate{half}, nil, nil},       // if02 back, if06 not yet
		{[]Candidate{full}, nil, nil},       // seen once
		{[]Candidate{full}, nil, []DeviceEvent{Attached{full}}},
		{[]Candidate{full}, nil, nil}, // no change
		{nil, errors.New("EIO"), []DeviceEvent{ListFailed{errors.New("EIO")}}},
		{nil, errors.New("EIO"), nil}, // the same error once
		{nil, nil, nil},               // gone once: could be a glitch
		{[]Candidate{full}, nil, nil}, // back as it was
		{[]Candidate{full}, nil, nil},
		{[]Candidate{other}, nil, nil}, // a reboot between two polls
		{[]Candidate{other}, nil, []DeviceEvent{Changed{Old: full, New: other}}},
		{nil, errors.New("EIO"), []DeviceEvent{ListFailed{errors.New("EIO")}}},
		{nil, nil, nil},
		{nil, nil, []DeviceEvent{Detached{Slot: "1-1", Last: other}}},
		{nil, nil, nil},
	}
	for i, st := range steps {
		got := s.update(st.list, st.err)
		if !reflect.DeepEqual(got, st.want) {
			t.Fatalf("step %d: got %#v, want %#v", i, got, st.want)
		}
	}
	if len(s.seen) != 0 || len(s.known) != 0 {
		t.Errorf("state kept after everything left: seen %v, known %v", s.seen, s.known)
	}
}
