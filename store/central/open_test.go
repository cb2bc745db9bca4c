package central

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/store/central/pgtest"
)

// A central database migrated by a newer airfleet is refused, by sync
// and queries alike, with an error that gives both schema versions (the
// edges say them in the operator's language: TestCentralMessages).
func TestOpenNewerSchema(t *testing.T) {
	url := newCentral(t)
	db := open(t, url)
	if _, err := db.pool.Exec(context.Background(), "UPDATE airfleet_central SET schema = 99"); err != nil {
		t.Fatal(err)
	}
	for _, migrate := range []bool{true, false} {
		_, err := Open(context.Background(), url, OpenOptions{Migrate: migrate})
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open(migrate %v) on schema 99: %v, want ErrNewerSchema", migrate, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Fault != FaultNewerSchema || e.Schema != 99 || e.Known != SchemaVersion || !strings.Contains(err.Error(), "99") {
			t.Errorf("the error does not give the fault and both versions: %#v", err)
		}
	}
}

// Migrating twice, and from many stations at once, makes one schema.
func TestOpenMigratesOnce(t *testing.T) {
	url := newCentral(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(context.Background(), url, OpenOptions{Migrate: true})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	db := open(t, url)
	var v int
	if err := db.pool.QueryRow(context.Background(), "SELECT schema FROM airfleet_central").Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("schema %d, %v; want %d", v, err, SchemaVersion)
	}
}

// The queries never create the schema: an empty database says to sync.
func TestOpenReadOnlyEmpty(t *testing.T) {
	url := newCentral(t)
	_, err := Open(context.Background(), url, OpenOptions{})
	var e *Error
	if !errors.Is(err, ErrNoSchema) || !errors.As(err, &e) || e.Fault != FaultNoSchema || e.Known != SchemaVersion {
		t.Fatalf("Open on an empty database: %v, want ErrNoSchema with the schema needed", err)
	}
}

// Bad URLs, a wrong password and a server that is not there: each a
// clear error of its kind, the password never in it.
func TestOpenBadInput(t *testing.T) {
	if server == nil {
		t.Skip(serverErr)
	}
	// Port 1 (tcpmux): nothing listens there, and no test can take it
	// first as it could a free port found and closed again.
	closed := "127.0.0.1:1"
	wrong := fmt.Sprintf("postgres://secret:Wrong-pw-123@127.0.0.1:%d/postgres?sslmode=disable", server.Port)
	right := fmt.Sprintf("postgres://secret:%s@127.0.0.1:%d/postgres?sslmode=disable", pgtest.Password, server.Port)
	cases := []struct {
		url    string
		kind   error
		secret string
	}{
		{"", ErrBadURL, ""},
		{"mysql://u:Pw-abc@h/db", ErrBadURL, "Pw-abc"},
		{"postgres://u:Pw-abc@h:notaport/db", ErrBadURL, "Pw-abc"},
		{wrong, ErrAuth, "Wrong-pw-123"},
		{fmt.Sprintf("postgres://airfleet@127.0.0.1:%d/nosuchdb?sslmode=disable", server.Port), ErrAuth, ""},
		{"postgres://u:Pw-abc@" + closed + "/db?sslmode=disable&connect_timeout=5", ErrUnreachable, "Pw-abc"},
	}
	for _, c := range cases {
		_, err := Open(context.Background(), c.url, OpenOptions{Migrate: true, ConnectTimeout: 5 * time.Second})
		if !errors.Is(err, c.kind) {
			t.Errorf("Open(%s): %v, want %v", Mask(c.url), err, c.kind)
			continue
		}
		// Every fact the edges may say: the error's text and its fields.
		if c.secret != "" && strings.Contains(fmt.Sprintf("%v %#v", err, err), c.secret) {
			t.Errorf("Open(%s): the error shows the password: %#v", Mask(c.url), err)
		}
	}
	db, err := Open(context.Background(), right, OpenOptions{Migrate: true})
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	db.Close()
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:pw@h/db":                    "postgres://u:***@h/db",
		"postgres://u@h/db?password=pw&sslmode=x": "postgres://u@h/db?password=***&sslmode=x",
		"host=h user=u password='p w' dbname=d":   "host=h user=u password=*** dbname=d",
		"host=h user=u password=pw dbname=d":      "host=h user=u password=*** dbname=d",
		"postgres://u@h/db":                       "postgres://u@h/db",
		"postgresql://u:p%40ss@h:5432/db?x=1":     "postgresql://u:***@h:5432/db?x=1",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// The URL comes from the flag, else the file (its owner's alone), else
// the environment.
func TestResolve(t *testing.T) {
	env := func(string) string { return "postgres://env/db" }
	dir := t.TempDir()
	file := filepath.Join(dir, "central")
	if err := os.WriteFile(file, []byte("# the factory's centre\npostgres://u:pw@file/db\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var e *Error
	if _, err := Resolve("", file, env); !errors.Is(err, ErrBadURL) || !errors.As(err, &e) || e.Fault != FaultFileOpen || e.Mode != 0o644 || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a file others can read: %v, want FaultFileOpen with its mode", err)
	}
	os.Chmod(file, 0o600)
	for _, c := range []struct{ flag, file, want string }{
		{"postgres://flag/db", file, "postgres://flag/db"},
		{"", file, "postgres://u:pw@file/db"},
		{"", "", "postgres://env/db"},
	} {
		if got, err := Resolve(c.flag, c.file, env); got != c.want || err != nil {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q", c.flag, c.file, got, err, c.want)
		}
	}
}

// sslmode=require against a server without TLS: pgx refuses, and the
// error says to check TLS, without the password.
func TestOpenTLSRequired(t *testing.T) {
	if server == nil {
		t.Skip(serverErr)
	}
	url := fmt.Sprintf("postgres://secret:%s@127.0.0.1:%d/postgres?sslmode=require", pgtest.Password, server.Port)
	_, err := Open(context.Background(), url, OpenOptions{Migrate: true})
	t.Logf("%v", err)
	var e *Error
	if !errors.Is(err, ErrTLS) || !errors.As(err, &e) || e.Fault != FaultTLS || strings.Contains(fmt.Sprintf("%v %#v", err, err), pgtest.Password) {
		t.Fatalf("sslmode=require on a server without TLS: %v; want a TLS error without the password", err)
	}
}
