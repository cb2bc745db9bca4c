package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"airfleet/device"
	"airfleet/upgrade"
)

// fleet is the table of modules: one row per slot in natural slot order,
// filtered by the find query, with a cursor and a multi-selection.
type fleet struct {
	c        *common
	rows     []*row // every module, natural slot order
	bySlot   map[string]*row
	view     []*row // rows that match query
	query    string // lower case
	cursor   int    // index into view
	cursorAt string // the cursor's module, kept while a filter hides it
	offset   int    // first view index on screen
	selected map[string]bool
	width    int
	height   int // lines, column titles included

}

func newFleet(c *common) *fleet {
	return &fleet{c: c, bySlot: map[string]*row{}, selected: map[string]bool{}}
}

// apply folds one event into the table and returns the module's state
// before and after it ("" when the module is not listed). Call refresh
// after a batch of events.
func (f *fleet) apply(e upgrade.Event) (before, after upgrade.State) {
	r := f.bySlot[e.Slot]
	if r != nil {
		before = r.state
	}
	if e.Step == upgrade.StateDisconnected {
		switch {
		case r == nil:
		case r.state == upgrade.StateIdle:
			f.remove(r)
			return before, ""
		case r.state.Final():
			r.gone = true
			r.remember(e)
			return before, r.state
		default:
			r.apply(e)
		}
		return before, e.Step
	}
	if r != nil && r.state.Final() && !r.gone && e.Result == nil && (e.IMEI == "" || e.IMEI == r.imei) &&
		(e.Step == upgrade.StateIdle || e.Step == upgrade.StateIdentifying) {
		// The station identified again the module that just finished
		// (after the reboot that ended its attempt): its result stays
		// on the row until it is unplugged or started again.
		return before, r.state
	}
	if r == nil || (e.IMEI != "" && r.imei != "" && e.IMEI != r.imei) {
		if r != nil {
			f.remove(r) // another module now sits in this slot
			before = ""
		}
		r = &row{slot: e.Slot}
		f.insert(r)
	}
	r.apply(e)
	return before, r.state
}

func (f *fleet) insert(r *row) {
	i, _ := slices.BinarySearchFunc(f.rows, r.slot, func(x *row, slot string) int {
		return device.CompareSlots(x.slot, slot)
	})
	f.rows = slices.Insert(f.rows, i, r)
	f.bySlot[r.slot] = r
}

func (f *fleet) remove(r *row) {
	if i := slices.Index(f.rows, r); i >= 0 {
		f.rows = slices.Delete(f.rows, i, i+1)
	}
	delete(f.bySlot, r.slot)
	delete(f.selected, r.slot)
}

// setQuery filters the rows by q.
func (f *fleet) setQuery(q string) {
	f.query = strings.ToLower(strings.TrimSpace(q))
	f.refresh()
}

// refresh rebuilds the filtered view, keeping the cursor on its module;
// while the filter hides that module, the cursor comes back to it after.
func (f *fleet) refresh() {
	f.view = f.view[:0]
	for _, r := range f.rows {
		if r.matches(f.query, f.c.lang) {
			f.view = append(f.view, r)
		}
	}
	if i := slices.IndexFunc(f.view, func(r *row) bool { return r.slot == f.cursorAt }); i >= 0 {
		f.moveTo(i)
		return
	}
	f.clamp()
	if f.bySlot[f.cursorAt] == nil {
		if r := f.current(); r != nil {
			f.cursorAt = r.slot
		}
	}
}

// current is the row under the cursor, or nil.
func (f *fleet) current() *row {
	if f.cursor < 0 || f.cursor >= len(f.view) {
		return nil
	}
	return f.view[f.cursor]
}

// jumpIMEI clears the filter and puts the cursor on the module with imei.
func (f *fleet) jumpIMEI(imei string) (*row, bool) {
	f.setQuery("")
	i := slices.IndexFunc(f.view, func(r *row) bool { return r.imei == imei })
	if i < 0 {
		return nil, false
	}
	f.moveTo(i)
	return f.view[i], true
}

// bodyHeight is the number of rows on screen: one line less when they do
// not all fit, for the line that says how many more there are.
func (f *fleet) bodyHeight() int {
	if len(f.view) > f.height-1 {
		return max(1, f.height-2)
	}
	return max(1, f.height-1)
}

// moveTo puts the cursor on view index i, within bounds, and scrolls.
func (f *fleet) moveTo(i int) {
	f.cursor = i
	f.clamp()
	if r := f.current(); r != nil {
		f.cursorAt = r.slot
	}
}

// clamp keeps the cursor within the view and on screen.
func (f *fleet) clamp() {
	f.cursor = max(0, min(f.cursor, len(f.view)-1))
	h := f.bodyHeight()
	if f.cursor < f.offset {
		f.offset = f.cursor
	}
	if f.cursor >= f.offset+h {
		f.offset = f.cursor - h + 1
	}
	f.offset = max(0, min(f.offset, len(f.view)-h))
}

// Update moves the cursor and the selection.
func (f *fleet) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	keys := &f.c.keys
	switch {
	case key.Matches(k, keys.Up):
		f.moveTo(f.cursor - 1)
	case key.Matches(k, keys.Down):
		f.moveTo(f.cursor + 1)
	case key.Matches(k, keys.PageUp):
		f.moveTo(f.cursor - f.bodyHeight())
	case key.Matches(k, keys.PageDown):
		f.moveTo(f.cursor + f.bodyHeight())
	case key.Matches(k, keys.Home):
		f.moveTo(0)
	case key.Matches(k, keys.End):
		f.moveTo(len(f.view) - 1)
	case key.Matches(k, keys.Select):
		if r := f.current(); r != nil {
			f.toggle(r.slot)
		}
	case key.Matches(k, keys.SelectAll):
		f.toggleAll()
	}
	return nil
}

func (f *fleet) toggle(slot string) {
	if f.selected[slot] {
		delete(f.selected, slot)
	} else {
		f.selected[slot] = true
	}
}

// toggleAll selects every shown row, or clears them if all were selected.
func (f *fleet) toggleAll() {
	all := len(f.view) > 0
	for _, r := range f.view {
		all = all && f.selected[r.slot]
	}
	for _, r := range f.view {
		if all {
			delete(f.selected, r.slot)
		} else {
			f.selected[r.slot] = true
		}
	}
}

// selectedShown counts the selected rows that the filter shows.
func (f *fleet) selectedShown() int {
	n := 0
	for _, r := range f.view {
		if f.selected[r.slot] {
			n++
		}
	}
	return n
}

// targets is what a per-module action acts on: the shown selected rows, or
// the cursor's row when none is selected, keeping those that ok accepts.
func (f *fleet) targets(ok func(*row) bool) []string {
	var out []string
	if f.selectedShown() > 0 {
		for _, r := range f.view {
			if f.selected[r.slot] && ok(r) {
				out = append(out, r.slot)
			}
		}
		return out
	}
	if r := f.current(); r != nil && ok(r) {
		out = append(out, r.slot)
	}
	return out
}

// any reports whether some module satisfies ok.
func (f *fleet) any(ok func(*row) bool) bool {
	return slices.ContainsFunc(f.rows, ok)
}

// counts tallies every module by state group.
func (f *fleet) counts() counts {
	var c counts
	for _, r := range f.rows {
		c.add(r)
	}
	return c
}

// SetSize gives the table its width and its height in lines.
func (f *fleet) SetSize(width, height int) {
	f.width, f.height = width, height
	f.clamp()
}

// Keys are the bindings the table answers to.
func (f *fleet) Keys() []*key.Binding {
	if len(f.view) == 0 {
		return nil
	}
	k := &f.c.keys
	return []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End,
		&k.Select, &k.SelectAll, &k.Detail}
}
