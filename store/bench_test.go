package store

import (
	"context"
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
