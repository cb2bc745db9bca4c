package device

import (
	"fmt"
	"net/url"
	"strings"
)

// ValueError is what is wrong with a value before it reaches an AT
// command line: the rule it breaks and the values the explanation names.
// Its Error is the English sentence; the operator's language is the
// catalogue's (upgrade renders each Reason in English and Chinese, and
// a test there keeps its English equal to this one).
type ValueError struct {
	Reason Reason
	Args   []any // as the Reason's sentence takes them; a Char names a character
}

// Reason is a rule a key or a URL breaks.
type Reason int

// Reasons, each with its English below.
const (
	KeyEmpty    Reason = iota // the key is empty
	KeyTooLong                // (masked key, length)
	KeyBadChar                // (masked key, Char, position)
	URLEmpty                  // the URL is empty
	URLTooLong                // (length)
	URLBadChar                // (shown URL, Char, position, byte)
	URLUnparsed               // (shown URL)
	URLScheme                 // (shown URL)
	URLNoHost                 // (shown URL)
)

// ReasonEnglish is each reason's English format, its args as ValueError.Args.
var ReasonEnglish = map[Reason]string{
	KeyEmpty:    "project key is empty: copy it from the project's page on the IoT platform",
	KeyTooLong:  "project key %q is %d characters long (at most 64; platform keys have 32): copy it again from the IoT platform",
	KeyBadChar:  "project key %q has %s at position %d: a key holds only letters and digits; copy it again from the IoT platform",
	URLEmpty:    "URL is empty: give the http(s) address of the delta file on your server",
	URLTooLong:  "URL is %d characters long; modules take at most 255",
	URLBadChar:  "URL %q has %s at position %d, which cannot be sent in an AT command: percent-encode it (%%%02X) or rename the file",
	URLUnparsed: "URL %q does not parse",
	URLScheme:   "URL %q must start with http:// or https:// (HTTPS works only on newer firmware)",
	URLNoHost:   "URL %q names no host",
}

func (e *ValueError) Error() string { return fmt.Sprintf(ReasonEnglish[e.Reason], e.Args...) }

func valueErr(r Reason, args ...any) error { return &ValueError{Reason: r, Args: args} }

// Char is a character named in a ValueError: "a double quote", "the byte 0x07".
type Char byte

func (c Char) String() string { return describeByte(byte(c)) }

// ValidateKey checks an IoT-platform project key before it reaches an AT
// command line: 1 to 64 ASCII letters, digits, '_' or '-' (real keys are 32
// letters and digits). Anything else could end the command or inject another.
// Its error is a *ValueError.
func ValidateKey(key string) error {
	if key == "" {
		return valueErr(KeyEmpty)
	}
	if len(key) > 64 {
		return valueErr(KeyTooLong, MaskKey(key), len(key))
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			continue
		}
		return valueErr(KeyBadChar, MaskKey(key), Char(c), i+1)
	}
	return nil
}

// ValidateURL checks an own-server URL before it reaches an AT command line:
// http or https, a host, at most 255 printable ASCII characters, no quote,
// no space, no control byte. Its error is a *ValueError.
func ValidateURL(u string) error {
	if u == "" {
		return valueErr(URLEmpty)
	}
	if len(u) > 255 {
		return valueErr(URLTooLong, len(u))
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return valueErr(URLBadChar, MaskURL(u), Char(c), i+1, c)
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return valueErr(URLUnparsed, MaskURL(u))
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return valueErr(URLScheme, MaskURL(u))
	}
	if p.Host == "" {
		return valueErr(URLNoHost, MaskURL(u))
	}
	return nil
}

func describeByte(c byte) string {
	switch {
	case c == '"':
		return "a double quote"
	case c == '\r':
		return "a carriage return"
	case c == '\n':
		return "a line feed"
	case c == ' ':
		return "a space"
	case c < ' ' || c >= 0x7f:
		return fmt.Sprintf("the byte 0x%02x", c)
	}
	return fmt.Sprintf("%q", string(c))
}

// RedactKey masks project keys wherever a transcript line carries one, in
// either direction and whatever bytes precede them (noise on the line, an
// echo glued to garbage): the value after each KEY tag (the command
// AT+UPGRADE="KEY",<key>[,…], its echo, the tag read +UPGRADE: "KEY",<key>),
// and every occurrence of a known key (the one the batch was given) anywhere
// in the line. Known keys shorter than minSecret are only masked after a
// KEY tag: masking every "ab" of a transcript would garble it.
func RedactKey(line string, known ...string) string {
	for _, k := range known {
		if len(k) >= minSecret && strings.Contains(line, k) {
			line = strings.ReplaceAll(line, k, MaskKey(k))
		}
	}
	upper := asciiUpper(line) // same length as line: offsets carry over
	var b strings.Builder
	from := 0
	for {
		i := keyTag(upper, from)
		if i < 0 {
			break
		}
		end := i + strings.IndexByte(upper[i:], ',') + 1 // just past the tag's comma
		rest := line[end:]
		stop := strings.IndexByte(rest, ',')
		if stop < 0 {
			stop = len(rest)
		}
		key := strings.Trim(strings.TrimSpace(rest[:stop]), `"`)
		b.WriteString(line[from:end])
		if key == "" || strings.HasPrefix(key, "…") {
			b.WriteString(rest[:stop])
		} else {
			b.WriteString(`"` + MaskKey(key) + `"`)
		}
		from = end + stop
	}
	if from == 0 {
		return line
	}
	b.WriteString(line[from:])
	return b.String()
}

// asciiUpper upper-cases ASCII letters only and keeps every other byte,
// broken UTF-8 included, so that offsets into it are offsets into s.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// minSecret is the shortest known key masked wherever it appears.
const minSecret = 6

// keyTag finds, at or after from in the upper-cased line, a KEY tag that
// a value follows: `"KEY",` or `+UPGRADE:KEY,` (spaces allowed after the
// colon). It returns the tag's start, or -1.
func keyTag(upper string, from int) int {
	best := -1
	if i := strings.Index(upper[from:], `"KEY",`); i >= 0 {
		best = from + i
	}
	for j := from; ; {
		i := strings.Index(upper[j:], "+UPGRADE:")
		if i < 0 {
			break
		}
		k := j + i + len("+UPGRADE:")
		t := strings.TrimLeft(upper[k:], " ")
		if strings.HasPrefix(t, "KEY,") {
			if at := len(upper) - len(t); best < 0 || at < best {
				best = at
			}
			break
		}
		j = k
	}
	return best
}
