package device

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseUdevRules(t *testing.T) {
	text := "# a comment\n\n" +
		`SUBSYSTEM=="tty", ATTRS{idVendor}=="19d1", \` + "\n" +
		`  ATTRS{idProduct}=="0001", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"` + "\n" +
		`ATTR{some-attr}!="x\"y", SYMLINK+="air%n",RUN:="/bin/true"` + "\r\n"
	rules, err := ParseUdevRules(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []UdevRule{
		{Line: 3, Keys: []UdevKey{{"SUBSYSTEM", "==", "tty"}, {"ATTRS{idVendor}", "==", "19d1"}, {"ATTRS{idProduct}", "==", "0001"},
			{"GROUP", "=", "dialout"}, {"MODE", "=", "0660"}, {"ENV{ID_MM_DEVICE_IGNORE}", "=", "1"}}},
		{Line: 5, Keys: []UdevKey{{"ATTR{some-attr}", "!=", `x\"y`}, {"SYMLINK", "+=", "air%n"}, {"RUN", ":=", "/bin/true"}}},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Fatalf("got %+v\nwant %+v", rules, want)
	}
	if !rules[0].IgnoredByModemManager("19d1", "0001") || rules[0].IgnoredByModemManager("19d1", "0002") ||
		rules[0].IgnoredByModemManager("17d1", "") || rules[1].IgnoredByModemManager("19d1", "0001") {
		t.Error("IgnoredByModemManager")
	}

	for _, bad := range []string{
		`ATTRS{idVendor}=="19d1`, // no closing quote
		`ATTRS{idVendor}==19d1`,  // unquoted
		`ATTRS{idVendor "19d1"`,  // no brace, no operator
		`GROUP "dialout"`,        // no operator
		`=="x"`,                  // no key
	} {
		if _, err := ParseUdevRules("# ok\n" + bad); err == nil || !strings.HasPrefix(err.Error(), "line 2:") {
			t.Errorf("%s: got %v, want an error on line 2", bad, err)
		}
	}
}

func TestUdevRuleMatches(t *testing.T) {
	for _, c := range []struct {
		rule, vid, pid string
		want           bool
	}{
		{`ATTRS{idVendor}=="19d1", ENV{ID_MM_DEVICE_IGNORE}="1"`, "19d1", "0001", true},
		{`ATTRS{idVendor}=="19D1", ATTRS{idProduct}=="0001", ENV{ID_MM_DEVICE_IGNORE}="1"`, "19d1", "0001", true},
		{`ENV{ID_VENDOR_ID}=="19d1|17d1", ENV{ID_MM_DEVICE_IGNORE}="1"`, "17d1", "", true},
		{`ATTRS{idVendor}=="19d*", ENV{ID_MM_DEVICE_IGNORE}="1"`, "19d1", "0001", true},
		{`ATTRS{idVendor}=="19d1", ENV{ID_MM_DEVICE_IGNORE}="0"`, "19d1", "0001", false},
		{`ATTRS{idVendor}!="19d1", ENV{ID_MM_DEVICE_IGNORE}="1"`, "19d1", "0001", false}, // tests no vendor
		{`ENV{ID_MM_DEVICE_IGNORE}="1"`, "19d1", "0001", false},                          // every device: not a module rule
		{`ATTRS{idVendor}=="1782", ENV{ID_MM_DEVICE_IGNORE}="1"`, "19d1", "0001", false},
		{`ATTRS{idVendor}=="17d1", ATTRS{idProduct}=="0001", ENV{ID_MM_DEVICE_IGNORE}="1"`, "17d1", "", false},
	} {
		rules, err := ParseUdevRules(c.rule)
		if err != nil || len(rules) != 1 {
			t.Fatalf("%s: %v", c.rule, err)
		}
		if got := rules[0].IgnoredByModemManager(c.vid, c.pid); got != c.want {
			t.Errorf("%s for %s:%s: %v, want %v", c.rule, c.vid, c.pid, got, c.want)
		}
	}
}

// FuzzParseUdevRules: any text parses or fails, never panics, and a rule
// that parses keeps every key it read.
func FuzzParseUdevRules(f *testing.F) {
	for _, s := range []string{`ATTRS{idVendor}=="19d1", MODE="0660"`, "a\\\nb", `X=e"\"`, `ATTR{a-b}`, "\\", `K="`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rules, _ := ParseUdevRules(s)
		for _, r := range rules {
			if len(r.Keys) == 0 {
				t.Errorf("rule on line %d has no keys", r.Line)
			}
		}
	})
}
