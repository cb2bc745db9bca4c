package central

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"airfleet/store"
)

// benchSize reads the factory's size for BenchmarkFactorySync: 20
// stations of 10 000 attempts unless AIRFLEET_BENCH_STATIONS and
// AIRFLEET_BENCH_ATTEMPTS say less (for a quick look).
func benchSize() (stations, attempts int) {
	stations, attempts = 20, 10000
	if v, err := strconv.Atoi(os.Getenv("AIRFLEET_BENCH_STATIONS")); err == nil && v > 0 {
		stations = v
	}
	if v, err := strconv.Atoi(os.Getenv("AIRFLEET_BENCH_ATTEMPTS")); err == nil && v > 0 {
		attempts = v
	}
	return stations, attempts
}

// Per attempt, as a real one writes about: 4 events (identify, request,
// download, result) and 12 AT transcript lines. A batch holds 24 modules.
const (
	benchEvents = 4
	benchLines  = 12
	benchBatch  = 24
)

// fillStation writes n attempts into s, as days of batches, starting at
// start.
func fillStation(s *store.Store, n int, start time.Time, seed int) {
	at := start
	for done := 0; done < n; {
		b := s.StartBatch(store.Batch{Mode: store.ModeIoT, Station: fmt.Sprintf("line %d", seed), Started: at})
		for i := 0; i < benchBatch && done < n; i++ {
			imei := fmt.Sprintf("86%02d%011d", seed, done)
			slot := fmt.Sprintf("1-1.%d", i+1)
			s.UpsertModule(store.Module{IMEI: imei, Model: "Air780EP", Firmware: "AirM2M_780EP_LTE_AT", Version: 1006, Slot: slot, Seen: at})
			a := s.StartAttempt(store.Attempt{BatchID: b, IMEI: imei, Slot: slot, Model: "Air780EP", Firmware: "AirM2M_780EP_LTE_AT", FromVersion: 1006, Started: at})
			for e := range benchEvents {
				s.Event(store.Event{AttemptID: a, BatchID: b, IMEI: imei, Slot: slot, Time: at, Step: "requesting",
					Kind: store.KindInfo, Detail: fmt.Sprintf("step %d of the upgrade", e), DetailZH: "升级步骤"})
			}
			lines := make([]store.Line, benchLines)
			for l := range lines {
				lines[l] = store.Line{AttemptID: a, IMEI: imei, Slot: slot, Time: at, Dir: store.DirIn, Text: "+UPGRADEIND: 42,\"AirM2M_780EP_V1007_LTE_AT\""}
			}
			s.TranscriptBatch(lines)
			s.EndAttempt(a, store.AttemptResult{Result: store.ResultUpgraded, ToVersion: 1007, Requests: 1, Ended: at.Add(95 * time.Second),
				Message: "upgraded to V1007", MessageZH: "已升级到 V1007"})
			done++
		}
		s.EndBatch(b, store.BatchDone, at.Add(3*time.Minute))
		at = at.Add(4 * time.Minute)
	}
}

// BenchmarkFactorySync: 20 stations of 10 000 attempts each (with their
// events and transcripts) push into one PostgreSQL at once. Reports rows
// per second of the whole factory, the time one station takes to catch up
// after a day offline (a day's backlog of dayAttempts, the others idle),
// and the central database's size per 1 000 attempts. Run with
// -benchtime=1x: each op is the whole factory.
func BenchmarkFactorySync(b *testing.B) {
	if server == nil {
		b.Skip(serverErr)
	}
	nst, natt := benchSize()
	const dayAttempts = 2000 // a station's day: 24 modules every 17 minutes, around the clock
	dir := b.TempDir()
	ctx := context.Background()
	start := time.Now().Add(-30 * 24 * time.Hour)
	stations := make([]*store.Store, nst)
	var wg sync.WaitGroup
	for i := range stations {
		s, err := store.Open(filepath.Join(dir, fmt.Sprintf("s%d.db", i)), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		stations[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			fillStation(s, natt, start, i)
			s.Flush(ctx) //nolint:errcheck // checked by the row counts below
		}()
	}
	wg.Wait()
	rowsPerStation := int64(0)
	for _, t := range store.SyncTables {
		n, err := stations[0].Unsent(ctx, t, 0)
		if err != nil {
			b.Fatal(err)
		}
		rowsPerStation += n
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		url, err := server.NewDB(ctx)
		if err != nil {
			b.Fatal(err)
		}
		db, err := Open(ctx, url, OpenOptions{Migrate: true})
		if err != nil {
			b.Fatal(err)
		}
		var size0 int64
		if err := db.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size0); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		errs := make(chan error, nst)
		for _, s := range stations {
			go func() {
				_, err := db.Push(ctx, s, PushOptions{})
				errs <- err
			}()
		}
		for range stations {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		all := time.Since(t0)
		b.StopTimer()
		b.ReportMetric(float64(rowsPerStation*int64(nst))/all.Seconds(), "rows/s")
		b.ReportMetric(all.Seconds(), "factory-s")

		var size int64
		if err := db.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(size-size0)/float64(nst*natt/1000)/(1<<20), "MiB/1k-attempts")

		// A day offline: station 0 writes a day's attempts, then pushes.
		fillStation(stations[0], dayAttempts, time.Now().Add(-24*time.Hour), 0)
		stations[0].Flush(ctx) //nolint:errcheck
		t1 := time.Now()
		sum, err := db.Push(ctx, stations[0], PushOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t1).Seconds(), "catchup-day-s")
		b.ReportMetric(float64(sum.Total), "catchup-rows")
		db.Close()
		b.StartTimer()
	}
}
