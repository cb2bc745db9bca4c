package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/store"
)

// TestMain keeps this package's tests away from the host's airfleets and
// from the other packages' tests: the registry of logs is a file of this
// test process (tests that upgrade give themselves one of their own with
// isolateRegistry), and the slot locks live in a directory of their own,
// which the binaries the tests run inherit. A lock directory chosen by the
// caller (or by a helper process of ours) is left as it is.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "airfleet-main-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(store.RegistryEnv, filepath.Join(dir, "logs.txt"))
	if os.Getenv(device.LockDirEnv) == "" {
		locks := filepath.Join(dir, "locks")
		if err := os.Mkdir(locks, 0o1777); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Chmod(locks, 0o1777) // past the umask: helpers run as nobody
		os.Chmod(dir, 0o755)
		os.Setenv(device.LockDirEnv, locks)
	}
	code := m.Run()
	stopCentralServer()
	os.RemoveAll(dir)
	os.Exit(code)
}

// isolateRegistry gives the test, and the airfleet processes it starts, a
// registry of logs of its own: simulated fleets repeat IMEIs, and one
// test's requests must not count in another's budget.
func isolateRegistry(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "logs.txt")
	t.Setenv(store.RegistryEnv, p)
	return p
}

// Two runs of `airfleet upgrade` on the same module with different logs
// (--db): the second one counts the first one's requests and holds the
// module before it asks, and warns that its new log sits beside one that
// holds requests for the module.
func TestBudgetCountsOtherLogs(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 1, Scenario: "code-43", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type result struct {
		Result   string
		Requests int
	}
	upgradeWith := func(db string) (result, string) {
		var out, errb bytes.Buffer
		run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", db,
			"--retry-after", "50ms", "--budget", "2"}, &out, &errb)
		var r result
		line, _, _ := strings.Cut(out.String(), "\n")
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v; stderr %s", line, err, errb.String())
		}
		return r, errb.String()
	}
	// The delta is never ready: the module asks, waits, asks again and is
	// held at the budget of two.
	first := filepath.Join(dir, "first.db")
	if r, errs := upgradeWith(first); r.Result != "held" || r.Requests != 2 {
		t.Fatalf("first run: %+v, want held after 2 requests; stderr %s", r, errs)
	}
	r, errs := upgradeWith(filepath.Join(dir, "second.db"))
	if r.Result != "held" || r.Requests != 0 {
		t.Errorf("second run, another log: %+v, want held before any request (the first log's count); stderr %s", r, errs)
	}
	if !strings.Contains(errs, "is new, while other logs of this host hold upgrade requests") || !strings.Contains(errs, first) {
		t.Errorf("no warning naming %s on stderr: %s", first, errs)
	}
}
