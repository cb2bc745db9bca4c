package tui

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"airfleet/upgrade"
)

// The limits the engine and the modules put on the form's values (see
// device.ValidateKey, device.ValidateURL and upgrade.Config.Validate).
const (
	maxKeyLen  = 64
	maxURLLen  = 255
	maxVersion = 99999
)

// check finds what is wrong with the form's values in the operator's
// language, naming each field as the form does. It leaves alone a row that
// already has an error (a value that is not a number).
func (f *settingsForm) check(s Settings) {
	put := func(fl settingsField, key string, args ...any) {
		if f.errs[fl] != nil {
			return
		}
		f.errs[fl] = func(l lang) string {
			said := make([]any, len(args))
			for i, a := range args {
				if c, ok := a.(charName); ok {
					a = c.in(l)
				}
				said[i] = a
			}
			return l.F("set.err", l.T(fieldLabels[fl]), l.F(key, said...))
		}
	}
	switch s.Mode {
	case upgrade.ModeKey:
		if k, a := checkKey(s.Key); k != "" {
			put(fieldKey, k, a...)
		}
	case upgrade.ModeURL:
		if f.base.Deltas != nil && strings.TrimSpace(s.URL) == "" {
			break // the station's delta map (airfleet --deltas) gives each module its URL
		}
		if k, a := checkURL(s.URL); k != "" {
			put(fieldURL, k, a...)
		}
	}
	if s.Target < 0 || s.Target > maxVersion {
		put(fieldTarget, "set.err.target", s.Target)
	}
	if s.Concurrency < 0 || s.Concurrency == 0 && strings.TrimSpace(f.text[fieldConcurrency]) != "" {
		put(fieldConcurrency, "set.err.concurrency", s.Concurrency)
	}
	switch {
	case s.Canary < 0:
		put(fieldCanary, "set.err.canary", s.Canary)
	case f.modules > 0 && s.Canary > f.modules:
		put(fieldCanary, "set.err.canarymax", s.Canary, f.modules, f.modules)
	}
}

// checkKey is the i18n key and arguments of what is wrong with a project
// key, or "".
func checkKey(k string) (string, []any) {
	switch {
	case k == "":
		return "set.err.keyempty", nil
	case len(k) > maxKeyLen:
		return "set.err.keylong", []any{utf8.RuneCountInString(k)}
	}
	for i, r := range []rune(k) {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "set.err.keychar", []any{i + 1, charName(r)}
		}
	}
	return "", nil
}

// checkURL is the i18n key and arguments of what is wrong with a server
// URL, or "".
func checkURL(u string) (string, []any) {
	switch {
	case u == "":
		return "set.err.urlempty", nil
	case len(u) > maxURLLen:
		return "set.err.urllong", []any{len(u)}
	}
	for i, r := range []rune(u) {
		if r <= ' ' || r >= 0x7f || r == '"' || r == '\\' {
			return "set.err.urlchar", []any{i + 1, charName(r), percentEncoded(r)}
		}
	}
	p, err := url.Parse(u)
	switch {
	case err != nil || p.Scheme != "http" && p.Scheme != "https":
		return "set.err.urlscheme", nil
	case p.Host == "":
		return "set.err.urlhost", nil
	}
	return "", nil
}

// charName is a character that an error names.
type charName rune

// in names the character in l: quoted when it can be seen.
func (c charName) in(l lang) string {
	switch r := rune(c); {
	case r == ' ':
		return l.T("set.char.space")
	case r < ' ' || r == 0x7f:
		return l.F("set.char.control", fmt.Sprintf("%U", r))
	default:
		return "“" + string(r) + "”"
	}
}

// validatorError is one of upgrade.Config.Validate's errors that check
// did not foresee, with the flag's name replaced by the form's: its
// reason stays in English.
func validatorError(err error, fl settingsField) localized {
	var fe *upgrade.FieldError
	msg := err.Error()
	if errors.As(err, &fe) {
		msg = strings.TrimLeft(strings.TrimPrefix(fe.Msg, ":"), " ")
	}
	return func(l lang) string { return l.F("set.err", l.T(fieldLabels[fl]), msg) }
}

// percentEncoded is how a URL writes r: "%22" for a double quote, "%20"
// for a space, each UTF-8 byte of a wider rune in turn.
func percentEncoded(r rune) string {
	var b strings.Builder
	for _, c := range []byte(string(r)) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
