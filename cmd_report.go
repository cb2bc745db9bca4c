package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/store/central"
	"airfleet/upgrade"
)

// cmdReport writes one row per module per batch, for a customer or a
// factory's books: CSV (UTF-8 with a byte order mark, so that Excel on a
// Chinese Windows PC reads it) or JSON lines, to --out or stdout.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	since := fs.String("since", "", "batches that started at or after `T` (2026-11-29, \"2026-11-29 14:05\", today, yesterday, 24h, 7d)")
	until := fs.String("until", "", "batches that started before `T` (same forms as --since)")
	batch := fs.Int64("batch", 0, "one batch, by its `ID` (the console's history and upgrade --json name it)")
	format := fs.String("format", "csv", "`csv` (UTF-8 with BOM, for Excel) or jsonl (one JSON object per line)")
	out := fs.String("out", "", "write to `FILE` (written whole or not at all) instead of stdout")
	language := langFlag(fs, "language of what the command says on stderr, `zh` or en (default: from LANG)")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	centralURL := centralFlags(fs, "central")
	station := fs.String("station", "", "with --central: batches of this station `NAME` (or ID) only")
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := language()
	if err != nil {
		return err
	}
	url, err := centralURL(lang)
	if err != nil {
		return err
	}
	useCentral := set(fs, "central") || set(fs, "central-file")
	if useCentral && url == "" {
		return usageErr("--central: give the central database's URL")
	}
	if *station != "" && !useCentral {
		return usageErr("--station needs --central (a station's own log holds its own batches)")
	}
	f := store.ReportFilter{Batch: *batch, SlotOrder: device.CompareSlots}
	switch {
	case *since == "" && *batch == 0:
		return usageErr("give --since T (e.g. --since today) or --batch ID")
	case *batch < 0:
		return usageErr("--batch %d: give a batch ID (1 or more)", *batch)
	}
	if f.Since, f.Until, err = parsePeriod(*since, *until, time.Now()); err != nil {
		return err
	}
	write := map[string]func(*store.Reader, io.Writer) (int, error){
		"csv":   func(r *store.Reader, w io.Writer) (int, error) { return r.WriteReportCSV(ctx, w, f) },
		"jsonl": func(r *store.Reader, w io.Writer) (int, error) { return r.WriteReportJSONL(ctx, w, f) },
	}[*format]
	if write == nil {
		return usageErr("--format %q: give csv or jsonl", *format)
	}
	if useCentral {
		return centralReport(ctx, url, f, *station, *format, *out, stdout, stderr, lang)
	}
	r, err := store.OpenReadOnly(*dbPath)
	if err != nil {
		return usageErr("--db: %v", err)
	}
	defer r.Close()
	if *out == "" {
		_, err := write(r, stdout)
		return err
	}
	n, path, err := writeWhole(*out, func(w io.Writer) (int, error) { return write(r, w) })
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, upgrade.MsgReportWrote.With(n, path).In(lang))
	return nil
}

// centralReport writes the report of every station (or one) from the
// central log, in the same forms as a station's own.
func centralReport(ctx context.Context, url string, f store.ReportFilter, station, format, out string, stdout, stderr io.Writer, lang string) error {
	db, err := central.Open(ctx, url, central.OpenOptions{})
	if err != nil {
		return centralErr(err, lang)
	}
	defer db.Close()
	each := func(fn func(store.ReportRow) error) error { return db.Report(ctx, f, station, fn) }
	encode := store.EncodeReportCSV
	if format == "jsonl" {
		encode = store.EncodeReportJSONL
	}
	if out == "" {
		_, err := encode(stdout, each)
		return said(err)
	}
	n, path, err := writeWhole(out, func(w io.Writer) (int, error) { return encode(w, each) })
	if err != nil {
		return errors.New(centralMessage(err, lang))
	}
	fmt.Fprintln(stderr, upgrade.MsgReportWrote.With(n, path).In(lang))
	return nil
}

// writeWhole writes a file through fill into a temporary file beside it
// and renames it into place: a reader never sees half a report, and a
// failure leaves no file behind. It returns what fill returned and the
// file's absolute path.
func writeWhole(name string, fill func(io.Writer) (int, error)) (int, string, error) {
	path, err := filepath.Abs(name)
	if err != nil {
		return 0, "", usageErr("--out %s: %v", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, "", usageErr("--out %s: cannot write there (%v): choose another folder", name, err)
	}
	n, err := fill(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, "", fmt.Errorf("writing %s: %w", path, err)
	}
	return n, path, nil
}
