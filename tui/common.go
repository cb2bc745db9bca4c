package tui

import (
	"airfleet/upgrade"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// common is what the root model shares with its children: the language,
// the styles, the keys and the explainer. Only the root changes it, from
// Update.
type common struct {
	lang       lang
	styles     Styles
	keys       KeyMap
	explain    Explainer
	now        func() time.Time // the clock: its zone is the one times are shown in
	stateWidth int              // widest state word in lang, glyph excluded
	planTarget int              // the batch's target version, 0 for the latest
	planMode   upgrade.Mode     // the settings' mode: local mode needs no SIM
}

// setLang switches every word the console shows to l.
func (c *common) setLang(l lang) {
	c.lang = l
	c.keys.localize(l)
	c.stateWidth = 0
	for _, s := range allStates {
		c.stateWidth = max(c.stateWidth, ansi.StringWidth(s.Name().ShortIn(string(l))))
	}
}

// local is t in the clock's zone: the operator's, and fixed in tests.
func (c *common) local(t time.Time) time.Time { return t.In(c.now().Location()) }

// component is the shape of the console's parts: the root routes messages
// to them, sizes them, joins their views and enables the keys they answer
// to, so that the footer shows exactly those.
type component interface {
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	Keys() []*key.Binding
}

// cellWidth is the number of cells s takes, quickly for plain ASCII.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// pad cuts s to width cells, or fills it with spaces to width.
func pad(s string, width int) string {
	w := cellWidth(s)
	switch {
	case w > width:
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	case w == width:
		return s
	}
	return s + spaces(width-w)
}

// padLeft is pad aligned right.
func padLeft(s string, width int) string {
	w := ansi.StringWidth(s)
	if w >= width {
		return ansi.Truncate(s, width, "…")
	}
	return spaces(width-w) + s
}

const blanks = "                                                                                                                                "

// spaces returns n spaces without allocating for common widths.
func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blanks) {
		return blanks[:n]
	}
	return blanks + spaces(n-len(blanks))
}

// fit makes s exactly height lines, none wider than width.
func fit(s string, width, height int) []string {
	lines := fitHeight(s, height)
	for i, l := range lines {
		// A line never has more cells than bytes: short ones need no measure.
		if len(l) > width && ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	return lines
}

// fitHeight makes s exactly height lines, for parts that keep to the width.
func fitHeight(s string, height int) []string {
	lines := splitLines(s)
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return lines
}

// splitLines splits s at newlines; the empty string is no lines.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// scroll moves a viewport by the scrolling keys (↑↓, page up and down,
// home and end) and reports whether k was one of them: the detail pane's
// transcript and the history's attempt page scroll alike.
func (c *common) scroll(vp *viewport.Model, k tea.KeyPressMsg) bool {
	keys := &c.keys
	switch {
	case key.Matches(k, keys.Up):
		vp.ScrollUp(1)
	case key.Matches(k, keys.Down):
		vp.ScrollDown(1)
	case key.Matches(k, keys.PageUp):
		vp.PageUp()
	case key.Matches(k, keys.PageDown):
		vp.PageDown()
	case key.Matches(k, keys.Home):
		vp.GotoTop()
	case key.Matches(k, keys.End):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}

// explanation is what a failure says, in the operator's language, wrapped
// to width: the engine's message unless it only restates the catalogue's
// remedy (a message that says more, such as whose peer was served, comes
// first), then the code's meaning under its title and the remedy. The
// detail pane and the history's attempt page say it alike.
func (c *common) explanation(code, moduleErr int, msg string, titleTone tone, width int) []string {
	s, l := c.styles, c.lang
	title, text, remedy := "", "", ""
	if code != 0 || moduleErr != 0 {
		title, text, remedy = c.explain(code, moduleErr, string(l))
	}
	var lines []string
	if msg != "" && (remedy == "" || !strings.Contains(msg, remedy)) {
		lines = append(lines, wrap(msg, width)...)
	}
	if title != "" || text != "" {
		lines = append(lines, s.Section.Render(l.T(msgDetExplain))+" "+s.Tone[titleTone].Render(title))
		lines = append(lines, wrap(text, width)...)
	}
	if remedy != "" {
		lines = append(lines, s.Section.Render(l.T(msgDetRemedy)))
		lines = append(lines, wrap(remedy, width)...)
	}
	return lines
}

// target is the version a module is upgraded to, as the table and the
// detail pane say it: its own target, the version it reached, the
// batch's target, else whatever the platform offers ("latest").
func (c *common) target(r *row) string {
	switch {
	case r.target != 0:
		return version(r.target)
	case r.result != nil && r.result.To != 0 && (r.state == upgrade.StatePassed || r.state == upgrade.StateCurrent):
		return version(r.result.To)
	case c.planTarget != 0:
		return version(c.planTarget)
	}
	return c.lang.T(msgHdrLatest)
}
