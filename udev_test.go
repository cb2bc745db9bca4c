package main

import (
	"os"
	"testing"

	"airfleet/device"
)

// The rule file of the repository (issue 12.4) gives the ports of a module,
// in normal mode (19d1:0001) and in download mode (vendor 17d1, any
// product), to the dialout group with mode 0660, and keeps ModemManager off
// the module: on its ports and on its USB device.
func TestUdevRuleFile(t *testing.T) {
	b, err := os.ReadFile("udev/99-airfleet.rules")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := device.ParseUdevRules(string(b))
	if err != nil {
		t.Fatalf("udev/99-airfleet.rules: %v", err)
	}
	for _, id := range []struct{ vid, pid string }{{"19d1", "0001"}, {"17d1", ""}} {
		var tty, usb bool
		for _, r := range rules {
			sub, _ := r.Get("SUBSYSTEM", "==")
			if !r.Matches(id.vid, id.pid) {
				continue
			}
			group, _ := r.Get("GROUP", "=")
			mode, _ := r.Get("MODE", "=")
			switch sub {
			case "tty":
				tty = tty || group == "dialout" && mode == "0660" && r.IgnoredByModemManager(id.vid, id.pid)
			case "usb":
				usb = usb || r.IgnoredByModemManager(id.vid, id.pid)
			}
		}
		if !tty {
			t.Errorf("%s:%s: no tty rule with GROUP=\"dialout\", MODE=\"0660\", ENV{ID_MM_DEVICE_IGNORE}=\"1\"", id.vid, id.pid)
		}
		if !usb {
			t.Errorf("%s:%s: no usb rule with ENV{ID_MM_DEVICE_IGNORE}=\"1\"", id.vid, id.pid)
		}
	}
}
