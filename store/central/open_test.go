package central

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/store/central/pgtest"
)

// A central database migrated by a newer airfleet is refused, by sync
// and queries alike, with an error that says so in both languages.
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
		if !strings.Contains(err.Error(), "99") || !strings.Contains(Message(err, "zh"), "升级") {
			t.Errorf("the error does not say the version and the fix in both languages: %v / %s", err, Message(err, "zh"))
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
	if !errors.Is(err, ErrNoSchema) || !strings.Contains(err.Error(), "airfleet sync") {
		t.Fatalf("Open on an empty database: %v, want ErrNoSchema naming airfleet sync", err)
	}
}

// Bad URLs, a wrong password and a server that is not there: each a
// clear error of its kind, the password never in it.
func TestOpenBadInput(t *testing.T) {
	if server == nil {
		t.Skip(serverErr)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
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
		for _, lang := range []string{"en", "zh"} {
			if msg := Message(err, lang); c.secret != "" && strings.Contains(msg, c.secret) {
				t.Errorf("Open(%s): the message shows the password: %s", Mask(c.url), msg)
			}
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
	if _, err := Resolve("", file, env); !errors.Is(err, ErrBadURL) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a file others can read: %v, want the chmod 600 fix", err)
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
	if !errors.Is(err, ErrTLS) || strings.Contains(err.Error(), pgtest.Password) || !strings.Contains(err.Error(), "sslmode") {
		t.Fatalf("sslmode=require on a server without TLS: %v; want a TLS error without the password", err)
	}
}
