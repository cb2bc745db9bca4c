package device

import (
	"context"
	"slices"
	"time"
)

// DeviceEvent is a change the Watcher saw: Attached, Detached, Changed or
// ListFailed; or Listed, once the first listing has settled.
type DeviceEvent interface {
	deviceEvent()
}

// Attached reports a module that appeared in a slot.
type Attached struct {
	Candidate Candidate
}

// Detached reports a module that left its slot: unplugged, or rebooting (a
// reboot removes the ports for a few seconds, so it shows as Detached, then
// Attached with new port names).
type Detached struct {
	Slot Slot
	Last Candidate // the module as last reported
}

// Changed reports a module that stayed in its slot between two listings but
// now looks different: other ports, another AT port, download mode, a new
// Problem. A reboot fast enough to fall between two polls shows up here
// instead of as Detached and Attached; either way, a session on Old.ATPort
// is no longer valid.
type Changed struct {
	Old, New Candidate
}

// ListFailed reports that the source could not be listed. The modules last
// seen are kept as they were until a listing succeeds. The same error
// repeated on every poll is reported once.
type ListFailed struct {
	Err error
}

// Listed reports, once per watch, that the modules present at the start
// have all been reported (as Attached, before it): the first listing has
// settled, even if it found nothing. Without it an empty station could
// not be told from one whose modules have yet to be reported.
type Listed struct{}

func (Attached) deviceEvent()   {}
func (Detached) deviceEvent()   {}
func (Changed) deviceEvent()    {}
func (ListFailed) deviceEvent() {}
func (Listed) deviceEvent()     {}

// DefaultWatchInterval is how often a Watcher lists its source by default.
const DefaultWatchInterval = 250 * time.Millisecond

// DefaultQuietInterval is how often a Watcher lists a source that tells
// of its changes (a Notifier), once everything it saw has settled: a
// safety net for a change the notification missed, not the way changes
// are found.
const DefaultQuietInterval = 5 * time.Second

// Notifier is a Source that can tell when its listing may have changed
// (DirSource, by inotify on Linux), so that a Watcher need not list it
// four times a second to find out.
type Notifier interface {
	// Notify returns a channel that receives a value, coalesced, each
	// time the listing may have changed since Notify was called. It
	// closes when ctx ends or when the source can no longer tell (its
	// directory was moved or removed): the watcher then polls. An error
	// means the source cannot tell at all.
	Notify(ctx context.Context) (<-chan struct{}, error)
}

// DefaultSettle is how many consecutive identical listings make a change
// real by default. Two filter out half-made states, such as a slot whose
// if02 link is back but whose if06 is not yet.
const DefaultSettle = 2

// Watcher lists a Source and reports the differences between listings.
// It lists every Interval, unless the source is a Notifier: then it lists
// when told of a change (50 ms later, so that the change's burst is over;
// a told listing comes at least Interval after the last listing), every
// Interval while a change settles or the listing fails, and otherwise only
// every Quiet. However dense the changes (256 modules rebooting), that is
// at most one listing per Interval, as when polling. A Notifier that stops telling (Notify's channel closes) is
// polled every Interval, and asked to tell again after the next listing
// that succeeds.
type Watcher struct {
	Source   Source
	Interval time.Duration // DefaultWatchInterval if 0
	Quiet    time.Duration // DefaultQuietInterval if 0
	// Settle is how many consecutive listings must agree on a slot's new
	// state before it is reported (DefaultSettle if 0; 1 reports at once).
	// A change is reported within Settle intervals.
	Settle int
}

// Watch polls src every interval (DefaultWatchInterval if 0) and sends the
// changes; see Watcher. The modules present at the start arrive as
// Attached, then Listed.
// The channel closes once ctx ends.
func Watch(ctx context.Context, src Source, interval time.Duration) <-chan DeviceEvent {
	return Watcher{Source: src, Interval: interval}.Run(ctx)
}

// Run starts polling and returns the events. The modules present at the
// start arrive as Attached, then Listed (see Listed). The channel closes, and the polling goroutine
// ends, once ctx ends.
func (w Watcher) Run(ctx context.Context) <-chan DeviceEvent {
	if w.Interval <= 0 {
		w.Interval = DefaultWatchInterval
	}
	if w.Settle <= 0 {
		w.Settle = DefaultSettle
	}
	if w.Quiet <= 0 {
		w.Quiet = DefaultQuietInterval
	}
	ch := make(chan DeviceEvent, 64)
	go w.loop(ctx, ch)
	return ch
}

func (w Watcher) loop(ctx context.Context, ch chan<- DeviceEvent) {
	defer close(ch)
	st := newWatchState(w.Settle)
	n, _ := w.Source.(Notifier)
	var told <-chan struct{} // nil while the source does not tell
	var askAt time.Time      // when to ask n to tell (again)
	listedOK := true
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if n != nil && told == nil && listedOK && !time.Now().Before(askAt) {
			// Before the listing, so that no change after it goes
			// untold. A source that cannot tell is asked again after a
			// Quiet interval (an inotify limit may have been raised).
			if c, err := n.Notify(ctx); err == nil {
				told = c
			} else {
				askAt = time.Now().Add(w.Quiet)
			}
		}
		select {
		case <-told: // a change this listing is about to see
		default:
		}
		dropped := drops.wait() // a port over TCP that drops changes no file
		listed := time.Now()
		list, err := w.Source.List()
		listedOK = err == nil
		for _, ev := range st.update(list, err) {
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
		wait := w.Interval
		if told != nil && listedOK && st.settled() {
			// Settling still takes Settle listings an Interval apart, told
			// or not: the agreement of two listings 100 ms apart with
			// nothing told in between let a transient state through (a
			// module's session closed mid-request; TestHangupConsoleInTmux
			// then waited out the reboot timeout).
			wait = w.Quiet
		}
		timer.Reset(wait)
		if told == nil {
			dropped = nil // polling sees a drop's hold-down anyway
		}
		select {
		case <-timer.C:
		case <-dropped:
			timer.Stop()
			timer.Reset(max(0, w.Interval-time.Since(listed)))
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		case _, ok := <-told:
			if !ok {
				told = nil // moved or removed: poll, and ask again once listed
				break
			}
			// A change comes as a burst of entries (a module's three
			// links): let it finish. And one told listing per
			// Interval, whatever the burst (256 modules rebooting).
			timer.Stop()
			rest := max(min(notifiedDebounce, w.Interval), w.Interval-time.Since(listed))
			timer.Reset(rest)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// notifiedDebounce is how long a watcher told of a change waits for the
// rest of its burst before it lists (capped by Interval).
const notifiedDebounce = 50 * time.Millisecond

// watchState turns successive listings into events.
type watchState struct {
	settle  int
	known   map[Slot]Candidate     // as last reported
	seen    map[Slot]*slotSighting // as last listed, and for how long
	lastErr string
	listed  bool // Listed has been sent
}

// slotSighting is a slot's state in the latest listings.
type slotSighting struct {
	c       Candidate
	present bool
	n       int // consecutive listings that agreed
}

func newWatchState(settle int) *watchState {
	return &watchState{settle: settle, known: map[Slot]Candidate{}, seen: map[Slot]*slotSighting{}}
}

// update takes one listing and returns the events it settles, by slot.
func (s *watchState) update(list []Candidate, err error) []DeviceEvent {
	if err != nil {
		if err.Error() == s.lastErr {
			return nil
		}
		s.lastErr = err.Error()
		return []DeviceEvent{ListFailed{Err: err}}
	}
	s.lastErr = ""
	cur := make(map[Slot]Candidate, len(list))
	for _, c := range list {
		cur[c.Slot] = c
	}
	var evs []DeviceEvent
	for _, slot := range s.slots(cur) {
		c, present := cur[slot]
		if ev := s.observe(slot, c, present); ev != nil {
			evs = append(evs, ev)
		}
	}
	if !s.listed && s.settled() {
		s.listed = true
		evs = append(evs, Listed{})
	}
	return evs
}

// settled reports whether every slot of the latest listings has been seen
// as it is now often enough to be reported: what was there is reported,
// and what is still pending is not there.
func (s *watchState) settled() bool {
	for _, o := range s.seen {
		if o.n < s.settle {
			return false
		}
	}
	return true
}

// slots returns every slot listed now, seen before, or reported, sorted.
func (s *watchState) slots(cur map[Slot]Candidate) []Slot {
	var all []Slot
	for slot := range cur {
		all = append(all, slot)
	}
	for slot := range s.seen {
		all = append(all, slot)
	}
	for slot := range s.known {
		all = append(all, slot)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// observe records one slot's state and returns its event once settled.
func (s *watchState) observe(slot Slot, c Candidate, present bool) DeviceEvent {
	o := s.seen[slot]
	if o != nil && o.present == present && (!present || sameCandidate(o.c, c)) {
		o.n++
	} else {
		o = &slotSighting{c: c, present: present, n: 1}
		s.seen[slot] = o
	}
	if o.n < s.settle {
		return nil
	}
	k, had := s.known[slot]
	switch {
	case present && !had:
		s.known[slot] = c
		return Attached{Candidate: c}
	case !present && had:
		delete(s.known, slot)
		delete(s.seen, slot)
		return Detached{Slot: slot, Last: k}
	case !present:
		delete(s.seen, slot)
	case !sameCandidate(k, c):
		s.known[slot] = c
		return Changed{Old: k, New: c}
	}
	return nil
}
