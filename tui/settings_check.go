package tui

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"airfleet/device"
	"airfleet/upgrade"
)

// maxVersion bounds a target version (see upgrade.Config.Validate).
const maxVersion = 99999

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
// key, or nil: device.ValidateKey decides (one rule, one owner), and the
// form says it in the operator's words, naming the row, not the value.
func checkKey(k string) (*upgrade.Message, []any) {
	var ve *device.ValueError
	if !errors.As(device.ValidateKey(k), &ve) {
		return nil, nil
	}
	switch ve.Reason {
	case device.KeyEmpty:
		return msgSetErrKeyempty, nil
	case device.KeyTooLong:
		return msgSetErrKeylong, []any{utf8.RuneCountInString(k)}
	}
	pos, r := badChar(k, ve)
	return msgSetErrKeychar, []any{pos, charName(r)}
}

// checkURL is the message and arguments of what is wrong with a server
// URL, or nil: device.ValidateURL decides, as for the key.
func checkURL(u string) (*upgrade.Message, []any) {
	var ve *device.ValueError
	if !errors.As(device.ValidateURL(u), &ve) {
		return nil, nil
	}
	switch ve.Reason {
	case device.URLEmpty:
		return msgSetErrUrlempty, nil
	case device.URLTooLong:
		return msgSetErrUrllong, []any{len(u)}
	case device.URLBadChar:
		pos, r := badChar(u, ve)
		return msgSetErrUrlchar, []any{pos, charName(r), percentEncoded(r)}
	case device.URLNoHost:
		return msgSetErrUrlhost, nil
	}
	return msgSetErrUrlscheme, nil // it does not parse, or is not http(s)
}

// badChar is the character a *device.ValueError of a bad character names
// in v, as the form counts: its position in characters (the validator
// counts bytes) and the whole character (the validator names its first
// byte).
func badChar(v string, ve *device.ValueError) (pos int, r rune) {
	i := 0
	for _, a := range ve.Args {
		if n, ok := a.(int); ok { // the 1-based byte position
			i = n - 1
			break
		}
	}
	i = max(0, min(i, len(v)))
	r, _ = utf8.DecodeRuneInString(v[i:])
	return utf8.RuneCountInString(v[:i]) + 1, r
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
