package sim

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// clock turns the simulator's real-world delays into wall-clock waits: every
// module delay goes through dur, which divides it by the fleet's Speed.
type clock struct {
	speed float64
}

// dur returns how long the simulated delay d takes on the wall clock.
func (c clock) dur(d time.Duration) time.Duration {
	if c.speed <= 0 || c.speed == 1 {
		return d
	}
	return time.Duration(float64(d) / c.speed)
}

// sleep waits for the simulated delay d, or until ctx is done; it reports
// whether the whole delay passed.
func (c clock) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(c.dur(d))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// rng is a goroutine-safe seeded random source.
type rng struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRNG(seed, stream uint64) *rng {
	return &rng{r: rand.New(rand.NewPCG(seed, stream))}
}

// intn returns a number in [0, n).
func (g *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.IntN(n)
}

// chance reports true with probability p.
func (g *rng) chance(p float64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Float64() < p
}

// between returns a duration in [lo, hi].
func (g *rng) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)+1))
}

// bytes fills b with random bytes.
func (g *rng) bytes(b []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
}
