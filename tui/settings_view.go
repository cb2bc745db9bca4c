package tui

// How the settings form is drawn.

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"airfleet/device"
	"airfleet/upgrade"
)

// View renders the form: a title, one row per setting with its error
// below it, the focused row's hint and where the settings are kept.
func (f *settingsForm) View() string {
	s, l := f.c.styles, f.c.lang
	out := []string{s.Section.Render(l.T(msgSetTitle)), ""}
	if !f.loaded {
		return strings.Join(append(out, s.Label.Render("  "+l.T(msgSetReading))), "\n")
	}
	labelW := 0
	for _, n := range fieldLabels {
		labelW = max(labelW, ansi.StringWidth(l.T(n)))
	}
	indent := 2 + labelW + 2
	for i := range fieldCount {
		mark := "  "
		if i == f.focus {
			mark = s.Tone[toneAccent].Render("> ")
		}
		label := pad(l.T(fieldLabels[i]), labelW)
		if i == f.focus {
			label = s.Tone[toneAccent].Render(label)
		} else {
			label = s.Label.Render(label)
		}
		out = append(out, mark+label+"  "+f.valueView(i, max(1, f.width-indent)))
		if e := f.errs[i]; e != nil {
			for _, w := range wrap("✘ "+e(l), max(1, f.width-indent)) {
				out = append(out, spaces(indent)+s.Tone[toneFail].Render(w))
			}
		}
	}
	out = append(out, "")
	if f.formErr != nil {
		for _, w := range wrap("✘ "+f.formErr(l), f.width) {
			out = append(out, s.Tone[toneFail].Render(w))
		}
	}
	for _, w := range wrap(l.T(fieldHints[f.focus]), f.width) {
		out = append(out, s.Label.Render(w))
	}
	where := l.T(msgSetNosave)
	if f.path != "" {
		where = l.F(msgSetSavedin, f.path)
	}
	for _, w := range wrap(where, f.width) {
		out = append(out, s.Label.Render(w))
	}
	return strings.Join(out, "\n")
}

// valueView renders one row's value in at most width cells. The key is
// never shown (its last four characters), nor a URL's password.
func (f *settingsForm) valueView(i settingsField, width int) string {
	s, l := f.c.styles, f.c.lang
	muted := s.Tone[toneMuted]
	focused := i == f.focus
	unused := (i == fieldKey && f.mode != upgrade.ModeKey) || (i == fieldURL && f.mode != upgrade.ModeURL) ||
		(i == fieldDeltas && f.mode != upgrade.ModeURL && f.mode != upgrade.ModeLocal)
	var v, note string
	switch i {
	case fieldMode:
		v = l.T(f.mode.Name())
		if focused {
			v = "‹ " + v + " ›"
		}
	case fieldKey:
		if f.key != "" { // typed or not: its last four, as everywhere
			v = device.MaskKey(f.key)
		}
	case fieldURL, fieldCentral: // a password in them never shows, as everywhere
		v = device.MaskURL(f.text[i])
	case fieldAutoStart:
		v = onOff(f.auto, l)
	case fieldLang:
		v = l.T(msgSetLangname)
		if f.lang != l {
			v = f.lang.T(msgSetLangname)
		}
	case fieldBell:
		v = onOff(f.bell, l)
	default:
		v = f.text[i]
	}
	switch {
	case unused:
		note = l.T(msgSetUnused)
	case v == "" && (i == fieldKey || i == fieldURL || i == fieldDeltas):
		note = l.T(msgSetNone)
	case i == fieldCentral && strings.TrimSpace(v) == "":
		note = l.T(msgSetNocentral)
	case i == fieldTarget && strings.TrimSpace(v) == "":
		note = l.T(msgHdrLatest)
	case i == fieldConcurrency && strings.TrimSpace(v) == "":
		note = l.T(msgSetAll)
	case i == fieldCanary && (strings.TrimSpace(v) == "" || strings.TrimSpace(v) == "0"):
		note = l.T(msgSetNocanary)
	}
	if i.text() && focused {
		room := width - 1
		if w := ansi.StringWidth(v); w > room && room > 0 {
			v = ansi.TruncateLeft(v, w-room, "")
		}
		v = v + s.Cursor[tonePlain].Render(" ")
	} else {
		v = ansi.Truncate(v, width, "…")
	}
	if note != "" {
		if v != "" {
			v += " "
		}
		v += muted.Render("(" + note + ")")
	}
	if unused {
		v = muted.Render(ansi.Strip(v))
	}
	return v
}

// onOff names a switch's position.
func onOff(on bool, l lang) string {
	if on {
		return l.T(msgSetOn)
	}
	return l.T(msgSetOff)
}
