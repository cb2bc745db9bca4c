package upgrade

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const goodMap = `{"deltas": [
  {"firmware": "AirM2M_780EP_LTE_AT", "from": 1006, "to": 1007, "url": "http://fota.example.com/780ep_1006_1007.bin"},
  {"firmware": "AirM2M_780EP_LTE_AT", "from": 1007, "to": 1009, "url": "http://fota.example.com/780ep_1007_1009.bin"},
  {"firmware": "AirM2M_780E_LTE_AT", "from": 1138, "to": 1147, "file": "deltas/780e_1138_1147.bin"}
]}
`

func TestParseDeltaMap(t *testing.T) {
	m, err := ParseDeltaMap("deltas.json", []byte(goodMap))
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 3 {
		t.Errorf("%d entries, want 3", m.Len())
	}
	e, ok := m.Lookup("AirM2M_780EP_LTE_AT", 1007)
	if !ok || e.To != 1009 || e.URL != "http://fota.example.com/780ep_1007_1009.bin" || e.Line != 3 {
		t.Errorf("Lookup(780EP, 1007) = %+v, %v", e, ok)
	}
	if e, ok := m.Lookup("AirM2M_780E_LTE_AT", 1138); !ok || e.URL != "" || e.File != "deltas/780e_1138_1147.bin" || e.Line != 4 {
		t.Errorf("Lookup(780E, 1138) = %+v, %v", e, ok)
	}
	if e, _ := m.Lookup("AirM2M_780EP_LTE_AT", 1006); e.Line != 2 {
		t.Errorf("the first entry is on line %d, want 2", e.Line)
	}
	if _, ok := m.Lookup("AirM2M_780EP_LTE_AT", 1005); ok {
		t.Error("Lookup(780EP, 1005) found a delta the map does not list")
	}
}

// TestParseDeltaMapBad: each bad map is refused with its line and the fix.
func TestParseDeltaMapBad(t *testing.T) {
	entry := func(s string) string {
		return "{\"deltas\": [\n  {\"firmware\": \"AirM2M_780EP_LTE_AT\", \"from\": 1006, \"to\": 1007, \"url\": \"http://h/a.bin\"},\n  " + s + "\n]}\n"
	}
	cases := []struct {
		name, map_ string
		want       []string
	}{
		{"not JSON", "{\"deltas\": [\n  {\"firmware\": \"x\",,}\n]}", []string{"line 2", "not JSON"}},
		{"ends early", "{\"deltas\": [\n", []string{"ends early"}},
		{"top-level field", "{\n\"delta\": []}", []string{"line 2", `unknown field delta`, `"deltas"`}},
		{"entry field", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1007, "to": 1009, "URL": "http://h/b.bin", "size": 3}`), []string{"line 3", `unknown field "size"`}},
		{"from a string", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": "1007", "to": 1009, "url": "http://h/b.bin"}`), []string{"line 3", `"from"`, "whole number"}},
		{"duplicate", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1006, "to": 1009, "url": "http://h/b.bin"}`), []string{"line 3", "second delta", "from 1006", "line 2"}},
		{"downgrade", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1009, "to": 1006, "url": "http://h/b.bin"}`), []string{"line 3", `"to" 1006`, "does not downgrade"}},
		{"no url or file", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1007, "to": 1009}`), []string{"line 3", `neither "url" nor "file"`}},
		{"no firmware", entry(`{"from": 1007, "to": 1009, "url": "http://h/b.bin"}`), []string{"line 3", `"firmware" is missing`}},
		{"firmware with version", entry(`{"firmware": "AirM2M_780EP_V1007 LTE", "from": 1007, "to": 1009, "url": "http://h/b.bin"}`), []string{"line 3", `without "_V<core>"`}},
		{"bad url", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1007, "to": 1009, "url": "ftp://h/b.bin"}`), []string{"line 3", "http://"}},
		{"url with quote", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1007, "to": 1009, "url": "http://h/b\".bin"}`), []string{"line 3", "double quote"}},
		{"absolute file", entry(`{"firmware": "AirM2M_780EP_LTE_AT", "from": 1007, "to": 1009, "file": "/etc/b.bin"}`), []string{"line 3", "relative"}},
		{"empty", `{"deltas": []}`, []string{"lists no delta"}},
		{"trailing", "{\"deltas\": [{\"firmware\": \"AirM2M_780EP_LTE_AT\", \"from\": 1006, \"to\": 1007, \"url\": \"http://h/a.bin\"}]}\n{}", []string{"line 2", "after the map"}},
		{"a list", `[]`, []string{"line 1", `"{"`}},
	}
	for _, c := range cases {
		_, err := ParseDeltaMap("deltas.json", []byte(c.map_))
		var me *DeltaMapError
		if !errors.As(err, &me) {
			t.Errorf("%s: %v, want a *DeltaMapError", c.name, err)
			continue
		}
		for _, w := range append(c.want, "deltas.json") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", c.name, err, w)
			}
		}
	}
}

func TestDeltaTemplate(t *testing.T) {
	m, err := DeltaTemplate("http://h/{firmware}_{from}_{to}.bin", 1009)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := m.Lookup("AirM2M_780EP_LTE_AT", 1006); !ok || e.URL != "http://h/AirM2M_780EP_LTE_AT_1006_1009.bin" || e.To != 1009 {
		t.Errorf("Lookup = %+v, %v", e, ok)
	}
	if _, ok := m.Lookup("AirM2M_780EP_LTE_AT", 1009); ok {
		t.Error("a delta from the target to itself")
	}
	for _, c := range []struct {
		t      string
		target int
		want   string
	}{
		{"http://h/{firmware}_{from}.bin", 0, "--target"},
		{"http://h/{firmware}_{to}.bin", 1009, "no {from}"},
		{"http://h/{firmware}_{base}_{to}.bin", 1009, "{base}"},
		{"http://h/{from.bin", 1009, "no }"},
		{"ftp://h/{from}.bin", 1009, "http://"},
		{"http://h/{from} x.bin", 1009, "space"},
	} {
		if _, err := DeltaTemplate(c.t, c.target); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DeltaTemplate(%q, %d) = %v, want an error saying %q", c.t, c.target, err, c.want)
		}
	}
}

func TestValidateDeltas(t *testing.T) {
	m, _ := ParseDeltaMap("deltas.json", []byte(goodMap))
	tm, _ := DeltaTemplate("http://h/{firmware}_{from}_{to}.bin", 1009)
	for _, c := range []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"map", Config{Mode: ModeURL, Deltas: m}, ""},
		{"template", Config{Mode: ModeURL, Deltas: tm, Target: 1009}, ""},
		{"map and url", Config{Mode: ModeURL, Deltas: m, URL: "http://h/x.bin"}, "--deltas: give --url"},
		{"template other target", Config{Mode: ModeURL, Deltas: tm, Target: 1007}, "--url-template: made for target 1009"},
		// A console keeps the station's map while the operator switches
		// modes; the engine uses it in URL mode only (the command line
		// refuses --deltas outside --mode url: TestBadInput).
		{"map in key mode", Config{Mode: ModeKey, Key: strings.Repeat("a", 32), Deltas: m}, ""},
		{"map kept", Config{Mode: ModeURL, Deltas: m, Handoff: Handoff{URL: KeepIt}}, "--handoff-url keep: a delta fits one base"},
	} {
		err := c.cfg.Validate()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestDeltaChainSteps(t *testing.T) {
	m, err := ParseDeltaMap("deltas.json", []byte(goodMap))
	if err != nil {
		t.Fatal(err)
	}
	const fw = "AirM2M_780EP_LTE_AT"
	for _, c := range []struct {
		from, target int
		want         []int // the steps' "to"
		whole        bool
	}{
		{1006, 1009, []int{1007, 1009}, true},
		{1006, 0, []int{1007}, true},
		{1007, 1009, []int{1009}, true},
		{1006, 1007, []int{1007}, true},
		{1006, 1008, []int{1007}, false}, // 1007→1009 goes past 1008
		{1006, 1010, []int{1007, 1009}, false},
		{1005, 1009, nil, false},
	} {
		steps, whole := m.Chain(fw, c.from, c.target)
		var got []int
		for _, s := range steps {
			got = append(got, s.To)
		}
		if whole != c.whole || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Chain(%d, %d) = %v, %v; want %v, %v", c.from, c.target, got, whole, c.want, c.whole)
		}
	}
}
