package device

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaskKey shows only the last four characters of a project key: keys are
// never printed or stored in full.
func MaskKey(key string) string {
	if len(key) <= 4 {
		return strings.Repeat("*", len(key))
	}
	return "…" + key[len(key)-4:]
}

// ValidateKey checks an IoT-platform project key before it reaches an AT
// command line: 1 to 64 ASCII letters, digits, '_' or '-' (real keys are 32
// letters and digits). Anything else could end the command or inject another.
func ValidateKey(key string) error {
	if key == "" {
		return errors.New("project key is empty: copy it from the project's page on the IoT platform")
	}
	if len(key) > 64 {
		return fmt.Errorf("project key %q is %d characters long (at most 64; platform keys have 32): copy it again from the IoT platform", MaskKey(key), len(key))
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			continue
		}
		return fmt.Errorf("project key %q has %s at position %d: a key holds only letters and digits; copy it again from the IoT platform", MaskKey(key), describeByte(c), i+1)
	}
	return nil
}

// ValidateURL checks an own-server URL before it reaches an AT command line:
// http or https, a host, at most 255 printable ASCII characters, no quote,
// no space, no control byte.
func ValidateURL(u string) error {
	if u == "" {
		return errors.New("URL is empty: give the http(s) address of the delta file on your server")
	}
	if len(u) > 255 {
		return fmt.Errorf("URL is %d characters long; modules take at most 255", len(u))
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return fmt.Errorf("URL %q has %s at position %d, which cannot be sent in an AT command: percent-encode it (e.g. %%20 for a space) or rename the file", u, describeByte(c), i+1)
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("URL %q does not parse: %v", u, err)
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return fmt.Errorf("URL %q must start with http:// or https:// (HTTPS works only on newer firmware)", u)
	}
	if p.Host == "" {
		return fmt.Errorf("URL %q names no host", u)
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

// RedactKey masks a project key wherever a transcript line carries one: the
// command AT+UPGRADE="KEY",<key>[,…] (and its echo) and the tag read
// +UPGRADE: "KEY",<key>. Other lines come back unchanged.
func RedactKey(line string) string {
	upper := strings.ToUpper(line)
	var start int
	switch {
	case strings.HasPrefix(upper, `AT+UPGRADE="KEY",`):
		start = len(`AT+UPGRADE="KEY",`)
	case strings.HasPrefix(upper, "+UPGRADE:"):
		tag, _, ok := ParseTagLine(line)
		if !ok || !strings.EqualFold(tag, TagKey) {
			return line
		}
		start = strings.Index(line, ",") + 1
	default:
		return line
	}
	rest := line[start:]
	end := strings.IndexByte(rest, ',')
	if end < 0 {
		end = len(rest)
	}
	key := strings.Trim(strings.TrimSpace(rest[:end]), `"`)
	if key == "" {
		return line
	}
	return line[:start] + `"` + MaskKey(key) + `"` + rest[end:]
}
