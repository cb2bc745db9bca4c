package tui

import (
	"airfleet/upgrade"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// finder is the "/" input that filters the fleet. A scanner's IMEI followed
// by Enter jumps to that module instead.
//
// It is a one-line input of its own: bubbles/v2/textinput pulls in
// github.com/atotto/clipboard, which this module does not require. A query
// needs only typing, pasting, backspace and ctrl+u.
type finder struct {
	c      *common
	value  []rune
	active bool // the input has the keyboard
	width  int

	promptKey, placeholderKey *upgrade.Message // the prompt and the hint

	// check, when set, says what is wrong with a non-empty value as it is
	// typed: a message, nil when it is fine.
	check func(string) *upgrade.Message
}

// maxQuery bounds the query's length in runes.
const maxQuery = 64

func newFinder(c *common) *finder {
	return &finder{c: c, promptKey: msgFindPrompt, placeholderKey: msgFindPlaceholder}
}

// open gives the input the keyboard, starting with text appended.
func (f *finder) open(text string) tea.Cmd {
	f.active = true
	f.insert(text)
	return nil
}

// close takes the keyboard back; clear also empties the query.
func (f *finder) close(clear bool) {
	f.active = false
	if clear {
		f.value = nil
	}
}

// query is the text typed so far.
func (f *finder) query() string { return string(f.value) }

func (f *finder) insert(s string) {
	for _, r := range s {
		if r >= 0x20 && r != 0x7f && len(f.value) < maxQuery {
			f.value = append(f.value, r)
		}
	}
}

// Update edits the query: text, paste, backspace, ctrl+u.
func (f *finder) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		f.insert(strings.TrimSpace(msg.Content))
	case tea.KeyPressMsg:
		switch msg.String() {
		case "backspace", "ctrl+h":
			if n := len(f.value); n > 0 {
				f.value = f.value[:n-1]
			}
		case "ctrl+u", "ctrl+w":
			f.value = nil
		default:
			if msg.Mod&^tea.ModShift == 0 {
				f.insert(msg.Text)
			}
		}
	}
	return nil
}

// View is the input line: prompt, query and a block cursor, or the
// placeholder when empty.
func (f *finder) View() string {
	s := f.c.styles
	prompt := s.Section.Render(f.c.lang.T(f.promptKey))
	cursor := s.Cursor[tonePlain].Render(" ")
	if len(f.value) == 0 {
		return prompt + cursor + s.Label.Render(f.c.lang.T(f.placeholderKey))
	}
	q := string(f.value)
	var bad string
	if f.check != nil {
		if k := f.check(q); k != nil {
			bad = "  " + s.Tone[toneFail].Render("✘ "+f.c.lang.T(k))
		}
	}
	room := f.width - ansi.StringWidth(f.c.lang.T(f.promptKey)) - 1 - ansi.StringWidth(bad)
	if room > 0 && ansi.StringWidth(q) > room {
		q = ansi.TruncateLeft(q, ansi.StringWidth(q)-room, "")
	}
	return prompt + q + cursor + bad
}

// SetSize sets the room the input has.
func (f *finder) SetSize(width, _ int) { f.width = width }

// Keys apply or clear the query.
func (f *finder) Keys() []*key.Binding { return []*key.Binding{&f.c.keys.Apply, &f.c.keys.Clear} }

// isDigit reports whether c is an ASCII digit: how a barcode scanner's
// IMEI begins.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// imeiPart reports whether s can find an IMEI: 4 to 15 digits, its first
// or last ones.
func imeiPart(s string) bool {
	if len(s) < 4 || len(s) > 15 {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
