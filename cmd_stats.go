package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"airfleet/store/central"
	"airfleet/upgrade"

	"github.com/charmbracelet/x/ansi"
)

// cmdStats prints the factory's counts, yield and median upgrade time per
// station, model, code or day, from the central log.
func cmdStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("stats", stderr)
	centralURL := centralFlags(fs, "central")
	since := fs.String("since", "today", "attempts that started at or after `T` (2026-11-29, \"2026-11-29 14:05\", today, yesterday, 24h, 7d)")
	until := fs.String("until", "", "attempts that started before `T` (same forms as --since)")
	by := fs.String("by", "station", "group by `station`, model, code or day")
	station := fs.String("station", "", "one station only, by its `NAME` or ID")
	asJSON := fs.Bool("json", false, "print one JSON object per group")
	language := langFlag(fs, "language of the table, `zh` or en (default: from LANG)")
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
	if url == "" {
		return usageErr("%s", upgrade.MsgCentralGive.In(lang, "central"))
	}
	switch central.StatsBy(*by) {
	case central.ByStation, central.ByModel, central.ByCode, central.ByDay:
	default:
		return usageErr("--by %q: give station, model, code or day", *by)
	}
	from, to, err := parsePeriod(*since, *until, time.Now())
	if err != nil {
		return err
	}
	if from.IsZero() {
		return usageErr("--since: give a start (today, 7d, 2026-11-01)")
	}
	db, err := central.Open(ctx, url, central.OpenOptions{})
	if err != nil {
		return centralErr(err, lang)
	}
	defer db.Close()
	rows, err := db.Stats(ctx, from, to, central.StatsBy(*by), *station, time.Local)
	if err != nil {
		return errors.New(centralMessage(err, lang))
	}
	if *asJSON {
		for _, r := range rows {
			stdout.Write(upgrade.MarshalLine(r))
		}
		return nil
	}
	printStats(stdout, lang, central.StatsBy(*by), rows)
	return nil
}

func printStats(w io.Writer, lang string, by central.StatsBy, rows []central.StatsRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, upgrade.MsgStatsNone.In(lang))
		return
	}
	head := map[central.StatsBy]*upgrade.Message{
		central.ByStation: upgrade.MsgStatsByStation, central.ByModel: upgrade.MsgStatsByModel,
		central.ByCode: upgrade.MsgStatsByCode, central.ByDay: upgrade.MsgStatsByDay,
	}[by]
	cols := []*upgrade.Message{upgrade.MsgStatsAttempts, upgrade.MsgStatsModules, upgrade.MsgStatsPassed,
		upgrade.MsgStatsFailed, upgrade.MsgStatsOther, upgrade.MsgStatsYield, upgrade.MsgStatsMedian}
	widths := []int{9, 8, 7, 7, 6, 7, 9}
	fmt.Fprint(w, padRight(head.In(lang), 20))
	for i, c := range cols {
		fmt.Fprint(w, " ", padLeft(c.In(lang), widths[i]))
	}
	fmt.Fprintln(w)
	var total central.StatsRow
	for _, r := range rows {
		key := r.Key
		if by == central.ByCode {
			if c, err := strconv.Atoi(r.Key); err == nil && c != 0 {
				key = upgrade.MsgCode.With(c).In(lang)
			} else if err == nil {
				key = upgrade.MsgStatsNoCode.In(lang)
			}
		}
		fmt.Fprintf(w, "%s %9d %8d %7d %7d %6d %6.1f%% %9.1f\n", padRight(key, 20), r.Attempts, r.Modules, r.Passed, r.Failed, r.Other, r.Yield*100, r.Median)
		total.Attempts += r.Attempts
		total.Passed += r.Passed
		total.Failed += r.Failed
	}
	if total.Passed+total.Failed > 0 {
		fmt.Fprintln(w, upgrade.MsgStatsAll.In(lang, total.Attempts, 100*float64(total.Passed)/float64(total.Passed+total.Failed)))
	}
}

// padRight and padLeft pad s to n terminal columns (a Chinese character
// takes two).
func padRight(s string, n int) string { return s + strings.Repeat(" ", max(0, n-ansi.StringWidth(s))) }

func padLeft(s string, n int) string { return strings.Repeat(" ", max(0, n-ansi.StringWidth(s))) + s }
