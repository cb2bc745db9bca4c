package store

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A log that another process writes is refused, on every system: flock on
// Unix, LockFileEx on Windows (lock_windows.go; this test is how it was
// checked, under Wine). Once that process is gone, the log opens.
func TestSecondProcessRefused(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("this is the child")
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "a.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if !bufio.NewScanner(stdout).Scan() { // its first commit: it holds the log
		t.Fatal("the child printed nothing")
	}
	go io.Copy(io.Discard, stdout)
	if s, err := Open(path, Options{}); !errors.Is(err, ErrInUse) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open(%s) while pid %d writes it: %v, want ErrInUse", path, cmd.Process.Pid, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(%s) after its writer died: %v", path, err)
	}
	s.Close()
}
