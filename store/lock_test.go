//go:build unix

package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The lock is the database's, whatever name it is opened by: a hard link
// or a symbolic link to a log in use is refused like the log's own path.
func TestSecondWriterRefusedThroughOtherNames(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hard, soft := filepath.Join(dir, "hard.db"), filepath.Join(dir, "soft.db")
	if err := os.Link(path, hard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path, soft); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, hard, soft} {
		s2, err := Open(name, Options{})
		if err == nil {
			s2.Close()
			t.Errorf("Open(%s) while %s is in use: no error", name, path)
			continue
		}
		if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
			t.Errorf("Open(%s): %v, want ErrInUse naming pid %d", name, err, os.Getpid())
		}
	}

	// SQLite locks with fcntl, never flock: the lock keeps no SQLite
	// connection out, only a second airfleet.
	raw := rawDB(t, path)
	defer raw.Close()
	if _, err := raw.Exec("INSERT INTO modules (imei, first_seen, last_seen) VALUES ('raw', 0, 0)"); err != nil {
		t.Errorf("another connection cannot write while the log is open: %v", err)
	}
}

// A link planted where the old lock file lived is never followed: its
// target is untouched.
func TestLockFileLinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "v.db")
	if err := os.Symlink(victim, path+".lock"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("the target of %s.lock was overwritten: %q", path, b)
	}
}

// Another process writing the log: a second opener through a hard link is
// refused, and the message names that process.
func TestSecondProcessRefusedThroughHardLink(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("this is the child")
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "a.db")
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
	hard := filepath.Join(dir, "hard.db")
	if err := os.Link(path, hard); err != nil {
		t.Fatal(err)
	}
	_, err = Open(hard, Options{})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Fatalf("Open(%s) while pid %d writes %s: %v, want ErrInUse naming it", hard, cmd.Process.Pid, path, err)
	}
}
