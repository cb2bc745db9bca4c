package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/store"
)

// TestNoModule: on a station with no module, scan and upgrade say so at
// once, with the likely causes and `airfleet doctor`, and fail: scan
// --json prints nothing and exits 1, upgrade exits 2 before a batch is
// recorded (issue 12.2: upgrade waited 60 s for a module that never came,
// and scan exited 0).
func TestNoModule(t *testing.T) {
	isolateRegistry(t)
	fleet := t.TempDir() // an empty fleet directory
	db := filepath.Join(t.TempDir(), "log.db")
	cases := []struct {
		name string
		args []string
		code int
		want []string // all of these in stderr
	}{
		{"scan", []string{"scan", "--ports", fleet, "--db", "", "--lang", "en"}, 1, []string{"no modules", "airfleet doctor"}},
		{"scan json", []string{"scan", "--ports", fleet, "--db", "", "--json"}, 1, []string{"no modules", "airfleet doctor"}},
		{"scan zh", []string{"scan", "--ports", fleet, "--db", "", "--lang", "zh"}, 1, []string{"没有模块", "airfleet doctor"}},
		// sysfs, with a USB ID no device has: hub, dialout, ModemManager.
		{"scan sysfs", []string{"scan", "--usb-ids", "ffff:fffe", "--db", "", "--lang", "en"}, 1,
			[]string{"no modules found", "power", "dialout", "ModemManager", "airfleet doctor"}},
		{"scan sysfs zh", []string{"scan", "--usb-ids", "ffff:fffe", "--db", "", "--lang", "zh"}, 1,
			[]string{"未找到模块", "dialout", "ModemManager", "airfleet doctor"}},
		{"upgrade", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", db, "--lang", "en"}, 2, []string{"no modules", "airfleet doctor"}},
		{"upgrade zh", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", db, "--lang", "zh"}, 2, []string{"没有模块", "airfleet doctor"}},
		{"upgrade sysfs", []string{"upgrade", "--mode", "iot", "--usb-ids", "ffff:fffe", "--db", db, "--lang", "en"}, 2,
			[]string{"no modules found", "dialout", "ModemManager", "airfleet doctor"}},
	}
	_, err := os.Stat("/sys/class/tty")
	hasSysfs := err == nil
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if strings.Contains(c.name, "sysfs") && !hasSysfs {
				t.Skip("no /sys/class/tty here")
			}
			// Far less than the 60 s the upgrade used to wait.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			start := time.Now()
			code := run(ctx, c.args, &out, &errb)
			t.Logf("exit %d after %v; stderr:\n%s", code, time.Since(start).Round(time.Millisecond), errb.String())
			if ctx.Err() != nil {
				t.Fatal("still waiting after 10 s")
			}
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			if out.Len() > 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr does not say %q", w)
				}
			}
		})
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if bs, err := st.Batches(10); err != nil || len(bs) != 0 {
		t.Errorf("the log holds %d batches (%v), want none", len(bs), err)
	}
}

// A station with no module whose log holds a module an earlier, killed
// run left mid-upgrade still runs its batch: the module may be rebooting
// into its new version, and is awaited (the 60 s wait used to cover this).
func TestNoModuleAwaitsUnfinished(t *testing.T) {
	isolateRegistry(t)
	fleet := t.TempDir()
	db := filepath.Join(t.TempDir(), "log.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := st.StartBatch(store.Batch{Mode: store.Mode("iot")})
	a := st.StartAttempt(store.Attempt{BatchID: b, IMEI: "861234567890123", Slot: "1-1.4.2", FromVersion: 1005})
	st.Event(store.Event{AttemptID: a, BatchID: b, IMEI: "861234567890123", Slot: "1-1.4.2", Kind: store.KindRequest, Step: "requesting"})
	if err := st.Close(); err != nil { // the attempt left running, as by kill -9
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", db, "--reboot-timeout", "1s", "--json"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "861234567890123") {
		t.Errorf("exit %d, stdout %q, stderr %q: want the module awaited and failed (exit 1)", code, out.String(), errb.String())
	}
}
