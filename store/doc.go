// Package store keeps airfleet's local SQLite log: what happened to every
// module (by IMEI), each batch and attempt, their events and the exact AT
// transcript. It owns the schema and its embedded migrations, a single
// writer goroutine that turns enqueued rows into batched transactions, the
// recovery of work left open by a crash, and the queries and CSV export that
// the console and the CLI use. Nobody else sees the *sql.DB.
//
// The log also holds what the factory's central log (store/central) needs:
// the station ID, revisions of the rows that change, and per-centre
// high-water marks (sync.go, migrations/0004_station_id.sql).
//
// Times are stored as INTEGER unix milliseconds.
package store
