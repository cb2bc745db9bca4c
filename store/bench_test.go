package store

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkTranscriptThroughput measures how many transcript lines per
// second the writer saves: enqueue b.N lines, Flush, divide. The target is
// at least 50 000 lines/s sustained.
//
//	go test -run '^$' -bench TranscriptThroughput -benchtime 500000x ./store/
func BenchmarkTranscriptThroughput(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "airfleet.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const modules = 50
	var atts [modules]int64
	for m := range modules {
		atts[m] = s.StartAttempt(Attempt{IMEI: "8645360710000" + strconv.Itoa(10+m)})
	}
	texts := []string{"AT+UPGRADE?", "+UPGRADE: 1,0,200,0", "OK", "+UPGRADEDL: 37", `AT+UPGRADE="URL","http://iot.openluat.com/api/site/firmware_upgrade"`}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		m := i % modules
		s.Transcript(Line{
			AttemptID: atts[m], IMEI: "8645360710000" + strconv.Itoa(10+m), Slot: "1-1.4." + strconv.Itoa(m),
			Time: now, Dir: DirIn, Text: texts[i%len(texts)],
		})
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "lines/s")
}

// BenchmarkReport100k writes the report (CSV, one row per module per
// batch) of a log of 100 000 attempts: 2 000 batches of 50 modules, each
// attempt with its request events. The promise is under two seconds.
//
//	go test -run '^$' -bench Report100k -benchtime 3x ./store/
func BenchmarkReport100k(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "airfleet.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batches, modules = 2000, 50
	t0 := time.Now().Add(-30 * 24 * time.Hour)
	for i := range batches {
		at := t0.Add(time.Duration(i) * time.Minute)
		bid := s.StartBatch(Batch{Mode: ModeIoT, Station: "line-1", Operator: "op", Started: at})
		for m := range modules {
			imei := "86453607" + strconv.Itoa(1000000+i*modules+m)
			a := s.StartAttempt(Attempt{BatchID: bid, IMEI: imei, Slot: "1-1." + strconv.Itoa(m), Model: "Air780EP",
				Firmware: "AirM2M_780EP_LTE_AT", FromVersion: 1006, Started: at})
			s.Event(Event{AttemptID: a, BatchID: bid, IMEI: imei, Time: at, Step: "requesting", Kind: KindRequest, Detail: "upgrade request sent"})
			s.EndAttempt(a, AttemptResult{Result: ResultUpgraded, ToVersion: 1007, Requests: 1, Message: "upgraded V1006 → V1007",
				MessageZH: "已升级 V1006 → V1007", Ended: at.Add(40 * time.Second)})
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		n, err := s.WriteReportCSV(context.Background(), io.Discard, ReportFilter{})
		if err != nil || n != batches*modules {
			b.Fatalf("%d rows, %v", n, err)
		}
	}
	b.ReportMetric(float64(batches*modules), "rows/op")
}
