package upgrade

// Opening and identifying a module, and why it could not be.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"airfleet/device"
)

// identify takes the module's slot lock, opens its AT port (06, else 02;
// 00 on a two-port build: device.Candidate.ATPorts), pings and identifies
// it. A module another airfleet holds is left closed,
// its Err a *device.InUseError.
func (st *Sessions) identify(ctx context.Context, c device.Candidate) *Module {
	a := &Module{Slot: c.Slot, Since: time.Now()}
	if c.Mode == device.ModeDownload {
		a.Err = &downloadModeError{slot: c.Slot}
		return a
	}
	if c.Problem != nil {
		a.Err = c.Problem
		return a
	}
	if err := st.locks.hold(c); err != nil {
		a.Err = err
		return a
	}
	var errs []error
	for _, port := range candidatePorts(c) {
		// Looked at before the open too: a port that is another
		// module's by now is not opened at all, so not a byte of that
		// module's is read here.
		if err := st.stillListed(c, port); err != nil {
			errs = append(errs, err)
			break
		}
		s, err := device.Open(port, device.Options{Name: c.Slot + " (" + port + ")", Transcript: st.transcriptFor(c.Slot)})
		if err != nil {
			errs = append(errs, err)
			if !device.TryNextPort(err) {
				break // if06 busy: if02 is the same module, held by another program
			}
			continue
		}
		if err := st.stillListed(c, port); err != nil {
			// Unplugged between the look and the open, its port given
			// to another module: the watch reports the slot again.
			s.Close()
			errs = append(errs, err)
			break
		}
		ictx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = device.Ping(ictx, s)
		if err == nil {
			a.Info, err = device.Identify(ictx, s)
		}
		cancel()
		if err == nil {
			a.Port, a.Session, a.Identified = port, s, time.Now()
			return a
		}
		s.Close()
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%w (%s)", device.ErrNoATPort, device.ATInterfacesText))
	}
	a.Err = &identifyError{slot: c.Slot, errs: errs}
	return a
}

// stillListed checks, once port is open, that the source still lists it
// as one of c's ports. A candidate names its ports as they were when its
// slot was listed; a module unplugged since then frees them, and the
// kernel gives a freed port (a pty number, a ttyACM minor) to the next
// module that appears. Opened then, it is that module's, which the slot
// lock does not guard: its lines would be split between two readers and
// its IMEI put in this slot. An open port is not handed to anyone else
// until it is closed, so a listing taken now that still shows it in c's
// slot proves it is c's. A source that cannot be listed just now proves
// nothing either way: the port is used as listed.
func (st *Sessions) stillListed(c device.Candidate, port string) error {
	if ss, ok := st.src.(device.SlotSource); ok {
		// One slot's directory, not the whole station's: this runs twice
		// per port a station opens, 512 times for 256 modules coming up.
		x, listed, err := ss.ListSlot(c.Slot)
		switch {
		case err != nil:
			return nil
		case listed && x.Key == c.Key && slices.Contains(slices.Collect(maps.Values(x.Ports)), port):
			return nil
		}
		return &portMovedError{slot: c.Slot, port: port}
	}
	now, err := st.src.List()
	if err != nil {
		return nil
	}
	for _, x := range now {
		if x.Slot != c.Slot || x.Key != c.Key {
			continue
		}
		for _, p := range x.Ports {
			if p == port {
				return nil
			}
		}
	}
	return &portMovedError{slot: c.Slot, port: port}
}

// portMovedError is a port that the module's slot no longer lists.
type portMovedError struct{ slot, port string }

func (e *portMovedError) Error() string         { return e.sentence().String() }
func (e *portMovedError) In(lang string) string { return e.sentence().In(lang) }
func (e *portMovedError) sentence() Sentence    { return msgPortMoved.With(e.slot, e.port) }

// downloadModeError is a module found in download (boot) mode.
type downloadModeError struct{ slot string }

func (e *downloadModeError) Error() string {
	return fmt.Sprintf("module %s is in download (boot) mode: it cannot be upgraded over the air; reflash it by cable or power-cycle it", e.slot)
}

// identifyError is why a module could not be opened and identified, port
// by port; errors.As finds each port's error (a *device.PortError says
// what the operator can fix).
type identifyError struct {
	slot string
	errs []error
}

func (e *identifyError) Error() string {
	parts := make([]string, len(e.errs))
	for i, err := range e.errs {
		parts[i] = err.Error()
	}
	return fmt.Sprintf("module %s: %s", e.slot, strings.Join(parts, "; "))
}

func (e *identifyError) Unwrap() []error { return e.errs }

// candidatePorts lists the module's AT ports, best first, never a log
// port.
func candidatePorts(c device.Candidate) []string { return c.ATPorts() }

// keeps reports whether the module already open in c's slot can stay as
// it is: its session is alive and its port is still one of c's AT ports.
func (st *Sessions) keeps(c device.Candidate) bool {
	a := st.Module(c.Slot)
	if !a.Alive() || c.Mode == device.ModeDownload || c.Problem != nil {
		return false
	}
	for _, p := range candidatePorts(c) {
		if p == a.Port {
			return true
		}
	}
	return false
}
