//go:build linux

package device

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDirDeviceNodes(t *testing.T) {
	fleet := t.TempDir()
	slot := filepath.Join(fleet, "3-2")
	if err := os.Mkdir(slot, 0o755); err != nil {
		t.Fatal(err)
	}
	// A device node in place of a link is accepted: List checks that ports
	// are character devices, and leaves "is it a tty" to OpenPort.
	node := mknodNull(t, slot)
	if err := os.Rename(node, filepath.Join(slot, "if06")); err != nil {
		t.Fatal(err)
	}
	got, err := (&DirSource{Dir: fleet}).List()
	if err != nil || len(got) != 1 {
		t.Fatalf("List() = %v, %v", got, err)
	}
	if c := got[0]; c.Slot != "3-2" || c.ATPort != filepath.Join(slot, "if06") || c.Problem != nil {
		t.Fatalf("candidate = %v", c)
	}
}
