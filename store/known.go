package store

import (
	"database/sql"
	"errors"
	"time"
)

// What the log already knows about versions, so that the engine need not
// spend a platform request to learn it again.

// Reached reports whether the log holds an attempt that upgraded a module
// of this firmware name (e.g. AirM2M_780EP_LTE_AT) to version: the
// platform served that version for that firmware.
func (r *Reader) Reached(firmware string, version int) (bool, error) {
	var one int
	err := r.db.QueryRow(`
SELECT 1 FROM attempts a LEFT JOIN modules m ON m.imei = a.imei
WHERE a.result = 'upgraded' AND a.to_version = ?
  AND (a.firmware = ? OR a.firmware = '' AND m.firmware = ?) LIMIT 1`, version, firmware, firmware).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// LastPassed returns the version imei's newest attempt that ended
// upgraded or current left it on (ok false when it has none).
func (r *Reader) LastPassed(imei string) (version int, ok bool, err error) {
	var v sql.NullInt64
	err = r.db.QueryRow(`
SELECT to_version FROM attempts WHERE imei = ? AND result IN ('upgraded', 'current')
ORDER BY started DESC, id DESC LIMIT 1`, imei).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return int(v.Int64), v.Valid, nil
}

// Unfinished is an attempt an earlier airfleet left open after it had sent
// a request: the module may have gone on downloading, or be rebooting into
// a new version, while nobody watched.
type Unfinished struct {
	IMEI, Slot  string
	FromVersion int
	Ended       time.Time // its last event or line
}

// Unfinished returns, per IMEI, the newest attempt if it was interrupted
// (an earlier process died) at or after since and had sent a request.
func (r *Reader) Unfinished(since time.Time) ([]Unfinished, error) {
	rows, err := r.db.Query(`
SELECT a.imei, a.slot, COALESCE(a.from_version, 0), COALESCE(a.ended, a.started) FROM attempts a
WHERE a.result = 'interrupted' AND COALESCE(a.ended, a.started) >= ? AND a.imei != ''
  AND a.id = (SELECT max(id) FROM attempts b WHERE b.imei = a.imei)
  AND EXISTS (SELECT 1 FROM events e WHERE e.attempt_id = a.id AND e.kind = 'request')
ORDER BY a.id`, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Unfinished
	for rows.Next() {
		var u Unfinished
		var ended int64
		if err := rows.Scan(&u.IMEI, &u.Slot, &u.FromVersion, &ended); err != nil {
			return nil, err
		}
		u.Ended = fromMS(ended)
		out = append(out, u)
	}
	return out, rows.Err()
}
