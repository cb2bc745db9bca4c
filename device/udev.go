package device

import (
	"fmt"
	"path"
	"strings"
)

// udev rules are how a Linux host gives the modules' ports to the dialout
// group and keeps ModemManager off them (udev/99-airfleet.rules in the
// repository). This reads rule files well enough to tell whether one does.

// UdevKey is one key of a udev rule, such as ATTRS{idVendor}=="19d1": Name
// ATTRS{idVendor}, Op ==, Value 19d1.
type UdevKey struct {
	Name, Op, Value string
}

// UdevRule is one rule of a rules file: its keys in order, and the line it
// starts on.
type UdevRule struct {
	Line int
	Keys []UdevKey
}

// udevOps are the operators of udev rules, longest first.
var udevOps = []string{"==", "!=", "+=", "-=", ":=", "="}

// ParseUdevRules reads the rules of a rules file: one rule per line, lines
// ending in a backslash continued on the next, comments (#) and blank
// lines skipped. A line that is not a list of KEY OP "VALUE" is an error
// naming the line.
func ParseUdevRules(text string) ([]UdevRule, error) {
	var rules []UdevRule
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimRight(lines[i], " \t\r")
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, "\\") + strings.TrimRight(lines[i], " \t\r")
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keys, err := parseUdevKeys(line)
		if err != nil {
			return rules, fmt.Errorf("line %d: %w", start, err)
		}
		if len(keys) > 0 { // a line of commas
			rules = append(rules, UdevRule{Line: start, Keys: keys})
		}
	}
	return rules, nil
}

// parseUdevKeys reads `KEY OP "VALUE", …`.
func parseUdevKeys(s string) ([]UdevKey, error) {
	var keys []UdevKey
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return keys, nil
		}
		n := strings.IndexAny(s, "=!+-: \t")
		if n <= 0 {
			return keys, fmt.Errorf("expected KEY OP \"VALUE\" at %q", s)
		}
		if open := strings.IndexByte(s[:n], '{'); open >= 0 { // ATTRS{idVendor}: the braces may hold '-'
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return keys, fmt.Errorf("%q: no closing brace", s)
			}
			n = end + 1
		}
		k := UdevKey{Name: s[:n]}
		s = strings.TrimLeft(s[n:], " \t")
		for _, op := range udevOps {
			if strings.HasPrefix(s, op) {
				k.Op = op
				break
			}
		}
		if k.Op == "" {
			return keys, fmt.Errorf("%s: no operator (==, !=, =, +=, -=, :=)", k.Name)
		}
		s = strings.TrimLeft(s[len(k.Op):], " \t")
		s = strings.TrimPrefix(s, "e") // e"…": a string with escapes
		if !strings.HasPrefix(s, `"`) {
			return keys, fmt.Errorf("%s%s: the value must be in double quotes", k.Name, k.Op)
		}
		end := 1
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(s) {
			return keys, fmt.Errorf("%s%s: no closing quote", k.Name, k.Op)
		}
		k.Value = s[1:end]
		keys = append(keys, k)
		s = s[end+1:]
	}
}

// Get returns the value of the rule's first key with this name and
// operator.
func (r UdevRule) Get(name, op string) (string, bool) {
	for _, k := range r.Keys {
		if k.Name == name && k.Op == op {
			return k.Value, true
		}
	}
	return "", false
}

// Matches reports whether the rule's match keys on the USB vendor (and
// product, when it tests one) accept id: ATTR{…} or ATTRS{…} of idVendor
// and idProduct, or ENV{ID_VENDOR_ID} and ENV{ID_MODEL_ID}, as udev
// patterns (*, ?, […], alternatives with |), either case. A rule that
// tests no vendor matches no module.
func (r UdevRule) Matches(vid, pid string) bool {
	vendor := false
	for _, k := range r.Keys {
		if k.Op != "==" {
			continue
		}
		var want string
		switch k.Name {
		case "ATTR{idVendor}", "ATTRS{idVendor}", "ENV{ID_VENDOR_ID}":
			want, vendor = vid, true
		case "ATTR{idProduct}", "ATTRS{idProduct}", "ENV{ID_MODEL_ID}":
			want = pid
		default:
			continue
		}
		if want == "" || !udevMatch(k.Value, want) {
			return false
		}
	}
	return vendor
}

// IgnoredByModemManager reports whether the rule, for a module with this
// vendor and product, sets ID_MM_DEVICE_IGNORE=1. With pid empty (download
// mode: any product) only a rule that tests no product counts.
func (r UdevRule) IgnoredByModemManager(vid, pid string) bool {
	v, ok := r.Get("ENV{ID_MM_DEVICE_IGNORE}", "=")
	return ok && v == "1" && r.Matches(vid, pid)
}

// udevMatch matches s against a udev pattern, alternatives split by |.
func udevMatch(pattern, s string) bool {
	for alt := range strings.SplitSeq(strings.ToLower(pattern), "|") {
		if ok, _ := path.Match(alt, strings.ToLower(s)); ok {
			return true
		}
	}
	return false
}
