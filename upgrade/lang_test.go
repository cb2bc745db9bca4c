package upgrade

import "testing"

func TestLanguage(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"zh", nil, "zh"},
		{"zh_CN.UTF-8", nil, "zh"},
		{"en", map[string]string{"LANG": "zh_CN.UTF-8"}, "en"},
		{"", map[string]string{"LANG": "zh_CN.UTF-8"}, "zh"},
		{"", map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"},
		{"", map[string]string{"LC_MESSAGES": "zh_TW", "LANG": "en_US"}, "zh"},
		{"", nil, "en"},
	} {
		if got := Language(c.flag, env(c.env)); got != c.want {
			t.Errorf("Language(%q, %v) = %q, want %q", c.flag, c.env, got, c.want)
		}
	}
	if Language("", nil) != "en" {
		t.Error("no locale: want English")
	}
	for _, ok := range []string{"", "zh", "ZH_cn", "en", "en_US.UTF-8"} {
		if err := CheckLang(ok); err != nil {
			t.Errorf("CheckLang(%q): %v", ok, err)
		}
	}
	if CheckLang("fr") == nil {
		t.Error("CheckLang accepted fr")
	}
}
