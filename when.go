package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseWhen reads a moment as support staff type it, in the local zone:
// "2026-11-29", "2026-11-29 14:05", "2026-11-29T14:05:00", RFC 3339,
// "today" or "yesterday" (今天, 昨天: their midnight), or a span back from
// now ("24h", "90m", "7d").
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch strings.ToLower(s) {
	case "today", "今天":
		return midnight, nil
	case "yesterday", "昨天":
		return midnight.AddDate(0, 0, -1), nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02 15:04", "2006-01-02T15:04", time.DateTime, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: give 2026-11-29, \"2026-11-29 14:05\", today, yesterday, or a span back from now such as 24h or 7d", s)
}

// parsePeriod reads --since and --until (either may be empty: open) as
// parseWhen does, and refuses an --until that is not after --since.
func parsePeriod(since, until string, now time.Time) (from, to time.Time, err error) {
	for _, w := range []struct {
		name, value string
		to          *time.Time
	}{{"since", since, &from}, {"until", until, &to}} {
		if w.value == "" {
			continue
		}
		t, err := parseWhen(w.value, now)
		if err != nil {
			return from, to, usageErr("--%s %v", w.name, err)
		}
		*w.to = t
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, usageErr("--until %s is not after --since %s: swap them", until, since)
	}
	return from, to, nil
}
