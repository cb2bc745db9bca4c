package upgrade

import (
	"slices"
	"sync"
	"sync/atomic"

	"airfleet/device"
)

// tailLen is how many transcript lines the station keeps per slot for the
// console; the log keeps them all.
const tailLen = 400

// tail is a ring of a slot's recent transcript lines.
type tail struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
	// hold is the slot's idle watch while it runs: it holds back the
	// lines of an idle read until it knows whether they repeat the last
	// (idlewatch.go).
	hold atomic.Pointer[idleHold]
}

func (t *tail) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lines == nil {
		t.lines = make([]string, tailLen)
	}
	t.lines[t.next] = s
	t.next = (t.next + 1) % tailLen
	t.full = t.full || t.next == 0
}

func (t *tail) snapshot() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.full {
		return append([]string(nil), t.lines[:t.next]...)
	}
	return append(append([]string(nil), t.lines[t.next:]...), t.lines[:t.next]...)
}

// transcriptFor returns the session transcript callback of a slot: it keeps
// the console's tail and forwards every record to the sink with the IMEI the
// slot holds; an idle watch's repeated reads go through its hold instead.
func (st *Sessions) transcriptFor(slot string) func(device.Record) {
	t := st.tailOf(slot)
	return func(r device.Record) {
		// Project keys and URL passwords never reach the screen or the
		// log in full, wherever they stand in a line.
		r.Text = device.MaskURL(device.RedactKey(r.Text, st.secrets.list()...))
		if h := t.hold.Load(); h != nil && h.pass(r) {
			return
		}
		st.writeTranscript(slot, t, r)
	}
}

func (st *Sessions) tailOf(slot string) *tail {
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.tails[slot]
	if t == nil {
		t = &tail{}
		st.tails[slot] = t
	}
	return t
}

// writeTranscript keeps r in the slot's tail and gives it to the sink,
// with the IMEI the slot holds: the console shows what the log holds.
func (st *Sessions) writeTranscript(slot string, t *tail, r device.Record) {
	st.writeTranscriptOf(slot, "", t, r)
}

// writeTranscriptOf is writeTranscript for a line known to be the module
// imei's (if not ""), whether or not the slot still holds it.
func (st *Sessions) writeTranscriptOf(slot, imei string, t *tail, r device.Record) {
	t.add(r.Time.Format("15:04:05.000") + " " + r.Dir.String() + " " + r.Text)
	if st.sink == nil {
		return
	}
	if imei == "" {
		st.mu.Lock()
		if a := st.mods[slot]; a != nil {
			imei = a.Info.IMEI
		}
		st.mu.Unlock()
	}
	st.sink(slot, imei, r)
}

// Transcript returns the recent AT lines of the module in slot, oldest first.
func (st *Sessions) Transcript(slot string) []string {
	st.mu.Lock()
	t := st.tails[slot]
	st.mu.Unlock()
	if t == nil {
		return nil
	}
	return t.snapshot()
}

// secrets are the project keys a station has been given: every transcript
// line is masked against them before it is kept or shown.
type secrets struct {
	mu   sync.Mutex
	keys []string
}

func (s *secrets) add(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" && !slices.Contains(s.keys, key) {
		s.keys = append(s.keys, key)
	}
}

func (s *secrets) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys
}

// Mask makes every later transcript line of the station show key masked,
// wherever it appears (a batch given a key calls it before anything is
// sent).
func (st *Sessions) Mask(key string) { st.secrets.add(key) }
