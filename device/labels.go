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
