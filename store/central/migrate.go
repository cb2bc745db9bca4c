package central

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrations = mustLoad()

// SchemaVersion is the central schema this airfleet writes, kept in the
// table airfleet_central.
var SchemaVersion = len(migrations)

func mustLoad() []migration {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, n := range names {
		num, _, _ := strings.Cut(path.Base(n), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			panic("central: migration " + n + ": name must be NNNN_what.sql")
		}
		b, err := fs.ReadFile(migrationFS, n)
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{v, path.Base(n), string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("central: migration %s: expected version %d", m.name, i+1))
		}
	}
	return ms
}

// migrateLock is the advisory lock key that serialises migrations: twenty
// stations starting at once migrate the centre once.
const migrateLock = 0x41697266 // "Airf"

const sqlMeta = `
CREATE TABLE IF NOT EXISTS airfleet_central (
    one     int PRIMARY KEY CHECK (one = 1),
    id      uuid NOT NULL DEFAULT gen_random_uuid(),
    schema  int NOT NULL DEFAULT 0,
    created timestamptz NOT NULL DEFAULT now()
)`

// migrate brings the central schema up to SchemaVersion in one
// transaction, and returns the central database's ID.
func migrate(ctx context.Context, pool *pgxpool.Pool, masked string) (string, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLock); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, sqlMeta); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO airfleet_central (one) VALUES (1) ON CONFLICT DO NOTHING"); err != nil {
		return "", err
	}
	id, v, err := readMeta(ctx, tx)
	if err != nil {
		return "", err
	}
	if v > SchemaVersion {
		return "", newerSchema(masked, v)
	}
	for ; v < SchemaVersion; v++ {
		m := migrations[v]
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return "", fmt.Errorf("central migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, "UPDATE airfleet_central SET schema = $1", m.version); err != nil {
			return "", err
		}
	}
	return id, tx.Commit(ctx)
}

// check reads the central database's ID and checks its schema without
// changing anything, for the commands that only read.
func check(ctx context.Context, pool *pgxpool.Pool, masked string) (string, error) {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('airfleet_central') IS NOT NULL").Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		return "", noSchema(masked, 0)
	}
	id, v, err := readMeta(ctx, pool)
	switch {
	case err != nil:
		return "", err
	case v > SchemaVersion:
		return "", newerSchema(masked, v)
	case v < SchemaVersion:
		return "", noSchema(masked, v)
	}
	return id, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func readMeta(ctx context.Context, q querier) (id string, v int, err error) {
	err = q.QueryRow(ctx, "SELECT id::text, schema FROM airfleet_central").Scan(&id, &v)
	return id, v, err
}

func newerSchema(masked string, v int) error {
	return &Error{Kind: ErrNewerSchema, Fault: FaultNewerSchema, Where: masked, Schema: v, Known: SchemaVersion}
}

func noSchema(masked string, v int) error {
	return &Error{Kind: ErrNoSchema, Fault: FaultNoSchema, Where: masked, Schema: v, Known: SchemaVersion}
}
