package device

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one rule for secrets on screens, in errors and in the log: a project
// key shows its last four characters, a URL's password shows as "***".

const ellipsis = "…"

// MaskKey shows only the last four characters of a project key ("…hl0o"):
// keys are never printed or stored in full, here or in the log (store keeps
// them through this). A key shorter than eight characters shows nothing but
// "…", since four of its characters would give most of it away. An already
// masked key is returned unchanged; an empty key stays empty. Blanks are
// kept: a key that ends in a line feed shows it (the log trims a key before
// masking it).
func MaskKey(key string) string {
	if key == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(key, ellipsis); ok && utf8.RuneCountInString(rest) <= 4 {
		return key
	}
	r := []rune(key)
	if len(r) < 8 {
		return ellipsis
	}
	return ellipsis + string(r[len(r)-4:])
}

// MaskURL returns u with the password of its user information replaced by
// "***" ("http://user:***@h/x"); a URL without a password is returned
// unchanged. It masks every URL in a longer text too (a transcript line,
// a message). Where a password holds an unescaped "/" or "@", it masks up
// to the last "@" of the URL: a password is never left half shown.
func MaskURL(u string) string {
	if strings.IndexByte(u, '@') < 0 {
		return u
	}
	var b strings.Builder
	rest := u
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		end := start + strings.IndexFunc(rest[start:], endOfURL)
		if end < start {
			end = len(rest)
		}
		b.WriteString(rest[:start])
		b.WriteString(maskUserinfo(rest[start:end]))
		rest = rest[end:]
	}
	if b.Len() == 0 {
		return u
	}
	b.WriteString(rest)
	return b.String()
}

// maskUserinfo masks the password of "user:password@host/…".
func maskUserinfo(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	colon := strings.IndexByte(s[:at], ':')
	if colon < 0 || s[colon+1:at] == "***" {
		return s
	}
	return s[:colon+1] + "***" + s[at:]
}

// endOfURL ends a URL inside a text: blanks, quotes and angle brackets
// never belong to one.
func endOfURL(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(`"'<>`, r)
}
