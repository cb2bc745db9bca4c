//go:build !windows

package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/upgrade"
)

// transcriptTexts are typical lines of an upgrade's AT transcript.
var transcriptTexts = []string{"AT+UPGRADE?", "+UPGRADE: 1,0,200,0", "OK", "+UPGRADEIND: 37",
	`AT+UPGRADE="URL","http://iot.openluat.com/api/site/firmware_upgrade"`}

const logModules = 256

func imeiOf(m int) string { return "8644680682" + fmt.Sprintf("%05d", m) }
func slotOf(m int) string { return "1-1." + strconv.Itoa(m/16+1) + "." + strconv.Itoa(m%16+1) }

// BenchmarkLogThroughput is store's BenchmarkTranscriptThroughput (enqueue
// b.N transcript lines of 256 modules' attempts, Flush, divide) run on the
// public API, once on the store and once through upgrade.StoreLog, the
// path the engine's AT sessions use. Run it with -benchtime 500000x so
// that the final Flush weighs little. Target: at least 50 000 lines/s.
func BenchmarkLogThroughput(b *testing.B) {
	b.Run("path=store", func(b *testing.B) {
		s, atts := openLog(b, store.Options{})
		now := time.Now()
		benchLines(b, s, func(i int) {
			m := i % logModules
			s.Transcript(store.Line{AttemptID: atts[m], IMEI: imeiOf(m), Slot: slotOf(m), Time: now,
				Dir: store.DirIn, Text: transcriptTexts[i%len(transcriptTexts)]})
		})
	})
	b.Run("path=engine", func(b *testing.B) {
		s, atts := openLog(b, store.Options{})
		l := upgrade.NewStoreLog(s)
		now := time.Now()
		benchLines(b, s, func(i int) {
			m := i % logModules
			l.Transcript(atts[m], slotOf(m), imeiOf(m), device.Record{Time: now, Dir: device.In, Text: transcriptTexts[i%len(transcriptTexts)]})
		})
	})
}

func benchLines(b *testing.B, s *store.Store, write func(i int)) {
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		write(i)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "lines/s")
}

// openLog opens a new log with one attempt per module.
func openLog(b *testing.B, opts store.Options) (*store.Store, []int64) {
	b.Helper()
	s, err := store.Open(filepath.Join(b.TempDir(), "airfleet.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	atts := make([]int64, logModules)
	for m := range atts {
		atts[m] = s.StartAttempt(store.Attempt{IMEI: imeiOf(m), Slot: slotOf(m), Model: "Air780EP", FromVersion: 1006, Started: time.Now()})
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s, atts
}

// commits records when each commit made writes durable.
type commits struct {
	mu   sync.Mutex
	seen []commit
	ch   chan struct{} // closed at the next commit
}

type commit struct {
	upTo int64
	at   time.Time
}

func (c *commits) onCommit(upTo int64) {
	now := time.Now()
	c.mu.Lock()
	c.seen = append(c.seen, commit{upTo, now})
	close(c.ch)
	c.ch = make(chan struct{})
	c.mu.Unlock()
}

// wait returns when write number seq is committed, and when that was.
func (c *commits) wait(seq int64) time.Time {
	for {
		c.mu.Lock()
		for i := len(c.seen) - 1; i >= 0 && c.seen[i].upTo >= seq; i-- {
			if i == 0 || c.seen[i-1].upTo < seq {
				at := c.seen[i].at
				c.mu.Unlock()
				return at
			}
		}
		ch := c.ch
		c.mu.Unlock()
		<-ch
	}
}

// BenchmarkEventToDisk measures how long an engine event takes from
// upgrade.StoreLog.Event to its COMMIT (the writer's OnCommit hook): the
// production writer, 50 ms flush interval, WAL. Meanwhile a background
// goroutine writes load transcript lines per second (and one event per ten
// lines) for 256 modules. Each op is one event; between events the
// benchmark sleeps a random 0–60 ms (untimed), so events meet the writer's
// cycle at random. sec/op is the mean latency. Run it with -benchtime 200x.
func BenchmarkEventToDisk(b *testing.B) {
	for _, load := range []int{0, 5000, 20000} {
		b.Run(fmt.Sprintf("load=%d", load), func(b *testing.B) { benchEventToDisk(b, load) })
	}
}

func benchEventToDisk(b *testing.B, load int) {
	c := &commits{ch: make(chan struct{})}
	s, atts := openLog(b, store.Options{OnCommit: c.onCommit})
	l := upgrade.NewStoreLog(s)

	// Every write goes through write, so that seq counts exactly what the
	// store counts (one per call).
	var mu sync.Mutex
	seq := s.Committed() + s.Pending()
	write := func(f func()) int64 {
		mu.Lock()
		defer mu.Unlock()
		f()
		seq++
		return seq
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	if load > 0 {
		wg.Go(func() {
			const tick = 2 * time.Millisecond
			t := time.NewTicker(tick)
			defer t.Stop()
			per := load * int(tick) / int(time.Second)
			for i := 0; ; {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				for range per {
					m := i % logModules
					now := time.Now()
					write(func() {
						l.Transcript(atts[m], slotOf(m), imeiOf(m), device.Record{Time: now, Dir: device.In, Text: transcriptTexts[i%len(transcriptTexts)]})
					})
					if i%10 == 0 {
						write(func() {
							l.Event(0, atts[m], upgrade.Event{Time: now, Slot: slotOf(m), IMEI: imeiOf(m), Step: upgrade.StateDownloading, Percent: i % 100}, upgrade.KindProgress)
						})
					}
					i++
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // the load runs

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		m := i % logModules
		t0 := time.Now()
		n := write(func() {
			l.Event(0, atts[m], upgrade.Event{Time: t0, Slot: slotOf(m), IMEI: imeiOf(m), Step: upgrade.StateRebooting,
				Sentence: upgrade.Verbatim("download complete: the module applies the delta and reboots")}, upgrade.KindInfo)
		})
		lat = append(lat, c.wait(n).Sub(t0))
		b.StopTimer()
		time.Sleep(rand.N(60 * time.Millisecond))
		b.StartTimer()
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(percentileMS(lat, 50), "p50-ms")
	b.ReportMetric(percentileMS(lat, 99), "p99-ms")
	b.ReportMetric(percentileMS(lat, 100), "max-ms")
}
