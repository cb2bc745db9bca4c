package tui

// The settings form: its fields, their values, editing and checking. The
// messages and commands are in settings_cmds.go, the drawing in
// settings_view.go, the checks of each field in settings_check.go.

import (
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"airfleet/upgrade"
)

// settingsField is a row of the settings form.
type settingsField int

// The rows of the settings form, top to bottom.
const (
	fieldMode settingsField = iota
	fieldKey
	fieldURL
	fieldDeltas
	fieldTarget
	fieldConcurrency
	fieldCanary
	fieldOperator
	fieldCentral
	fieldAutoStart
	fieldLang
	fieldBell
	fieldCount
)

// fieldLabels and fieldHints are the i18n keys of each row's label and of
// the hint shown while it has the focus.
var (
	fieldLabels = [fieldCount]*upgrade.Message{msgSetMode, msgSetKey, msgSetURL, msgSetDeltas, msgSetTarget, msgSetConcurrency,
		msgSetCanary, msgSetOperator, msgSetCentral, msgSetAutostart, msgSetLang, msgSetBell}
	fieldHints = [fieldCount]*upgrade.Message{msgSetHintMode, msgSetHintKey, msgSetHintURL, msgSetHintDeltas, msgSetHintTarget,
		msgSetHintConcurrency, msgSetHintCanary, msgSetHintOperator, msgSetHintCentral, msgSetHintAutostart, msgSetHintLang, msgSetHintBell}
)

// maxField bounds a typed value, in runes.
const maxField = 300

// text reports whether the row takes typing.
func (f settingsField) text() bool {
	return f == fieldKey || f == fieldURL || f == fieldDeltas || f == fieldTarget || f == fieldConcurrency || f == fieldCanary ||
		f == fieldOperator || f == fieldCentral
}

// localized is a message that follows language switches.
type localized func(lang) string

// verbatim is a message shown as it is in every language: the validator's
// sentences, which are English.
func verbatim(s string) localized { return func(lang) string { return s } }

// settingsForm is the settings screen: one row per setting, edited in
// place, checked with upgrade.Config.Validate before the root applies it.
type settingsForm struct {
	c        *common
	path     string         // the settings file, "" when not remembered
	base     upgrade.Config // the backend's config when the form opened
	loaded   bool           // base has arrived
	applying bool           // an apply is on its way

	mode       upgrade.Mode
	key        string
	typing     bool // a new key is being typed: it shows as stars
	text       [fieldCount]string
	auto, bell bool
	lang       lang

	modules int // the modules connected when the form opened: the most a canary can try

	focus   settingsField
	errs    [fieldCount]localized
	formErr localized // an error no row owns, or the backend's refusal

	width, height int
}

func newSettingsForm(c *common, path string) *settingsForm {
	return &settingsForm{c: c, path: path}
}

// open resets the form for the console's language and bell and the
// number of modules connected; the rest arrives with settingsReadMsg.
func (f *settingsForm) open(l lang, bell bool, modules int) {
	*f = settingsForm{c: f.c, path: f.path, width: f.width, height: f.height, lang: l, bell: bell, modules: modules}
}

// load fills the form from the backend's settings.
func (f *settingsForm) load(msg settingsReadMsg) {
	cfg := msg.Config
	f.base, f.loaded = cfg, true
	f.mode = cfg.Mode
	if f.mode == "" {
		f.mode = upgrade.ModeIoT
	}
	f.key, f.auto = cfg.Key, msg.AutoStart
	f.text[fieldURL] = cfg.URL
	f.text[fieldDeltas] = ""
	if cfg.Deltas != nil && cfg.Deltas.Template == "" {
		f.text[fieldDeltas] = cfg.Deltas.Path
	}
	f.text[fieldTarget] = ""
	if cfg.Target != 0 {
		f.text[fieldTarget] = strconv.Itoa(cfg.Target)
	}
	f.text[fieldConcurrency] = ""
	if cfg.Concurrency != 0 { // empty: all at once, as without --concurrency
		f.text[fieldConcurrency] = strconv.Itoa(cfg.Concurrency)
	}
	f.text[fieldCanary] = strconv.Itoa(cfg.Canary)
	f.text[fieldOperator] = cfg.Operator
	f.text[fieldCentral] = msg.Central
}

// settings reads the form, checks it, and records the errors beside their
// rows; ok is false when anything is wrong.
func (f *settingsForm) settings() (s Settings, ok bool) {
	f.errs, f.formErr = [fieldCount]localized{}, nil
	s = Settings{Mode: f.mode, Key: f.key, URL: strings.TrimSpace(f.text[fieldURL]), Deltas: strings.TrimSpace(f.text[fieldDeltas]),
		Operator: strings.TrimSpace(f.text[fieldOperator]), Central: strings.TrimSpace(f.text[fieldCentral]),
		AutoStart: f.auto, Lang: string(f.lang), Bell: f.bell}
	ok = true
	num := func(fl settingsField) int {
		t := strings.TrimSpace(f.text[fl])
		if t == "" {
			return 0
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			f.errs[fl] = func(l lang) string { return l.F(msgSetNotnumber, t) }
			ok = false
		}
		return n
	}
	s.Target, s.Concurrency, s.Canary = num(fieldTarget), num(fieldConcurrency), num(fieldCanary)
	f.check(s)
	for _, e := range f.errs {
		ok = ok && e == nil
	}
	if err := s.Config(f.mapFor(s)).Validate(); err != nil {
		f.setErrors(err)
		ok = false
	}
	if !ok {
		f.focusFirstError()
	}
	return s, ok
}

// mapFor is base as the form checks s against it, in Update: the delta
// map is a stand-in naming its file. A map named in the form is read when
// the settings are applied, and a map's files are checked then (local
// mode stats them), both off Update; the stand-in keeps the checks that
// only need a map to be there (url and local mode) quiet.
func (f *settingsForm) mapFor(s Settings) upgrade.Config {
	base := f.base
	switch {
	case s.Deltas != "":
		base.Deltas = &upgrade.DeltaMap{Path: s.Deltas}
	case base.Deltas != nil && base.Deltas.Template == "":
		base.Deltas = &upgrade.DeltaMap{Path: base.Deltas.Path}
	}
	return base
}

// setErrors puts each of the validator's errors beside the row it is
// about, by the flag its sentence starts with, unless check already said
// what is wrong there in the operator's language.
func (f *settingsForm) setErrors(err error) {
	var rest []string
	for _, e := range unjoin(err) {
		fl, ok := fieldOfError(e)
		if !ok {
			rest = append(rest, e.Error())
			continue
		}
		if f.errs[fl] == nil {
			f.errs[fl] = validatorError(e, fl)
		}
	}
	if len(rest) > 0 {
		f.formErr = verbatim(strings.Join(rest, "; "))
	}
}

// fieldOfError finds the row a validator's error is about.
func fieldOfError(err error) (settingsField, bool) {
	var fe *upgrade.FieldError
	if !errors.As(err, &fe) {
		return 0, false
	}
	f, ok := map[string]settingsField{
		"mode": fieldMode, "key": fieldKey, "url": fieldURL, "deltas": fieldDeltas,
		"target": fieldTarget, "concurrency": fieldConcurrency, "canary": fieldCanary, "operator": fieldOperator,
		"central": fieldCentral,
	}[fe.Field]
	return f, ok
}

// refused shows the backend's refusal of settings that passed the form,
// beside the row it is about when it names one.
func (f *settingsForm) refused(err error) {
	f.applying = false
	f.errs, f.formErr = [fieldCount]localized{}, nil
	f.setErrors(err)
	f.focusFirstError()
}

// focusFirstError moves to the first row with an error, if any.
func (f *settingsForm) focusFirstError() {
	for i := range fieldCount {
		if f.errs[i] != nil {
			f.focusOn(i)
			return
		}
	}
}

func (f *settingsForm) focusOn(i settingsField) {
	if i != f.focus {
		f.typing = false
	}
	f.focus = max(0, min(i, fieldCount-1))
}

// Update edits the focused row: moving between rows, changing a choice,
// typing, pasting, backspace and ctrl+u. Enter and esc belong to the root.
func (f *settingsForm) Update(msg tea.Msg) tea.Cmd {
	if !f.loaded {
		return nil
	}
	if p, ok := msg.(tea.PasteMsg); ok {
		f.insert(strings.TrimSpace(p.Content))
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	keys := &f.c.keys
	switch {
	case key.Matches(k, keys.FieldUp):
		f.focusOn(f.focus - 1)
	case key.Matches(k, keys.FieldDown):
		f.focusOn(f.focus + 1)
	case key.Matches(k, keys.Toggle):
		f.toggle(k.String() == "left")
	case key.Matches(k, keys.ClearField):
		f.set("")
	case k.String() == "backspace" || k.String() == "ctrl+h":
		if f.focus == fieldKey && !f.typing {
			f.set("")
			break
		}
		if r := []rune(f.value()); len(r) > 0 {
			f.set(string(r[:len(r)-1]))
		}
	default:
		if k.Mod&^tea.ModShift == 0 {
			f.insert(k.Text)
		}
	}
	return nil
}

// toggle changes a choice row: forward, or back for ←.
func (f *settingsForm) toggle(back bool) {
	switch f.focus {
	case fieldMode:
		modes := []upgrade.Mode{upgrade.ModeIoT, upgrade.ModeKey, upgrade.ModeURL, upgrade.ModeLocal}
		i := 0
		for j, m := range modes {
			if m == f.mode {
				i = j
			}
		}
		step := 1
		if back {
			step = len(modes) - 1
		}
		f.mode = modes[(i+step)%len(modes)]
	case fieldAutoStart:
		f.auto = !f.auto
	case fieldLang:
		f.lang = f.lang.other()
	case fieldBell:
		f.bell = !f.bell
	}
	f.errs[f.focus] = nil
}

// value is the focused text row's value.
func (f *settingsForm) value() string {
	if f.focus == fieldKey {
		return f.key
	}
	return f.text[f.focus]
}

// set replaces the focused text row's value.
func (f *settingsForm) set(v string) {
	if !f.focus.text() {
		return
	}
	f.errs[f.focus] = nil
	if f.focus == fieldKey {
		f.key, f.typing = v, true
		return
	}
	f.text[f.focus] = v
}

// insert types s into the focused text row; a key is typed afresh.
func (f *settingsForm) insert(s string) {
	if !f.focus.text() || s == "" {
		return
	}
	v := f.value()
	if f.focus == fieldKey && !f.typing {
		v = ""
	}
	r := []rune(v)
	for _, c := range s {
		if c >= 0x20 && c != 0x7f && len(r) < maxField {
			r = append(r, c)
		}
	}
	f.set(string(r))
}

// SetSize sets the room the form has.
func (f *settingsForm) SetSize(width, height int) { f.width, f.height = width, height }

// Keys are the form's keys in footer order: apply and leave first.
func (f *settingsForm) Keys() []*key.Binding {
	k := &f.c.keys
	if !f.loaded {
		return []*key.Binding{&k.Back}
	}
	out := []*key.Binding{}
	if !f.applying {
		out = append(out, &k.Apply)
	}
	out = append(out, &k.Back)
	if f.focus.text() {
		out = append(out, &k.ClearField)
	} else {
		out = append(out, &k.Toggle)
	}
	return append(out, &k.FieldDown, &k.FieldUp)
}
