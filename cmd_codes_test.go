package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// runCodes runs `airfleet codes args…` in this process.
func runCodes(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"codes"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// A module error is given as the module prints it, with its minus sign
// (issue 9.5: "-1003" was taken for a flag), or without it, as operators
// often type it: 1003 is no platform code, so it can only mean -1003.
func TestCodesModuleError(t *testing.T) {
	for _, args := range [][]string{{"-1003"}, {"1003"}, {"--lang", "en", "-1003"}} {
		code, out, errb := runCodes(t, args...)
		if code != 0 {
			t.Errorf("codes %v: exit %d, stderr %q", args, code, errb)
			continue
		}
		if !strings.HasPrefix(out, "-1003  ") || !strings.Contains(out, "invalid firmware") {
			t.Errorf("codes %v printed:\n%s", args, out)
		}
	}
}

// codes -h prints a usage line and the flags; codes 40 --json prints
// JSON, wherever the flag stands.
func TestCodesFlags(t *testing.T) {
	code, out, errb := runCodes(t, "-h")
	if code != 0 || !strings.Contains(out+errb, "airfleet codes [--json] [--lang zh|en] [CODE") || !strings.Contains(out+errb, "-json") {
		t.Errorf("codes -h: exit %d, stdout %q, stderr %q", code, out, errb)
	}
	for _, args := range [][]string{{"40", "--json"}, {"--json", "40"}} {
		code, out, errb := runCodes(t, args...)
		if code != 0 {
			t.Fatalf("codes %v: exit %d, stderr %q", args, code, errb)
		}
		var c struct {
			Code                         int
			Kind, Title, Meaning, Remedy string
			Policy                       string
		}
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("codes %v: %q: %v", args, out, err)
		}
		if c.Code != 40 || c.Kind != "platform" || c.Title != "loop upgrade, banned" || c.Remedy == "" || c.Meaning == "" || c.Policy != "stop at once" {
			t.Errorf("codes %v: %+v", args, c)
		}
	}
	// The whole catalogue, one object per line, in English only.
	_, out, _ = runCodes(t, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 27 {
		t.Errorf("codes --json: %d lines, want the 27 codes (16 of the platform and AT+UPGRADE, 11 of local mode)", len(lines))
	}
	for _, l := range lines {
		var c map[string]any
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		for _, f := range []string{"title", "meaning", "remedy"} {
			if s, _ := c[f].(string); strings.ContainsFunc(s, func(r rune) bool { return r > 0x2e80 }) {
				t.Errorf("%s in Chinese in --json: %s", f, l)
			}
		}
	}
	// --lang zh: the words in Chinese only, labels too.
	_, out, _ = runCodes(t, "--lang", "zh", "43")
	if !strings.Contains(out, "正在生成差分包") || strings.Contains(out, "please wait") || strings.Contains(out, "policy") {
		t.Errorf("codes --lang zh 43:\n%s", out)
	}
}

// A mistake is said once, not twice (the flag package printed it, then
// airfleet did).
func TestUsageErrorOnce(t *testing.T) {
	for _, args := range [][]string{{"codes", "--bogus"}, {"scan", "--bogus"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
		if n := strings.Count(errb.String(), "not defined"); n != 1 {
			t.Errorf("%v: said %d times:\n%s", args, n, errb.String())
		}
	}
}
