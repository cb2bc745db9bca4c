// Package central is the factory's central log: every station's rows in one
// PostgreSQL database, keyed by (station ID, row ID), reached through pgx.
//
// A station's SQLite log (package store) stays its own memory and offline
// buffer; Push copies what the centre lacks, in transactions of upserts,
// and advances the station's per-table high-water mark only after the
// centre committed. The central schema is created and migrated here,
// versioned like the station's. The queries (Attempts, Report, Stats)
// answer across all stations.
package central
