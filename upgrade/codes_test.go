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
		// local mode: AT+UARTUPGRADE's errors 1…10, and a failed verification
		-2001: PolicyFail, -2002: PolicyFail, -2003: PolicyFail, -2004: PolicyFail, -2005: PolicyFail,
		-2006: PolicyFail, -2007: PolicyFail, -2008: PolicyFail, -2009: PolicyFail, -2010: PolicyFail,
		-2020: PolicyFail,
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
	if codes[0].Code != 3 || codes[len(codes)-1].Code != -2020 {
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

// The engine knows codes only through the catalogue: what a failed request
// leads to follows the row's Policy, and a new code with an existing
// policy is one row (here a made-up 45 that stops like 40).
func TestDecideFollowsTheCatalogue(t *testing.T) {
	catalogue[45] = CodeInfo{Code: 45, Policy: PolicyStop, Retry: RetryNever}
	defer delete(catalogue, 45)
	cases := []struct {
		f      failure
		code   int
		policy Policy
		ending string
	}{
		{failure{code: 43, modErr: -1003, progress: -1}, 43, PolicyWaitRetry, ""},
		{failure{modErr: -1003, progress: -1}, 43, PolicyWaitRetry, ""}, // the module's way of saying 43
		{failure{modErr: -1003, progress: 100}, -1003, PolicyFail, "failed.toobig"},
		{failure{code: 40, modErr: -1004, progress: -1}, 40, PolicyStop, "failed.banned"},
		{failure{code: 27, modErr: -1004, progress: -1}, 27, PolicyCurrent, ""},
		{failure{code: 25, modErr: -1004, progress: -1}, 25, PolicyFail, "code"},
		{failure{code: 99, modErr: -1004, progress: -1}, -1004, PolicyFail, "code"}, // unknown code: the module's error
		{failure{modErr: -1005, progress: 50}, -1005, PolicyRetryOnce, "code"},
		{failure{modErr: -1999, progress: -1}, -1999, PolicyFail, "code"},
		{failure{code: 45, modErr: -1004, progress: -1}, 45, PolicyStop, "code"},
	}
	for _, c := range cases {
		code, info := decide(c.f)
		if code != c.code || info.Policy != c.policy {
			t.Errorf("%+v: code %d policy %v, want %d %v", c.f, code, info.Policy, c.code, c.policy)
		}
		if n := info.ending(code, c.f.progress); c.ending != "" && n.Key() != c.ending {
			t.Errorf("%+v: ends with %q, want %q", c.f, n.Key(), c.ending)
		}
	}
	if !retryNever(Result{Outcome: Failed, Code: 45}) {
		t.Error("the new row's RetryNever is not followed")
	}
}
