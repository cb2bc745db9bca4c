package store

import (
	"strings"
	"unicode/utf8"
)

const ellipsis = "…"

// MaskKey returns what the log may keep of a project key: "…" and its last
// four characters ("…hl0o"). A key shorter than eight characters keeps
// nothing but "…", since four of its characters would give most of it away.
// An already masked key is returned unchanged; an empty key stays empty.
func MaskKey(key string) string {
	key = strings.TrimSpace(key)
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
