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
	put := func(fl settingsField, key *upgrade.Message, args ...any) {
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
			return l.F(msgSetErr, l.T(fieldLabels[fl]), l.F(key, said...))
		}
	}
	switch s.Mode {
	case upgrade.ModeKey:
		if k, a := checkKey(s.Key); k != nil {
			put(fieldKey, k, a...)
		}
	case upgrade.ModeURL:
		if f.base.Deltas != nil && strings.TrimSpace(s.URL) == "" {
			break // the station's delta map (airfleet --deltas) gives each module its URL
		}
		if k, a := checkURL(s.URL); k != nil {
			put(fieldURL, k, a...)
		}
	}
	if s.Target < 0 || s.Target > maxVersion {
		put(fieldTarget, msgSetErrTarget, s.Target)
	}
	if s.Concurrency < 0 || s.Concurrency == 0 && strings.TrimSpace(f.text[fieldConcurrency]) != "" {
		put(fieldConcurrency, msgSetErrConcurrency, s.Concurrency)
	}
	switch {
	case s.Canary < 0:
		put(fieldCanary, msgSetErrCanary, s.Canary)
	case f.modules > 0 && s.Canary > f.modules:
		put(fieldCanary, msgSetErrCanarymax, s.Canary, f.modules, f.modules)
	}
}

// checkKey is the message and arguments of what is wrong with a project
// key, or nil.
func checkKey(k string) (*upgrade.Message, []any) {
	switch {
	case k == "":
		return msgSetErrKeyempty, nil
	case len(k) > maxKeyLen:
		return msgSetErrKeylong, []any{utf8.RuneCountInString(k)}
	}
	for i, r := range []rune(k) {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return msgSetErrKeychar, []any{i + 1, charName(r)}
		}
	}
	return nil, nil
}

// checkURL is the message and arguments of what is wrong with a server
// URL, or nil.
func checkURL(u string) (*upgrade.Message, []any) {
	switch {
	case u == "":
		return msgSetErrUrlempty, nil
	case len(u) > maxURLLen:
		return msgSetErrUrllong, []any{len(u)}
	}
	for i, r := range []rune(u) {
		if r <= ' ' || r >= 0x7f || r == '"' || r == '\\' {
			return msgSetErrUrlchar, []any{i + 1, charName(r), percentEncoded(r)}
		}
	}
	p, err := url.Parse(u)
	switch {
	case err != nil || p.Scheme != "http" && p.Scheme != "https":
		return msgSetErrUrlscheme, nil
	case p.Host == "":
		return msgSetErrUrlhost, nil
	}
	return nil, nil
}

// charName is a character that an error names.
type charName rune

// in names the character in l: quoted when it can be seen.
func (c charName) in(l lang) string {
	switch r := rune(c); {
	case r == ' ':
		return l.T(msgSetCharSpace)
	case r < ' ' || r == 0x7f:
		return l.F(msgSetCharControl, fmt.Sprintf("%U", r))
	default:
		return "“" + string(r) + "”"
	}
}

// validatorError is one of upgrade.Config.Validate's errors that check
// did not foresee, named as the form names the field and said in the
// console's language.
func validatorError(err error, fl settingsField) localized {
	var fe *upgrade.FieldError
	return func(l lang) string {
		msg := err.Error()
		if errors.As(err, &fe) {
			msg = strings.TrimLeft(strings.TrimPrefix(fe.Reason.In(string(l)), ":"), " ")
		}
		return l.F(msgSetErr, l.T(fieldLabels[fl]), msg)
	}
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
