package upgrade

// The idle watch: an identified module not yet registered is read again
// until it registers, is unplugged, or an upgrade claims it.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"airfleet/device"
)

// idleWatch is the life of one module's idle watch.
type idleWatch struct {
	mu      sync.Mutex    // held while the watch announces a reading, and by Claim
	claimed chan struct{} // closed by Claim, under mu
	done    chan struct{} // closed when the watch has ended
	hold    *idleHold     // set by watchIdle before its first read
}

func newIdleWatch() *idleWatch {
	return &idleWatch{claimed: make(chan struct{}), done: make(chan struct{})}
}

// claim ends the watch; once it returns, the watch announces nothing more
// and holds back no line: the upgrade's lines are written as they come,
// after what the watch held (the read under way, in full, and the summary
// of the unchanged reads before it).
func (w *idleWatch) claim() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.isClaimed() {
		close(w.claimed)
	}
	if w.hold != nil {
		w.hold.end(time.Now())
	}
}

func (w *idleWatch) isClaimed() bool {
	select {
	case <-w.claimed:
		return true
	default:
		return false
	}
}

// watchIdle reads the SIM and network of an idle module again until it is
// registered, and announces each change as a new idle event (a fresh copy
// of the module in the station). It ends when the module is registered,
// goes, or is claimed by an upgrade. A claim never cuts a reading short
// (a command cut off would cost the upgrade a resync) and never waits for
// one (a stalled module would hold up its upgrade's start or cancel): the
// reading under way finishes beside the upgrade's first commands and is
// dropped.
func (st *Sessions) watchIdle(ctx context.Context, a *Module) {
	w := a.watch
	defer close(w.done)
	t := st.tailOf(a.Slot)
	// What the hold writes is this module's, even once the station has let
	// go of it (a summary written as the module leaves).
	h := newIdleHold(func(r device.Record) { st.writeTranscriptOf(a.Slot, a.Info.IMEI, t, r) })
	w.mu.Lock()
	if w.isClaimed() {
		w.mu.Unlock()
		return
	}
	w.hold = h // under mu: Claim ends it
	t.hold.Store(h)
	w.mu.Unlock()
	defer func() {
		h.end(time.Now()) // the summary of the last unchanged reads, if any
		t.hold.CompareAndSwap(h, nil)
	}()
	cur := a
	delay := st.idlePoll
	for quiet := 0; ; {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.claimed:
			t.Stop()
			return
		case <-a.Session.Done():
			t.Stop()
			return
		case <-t.C:
		}
		info := cur.Info
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		h.begin()
		err := device.Status(cctx, a.Session, &info)
		cancel()
		repeats := h.finish(time.Now())
		if f := idleReadHook.Load(); f != nil {
			(*f)(a.Slot, repeats)
		}
		if ctx.Err() != nil || errors.Is(err, device.ErrClosed) {
			return
		}
		if err != nil || sameStatus(info, cur.Info) {
			quiet++
			delay = idleBackoff(delay, quiet, st.idlePoll)
			continue
		}
		quiet, delay = 0, st.idlePoll
		if !st.announce(w, &cur, info) {
			return
		}
		if info.SIM.Ready && info.Registration.Registered() {
			return
		}
	}
}

// idleQuietReadings is how many unchanged readings come before the idle
// watch slows down; idleBackoffCap is how far it slows, in idle polls.
const (
	idleQuietReadings = 5
	idleBackoffCap    = 60 // 2 min at the default 2 s
)

// idleBackoff is the delay before the next reading of an idle module,
// after quiet unchanged readings in a row: the poll at first, then twice
// as long each time, up to idleBackoffCap polls. A module with no SIM or no
// coverage stays so for long: an hour on the hub costs about 35 readings
// (some 400 transcript lines) rather than the 225 of a 16 s cap.
func idleBackoff(delay time.Duration, quiet int, poll time.Duration) time.Duration {
	if quiet < idleQuietReadings {
		return delay
	}
	return min(delay*2, idleBackoffCap*poll)
}

// announce puts a fresh copy of *cur with info in the station and tells
// the console, unless the module was claimed or replaced meanwhile (then it
// returns false). It holds w.mu throughout, so a Claim that has returned
// is never followed by an idle event.
func (st *Sessions) announce(w *idleWatch, cur **Module, info device.Info) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	old := *cur
	next := *old
	next.Info, next.Identified = info, time.Now()
	st.mu.Lock()
	if w.isClaimed() || st.mods[old.Slot] != old {
		st.mu.Unlock()
		return false
	}
	st.setLocked(old.Slot, &next)
	st.mu.Unlock()
	*cur = &next
	n := next.describe()
	st.emit(Event{Time: time.Now(), Slot: next.Slot, IMEI: info.IMEI, Model: info.Model, From: info.Firmware.Core, Step: StateIdle, Sentence: n})
	st.mu.Lock()
	st.notifyLocked()
	st.mu.Unlock()
	return true
}

// sameStatus reports whether two readings of a module say the same SIM
// state, registration and signal.
func sameStatus(a, b device.Info) bool {
	return a.SIM == b.SIM && a.Registration == b.Registration && a.Signal == b.Signal
}

// Claim hands module a to an upgrade: its idle watch stops (no idle event
// of the station follows Claim) and the newest copy of the module is
// returned. It never waits on the module.
func (st *Sessions) Claim(a *Module) *Module {
	if a == nil {
		return nil
	}
	if w := a.watch; w != nil {
		w.claim()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if cur := st.mods[a.Slot]; cur != nil && cur.Session == a.Session {
		return cur
	}
	return a
}

// The idle transcript: what an idle module's reads cost the log.
//
// A module with no SIM that stays on the hub is read for hours, and each
// read's lines say what the last one said. A read's lines are held back
// until it ends: a read whose lines (direction and text, times aside)
// repeat the last read written in full is counted, not written; the first
// read, and any read that differs in a single line (a URC that came
// during it, a signal that moved, an error), is written in full. The count
// is written as one note line, in both languages (the transcript keeps one
// text), when a read differs, when the watch ends (the module registered,
// left, or an upgrade claimed it) and every idleSummaryEvery of repeats,
// so that a crash loses at most that much of the count: never a line that
// said something new. The note goes through the slot's tail too: the
// console shows what the log holds.

// idleReadHook, when set (by tests), is called after each idle read with
// the slot and the unchanged reads counted and not yet summarised.
var idleReadHook atomic.Pointer[func(slot string, repeats int)]

// idleSummaryEvery is how long unchanged reads are counted before their
// summary is written anyway.
const idleSummaryEvery = 15 * time.Minute

// idleHold is one idle watch's hold on its slot's transcript.
type idleHold struct {
	mu      sync.Mutex
	write   func(device.Record) // to the tail and the log
	ended   bool
	holding bool            // a read is under way
	held    []device.Record // its lines so far
	last    []device.Record // the answers of the last read written in full
	// The unchanged reads not yet written as a summary.
	repeats  int
	from, to time.Time
}

func newIdleHold(write func(device.Record)) *idleHold {
	return &idleHold{write: write}
}

// pass takes one transcript line of the slot. It returns false once the
// hold has ended: the caller writes the line itself. While a read is under
// way the line is held; otherwise it is written here, under mu, so that it
// never overtakes a read being written.
func (h *idleHold) pass(r device.Record) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.ended:
		return false
	case h.holding:
		h.held = append(h.held, r)
	default:
		h.write(r)
	}
	return true
}

// begin starts holding the lines of a read.
func (h *idleHold) begin() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ended {
		h.holding, h.held = true, h.held[:0]
	}
}

// finish ends a read at now: counted if it repeats the last read written,
// else written in full after the summary of the repeats before it. It
// returns how many repeats are counted and not yet summarised.
func (h *idleHold) finish(now time.Time) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended || !h.holding {
		return 0
	}
	h.holding = false
	answers, unsolicited := splitRead(h.held)
	if len(answers) > 0 && sameLines(answers, h.last) {
		if h.repeats == 0 {
			h.from = h.held[0].Time
		}
		h.repeats++
		h.to = h.held[len(h.held)-1].Time
		for _, r := range unsolicited {
			h.write(r) // news, not a repeat
		}
		if h.to.Sub(h.from) >= idleSummaryEvery {
			h.summarize(now)
		}
		return h.repeats
	}
	h.summarize(now)
	for _, r := range h.held {
		h.write(r)
	}
	h.last = answers
	return 0
}

// splitRead parts a read's lines into its answers (what was sent, the
// echoes, the commands' own answer lines and final results, and the
// session's notes), which a repeat must match, and the lines that came
// unasked during it (^MODE:, +CGEV:, +CSCON: …), which are always written.
func splitRead(read []device.Record) (answers, unsolicited []device.Record) {
	var sent []string
	for _, r := range read {
		if r.Dir == device.Out {
			sent = append(sent, r.Text)
		}
		if r.Dir != device.In || isAnswer(r.Text, sent) {
			answers = append(answers, r)
		} else {
			unsolicited = append(unsolicited, r)
		}
	}
	return answers, unsolicited
}

// isAnswer reports whether a received line answers one of the commands
// sent: its echo, a line with its name (+CSQ: for AT+CSQ), or a final
// result.
func isAnswer(text string, sent []string) bool {
	t := strings.TrimSpace(text)
	if t == "OK" || t == "ERROR" || strings.HasPrefix(t, "+CME ERROR:") || strings.HasPrefix(t, "+CMS ERROR:") {
		return true
	}
	for _, cmd := range sent {
		if strings.EqualFold(t, cmd) {
			return true
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.ToUpper(cmd), "AT"), "?")
		name, _, _ = strings.Cut(name, "=")
		if name != "" && strings.HasPrefix(t, name+":") {
			return true
		}
	}
	return false
}

// end writes what is held (a read cut short, in full) and the summary,
// and lets go of the slot's lines.
func (h *idleHold) end(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return
	}
	h.ended = true
	h.summarize(now)
	if h.holding {
		for _, r := range h.held {
			h.write(r)
		}
	}
	h.holding, h.held = false, nil
}

// summarize writes the note of the unchanged reads, if any, and starts
// counting afresh.
func (h *idleHold) summarize(now time.Time) {
	if h.repeats == 0 {
		return
	}
	n := idleSummary(h.repeats, h.from, h.to, h.last)
	t := h.to
	if t.IsZero() {
		t = now
	}
	h.write(device.Record{Time: t, Dir: device.Note, Text: n.String() + " / " + n.In("zh")})
	h.repeats = 0
}

var msgIdleUnchanged = msg("idle.unchanged",
	"idle reads unchanged ×%d from %s to %s (each %d lines: %d sent, %d received)",
	"空闲读取无变化 ×%d,%s 至 %s(每次 %d 行:发送 %d 行,接收 %d 行)")

// idleSummary is the note for n reads that each repeated read's answers.
func idleSummary(n int, from, to time.Time, read []device.Record) Sentence {
	var sent, received int
	for _, r := range read {
		switch r.Dir {
		case device.Out:
			sent++
		case device.In:
			received++
		}
	}
	return msgIdleUnchanged.With(n, from.Format("15:04:05"), to.Format("15:04:05"), len(read), sent, received)
}

// sameLines reports whether two reads said the same, times aside.
func sameLines(a, b []device.Record) bool {
	return slices.EqualFunc(a, b, func(x, y device.Record) bool { return x.Dir == y.Dir && x.Text == y.Text })
}
