package device

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.uber.org/goleak"
)

// With inotify, a fleet directory is listed when it changes, not polled:
// with a Quiet interval of an hour every change below can only be seen
// through a notification. Plug, unplug, the directory moved away (the
// watcher falls back to polling and reports it) and back.
func TestWatchDirNotified(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fleet := filepath.Join(t.TempDir(), "fleet")
	writeTestFile(t, filepath.Join(fleet, "platform.json"), "{}")
	a := plugModule(t, fleet, "1-1.4.2")

	w := Watcher{Source: &DirSource{Dir: fleet}, Interval: 20 * time.Millisecond, Quiet: time.Hour}
	evs := w.Run(ctx)
	wantAttached(t, evs, "1-1.4.2", a[6])
	if ev := nextEventOrListed(t, evs); ev != (Listed{}) {
		t.Fatalf("got %#v, want Listed", ev)
	}

	// A new slot directory: watched from when it appears.
	b := plugModule(t, fleet, "1-1.4.3")
	wantAttached(t, evs, "1-1.4.3", b[6])

	// A link removed from a watched slot.
	unplugModule(t, fleet, "1-1.4.2")
	wantDetached(t, evs, "1-1.4.2")

	if err := os.Rename(fleet, fleet+".away"); err != nil {
		t.Fatal(err)
	}
	if ev, ok := nextDeviceEvent(t, evs).(ListFailed); !ok || !errors.Is(ev.Err, os.ErrNotExist) {
		t.Fatalf("got %#v, want ListFailed", ev)
	}
	if err := os.Rename(fleet+".away", fleet); err != nil {
		t.Fatal(err)
	}
	// Listed again by polling, then told again.
	e := plugModule(t, fleet, "1-1.4.5")
	wantAttached(t, evs, "1-1.4.5", e[6])
	f := plugModule(t, fleet, "1-1.4.6")
	wantAttached(t, evs, "1-1.4.6", f[6])

	cancel()
	waitClosed(t, evs)
}

// closablePorts is a module whose ptys the test closes itself.
type closablePorts struct {
	ports map[int]string
	files []*os.File
}

func (c *closablePorts) close() {
	for _, f := range c.files {
		f.Close()
	}
	c.files = nil
}

// plugClosable links three fresh ptys into DIR/slot; close removes their
// device nodes and leaves the links dangling.
func plugClosable(t *testing.T, fleet, slot string) *closablePorts {
	t.Helper()
	c := &closablePorts{ports: map[int]string{}}
	t.Cleanup(c.close)
	for _, n := range []int{2, 4, 6} {
		master, slave, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminals here: %v", err)
		}
		c.files = append(c.files, master, slave)
		path, err := filepath.EvalSymlinks(slave.Name())
		if err != nil {
			t.Fatal(err)
		}
		c.ports[n] = path
		linkPort(t, path, filepath.Join(fleet, slot), ifName(n))
	}
	return c
}

// A port's device node going while its link stays behind (a udev link
// while its module reboots) is told. Checked on the notifier itself: a pty
// number freed here may be taken at once by any other process, so the
// listing after it is not this test's to predict (DirSource's tests cover
// a dangling link).
func TestDirNotifyNodeGone(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fleet := t.TempDir()
	mod := plugClosable(t, fleet, "1-1.4.4")
	told, err := (&DirSource{Dir: fleet}).Notify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing has changed since Notify: nothing is told until the nodes
	// go (they are held open here until then, so no other process can
	// make or remove a node of that name).
	mod.close()
	select {
	case <-told:
	case <-time.After(eventDeadline):
		t.Fatal("the ports' device nodes went and nothing was told")
	}
	cancel()
	for range told { // closes once ctx has ended
	}
}

// Notify fails clearly on a directory that is not there; the watcher
// then polls.
func TestDirNotifyMissing(t *testing.T) {
	d := &DirSource{Dir: filepath.Join(t.TempDir(), "none")}
	if _, err := d.Notify(context.Background()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Notify on a missing directory: %v, want ErrNotExist", err)
	}
}
