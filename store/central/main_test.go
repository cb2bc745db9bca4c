package central

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"airfleet/store/central/pgtest"
)

// server is the package's one PostgreSQL, started by TestMain; nil when no
// PostgreSQL programs are installed (the tests then skip, saying so).
var (
	server    *pgtest.Server
	serverErr error
)

func TestMain(m *testing.M) {
	server, serverErr = pgtest.Start()
	if serverErr != nil && !errors.Is(serverErr, pgtest.ErrNoPostgres) {
		fmt.Fprintln(os.Stderr, "central tests: starting PostgreSQL:", serverErr)
		os.Exit(1)
	}
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	os.Exit(code)
}

// newCentral gives the test an empty database of the package's server.
func newCentral(t testing.TB) string {
	t.Helper()
	if server == nil {
		t.Skip(serverErr)
	}
	url, err := server.NewDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return url
}
