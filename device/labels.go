package device

// Labelled is a Source whose slots go by the labels printed on the fixture
// ("A1" … "H8"): Labels maps a slot as the source names it (the USB
// physical path, or a fleet directory's slot folder) to its label, and a
// slot without one keeps its path. Everything downstream (the console's
// rows, the CLI's lines, the log, reports) then shows the label. A
// module's lock key (Candidate.Key) stays the source's own.
type Labelled struct {
	Source Source
	Labels map[Slot]string
}

// List implements Source.
func (l Labelled) List() ([]Candidate, error) {
	cs, err := l.Source.List()
	for i := range cs {
		if lab, ok := l.Labels[cs[i].Slot]; ok {
			cs[i].Slot = lab
		}
	}
	return cs, err
}

// ListSlot implements SlotSource: slot by its label (or its path when it
// has none), read by the source's own ListSlot when it has one, else
// found in a full List.
func (l Labelled) ListSlot(slot Slot) (Candidate, bool, error) {
	ss, ok := l.Source.(SlotSource)
	if !ok {
		cs, err := l.List()
		for _, c := range cs {
			if c.Slot == slot {
				return c, true, err
			}
		}
		return Candidate{}, false, err
	}
	path := slot
	for p, lab := range l.Labels {
		if lab == slot {
			path = p
			break
		}
	}
	c, listed, err := ss.ListSlot(path)
	if lab, has := l.Labels[c.Slot]; has && listed {
		c.Slot = lab
	}
	return c, listed, err
}
