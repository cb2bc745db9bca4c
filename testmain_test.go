package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"airfleet/device"
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
	os.RemoveAll(dir)
	os.Exit(code)
}
