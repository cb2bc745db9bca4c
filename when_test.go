package main

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 29, 14, 30, 0, 0, loc)
	for in, want := range map[string]time.Time{
		"2026-11-29":                time.Date(2026, 11, 29, 0, 0, 0, 0, loc),
		"2026-11-28 09:15":          time.Date(2026, 11, 28, 9, 15, 0, 0, loc),
		"2026-11-28T09:15":          time.Date(2026, 11, 28, 9, 15, 0, 0, loc),
		"2026-11-28T09:15:00+08:00": time.Date(2026, 11, 28, 9, 15, 0, 0, loc),
		"today":                     time.Date(2026, 11, 29, 0, 0, 0, 0, loc),
		"昨天":                        time.Date(2026, 11, 28, 0, 0, 0, 0, loc),
		"Yesterday":                 time.Date(2026, 11, 28, 0, 0, 0, 0, loc),
		"24h":                       now.Add(-24 * time.Hour),
		"7d":                        now.AddDate(0, 0, -7),
	} {
		got, err := parseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "-5h", "2026-13-01", "7x"} {
		if _, err := parseWhen(bad, now); err == nil {
			t.Errorf("parseWhen(%q) accepted", bad)
		}
	}
}
