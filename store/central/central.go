package central

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is an open central log.
type DB struct {
	pool   *pgxpool.Pool
	id     string // the central database's own ID (airfleet_central.id)
	masked string // its URL, password hidden
}

// OpenOptions tune Open.
type OpenOptions struct {
	// Migrate creates or migrates the central schema (sync does; the
	// queries only check it, so a read-only user can run them).
	Migrate bool
	// ConnectTimeout bounds each connection attempt (default 10 s).
	ConnectTimeout time.Duration
}

// Open connects to the central log at url and checks (or, with Migrate,
// brings up to date) its schema. A bad URL, a refused login, a server
// that does not answer and a newer schema are *Error values that say
// the fix; none holds the password.
func Open(ctx context.Context, url string, o OpenOptions) (*DB, error) {
	cfg, err := parse(url)
	if err != nil {
		return nil, err
	}
	masked := Mask(url)
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	cfg.MaxConns = 4
	cfg.ConnConfig.RuntimeParams["application_name"] = "airfleet"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, classify(err, masked)
	}
	db := &DB{pool: pool, masked: masked}
	if o.Migrate {
		db.id, err = migrate(ctx, pool, masked)
	} else {
		db.id, err = check(ctx, pool, masked)
	}
	if err != nil {
		pool.Close()
		return nil, classify(err, masked)
	}
	return db, nil
}

// ID is the central database's own ID: a station keeps its marks per
// centre, so a new (or restored-over) centre is sent everything again.
func (db *DB) ID() string { return db.id }

// Masked is the central URL with its password hidden.
func (db *DB) Masked() string { return db.masked }

// Close closes the connections.
func (db *DB) Close() { db.pool.Close() }
