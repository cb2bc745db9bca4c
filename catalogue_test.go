package main

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"airfleet/upgrade"
)

// fmtVerb finds the format verbs of a sentence, with their explicit
// argument indexes.
var fmtVerb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?[\d.]*(\[\d+\])?[a-zA-Z%]`)

// verbs returns what a format takes: its verbs by argument, in order of
// the argument (an indexed verb, %[2]d, names its argument).
func verbs(format string) map[int]string {
	out := map[int]string{}
	arg := 0
	for _, v := range fmtVerb.FindAllStringSubmatch(format, -1) {
		if strings.HasSuffix(v[0], "%") {
			continue // %%: a percent sign
		}
		idx := v[1] + v[2]
		if idx != "" {
			n := 0
			for _, c := range strings.Trim(idx, "[]") {
				n = n*10 + int(c-'0')
			}
			arg = n - 1
		}
		kind := v[0][len(v[0])-1:]
		if prev, ok := out[arg]; ok && prev != kind {
			kind = prev + "/" + kind
		}
		out[arg] = kind
		arg++
	}
	return out
}

// driverSentence are the messages of an error met at the station whose
// English is the driver's own sentence (argument 1) and whose Chinese is
// ours, with the fix (from argument 2): each language leaves out an
// argument of the other, on purpose.
var driverSentence = map[string]bool{
	"err.permission": true, "err.busy": true, "err.gone": true, "err.notserial": true,
	"err.download": true, "err.inuse": true, "err.permission.windows": true, "err.busy.windows": true,
}

// TestEveryMessage is the one check of the whole bilingual catalogue: the
// engine's, the console's and the CLI's words (every package linked into
// airfleet has declared its messages by now). Each message has both
// languages, a key of its own, Chinese that is Chinese, and the same
// arguments with the same verbs in both languages.
func TestEveryMessage(t *testing.T) {
	all := upgrade.Catalogue()
	if len(all) < 450 {
		t.Fatalf("only %d messages in the catalogue: is a package's table not declared with NewMessage?", len(all))
	}
	keys := map[string]bool{}
	for _, m := range all {
		if keys[m.Key] {
			t.Errorf("%s: declared twice", m.Key)
		}
		keys[m.Key] = true
		if m.Composed() {
			continue
		}
		if m.EN == "" || m.ZH == "" {
			t.Errorf("%s: a language is empty (en %q, zh %q)", m.Key, m.EN, m.ZH)
			continue
		}
		en, zh := verbs(m.EN), verbs(m.ZH)
		for i := range max(len(en), len(zh)) + 1 {
			v, inEN := en[i]
			w, inZH := zh[i]
			switch {
			case inEN && inZH && v != w:
				t.Errorf("%s: argument %d is %%%s in English, %%%s in Chinese", m.Key, i+1, v, w)
			case inEN != inZH && !driverSentence[m.Key]:
				t.Errorf("%s: argument %d is said in one language only (English %q, Chinese %q)", m.Key, i+1, m.EN, m.ZH)
			}
		}
		words := regexp.MustCompile(`[a-zA-Z]{3,}`).MatchString(fmtVerb.ReplaceAllString(m.EN, ""))
		if m.EN != m.ZH && words && !strings.ContainsFunc(m.ZH, chinese) {
			t.Errorf("%s: the Chinese %q is not Chinese", m.Key, m.ZH)
		}
	}
}

// chinese reports whether r is written only in Chinese text: a Han
// character or a full-width mark (a label such as "IMEI：" has no other).
func chinese(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}
