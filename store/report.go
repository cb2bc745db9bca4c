package store

import (
	"airfleet/device"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReportRow is one module in one batch, as a customer or a factory reads
// it: where the module sat, what it was and became, how it ended. A module
// tried more than once in a batch (a retry) appears once, as it ended.
type ReportRow struct {
	Batch       int64     `json:"batch"`
	Station     string    `json:"station"`
	StationID   string    `json:"station_id,omitempty"` // the central log's reports only
	Operator    string    `json:"operator"`
	IMEI        string    `json:"imei"`
	Slot        string    `json:"slot"`
	Model       string    `json:"model"`
	Firmware    string    `json:"firmware"`
	From        int       `json:"from"`
	To          int       `json:"to"`
	Result      Result    `json:"result"`
	Code        int       `json:"code"`
	ModuleError int       `json:"module_error"`
	Started     time.Time `json:"started"`
	Seconds     float64   `json:"seconds"`
	Message     string    `json:"message"`
	MessageZH   string    `json:"message_zh"`
}

// ReportFilter chooses a report's batches: those that started in
// [Since, Until) (zero: open), or the one batch Batch. SlotOrder orders a
// batch's modules (the caller's rule for slots, such as "1-1.2" before
// "1-1.10"; nil: by the slot's bytes).
type ReportFilter struct {
	Since, Until time.Time
	Batch        int64
	SlotOrder    func(a, b string) int
}

// ReportColumns are the columns GroupReport reads, as the central log
// selects them too (its tables have the same names and columns).
const ReportColumns = `a.batch_id, COALESCE(b.station, ''), COALESCE(b.operator, ''), a.imei, a.slot, a.model,
       COALESCE(NULLIF(a.firmware, ''), m.firmware, ''), COALESCE(a.from_version, 0),
       COALESCE(a.to_version, 0), a.result, COALESCE(a.platform_code, 0), COALESCE(a.module_error, 0),
       a.started, a.ended, a.message, a.message_zh`

const reportSelect = `
SELECT ` + ReportColumns + `
FROM attempts a JOIN batches b ON b.id = a.batch_id LEFT JOIN modules m ON m.imei = a.imei
WHERE a.imei != ''`

// Report calls fn with one row per module per batch, oldest batch first,
// modules in slot order within a batch. It streams: a report over a year
// of a factory's attempts holds one batch's rows in memory at a time.
func (r *Reader) Report(ctx context.Context, f ReportFilter, fn func(ReportRow) error) error {
	q, args := reportSelect, []any{}
	if f.Batch != 0 {
		q += " AND a.batch_id = ?"
		args = append(args, f.Batch)
	}
	if !f.Since.IsZero() {
		q += " AND b.started >= ?"
		args = append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		q += " AND b.started < ?"
		args = append(args, ms(f.Until))
	}
	q += " ORDER BY a.batch_id, a.imei, a.id"
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return GroupReport(rows, false, f.SlotOrder, fn)
}

// ReportRows is what GroupReport reads: *sql.Rows, or pgx's rows.
type ReportRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// GroupReport turns attempt rows (reportSelect's columns, after a station
// ID column when withStation) ordered by batch, IMEI and attempt into the
// report's rows: per batch, the last attempt of each module, in slot
// order (order; nil: by the slot's bytes). The one place that rule lives,
// for this log and for the central log alike.
func GroupReport(rows ReportRows, withStation bool, order func(a, b string) int, fn func(ReportRow) error) error {
	var batch []ReportRow // one batch's modules, the last attempt of each
	if order == nil {
		order = strings.Compare
	}
	flush := func() error {
		slices.SortStableFunc(batch, func(x, y ReportRow) int { return order(x.Slot, y.Slot) })
		for _, row := range batch {
			if err := fn(row); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	for rows.Next() {
		var row ReportRow
		var started int64
		var ended *int64
		var result string
		dest := []any{&row.Batch, &row.Station, &row.Operator, &row.IMEI, &row.Slot, &row.Model,
			&row.Firmware, &row.From, &row.To, &result, &row.Code, &row.ModuleError,
			&started, &ended, &row.Message, &row.MessageZH}
		if withStation {
			dest = append([]any{&row.StationID}, dest...)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row.Result, row.Started = Result(result), fromMS(started)
		if ended != nil {
			row.Seconds = float64(*ended-started) / 1000
		}
		if row.To == 0 {
			row.To = row.From
		}
		row.Message, row.MessageZH = device.MaskURL(row.Message), device.MaskURL(row.MessageZH)
		switch n := len(batch); {
		case n > 0 && (batch[n-1].Batch != row.Batch || batch[n-1].StationID != row.StationID):
			if err := flush(); err != nil {
				return err
			}
			batch = append(batch, row)
		case n > 0 && batch[n-1].IMEI == row.IMEI:
			batch[n-1] = row // a later attempt of the same module: it ended so
		default:
			batch = append(batch, row)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// reportHeader names the report's CSV columns, in order.
var reportHeader = []string{"batch", "station", "operator", "imei", "slot", "model", "firmware", "from", "to",
	"result", "code", "module_error", "started", "seconds", "message", "message_zh"}

// utf8BOM starts the report's CSV: Excel on a Chinese Windows PC reads a
// CSV without it in the ANSI code page (GBK) and garbles every Chinese cell.
const utf8BOM = "\uFEFF"

// WriteReportCSV writes the report as CSV with a UTF-8 byte order mark,
// one header row first. Cells a spreadsheet would run as formulas are
// neutralised (csvSafe).
func (r *Reader) WriteReportCSV(ctx context.Context, w io.Writer, f ReportFilter) (int, error) {
	return EncodeReportCSV(w, func(fn func(ReportRow) error) error { return r.Report(ctx, f, fn) })
}

// EncodeReportCSV writes the rows that each gives as WriteReportCSV does:
// the one CSV form of a report, whichever log (this one, or the central
// log) the rows come from.
func EncodeReportCSV(w io.Writer, each func(func(ReportRow) error) error) (int, error) {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(reportHeader); err != nil {
		return 0, err
	}
	n := 0
	rec := make([]string, 0, len(reportHeader))
	err := each(func(x ReportRow) error {
		n++
		rec = append(rec[:0], strconv.FormatInt(x.Batch, 10), x.Station, x.Operator, x.IMEI, x.Slot, x.Model, x.Firmware,
			optInt(x.From), optInt(x.To), string(x.Result), optInt(x.Code), optInt(x.ModuleError),
			optTime(x.Started), strconv.FormatFloat(x.Seconds, 'f', 3, 64), x.Message, x.MessageZH)
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		return cw.Write(rec)
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

// WriteReportJSONL writes the report as one JSON object per line.
func (r *Reader) WriteReportJSONL(ctx context.Context, w io.Writer, f ReportFilter) (int, error) {
	return EncodeReportJSONL(w, func(fn func(ReportRow) error) error { return r.Report(ctx, f, fn) })
}

// EncodeReportJSONL writes the rows that each gives as WriteReportJSONL
// does.
func EncodeReportJSONL(w io.Writer, each func(func(ReportRow) error) error) (int, error) {
	enc := json.NewEncoder(w)
	n := 0
	err := each(func(x ReportRow) error {
		n++
		x.Seconds = float64(int64(x.Seconds*1000+0.5)) / 1000
		return enc.Encode(x)
	})
	return n, err
}
