package device

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Open opens the port at path, a serial port or a port over TCP
// (socket://host:port), and starts a session on it. opts.Name defaults to
// the path.
func Open(path string, opts Options) (*Session, error) {
	open := OpenPort
	if IsNetworkPort(path) {
		open = openNetworkPort
	}
	rw, err := open(path)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = path
	}
	return NewSession(rw, opts), nil
}

// Ping sends AT until the module answers OK, up to three times within ctx:
// a module that has just booted, or whose port was opened mid-line, may miss
// the first one.
func Ping(ctx context.Context, s *Session) error {
	var err error
	for range 3 {
		_, err = s.Command(ctx, "AT", WithTimeout(time.Second))
		if err == nil || errors.Is(err, ErrClosed) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// ProbeAT is the real Prober: it opens c.ATPort, pings it and closes it.
func ProbeAT(ctx context.Context, c Candidate) error {
	s, err := Open(c.ATPort, Options{Name: c.Slot + " (" + c.ATPort + ")"})
	if err != nil {
		return err
	}
	defer s.Close()
	return Ping(ctx, s)
}

// TryNextPort reports whether, after err on a module's preferred AT port
// (interface 06), its next one (02) may be tried. Not when the port is
// busy or the module in use (*InUseError): another program holds the
// module, and 02 is the same module through another door. Not when ctx
// ended. Otherwise yes: a missing or silent 06 falls back to 02 (spec §6).
// The same holds between any two AT ports of a layout; a log port is never
// a next port (Candidate.ATPorts).
func TryNextPort(err error) bool {
	var pe *PortError
	var iu *InUseError
	switch {
	case errors.As(err, &pe) && pe.Kind == PortBusy, errors.As(err, &iu),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	return true
}

// Found is one module found by Inspect: where it sits and who it is, or why
// it could not be identified.
type Found struct {
	Candidate
	Info Info
	Err  error
}

// Inspect identifies every module of cands, at most limit at a time (all at
// once when limit <= 0): take its slot lock (LockSlot in LockDir(), held
// while it is inspected), open its AT port (Candidate.ATPorts: 06, else
// 02; 00 on a two-port build), ping it, run
// Identify. A module another airfleet holds comes back with an
// *InUseError, none of its ports opened. Each result keeps its candidate's order. Modules in download mode
// or with a known problem are returned without opening anything.
func Inspect(ctx context.Context, cands []Candidate, limit int) []Found {
	if limit <= 0 {
		limit = len(cands) + 1
	}
	out := make([]Found, len(cands))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, c := range cands {
		out[i].Candidate = c
		if c.Mode == ModeDownload {
			out[i].Err = fmt.Errorf("module %s is in download (boot) mode: it cannot be upgraded over the air; reflash it by cable or power-cycle it", c.Slot)
			continue
		}
		if c.Problem != nil {
			out[i].Err = c.Problem
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = inspectOne(ctx, c)
		}()
	}
	wg.Wait()
	return out
}

func inspectOne(ctx context.Context, c Candidate) Found {
	f := Found{Candidate: c}
	l, err := LockSlot("", c)
	if err != nil {
		f.Err = err // in use by another airfleet: open nothing of it
		return f
	}
	defer l.Close()
	var errs []error
	for _, path := range c.ATPorts() {
		s, err := Open(path, Options{Name: c.Slot + " (" + path + ")"})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = Ping(ctx, s)
		if err == nil {
			f.ATPort = path
			f.Confirmed = true
			f.Info, err = Identify(ctx, s)
		}
		s.Close()
		if err == nil {
			return f
		}
		errs = append(errs, err)
		if f.Confirmed || ctx.Err() != nil || !TryNextPort(err) {
			break // it answered AT: a failed Identify is the module's, not the port's
		}
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("module %s has no AT port (%s)", c.Slot, ATInterfacesText))
	}
	f.Err = errors.Join(errs...)
	return f
}
