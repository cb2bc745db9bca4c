package store

import (
	"database/sql"
	"errors"
)

// What the log already knows about versions, so that the engine need not
// spend a platform request to learn it again.

// Reached reports whether the log holds an attempt that upgraded a module
// of this firmware name (e.g. AirM2M_780EP_LTE_AT) to version: the
// platform served that version for that firmware.
func (r *Reader) Reached(firmware string, version int) (bool, error) {
	var one int
	err := r.db.QueryRow(`
SELECT 1 FROM attempts a JOIN modules m ON m.imei = a.imei
WHERE a.result = 'upgraded' AND a.to_version = ? AND m.firmware = ? LIMIT 1`, version, firmware).Scan(&one)
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
