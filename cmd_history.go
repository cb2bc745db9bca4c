package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/store/central"
	"airfleet/upgrade"
)

// centralAttempts runs a history query against the central log.
func centralAttempts(ctx context.Context, url string, f store.AttemptFilter, lang string) ([]store.AttemptRow, error) {
	db, err := central.Open(ctx, url, central.OpenOptions{})
	if err != nil {
		return nil, centralErr(err, lang)
	}
	defer db.Close()
	rows, err := db.Attempts(ctx, f)
	if err != nil {
		return nil, errors.New(centralMessage(err, lang))
	}
	return rows, nil
}

// historyJSON is one attempt as `airfleet history --json` prints it: in
// English, for scripts (message_zh beside the message).
type historyJSON struct {
	ID          int64      `json:"id"`
	Batch       int64      `json:"batch,omitempty"`
	Station     string     `json:"station"`
	StationID   string     `json:"station_id,omitempty"`
	IMEI        string     `json:"imei"`
	Slot        string     `json:"slot"`
	Model       string     `json:"model"`
	Firmware    string     `json:"firmware,omitempty"`
	From        int        `json:"from"`
	To          int        `json:"to"`
	Result      string     `json:"result"`
	Code        int        `json:"code,omitempty"`
	ModuleError int        `json:"module_error,omitempty"`
	HTTPStatus  int        `json:"http_status,omitempty"`
	Requests    int        `json:"requests"`
	Started     time.Time  `json:"started"`
	Ended       *time.Time `json:"ended,omitempty"`
	Message     string     `json:"message"`
	MessageZH   string     `json:"message_zh,omitempty"`
	Title       string     `json:"code_title,omitempty"`
	Remedy      string     `json:"code_remedy,omitempty"`
}

// cmdHistory prints every attempt of the log that matches the filters,
// newest first, each with its code explained in the operator's language.
// It reads the log without writing it (a console may be running on it).
// found is false when nothing matched.
func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) (found bool, err error) {
	fs := newFlags("history", stderr)
	imei := fs.String("imei", "", "an IMEI, or at least its first or last 4 `DIGITS` (a support engineer often has the last six)")
	since := fs.String("since", "", "attempts that started at or after `T` (2026-11-29, \"2026-11-29 14:05\", today, yesterday, 24h, 7d)")
	until := fs.String("until", "", "attempts that started before `T` (same forms as --since)")
	code := fs.Int("code", 0, "a platform code or module error `N`, e.g. 25 or -1003")
	result := fs.String("result", "", "`R`: upgraded, current, failed, held, cancelled or interrupted")
	station := fs.String("station", "", "attempts of this station `NAME` only (with --central: a station's name or ID)")
	centralURL := centralFlags(fs, "central")
	limit := fs.Int("limit", 500, "at most `N` attempts, newest first (0: all)")
	asJSON := fs.Bool("json", false, "print one JSON object per attempt, in English")
	language := langFlag(fs, "language of the lines, `zh` or en (default: from LANG; --json stays English)")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	if err := parse(fs, args); err != nil {
		return false, err
	}
	lang, err := language()
	if err != nil {
		return false, err
	}
	f, err := attemptFilter(*imei, *since, *until, *code, *result, *station, *limit, time.Now())
	if err != nil {
		return false, err
	}
	url, err := centralURL(lang)
	if err != nil {
		return false, err
	}
	var rows []store.AttemptRow
	where := *dbPath
	if set(fs, "central") || set(fs, "central-file") {
		if url == "" {
			return false, usageErr("--central: give the central database's URL")
		}
		if rows, err = centralAttempts(ctx, url, f, lang); err != nil {
			return false, err
		}
		where = central.Mask(url)
	} else {
		r, err := store.OpenReadOnly(*dbPath)
		if err != nil {
			return false, usageErr("--db: %v", err)
		}
		defer r.Close()
		if rows, err = r.Attempts(f); err != nil {
			return false, fmt.Errorf("reading the log %s: %w", *dbPath, err)
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(stderr, upgrade.MsgHistoryNone.With(where).In(lang))
		return false, nil
	}
	for _, a := range rows {
		if *asJSON {
			stdout.Write(upgrade.MarshalLine(historyLine(a)))
		} else {
			printAttempt(stdout, a, lang)
		}
	}
	if !*asJSON {
		fmt.Fprintln(stdout, upgrade.MsgHistoryCount.With(len(rows)).In(lang))
	}
	return true, nil
}

// attemptFilter checks the history's filters and turns them into the
// log's: each bad value is a usage error naming its flag and the fix.
func attemptFilter(imei, since, until string, code int, result, station string, limit int, now time.Time) (store.AttemptFilter, error) {
	f := store.AttemptFilter{Code: code, Station: station, Limit: limit}
	switch imei = strings.TrimSpace(imei); {
	case imei == "":
	case device.IsIMEI(imei), len(imei) >= 4 && len(imei) < 15 && strings.Trim(imei, "0123456789") == "":
		f.IMEI = imei // whole, or its first or last digits
	default:
		return f, usageErr("--imei %q: give the 15-digit IMEI, or at least its first or last 4 digits", imei)
	}
	var err error
	if f.Since, f.Until, err = parsePeriod(since, until, now); err != nil {
		return f, err
	}
	switch store.Result(result) {
	case "", store.ResultUpgraded, store.ResultCurrent, store.ResultFailed, store.ResultHeld, store.ResultCancelled, store.ResultInterrupted:
		f.Result = store.Result(result)
	default:
		return f, usageErr("--result %q: give upgraded, current, failed, held, cancelled or interrupted", result)
	}
	if limit < 0 {
		return f, usageErr("--limit %d: give 0 (all) or more", limit)
	}
	return f, nil
}

// printAttempt writes one attempt as two or three lines: when, where, who,
// versions and result; what its code means and what to do; its message.
func printAttempt(w io.Writer, a store.AttemptRow, lang string) {
	to := a.ToVersion
	if to == 0 {
		to = a.FromVersion
	}
	fmt.Fprintf(w, "%s  %s  %s  %s  V%d→V%d  %s  (%s)\n", a.Started.Local().Format(time.DateTime), a.Slot, a.IMEI, a.Model,
		a.FromVersion, to, upgrade.OutcomeWord(upgrade.Outcome(a.Result)).In(lang), upgrade.MsgHistoryBatch.With(a.BatchID, a.Station).In(lang))
	if c := upgrade.PrimaryCode(a.PlatformCode, a.ModuleError); c != 0 {
		fmt.Fprintf(w, "    %s\n", upgrade.MsgCode.With(c).In(lang))
	}
	msg := a.Message
	if lang == "zh" && a.MessageZH != "" {
		msg = a.MessageZH
	}
	if msg != "" {
		fmt.Fprintf(w, "    %s\n", msg)
	}
}

func historyLine(a store.AttemptRow) historyJSON {
	h := historyJSON{ID: a.ID, Batch: a.BatchID, Station: a.Station, StationID: a.StationID, IMEI: a.IMEI, Slot: a.Slot, Model: a.Model,
		Firmware: a.Firmware, From: a.FromVersion, To: a.ToVersion, Result: string(a.Result), Code: a.PlatformCode,
		ModuleError: a.ModuleError, HTTPStatus: a.HTTPStatus, Requests: a.Requests, Started: a.Started,
		Message: a.Message, MessageZH: a.MessageZH}
	if h.To == 0 {
		h.To = h.From
	}
	if !a.Ended.IsZero() {
		e := a.Ended
		h.Ended = &e
	}
	if title, _, remedy, ok := upgrade.Explain(a.PlatformCode, a.ModuleError, "en"); ok {
		h.Title, h.Remedy = title, remedy
	}
	return h
}
