package platform

import (
	"time"

	"airfleet/device/sim/delta"
)

// pair names one delta: from base to target of a firmware.
type pair struct {
	name         string
	base, target int
}

// deltaKey names the bytes of one delta of one size.
type deltaKey struct {
	pair
	size int
}

// Pregenerate makes the delta of firmwareName from base to target ready, so
// that its first request gets it at once instead of code 43.
func (p *Platform) Pregenerate(firmwareName string, base, target int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready[pair{firmwareName, base, target}] = true
}

// SetDeltaSize sets the payload size of the delta of firmwareName from base
// to target, e.g. 550 KB to make it too big for the module's FOTA area. It
// overrides Firmware.DeltaSize and Config.DeltaSize.
func (p *Platform) SetDeltaSize(firmwareName string, base, target, size int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sizes[pair{firmwareName, base, target}] = size
}

// generatedLocked reports whether the delta for pr is ready at now. The
// first request for a pair starts its generation; the pair is ready once
// Config.GenerateDelay has passed since then. The caller holds p.mu.
func (p *Platform) generatedLocked(pr pair, fw *Firmware, now time.Time) bool {
	if p.ready[pr] || fw.Pregenerated {
		return true
	}
	start, ok := p.gen[pr]
	if !ok {
		p.gen[pr] = now
		return false
	}
	if now.Sub(start) >= p.cfg.GenerateDelay {
		p.ready[pr] = true
		return true
	}
	return false
}

// sizeLocked returns the payload size of the delta for pr. The caller holds p.mu.
func (p *Platform) sizeLocked(pr pair, fw *Firmware) int {
	if n, ok := p.sizes[pr]; ok {
		return n
	}
	if fw.DeltaSize > 0 {
		return fw.DeltaSize
	}
	return p.cfg.DeltaSize
}

// deltaBytes returns the delta file for k, made once and then cached. It
// makes the bytes without holding p.mu, so a large delta never holds up
// other requests; two first requests may both make it, harmlessly.
func (p *Platform) deltaBytes(k deltaKey) []byte {
	p.mu.Lock()
	b, ok := p.deltas[k]
	p.mu.Unlock()
	if ok {
		return b
	}
	b = delta.Make(delta.Delta{FirmwareName: k.name, Base: k.base, Target: k.target, Size: k.size}, p.cfg.Seed)
	p.mu.Lock()
	p.deltas[k] = b
	p.mu.Unlock()
	return b
}
