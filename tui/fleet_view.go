package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"airfleet/upgrade"
)

// colID names a column of the fleet table.
type colID int

// Columns, left to right.
const (
	colSlot colID = iota
	colIMEI
	colModel
	colFW
	colTarget
	colState
	colProgress
	colCode
	colMessage
)

// dropOrder is which columns give way, first to last, when the terminal is
// too narrow.
var dropOrder = []colID{colMessage, colModel, colTarget, colFW, colCode}

var colTitles = [...]*upgrade.Message{msgColSlot, msgColIMEI, msgColModel, msgColFw, msgColTarget,
	msgColState, msgColProgress, msgColCode, msgColMessage}

const (
	markWidth   = 2  // cursor and selection marks
	minMessage  = 12 // narrower than this, the message column goes
	narrowBar   = 6
	wideBar     = 16
	wideAt      = 120 // from this width on, bars are wide
	imeiWidth   = 15
	codeWidth   = 5 // "-1003"
	numberWidth = 4 // core versions
)

// layout is the width of each column, 0 for a hidden one, and the bar width.
type layout struct {
	w     [colMessage + 1]int
	bar   int
	total int // the width of a row
}

// layout sizes the columns to the data and the terminal width.
func (f *fleet) layout() layout {
	var l layout
	t := f.c.lang.T
	title := func(id colID) int { return ansi.StringWidth(t(colTitles[id])) }
	for id := range l.w {
		l.w[id] = title(colID(id))
	}
	for _, r := range f.rows {
		l.w[colSlot] = max(l.w[colSlot], len(r.slot))
		l.w[colModel] = max(l.w[colModel], len(r.model))
	}
	l.w[colIMEI] = max(l.w[colIMEI], imeiWidth)
	l.w[colFW] = max(l.w[colFW], numberWidth)
	l.w[colTarget] = max(l.w[colTarget], numberWidth, ansi.StringWidth(t(msgHdrLatest)))
	l.w[colState] = max(l.w[colState], 2+f.c.stateWidth)
	l.w[colCode] = max(l.w[colCode], codeWidth)
	l.bar = narrowBar
	if f.width >= wideAt {
		l.bar = wideBar
	}
	l.w[colProgress] = max(l.w[colProgress], l.bar+5)

	used := func() int {
		n := markWidth
		for id, w := range l.w {
			if w > 0 && colID(id) != colMessage {
				n += w + 1
			}
		}
		return n
	}
	l.w[colMessage] = f.width - used()
	l.total = f.width
	if l.w[colMessage] < minMessage {
		l.w[colMessage] = 0
		for _, id := range dropOrder[1:] {
			if used()-1 <= f.width {
				break
			}
			l.w[id] = 0
		}
		l.total = used() - 1
	}
	return l
}

// View renders the column titles and the rows on screen, no line wider
// than the table. Only the rows on screen are rendered.
func (f *fleet) View() string {
	t := f.c.lang.T
	muted := f.c.styles.tone[toneMuted]
	if len(f.rows) == 0 {
		return "\n" + muted.apply(f.fitWidth("  "+t(msgFleetEmpty)))
	}
	l := f.layout()
	var b strings.Builder
	cells := make([]string, 0, len(l.w))
	for id, w := range l.w {
		if w > 0 {
			cells = append(cells, pad(t(colTitles[id]), w))
		}
	}
	b.WriteString(f.c.styles.Column.Render(f.fitWidth(spaces(markWidth) + strings.Join(cells, " "))))
	if len(f.view) == 0 {
		b.WriteString("\n\n" + muted.apply(f.fitWidth("  "+f.c.lang.F(msgFleetNomatch, f.query))))
		return b.String()
	}
	end := min(len(f.view), f.offset+f.bodyHeight())
	for i := f.offset; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(f.renderRow(f.view[i], l, cells[:0], i == f.cursor))
	}
	if above, below := f.offset, len(f.view)-end; above > 0 || below > 0 {
		var more []string
		if above > 0 {
			more = append(more, f.c.lang.F(msgFleetAbove, above))
		}
		if below > 0 {
			more = append(more, f.c.lang.F(msgFleetBelow, below))
		}
		b.WriteString("\n" + muted.apply(f.fitWidth("  "+strings.Join(more, "  "))))
	}
	return b.String()
}

// renderRow renders one module as one line in the colour of its state.
func (f *fleet) renderRow(r *row, l layout, cells []string, cursor bool) string {
	mark := []byte("  ")
	if cursor {
		mark[0] = '>'
	}
	if f.selected[r.slot] {
		mark[1] = '*'
	}
	for id, w := range l.w {
		switch {
		case w == 0:
		case colID(id) == colProgress:
			cells = append(cells, f.progress(r, l))
		default:
			cells = append(cells, pad(f.cell(r, colID(id)), w))
		}
	}
	line := string(mark) + strings.Join(cells, " ")
	if l.total > f.width {
		line = f.fitWidth(line)
	}
	tn := stateTone(r.state)
	if cursor {
		return f.c.styles.cursor[tn].apply(line)
	}
	return f.c.styles.tone[tn].apply(line)
}

// fitWidth cuts a plain line that is wider than the table, which happens
// only when even the fewest columns do not fit.
func (f *fleet) fitWidth(line string) string {
	if len(line) <= f.width || ansi.StringWidth(line) <= f.width {
		return line
	}
	return ansi.Truncate(line, f.width, "")
}

// progress is the progress cell, exactly its column's width: a bar and
// the percentage, or blank before any download.
func (f *fleet) progress(r *row, l layout) string {
	w := l.w[colProgress]
	if r.percent == 0 && !r.state.Transferring() {
		return spaces(w)
	}
	return bar(r.percent, l.bar) + padLeft(strconv.Itoa(r.percent)+"%", 5) + spaces(w-l.bar-5)
}

// cell is the plain text of one cell.
func (f *fleet) cell(r *row, id colID) string {
	switch id {
	case colSlot:
		return r.slot
	case colIMEI:
		return orDash(r.imei)
	case colModel:
		return r.model
	case colFW:
		return version(r.firmware())
	case colTarget:
		return f.c.target(r)
	case colState:
		return stateGlyph(r.state) + r.state.Name().ShortIn(string(f.c.lang))
	case colCode:
		return r.codeText()
	case colMessage:
		return f.message(r)
	}
	return ""
}

// message is the short message of a row: the catalogue's title for a
// code, else the engine's sentence; "unplugged" first once it is gone.
func (f *fleet) message(r *row) string {
	msg := r.say(f.c.lang)
	switch {
	case r.note.Is(upgrade.MsgProgress): // the progress column says it
		msg = ""
	case r.note.Is(upgrade.MsgIdent) && len(r.note.Args) == 5:
		// The model and firmware have their columns: the SIM, the network
		// and the signal are what the message adds.
		n := r.note
		a := make([]any, 3)
		for i, v := range n.Args[2:] {
			a[i] = v
			if sub, ok := v.(upgrade.Sentence); ok {
				a[i] = sub.In(string(f.c.lang))
			}
		}
		ident := msgFleetIdent
		if f.c.planMode == upgrade.ModeLocal && r.state == upgrade.StateIdle {
			// No SIM is what a line's modules have: not a fault here.
			ident = msgFleetIdentLocal
		}
		msg = f.c.lang.F(ident, a...)
	}
	if r.code != 0 || r.modErr != 0 {
		if title, _, _ := f.c.explain(r.code, r.modErr, string(f.c.lang)); title != "" {
			// The catalogue's title starts with the code, which has its
			// own column.
			msg = strings.TrimPrefix(title, r.codeText()+" ")
		}
	}
	if r.gone {
		msg = strings.TrimSpace(f.c.lang.T(msgFleetUnplugged) + " " + msg)
	}
	return msg
}

// eighths are the partial blocks of a bar cell.
var eighths = [8]string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// bar draws percent as width cells of eighth blocks.
func bar(percent, width int) string {
	percent = max(0, min(percent, 100))
	fill := percent * width * 8 / 100
	var b strings.Builder
	b.Grow(width * 3)
	for range fill / 8 {
		b.WriteString("█")
	}
	n := fill / 8
	if n < width && fill%8 > 0 {
		b.WriteString(eighths[fill%8])
		n++
	}
	for ; n < width; n++ {
		b.WriteString("░")
	}
	return b.String()
}

// version shows a core version, "-" while unknown.
func version(v int) string {
	if v == 0 {
		return "-"
	}
	return strconv.Itoa(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
