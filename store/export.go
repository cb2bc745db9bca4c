package store

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the columns of ExportCSV.
var csvHeader = []string{
	"attempt_id", "batch_id", "station", "mode", "imei", "slot", "model",
	"from_version", "to_version", "result", "platform_code", "module_error",
	"http_status", "retries", "requests", "started", "ended", "message", "message_zh",
}

// csvTime is RFC 3339 with milliseconds, in the local zone.
const csvTime = "2006-01-02T15:04:05.000Z07:00"

// ExportCSV writes the attempts that match f as CSV (RFC 4180) in UTF-8
// with a byte order mark (utf8BOM: Excel on a Chinese Windows PC needs it),
// a header row first, newest first. Unknown numbers and times are empty cells. A
// cell that a spreadsheet would take for a formula starts with a single
// quote (csvSafe).
func (r *Reader) ExportCSV(w io.Writer, f AttemptFilter) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	rec := make([]string, len(csvHeader))
	err := r.eachAttempt(context.Background(), f, func(a *AttemptRow) error {
		rec = append(rec[:0],
			strconv.FormatInt(a.ID, 10), optID(a.BatchID), a.Station, string(a.Mode), a.IMEI, a.Slot, a.Model,
			optInt(a.FromVersion), optInt(a.ToVersion), string(a.Result), optInt(a.PlatformCode), optInt(a.ModuleError),
			optInt(a.HTTPStatus), strconv.Itoa(a.Retries), strconv.Itoa(a.Requests),
			optTime(a.Started), optTime(a.Ended), a.Message, a.MessageZH)
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func optInt(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

func optID(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(csvTime)
}

// csvSafe neutralises a cell that a spreadsheet would run as a formula
// (CSV injection, OWASP): one that begins with =, +, -, @, a tab or a
// carriage return gets a leading single quote, so a station named
// =HYPERLINK(…) reads as text. A plain number ("-1003", a module error)
// is left as it is, so that numbers stay numbers: nothing this export
// writes is meant as a formula, and a number runs nothing.
func csvSafe(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) || plainNumber(cell) {
		return cell
	}
	return "'" + cell
}

// plainNumber reports whether s is an optionally signed decimal number:
// digits, at most one point between digits.
func plainNumber(s string) bool {
	s = strings.TrimLeft(s[:1], "+-") + s[1:]
	intPart, frac, hasPoint := strings.Cut(s, ".")
	return digits(intPart) && (!hasPoint || digits(frac))
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
