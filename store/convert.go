package store

import (
	"database/sql"
	"time"
)

// ms is how the log stores a time: unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS reads a stored time back, in the local zone.
func fromMS(v int64) time.Time { return time.UnixMilli(v) }

// fromNullMS reads a nullable stored time; NULL is the zero time.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// nullInt stores 0 as NULL ("unknown", "none").
func nullInt(v int) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}

// nullID stores ID 0 as NULL ("none").
func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// intOf reads a nullable integer; NULL is 0.
func intOf(v sql.NullInt64) int { return int(v.Int64) }
