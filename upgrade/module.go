package upgrade

// The module as the station holds it: its slot, session and identity.

import (
	"time"

	"airfleet/device"
)

// Module is a module present on the station: its slot, its open AT
// session, and who it is. Err is set when it could not be identified.
type Module struct {
	Slot    string
	Port    string
	Session *device.Session
	Info    device.Info
	Err     error
	Since   time.Time
	// Identified is when Info was read from the module (zero if never):
	// SIM and network state that fresh need not be asked again.
	Identified time.Time

	// watch follows the SIM and network of an idle module that was not yet
	// registered when identified (nil: no watch). Copies share it.
	watch *idleWatch
}

// Alive reports whether the module's session is still open.
func (a *Module) Alive() bool {
	if a == nil || a.Session == nil {
		return false
	}
	select {
	case <-a.Session.Done():
		return false
	default:
		return true
	}
}

func (a *Module) describe() Sentence {
	if a.Err != nil {
		return errSentence(a.Err)
	}
	return identSentence(a.Info)
}
