package tui

import (
	"airfleet/upgrade"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key the console answers to. Bindings that do not apply in
// the current state are disabled, so they neither match nor show in help.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding

	Select, SelectAll, Detail, Back key.Binding

	StartAll, Start, Retry, Cancel, CancelAll key.Binding

	Find, Apply, Clear key.Binding

	Yes, No key.Binding

	Lang, Help, Quit key.Binding

	// The settings and history screens, and their own keys.
	Settings, History key.Binding

	FieldUp, FieldDown, Toggle, ClearField key.Binding

	FilterIMEI, FilterCode, Range, Switch, Export key.Binding
}

// DefaultKeyMap returns the console's keys with English help.
func DefaultKeyMap() KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, ""))
	}
	k := KeyMap{
		Up:        b("↑/k", "up", "k"),
		Down:      b("↓/j", "down", "j"),
		PageUp:    b("pgup", "pgup"),
		PageDown:  b("pgdn", "pgdown"),
		Home:      b("home/g", "home", "g"),
		End:       b("end/G", "end", "G"),
		Select:    b("space", "space"),
		SelectAll: b("a", "a"),
		Detail:    b("enter", "enter"),
		Back:      b("esc", "esc"),
		StartAll:  b("s", "s"),
		Start:     b("S", "S"),
		Retry:     b("r", "r"),
		Cancel:    b("c", "c"),
		CancelAll: b("C", "C"),
		Find:      b("/", "/"),
		Apply:     b("enter", "enter"),
		Clear:     b("esc", "esc"),
		Yes:       b("y", "y", "Y"),
		No:        b("n/esc", "n", "N", "esc"),
		Lang:      b("L", "L"),
		Help:      b("?", "?"),
		Quit:      b("q", "q", "ctrl+c"),

		Settings: b("o", "o"),
		History:  b("h", "h"),

		FieldUp:    b("↑/⇧tab", "up", "shift+tab"),
		FieldDown:  b("↓/tab", "down", "tab"),
		Toggle:     b("←/→/space", "left", "right", "space"),
		ClearField: b("ctrl+u", "ctrl+u"),

		FilterIMEI: b("/", "/"),
		FilterCode: b("#", "#"),
		Range:      b("d", "d"),
		Switch:     b("tab", "tab"),
		Export:     b("e", "e"),
	}
	k.localize(english)
	return k
}

// localize sets the help descriptions in language l.
func (k *KeyMap) localize(l lang) {
	for _, d := range k.described() {
		d.b.SetHelp(d.b.Help().Key, l.T(d.key))
	}
}

// described pairs each binding with the i18n key of its description.
func (k *KeyMap) described() []struct {
	b   *key.Binding
	key *upgrade.Message
} {
	type pair = struct {
		b   *key.Binding
		key *upgrade.Message
	}
	return []pair{
		{&k.Up, msgKeyUp}, {&k.Down, msgKeyDown}, {&k.PageUp, msgKeyPgup},
		{&k.PageDown, msgKeyPgdown}, {&k.Home, msgKeyHome}, {&k.End, msgKeyEnd},
		{&k.Select, msgKeySelect}, {&k.SelectAll, msgKeySelectall},
		{&k.Detail, msgKeyDetail}, {&k.Back, msgKeyBack},
		{&k.StartAll, msgKeyStartall}, {&k.Start, msgKeyStart},
		{&k.Retry, msgKeyRetry}, {&k.Cancel, msgKeyCancel},
		{&k.CancelAll, msgKeyCancelall}, {&k.Find, msgKeyFind},
		{&k.Apply, msgKeyApply}, {&k.Clear, msgKeyClear},
		{&k.Yes, msgKeyYes}, {&k.No, msgKeyNo},
		{&k.Lang, msgKeyLang}, {&k.Help, msgKeyHelp}, {&k.Quit, msgKeyQuit},
		{&k.Settings, msgKeySettings}, {&k.History, msgKeyHistory},
		{&k.FieldUp, msgKeyFieldup}, {&k.FieldDown, msgKeyFielddown},
		{&k.Toggle, msgKeyToggle}, {&k.ClearField, msgKeyClearfield},
		{&k.FilterIMEI, msgKeyFilterimei}, {&k.FilterCode, msgKeyFiltercode},
		{&k.Range, msgKeyRange}, {&k.Switch, msgKeySwitch}, {&k.Export, msgKeyExport},
	}
}

// all returns every binding, for enabling them by state.
func (k *KeyMap) all() []*key.Binding {
	d := k.described()
	out := make([]*key.Binding, len(d))
	for i, p := range d {
		out[i] = p.b
	}
	return out
}

// ShortHelp is the footer of the fleet and the detail pane: the actions
// first, most used leftmost. The settings and history screens order their
// own footers (see their keys methods).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{
		k.Yes, k.No, k.Apply, k.Clear,
		k.StartAll, k.Retry, k.Cancel, k.CancelAll, k.Help, k.Quit, k.History, k.Settings,
		k.Detail, k.Back, k.Find, k.Start, k.Select, k.Lang,
	}
}

// FullHelp is the help screen, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Select, k.SelectAll, k.Detail, k.Back, k.Find, k.Apply, k.Clear},
		{k.StartAll, k.Start, k.Retry, k.Cancel, k.CancelAll},
		{k.Yes, k.No, k.Lang, k.Help, k.Quit},
		{k.History, k.FilterIMEI, k.FilterCode, k.Range, k.Switch, k.Export},
		{k.Settings, k.FieldUp, k.FieldDown, k.Toggle, k.ClearField},
	}
}
