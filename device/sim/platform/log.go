package platform

import (
	"slices"
	"time"
)

// Request is the record of one HTTP request to the platform.
type Request struct {
	Time     time.Time // by the platform's clock, on arrival
	Remote   string    // the client's address
	Method   string
	Path     string
	RawQuery string
	// Fields of an upgrade request, as sent.
	IMEI         string
	ProjectKey   string
	FirmwareName string
	Core         int    // the core version the platform read, 0 if none
	Project      string // key of the project that served it, "" if none
	// The answer.
	Status int  // HTTP status
	Code   Code // platform code of an error answer, CodeOK otherwise
	Bytes  int  // body bytes of a 200 answer
}

// record appends r to the log and counts its path.
func (p *Platform) record(r Request) {
	p.mu.Lock()
	p.log = append(p.log, r)
	p.hits[r.Path]++
	p.mu.Unlock()
	if p.cfg.OnRequest != nil {
		p.cfg.OnRequest(r)
	}
}

// Log returns a copy of the record of every request so far, in the order
// they were recorded (about the order of arrival). A request is recorded
// before its answer is sent.
func (p *Platform) Log() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Hits returns how many requests asked for path (query ignored), e.g.
// Hits("/download/fw.bin") or Hits(UpgradePath).
func (p *Platform) Hits(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}
