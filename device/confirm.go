package device

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Prober checks that c.ATPort answers "AT" with "OK". It must give up when
// ctx ends. The real one runs on top of a Session; tests inject fakes.
type Prober func(ctx context.Context, c Candidate) error

// DefaultConfirmLimit is how many candidates Confirm probes at once when the
// caller gives no limit.
const DefaultConfirmLimit = 8

// DefaultProbeTimeout bounds one probe when Scanner has no Timeout.
const DefaultProbeTimeout = 3 * time.Second

// Confirm probes every candidate's AT port, at most limit at a time
// (DefaultConfirmLimit if limit <= 0), and returns the candidates in the same
// order. A candidate whose preferred AT port does not answer is tried on
// its layout's next one, if any (interface 06, then 02; a two-port build
// has 00 only), never on a log port, and not when the preferred one is
// busy (see TryNextPort). One
// that answers nowhere is still returned, with Problem saying why; candidates
// in download mode or already carrying a Problem are returned unprobed.
func Confirm(ctx context.Context, cands []Candidate, probe Prober, limit int) []Candidate {
	if limit <= 0 {
		limit = DefaultConfirmLimit
	}
	out := make([]Candidate, len(cands))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, c := range cands {
		if c.Mode == ModeDownload || c.Problem != nil {
			out[i] = c
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			c.Problem = fmt.Errorf("module %s: AT port not checked: %w", c.Slot, ctx.Err())
			out[i] = c
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = confirmOne(ctx, c, probe)
		}()
	}
	wg.Wait()
	return out
}

// confirmOne tries the candidate's AT interfaces in order of preference.
func confirmOne(ctx context.Context, c Candidate, probe Prober) Candidate {
	order := atInterfaces(c.Ports, c.Names)
	if len(order) == 0 {
		c.Problem = fmt.Errorf("module %s has %w (%s)", c.Slot, ErrNoATPort, ATInterfacesText)
		return c
	}
	var errs []error
	for _, n := range order {
		try := c
		try.ATPort = c.Ports[n]
		err := probe(ctx, try)
		if err == nil {
			try.Confirmed = true
			try.Problem = nil
			return try
		}
		errs = append(errs, fmt.Errorf("%s (interface %02d): %w", try.ATPort, n, err))
		if ctx.Err() != nil || !TryNextPort(err) {
			break
		}
	}
	c.Problem = fmt.Errorf("module %s does not answer AT: %w", c.Slot, errors.Join(errs...))
	return c
}

// Scanner lists modules from a Source and confirms their AT ports.
type Scanner struct {
	Source  Source
	Probe   Prober
	Limit   int           // probes at once; DefaultConfirmLimit if 0
	Timeout time.Duration // per probe; DefaultProbeTimeout if 0
}

// Scan lists the modules and confirms each one's AT port. Only a listing
// failure is returned as an error; a module that fails to confirm is in the
// result with its Problem.
func (s *Scanner) Scan(ctx context.Context) ([]Candidate, error) {
	cands, err := s.Source.List()
	if err != nil {
		return nil, err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	probe := func(ctx context.Context, c Candidate) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return s.Probe(ctx, c)
	}
	return Confirm(ctx, cands, probe, s.Limit), nil
}
