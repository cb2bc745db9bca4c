// Package pgtest runs a throw-away PostgreSQL server for tests and
// benchmarks: initdb in a temporary folder, pg_ctl on 127.0.0.1 and a
// free port (as the postgres user when running as root), one database per
// test, stopped and removed at the end.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// BinEnv names the environment variable that may point at the folder of
// the PostgreSQL server programs (initdb, pg_ctl).
const BinEnv = "AIRFLEET_PG_BIN"

// ErrNoPostgres: no PostgreSQL server programs were found. Tests skip on
// it, with the message, and CI installs them (.ci/run).
var ErrNoPostgres = errors.New("no PostgreSQL server programs (initdb, pg_ctl) found: install postgresql (apt-get install postgresql) or set " + BinEnv)

// Password is the password of the role "secret", which only password
// (SCRAM) logins reach, for tests of wrong passwords.
const Password = "s3cret-pw"

// Server is a running test server.
type Server struct {
	Dir  string // its data folder
	Port int
	bin  string
	cred *account // the postgres user when we are root
	dbs  atomic.Int64
}

// FindBin returns the folder holding initdb and pg_ctl: $AIRFLEET_PG_BIN,
// the PATH, else the newest /usr/lib/postgresql/*/bin.
func FindBin() (string, error) {
	if d := os.Getenv(BinEnv); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start makes and starts a server. Stop it with Stop.
func Start() (*Server, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "airfleet-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if s.cred, err = postgresUser(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", "airfleet", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	hba := "local all all trust\nhost all secret 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if s.cred != nil {
		os.Chown(filepath.Join(data, "pg_hba.conf"), int(s.cred.Uid), int(s.cred.Gid)) //nolint:errcheck // initdb made the folder ours
	}
	if err := s.Restart(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		s.Stop()
		return nil, err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE ROLE secret LOGIN SUPERUSER PASSWORD '"+Password+"'"); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// account is a user the server's programs run as.
type account struct{ Uid, Gid uint32 }

func postgresUser() (*account, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the test server must run as the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &account{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		runAs(cmd, *s.cred)
	}
	return cmd.CombinedOutput()
}

// Restart starts the server (again), on a new free port if it has none.
func (s *Server) Restart() error {
	if s.Port == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		s.Port = p
	}
	// fsync=off makes the server fast and loses nothing when only the
	// server dies (Halt): the OS keeps what was written. synchronous_commit
	// stays on: off, a commit returns before its WAL is written, and a
	// Halt then loses transactions the client saw commit.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off -c max_connections=60", s.Port, s.Dir)
	out, err := s.run("pg_ctl", "-D", filepath.Join(s.Dir, "data"), "-w", "-l", filepath.Join(s.Dir, "log"), "-o", opts, "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.Dir, "log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return nil
}

// Halt stops the server at once (pg_ctl -m immediate), as a crash or a
// power cut would; Restart brings it back through WAL recovery.
func (s *Server) Halt() error {
	out, err := s.run("pg_ctl", "-D", filepath.Join(s.Dir, "data"), "-w", "-m", "immediate", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Stop stops the server and removes its folder.
func (s *Server) Stop() {
	s.run("pg_ctl", "-D", filepath.Join(s.Dir, "data"), "-w", "-m", "fast", "stop") //nolint:errcheck // it may be down already
	os.RemoveAll(s.Dir)
}

// URL is the URL of database db as the trusted user airfleet.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://airfleet@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// NewDB creates an empty database and returns its URL.
func (s *Server) NewDB(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
