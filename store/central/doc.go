// Package central is the factory's central log: every station's rows in one
// PostgreSQL database, keyed by (station ID, row ID), reached through pgx.
//
// A station's SQLite log (package store) stays its own memory and offline
// buffer; Push copies what the centre lacks, in transactions of upserts,
// and advances the station's per-table high-water mark only after the
// centre committed. The central schema is created and migrated here,
// versioned like the station's. The queries (Attempts, Report, Stats)
// answer across all stations.
//
// Where things are:
//
//	central.go, migrate.go, migrations/   connecting, the central schema and its versions
//	url.go, errors.go                     the URL (masked, from flag, file or environment), errors as facts (Fault and details;
//	                                      said at the edges: upgrade/messages_central.go, central_say.go)
//	push.go, verify.go                    one sync (Push), and the row-by-row check (Verify)
//	pusher.go                             the background push of the console and upgrade, and its status (PushStatus, facts)
//	query.go, history.go                  history, report and stats across stations; the console's history
//	pgtest/                               a throw-away PostgreSQL server for tests and benchmarks
package central
