package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations holds the embedded steps in order; migration i has version i+1.
var migrations = mustLoadMigrations()

// SchemaVersion is the schema version this airfleet writes, kept in the
// log's PRAGMA user_version.
var SchemaVersion = len(migrations)

func mustLoadMigrations() []migration {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		panic(err) // a broken build, caught by every test
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_what.sql", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s: expected version %d (numbers must run 1, 2, 3 … without gaps)", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate brings the database up to SchemaVersion, one transaction per step.
// The version is read inside each step's write transaction, so a concurrent
// opener can never apply a step twice.
func migrate(ctx context.Context, db *sql.DB, dbPath string) error {
	for {
		done, err := migrateStep(ctx, db, dbPath)
		if err != nil || done {
			return err
		}
	}
}

func migrateStep(ctx context.Context, db *sql.DB, dbPath string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see the DSN's _txlock
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, err
	}
	if v > SchemaVersion {
		return false, newerSchema(dbPath, v)
	}
	if v < 0 { // checkFile saw the file's header; this may come from the WAL
		return false, badSchema(dbPath, v)
	}
	if v == SchemaVersion {
		return true, nil
	}
	if v == 0 {
		var tables int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
			return false, err
		}
		if tables > 0 {
			return false, foreignDatabase(dbPath)
		}
	}
	m := migrations[v]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

func newerSchema(dbPath string, v int) error {
	return &openError{
		msg: fmt.Sprintf("the log at %s was written by a newer airfleet (schema %d, this one knows %d): upgrade airfleet or use --db to choose another file",
			dbPath, v, SchemaVersion),
		kind: ErrNewerSchema,
	}
}
