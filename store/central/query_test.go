package central

import (
	"context"
	"testing"
	"time"

	"airfleet/store"
)

// An IMEI upgraded at two stations: the centre finds both attempts, each
// naming its station, by the whole IMEI or its last digits; stats and the
// report see both stations.
func TestQueriesAcrossStations(t *testing.T) {
	db := open(t, newCentral(t))
	a, b := openStation(t, "a"), openStation(t, "b")
	shared := "864536079999123"
	a.batch(t, "line 1", 3, shared) // attempts 0, 1 upgraded, 2 failed (code 25)
	b.batch(t, "line 2", 2, shared)
	push(t, db, a, PushOptions{})
	push(t, db, b, PushOptions{})
	ctx := context.Background()

	for _, imei := range []string{shared, "999123", "8645360799"} {
		rows, err := db.Attempts(ctx, store.AttemptFilter{IMEI: imei})
		if err != nil {
			t.Fatal(err)
		}
		stations := map[string]string{}
		for _, r := range rows {
			if r.IMEI == shared {
				stations[r.Station] = r.StationID
			}
		}
		if len(stations) != 2 || stations["line 1"] != a.s.StationID() || stations["line 2"] != b.s.StationID() {
			t.Errorf("history of %s: %v; want line 1 (%s) and line 2 (%s)", imei, stations, a.s.StationID(), b.s.StationID())
		}
	}
	rows, err := db.Attempts(ctx, store.AttemptFilter{IMEI: shared, Station: "line 2"})
	if err != nil || len(rows) != 1 || rows[0].Requests != 1 {
		t.Fatalf("history of %s at line 2: %+v, %v; want one attempt with its request", shared, rows, err)
	}
	rows, err = db.Attempts(ctx, store.AttemptFilter{Station: b.s.StationID()})
	if err != nil || len(rows) != 2 {
		t.Fatalf("history by station ID: %d rows, %v; want 2", len(rows), err)
	}

	since := time.Now().Add(-time.Hour)
	st, err := db.Stats(ctx, since, time.Time{}, ByStation, "", time.Local)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Key != "line 1" || st[0].Attempts != 3 || st[0].Passed != 2 || st[0].Failed != 1 ||
		st[1].Key != "line 2" || st[1].Attempts != 2 || st[1].Yield != 1 {
		t.Errorf("stats by station: %+v", st)
	}
	if st[0].Yield < 0.66 || st[0].Yield > 0.67 {
		t.Errorf("line 1's yield %v, want 2/3", st[0].Yield)
	}
	codes, err := db.Stats(ctx, since, time.Time{}, ByCode, "", time.Local)
	if err != nil || len(codes) != 2 || codes[1].Key != "25" || codes[1].Attempts != 1 {
		t.Errorf("stats by code: %+v, %v; want 0 and 25 (one attempt)", codes, err)
	}
	days, err := db.Stats(ctx, since, time.Time{}, ByDay, "", time.Local)
	if err != nil || len(days) == 0 || days[len(days)-1].Key != time.Now().Format(time.DateOnly) {
		t.Errorf("stats by day: %+v, %v; want today last", days, err)
	}

	var report []store.ReportRow
	if err := db.Report(ctx, store.ReportFilter{Since: since}, "", func(r store.ReportRow) error {
		report = append(report, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// One row per module per batch, each batch's rows together (the two
	// batches may start in the same millisecond: their order is then the
	// stations' IDs').
	count := map[string]int{}
	for i, r := range report {
		if i > 0 && r.StationID != report[i-1].StationID && count[r.StationID] > 0 {
			t.Errorf("report row %d: %s's rows are not together", i, r.StationID)
		}
		count[r.StationID]++
	}
	if len(report) != 5 || count[a.s.StationID()] != 3 || count[b.s.StationID()] != 2 {
		t.Errorf("report: %d rows, %v; want line 1's 3 and line 2's 2", len(report), count)
	}
}
