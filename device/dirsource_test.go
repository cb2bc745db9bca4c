package device

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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
	// Only if04 back after a reboot, and an empty slot: not modules yet.
	linkPort(t, openTestPty(t), filepath.Join(fleet, "1-1.4.4"), "if04")
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

	got, err := DirSource{Dir: fleet}.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("List() =\n%s", dumpDirCandidates(got))
	}
	bad := got[3]
	if bad.Problem == nil || !strings.Contains(bad.Problem.Error(), "is not a serial device (it is a regular file)") ||
		!strings.Contains(bad.Problem.Error(), "1-1.4.8") {
		t.Errorf("regular file problem = %v", bad.Problem)
	}
	bad.Problem = nil
	got[3] = bad
	want := []Candidate{
		{Slot: "1-1.4.2", Ports: full, ATPort: full[6], Source: "dir"},
		{Slot: "1-1.4.3", Ports: map[int]string{2: p2, 4: p4}, ATPort: p2, Source: "dir"},
		{Slot: "1-1.4.7", Ports: map[int]string{0: boot}, Mode: ModeDownload, Source: "dir"},
		{Slot: "1-1.4.8", Ports: map[int]string{6: filepath.Join(fleet, "1-1.4.8", "if06")},
			ATPort: filepath.Join(fleet, "1-1.4.8", "if06"), Source: "dir"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List() =\n%s\nwant\n%s", dumpDirCandidates(got), dumpDirCandidates(want))
	}
}

func TestDirListMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	_, err := DirSource{Dir: dir}.List()
	if err == nil || !strings.Contains(err.Error(), "cannot read the fleet directory "+dir) {
		t.Fatalf("err = %v", err)
	}
}

func TestDirRegularFileNotConfirmed(t *testing.T) {
	fleet := t.TempDir()
	writeTestFile(t, filepath.Join(fleet, "1-1", "if06"), "")
	cands, err := DirSource{Dir: fleet}.List()
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
