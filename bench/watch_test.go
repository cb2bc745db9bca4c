//go:build !windows

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"airfleet/device"
)

// BenchmarkWatchStill256 is the console's watcher over a full station
// whose modules sit still (downloading, or idle on the hub): 256 slots,
// 768 links to ptys. One op is one second of watching; the metrics are
// the process's CPU time per watched second and the listings made.
// notify=off is the watcher polling every 250 ms, as before inotify (and
// as on other OSes); notify=on lets the fleet directory tell it of
// changes, with the 5 s safety listing.
//
//	go test ./bench/ -run '^$' -bench WatchStill256 -benchtime 5x -count 6
func BenchmarkWatchStill256(b *testing.B) {
	fleet := stillFleet(b, 256)
	for _, notify := range []bool{false, true} {
		name := map[bool]string{false: "notify=off", true: "notify=on"}[notify]
		b.Run(name, func(b *testing.B) {
			src := &countingDir{DirSource: device.DirSource{Dir: fleet}}
			var s device.Source = pollOnly{src}
			if notify {
				s = src
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			evs := device.Watcher{Source: s}.Run(ctx)
			for ev := range evs { // the station as it is, then Listed
				if _, ok := ev.(device.Listed); ok {
					break
				}
			}
			go func() {
				for range evs {
				}
			}()
			lists0 := src.lists.Load()
			cpu0 := processCPU(b)
			b.ResetTimer()
			for range b.N {
				time.Sleep(time.Second) // the op: one second of watching
			}
			b.StopTimer()
			cpu := processCPU(b) - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/s")
			b.ReportMetric(float64(src.lists.Load()-lists0)/float64(b.N), "lists/s")
		})
	}
}

// countingDir is a DirSource that counts its listings.
type countingDir struct {
	device.DirSource
	lists atomic.Int64
}

func (c *countingDir) List() ([]device.Candidate, error) {
	c.lists.Add(1)
	return c.DirSource.List()
}

func (c *countingDir) Notify(ctx context.Context) (<-chan struct{}, error) {
	return c.DirSource.Notify(ctx)
}

// pollOnly hides a source's Notify: the watcher polls it.
type pollOnly struct{ s device.Source }

func (p pollOnly) List() ([]device.Candidate, error) { return p.s.List() }

// stillFleet makes a fleet directory of n slots, each linking three ptys,
// left unchanged.
func stillFleet(b *testing.B, n int) string {
	fleet := b.TempDir()
	for i := range n {
		slot := filepath.Join(fleet, fmt.Sprintf("1-%d.%d", 1+i/16, 1+i%16))
		if err := os.MkdirAll(slot, 0o755); err != nil {
			b.Fatal(err)
		}
		for _, ifc := range []string{"if02", "if04", "if06"} {
			master, slave, err := pty.Open()
			if err != nil {
				b.Skip(err)
			}
			b.Cleanup(func() { master.Close(); slave.Close() })
			if err := os.Symlink(slave.Name(), filepath.Join(slot, ifc)); err != nil {
				b.Fatal(err)
			}
		}
	}
	return fleet
}

// processCPU is this process's user and system time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
