package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The project key may come from --key-file or AIRFLEET_KEY, which other
// users cannot read in ps (issue 10.10). Each run here gets past the key's
// checks to the fleet directory's, which refuses its broken module
// folders ("nothing was sent"), or stops at the key naming where it came
// from; and never prints the key.
func TestKeySources(t *testing.T) {
	const key = "0123456789abcdef0123456789ABCDEF"
	fleet := badFleet(t)
	file := func(body string, mode os.FileMode) string {
		p := filepath.Join(t.TempDir(), "key")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name   string
		env    string
		args   []string
		code   int
		stderr []string
	}{
		{"key-file", "", []string{"--mode", "key", "--key-file", file(key+"\n", 0o600)}, 2, []string{"nothing was sent"}},
		{"key-file group-readable", "", []string{"--mode", "key", "--key-file", file(key, 0o640)}, 2, []string{"warning: --key-file", "read by its group", "chmod 600", "nothing was sent"}},
		{"env", key, []string{"--mode", "key"}, 2, []string{"nothing was sent"}},
		{"env bad", "abcd efgh", []string{"--mode", "key"}, 2, []string{"AIRFLEET_KEY: project key", "a space"}},
		{"env in iot mode", key, []string{"--mode", "iot"}, 2, []string{"nothing was sent"}},
		{"--key wins over env", "abcd efgh", []string{"--mode", "key", "--key", key}, 2, []string{"nothing was sent"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(keyEnv, c.env)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			args := append([]string{"upgrade", "--ports", fleet, "--db", filepath.Join(t.TempDir(), "log.db")}, c.args...)
			if code := run(ctx, args, &out, &errb); code != c.code {
				t.Errorf("exit %d, want %d; stderr %q", code, c.code, errb.String())
			}
			for _, w := range c.stderr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q does not say %q", errb.String(), w)
				}
			}
			if strings.Contains(out.String()+errb.String(), key[:28]) {
				t.Errorf("the key is printed: %q", errb.String())
			}
		})
	}
}

// upgrade -h says that --key shows in ps, and offers the other ways.
func TestKeyHelp(t *testing.T) {
	var out, errb bytes.Buffer
	run(context.Background(), []string{"upgrade", "-h"}, &out, &errb)
	for _, w := range []string{"-key-file", "ps", keyEnv} {
		if !strings.Contains(out.String()+errb.String(), w) {
			t.Errorf("upgrade -h does not say %q", w)
		}
	}
}

// --budget above the platform's ban needs --force; with it, the run gets
// past the config's checks to the fleet directory's.
func TestBudgetForce(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"upgrade", "--mode", "iot", "--ports", badFleet(t), "--db", filepath.Join(t.TempDir(), "log.db"), "--budget", "6", "--force"}
	if code := run(context.Background(), args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "nothing was sent") || strings.Contains(errb.String(), "--budget") {
		t.Errorf("exit %d, stderr %q: want the fleet directory refused, not the budget", code, errb.String())
	}
}
