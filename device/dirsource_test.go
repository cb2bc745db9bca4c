package device

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// openTestPty opens a pseudo-terminal for the test's lifetime and returns the
// path of its slave side, the end the console opens.
func openTestPty(t *testing.T) string {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() {
		master.Close()
		slave.Close()
	})
	path, err := filepath.EvalSymlinks(slave.Name())
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// linkPort points dir/name at target the way the simulator does: a new link
// under a temporary name, renamed into place.
func linkPort(t *testing.T, target, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// plugModule links if02, if04 and if06 of slot to fresh ptys, in the
// simulator's order, and returns the ports by interface.
func plugModule(t *testing.T, fleet, slot string) map[int]string {
	t.Helper()
	ports := map[int]string{}
	for _, n := range []int{2, 4, 6} {
		ports[n] = openTestPty(t)
	}
	for _, n := range []int{2, 4, 6} {
		linkPort(t, ports[n], filepath.Join(fleet, slot), ifName(n))
	}
	return ports
}

// unplugModule removes a slot's links, as the simulator does on reboot.
func unplugModule(t *testing.T, fleet, slot string) {
	t.Helper()
	for _, n := range []int{2, 4, 6} {
		if err := os.Remove(filepath.Join(fleet, slot, ifName(n))); err != nil {
			t.Fatal(err)
		}
	}
}

func ifName(n int) string { return "if0" + string(rune('0'+n)) }

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDirList(t *testing.T) {
	fleet := t.TempDir()
	writeTestFile(t, filepath.Join(fleet, "platform.json"), "{}")
	writeTestFile(t, filepath.Join(fleet, "fleet.json"), "{}")

	full := plugModule(t, fleet, "1-1.4.2")
	// No if06: fall back to if02.
	p2, p4 := openTestPty(t), openTestPty(t)
	linkPort(t, p2, filepath.Join(fleet, "1-1.4.3"), "if02")
	linkPort(t, p4, filepath.Join(fleet, "1-1.4.3"), "if04")
	// Only if04: a module without an AT port, shown with the fix.
	p4only := openTestPty(t)
	linkPort(t, p4only, filepath.Join(fleet, "1-1.4.4"), "if04")
	// An empty slot: no module.
	if err := os.Mkdir(filepath.Join(fleet, "1-1.4.5"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Links whose targets are gone count as absent.
	linkPort(t, "/dev/pts/no-such-pty", filepath.Join(fleet, "1-1.4.6"), "if06")
	linkPort(t, filepath.Join(fleet, "nowhere"), filepath.Join(fleet, "1-1.4.6"), "if02")
	// Download mode.
	boot := openTestPty(t)
	linkPort(t, boot, filepath.Join(fleet, "1-1.4.7"), "boot")
	// A regular file where a port should be.
	writeTestFile(t, filepath.Join(fleet, "1-1.4.8", "if06"), "not a tty")
	// Hidden entries are the simulator's business.
	linkPort(t, openTestPty(t), filepath.Join(fleet, ".staging"), "if06")

	got, err := (&DirSource{Dir: fleet}).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("List() =\n%s", dumpDirCandidates(got))
	}
	for i, want := range map[int]struct {
		is   error
		says string
	}{
		2: {ErrNoATPort, "1-1.4.4 holds if04 only; link if06 (or if02) to the module's AT port"},
		4: {ErrNotSerial, "1-1.4.8/if06 is not a serial device (it is a regular file)"},
	} {
		bad := got[i]
		if !errors.Is(bad.Problem, want.is) || !strings.Contains(bad.Problem.Error(), want.says) {
			t.Errorf("%s: problem = %v, want %v saying %q", bad.Slot, bad.Problem, want.is, want.says)
		}
		bad.Problem = nil
		got[i] = bad
	}
	real, err := filepath.EvalSymlinks(fleet)
	if err != nil {
		t.Fatal(err)
	}
	key := func(slot string) string { return "dir:" + filepath.Join(real, slot) }
	want := []Candidate{
		{Slot: "1-1.4.2", Ports: full, ATPort: full[6], Source: "dir", Key: key("1-1.4.2")},
		{Slot: "1-1.4.3", Ports: map[int]string{2: p2, 4: p4}, ATPort: p2, Source: "dir", Key: key("1-1.4.3")},
		{Slot: "1-1.4.4", Ports: map[int]string{4: p4only}, Source: "dir", Key: key("1-1.4.4")},
		{Slot: "1-1.4.7", Ports: map[int]string{0: boot}, Mode: ModeDownload, Source: "dir", Key: key("1-1.4.7")},
		{Slot: "1-1.4.8", Ports: map[int]string{6: filepath.Join(fleet, "1-1.4.8", "if06")},
			ATPort: filepath.Join(fleet, "1-1.4.8", "if06"), Source: "dir", Key: key("1-1.4.8")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List() =\n%s\nwant\n%s", dumpDirCandidates(got), dumpDirCandidates(want))
	}
}

// A module's key is its slot directory's real path: the same fleet given
// through a link or a relative path keys alike, and a slot of the same
// name in another fleet keys apart.
func TestDirKey(t *testing.T) {
	base := t.TempDir()
	fleet, other := filepath.Join(base, "fleet"), filepath.Join(base, "other")
	plugModule(t, fleet, "1-1.1.1")
	plugModule(t, other, "1-1.1.1")
	if err := os.Symlink(fleet, filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(base)
	keyOf := func(dir string) string {
		t.Helper()
		cands, err := (&DirSource{Dir: dir}).List()
		if err != nil || len(cands) != 1 {
			t.Fatalf("List(%s) = %v, %v", dir, cands, err)
		}
		return cands[0].Key
	}
	k := keyOf(fleet)
	for _, dir := range []string{filepath.Join(base, "link"), "fleet", "./link/"} {
		if got := keyOf(dir); got != k {
			t.Errorf("the fleet through %s keys as %q, through %s as %q", dir, got, fleet, k)
		}
	}
	if got := keyOf(other); got == k {
		t.Errorf("slot 1-1.1.1 of two fleets keys alike: %q", got)
	}
}

func TestDirListMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	_, err := (&DirSource{Dir: dir}).List()
	if err == nil || !strings.Contains(err.Error(), "cannot read the fleet directory "+dir) {
		t.Fatalf("err = %v", err)
	}
}

// A slot holding if00 and if02 is a two-port build (_LSAT, _AUAT): its AT
// port is if00 and its if02 the binary log (spec §6). A slot holding if02
// alone may be either layout: while its links are being made it is not a
// module yet, and once the directory has settled it is shown with the fix.
func TestDirTwoPortLayout(t *testing.T) {
	fleet := t.TempDir()
	p0, p2 := openTestPty(t), openTestPty(t)
	linkPort(t, p0, filepath.Join(fleet, "1-1.1"), "if00")
	linkPort(t, p2, filepath.Join(fleet, "1-1.1"), "if02")
	linkPort(t, openTestPty(t), filepath.Join(fleet, "1-1.2"), "if02")
	d := &DirSource{Dir: fleet}
	got, err := d.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Slot != "1-1.1" || got[0].ATPort != p0 || got[0].Problem != nil {
		t.Fatalf("List() =\n%s\nwant 1-1.1 with AT on if00 (%s), and 1-1.2 (if02 alone, just made) not yet", dumpDirCandidates(got), p0)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(fleet, "1-1.2"), old, old); err != nil {
		t.Fatal(err)
	}
	if got, err = d.List(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ATPort != "" || !errors.Is(got[1].Problem, ErrNoATPort) ||
		!strings.Contains(got[1].Problem.Error(), "1-1.2 holds if02 only") {
		t.Fatalf("List() =\n%s\nwant 1-1.2 without an AT port, saying it holds if02 only", dumpDirCandidates(got))
	}
}

// A fleet directory gives an interface's name after its number: if00-at,
// if02-log. The names decide, as in sysfs; plain if02/if04/if06 work as
// before.
func TestDirInterfaceNames(t *testing.T) {
	fleet := t.TempDir()
	link := func(slot string, names ...string) map[string]string {
		ports := map[string]string{}
		for _, n := range names {
			ports[n] = openTestPty(t)
			linkPort(t, ports[n], filepath.Join(fleet, slot), n)
		}
		return ports
	}
	a := link("1-1.1", "if02-log", "if00-at")
	b := link("1-1.2", "if00-log", "if02-at")
	c := link("1-1.3", "if02-at", "if04-log", "if06-at")
	d := link("1-1.4", "if02", "if04", "if06-log")
	got, err := (&DirSource{Dir: fleet}).List()
	if err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, c := range got {
		at = append(at, c.Slot+"="+c.ATPort)
	}
	want := []string{"1-1.1=" + a["if00-at"], "1-1.2=" + b["if02-at"], "1-1.3=" + c["if06-at"], "1-1.4=" + d["if02"]}
	if fmt.Sprint(at) != fmt.Sprint(want) {
		t.Fatalf("AT ports %v\nwant     %v", at, want)
	}
}

func TestDirRegularFileNotConfirmed(t *testing.T) {
	fleet := t.TempDir()
	writeTestFile(t, filepath.Join(fleet, "1-1", "if06"), "")
	cands, err := (&DirSource{Dir: fleet}).List()
	if err != nil || len(cands) != 1 {
		t.Fatalf("List() = %v, %v", cands, err)
	}
	p := &probeLog{}
	got := Confirm(t.Context(), cands, p.probe, 0)
	if got[0].Confirmed || got[0].Problem == nil || len(p.tried) != 0 {
		t.Fatalf("confirmed a regular file: %+v, tried %v", got[0], p.tried)
	}
}

func dumpDirCandidates(cs []Candidate) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("  " + c.String() + "\n")
		for n, p := range c.Ports {
			b.WriteString("    " + ifName(n) + " " + p + "\n")
		}
	}
	return b.String()
}

// ageDir sets a slot directory's time an hour back, so that the source
// trusts its cached reading of it (see settleTime).
func ageDir(t *testing.T, dir string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dir, old, old); err != nil {
		t.Fatal(err)
	}
}

// One DirSource lists the same directory again and again (the watcher):
// its cache must never hide a change a fresh source would see.
func TestDirListCacheFollowsChanges(t *testing.T) {
	fleet := t.TempDir()
	slot := filepath.Join(fleet, "1-1.2")
	src := &DirSource{Dir: fleet}
	fresh := func() []Candidate {
		t.Helper()
		got, err := (&DirSource{Dir: fleet}).List()
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	same := func(step string) {
		t.Helper()
		got, err := src.List()
		if err != nil {
			t.Fatal(err)
		}
		if want := fresh(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: cached List() =\n%s\nfresh List() =\n%s", step, dumpDirCandidates(got), dumpDirCandidates(want))
		}
	}

	// Links replaced right after a listing, within the same clock tick as
	// the listing saw: the young directory is read again.
	ports := plugModule(t, fleet, "1-1.2")
	same("plugged")
	fi, err := os.Stat(slot)
	if err != nil {
		t.Fatal(err)
	}
	next := openTestPty(t)
	linkPort(t, next, slot, "if06")
	// The same tick: the directory's time does not move.
	if err := os.Chtimes(slot, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	same("if06 replaced at once")
	if got, _ := src.List(); got[0].ATPort != next {
		t.Fatalf("AT port %s, want the new link's %s", got[0].ATPort, next)
	}

	// An old directory is cached; its device node going away without the
	// directory changing (the pty closed) is still seen.
	ageDir(t, slot)
	same("aged")
	master, slave, err := pty.Open()
	if err != nil {
		t.Skip(err)
	}
	node, _ := filepath.EvalSymlinks(slave.Name())
	linkPort(t, node, slot, "if06")
	ageDir(t, slot)
	same("if06 on a pty about to close")
	master.Close()
	slave.Close()
	if _, err := os.Stat(node); err == nil {
		t.Skipf("%s outlived its pty here", node)
	}
	same("if06's pty closed")
	if got, _ := src.List(); got[0].ATPort != ports[2] {
		t.Fatalf("AT port %s after if06 vanished, want if02 %s", got[0].ATPort, ports[2])
	}

	// A dangling link whose target appears later (a udev link to
	// /dev/ttyUSB3 while the module reboots) without the slot changing.
	target := filepath.Join(t.TempDir(), "ttyUSB3")
	linkPort(t, target, slot, "if06")
	ageDir(t, slot)
	same("if06 dangling")
	if err := os.Symlink(next, target); err != nil {
		t.Fatal(err)
	}
	same("if06's target appeared")

	// The slot directory removed, and a new one made.
	if err := os.RemoveAll(slot); err != nil {
		t.Fatal(err)
	}
	same("slot removed")
	plugModule(t, fleet, "1-1.2")
	same("slot made again")
}

// BenchmarkDirList256 is one look of the watcher at a full station: 256
// slots, 768 links to ptys, directories unchanged since the last look.
func BenchmarkDirList256(b *testing.B) {
	fleet := b.TempDir()
	var closers []*os.File
	defer func() {
		for _, f := range closers {
			f.Close()
		}
	}()
	for i := range 256 {
		slot := filepath.Join(fleet, fmt.Sprintf("1-%d.%d", 1+i/16, 1+i%16))
		if err := os.MkdirAll(slot, 0o755); err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{2, 4, 6} {
			master, slave, err := pty.Open()
			if err != nil {
				b.Skip(err)
			}
			closers = append(closers, master, slave)
			if err := os.Symlink(slave.Name(), filepath.Join(slot, ifName(n))); err != nil {
				b.Fatal(err)
			}
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(slot, old, old); err != nil {
			b.Fatal(err)
		}
	}
	src := &DirSource{Dir: fleet}
	b.ResetTimer()
	for b.Loop() {
		got, err := src.List()
		if err != nil || len(got) != 256 {
			b.Fatalf("List() = %d modules, %v", len(got), err)
		}
	}
}

// ListSlot reads one slot as List lists it, now: a module's ports, nothing
// for a slot without one (never made, or emptied by an unplug), and,
// through Labelled, the slot by its label.
func TestDirListSlotAsList(t *testing.T) {
	fleet := t.TempDir()
	plugModule(t, fleet, "1-1.2")
	plugModule(t, fleet, "1-1.3")
	d := &DirSource{Dir: fleet}
	all, err := d.List()
	if err != nil || len(all) != 2 {
		t.Fatalf("List: %v, %v", all, err)
	}
	for _, want := range all {
		got, ok, err := d.ListSlot(want.Slot)
		if err != nil || !ok || fmt.Sprint(got) != fmt.Sprint(want) || got.Key != want.Key {
			t.Errorf("ListSlot(%s) = %v, %v, %v; List has %v", want.Slot, got, ok, err, want)
		}
	}
	if _, ok, err := d.ListSlot("1-1.9"); ok || err != nil {
		t.Errorf("a slot never made: listed %v, %v", ok, err)
	}
	unplugModule(t, fleet, "1-1.3")
	if c, ok, err := d.ListSlot("1-1.3"); ok || err != nil {
		t.Errorf("an unplugged slot: listed %v (%v), %v", ok, c, err)
	}
	l := Labelled{Source: d, Labels: map[Slot]string{"1-1.2": "A1"}}
	c, ok, err := l.ListSlot("A1")
	if err != nil || !ok || c.Slot != "A1" || c.Ports[6] != all[0].Ports[6] {
		t.Errorf("Labelled.ListSlot(A1) = %v, %v, %v", c, ok, err)
	}
}
