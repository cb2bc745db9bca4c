package tui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Palette is the console's small semantic palette. Views never name a
// colour; they use the Styles built from it.
type Palette struct {
	OK     color.Color // passed, already current
	Warn   color.Color // waiting, held, unplugged mid-upgrade
	Fail   color.Color // failed
	Muted  color.Color // idle, cancelled, secondary text
	Accent color.Color // running, titles
}

// DefaultPalette returns the palette for a dark or a light background.
func DefaultPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	return Palette{
		OK:     ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950")),
		Warn:   ld(lipgloss.Color("#9A6700"), lipgloss.Color("#D29922")),
		Fail:   ld(lipgloss.Color("#CF222E"), lipgloss.Color("#F85149")),
		Muted:  ld(lipgloss.Color("#6E7781"), lipgloss.Color("#8B949E")),
		Accent: ld(lipgloss.Color("#0969DA"), lipgloss.Color("#58A6FF")),
	}
}

// tone is the meaning of a piece of text, which picks its colour.
type tone int

// Tones, one per palette entry plus plain text.
const (
	tonePlain tone = iota
	toneMuted
	toneAccent
	toneOK
	toneWarn
	toneFail
	toneCount
)

// Styles holds every style the console uses, built from one Palette.
type Styles struct {
	Title   lipgloss.Style // the program's name in the header
	Label   lipgloss.Style // "mode", "target"… in the header and detail
	Column  lipgloss.Style // the fleet table's column titles
	Section lipgloss.Style // section titles in the detail pane
	Prompt  lipgloss.Style // confirmation questions

	// Tone styles text by meaning; Cursor is the same for the cursor row.
	Tone   [toneCount]lipgloss.Style
	Cursor [toneCount]lipgloss.Style

	Help help.Styles

	// tone and cursor are Tone and Cursor as escape sequences around the
	// text: the fleet paints many rows per frame, and Render measures.
	tone, cursor [toneCount]paint
}

// paint is a one-line style as the escape sequences before and after text.
type paint struct{ pre, post string }

// newPaint captures what st puts around a single line of text.
func newPaint(st lipgloss.Style) paint {
	const mark = "\uE000"
	s := st.Render(mark)
	i := strings.Index(s, mark)
	if i < 0 {
		return paint{}
	}
	return paint{pre: s[:i], post: s[i+len(mark):]}
}

// apply paints one line of text.
func (p paint) apply(s string) string { return p.pre + s + p.post }

// DefaultStyles builds the Styles for a dark or a light background.
func DefaultStyles(isDark bool) Styles {
	p := DefaultPalette(isDark)
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := Styles{
		Title:   fg(p.Accent).Bold(true),
		Label:   fg(p.Muted),
		Column:  fg(p.Muted).Bold(true),
		Section: fg(p.Accent).Bold(true),
		Prompt:  fg(p.Warn).Bold(true),
		Help:    help.DefaultStyles(isDark),
	}
	s.Tone = [toneCount]lipgloss.Style{
		tonePlain:  lipgloss.NewStyle(),
		toneMuted:  fg(p.Muted),
		toneAccent: fg(p.Accent),
		toneOK:     fg(p.OK).Bold(true),
		toneWarn:   fg(p.Warn).Bold(true),
		toneFail:   fg(p.Fail).Bold(true),
	}
	for i, t := range s.Tone {
		s.Cursor[i] = t.Reverse(true).Bold(true)
		s.tone[i], s.cursor[i] = newPaint(t), newPaint(s.Cursor[i])
	}
	return s
}
