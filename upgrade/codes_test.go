package upgrade

import (
	"strings"
	"testing"
)

// The catalogue holds every code of the spec, each with its words in both
// languages and the policy response-codes.md gives it.
func TestCatalogue(t *testing.T) {
	want := map[int]Policy{
		3: PolicyFail, 17: PolicyFail, 21: PolicyFail, 25: PolicyFail, 26: PolicyFail,
		27: PolicyCurrent, 40: PolicyStop, 43: PolicyWaitRetry, 44: PolicyFail,
		-1000: PolicyFail, -1001: PolicyRetryOnce, -1002: PolicyFail, -1003: PolicyFail,
		-1004: PolicyFail, -1005: PolicyRetryOnce, -1006: PolicyRetryOnce,
	}
	if len(Codes()) != len(want) {
		t.Fatalf("%d codes, want %d", len(Codes()), len(want))
	}
	for code, policy := range want {
		c, ok := Lookup(code)
		if !ok {
			t.Errorf("code %d missing", code)
			continue
		}
		if c.Policy != policy {
			t.Errorf("code %d: policy %v, want %v", code, c.Policy, policy)
		}
		for lang, tx := range map[string]Text{"zh": c.ZH, "en": c.EN} {
			if tx.Title == "" || tx.Explanation == "" || tx.Remedy == "" {
				t.Errorf("code %d: %s text incomplete: %+v", code, lang, tx)
			}
		}
		if c.IsPlatform() && c.Platform == "" {
			t.Errorf("code %d: no platform log text", code)
		}
		if !hasHan(c.ZH.Explanation) {
			t.Errorf("code %d: the Chinese explanation is not Chinese", code)
		}
	}
	codes := Codes()
	if codes[0].Code != 3 || codes[len(codes)-1].Code != -1006 {
		t.Errorf("order: first %d, last %d", codes[0].Code, codes[len(codes)-1].Code)
	}
	if title, _, remedy, ok := Explain(0, -1004, "en"); !ok || !strings.Contains(title, "-1004") || remedy == "" {
		t.Errorf("Explain(0, -1004) = %q, %q, %v", title, remedy, ok)
	}
	if title, _, _, _ := Explain(25, -1004, "zh"); !strings.HasPrefix(title, "25 ") {
		t.Errorf("Explain prefers the platform code: %q", title)
	}
	if _, _, _, ok := Explain(0, 0, "en"); ok {
		t.Error("Explain(0, 0) found something")
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
