package device

import "testing"

func TestMaskKey(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"   ":                              "…",
		"abc":                              "…",
		"abcdefg":                          "…",
		"abcdefgh":                         "…efgh",
		"abcde":                            "…",
		"EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o": "…hl0o",
		" 7yMzN8m0OqbPcXWQhl0o\n":          "…l0o\n", // blanks are kept: the log trims before it masks
		"…hl0o":                            "…hl0o",
		"…l0o":                             "…l0o",
		"…abcdefgh":                        "…efgh",
		"项目密钥项目密钥一二三四":                     "…一二三四",
	} {
		if got := MaskKey(in); got != want {
			t.Errorf("MaskKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"http://h/x.bin":                     "http://h/x.bin",
		"http://user:secretpw@h/x":           "http://user:***@h/x",
		"https://user:secretpw@h:8443/x?a":   "https://user:***@h:8443/x?a",
		"http://user@h/x":                    "http://user@h/x",
		"http://user:***@h/x":                "http://user:***@h/x",
		"http://u:p@ss:w@h/x":                "http://u:***@h/x",
		"http://h:8080/x":                    "http://h:8080/x",
		`AT+UPGRADE="URL","http://u:pw@h/x"`: `AT+UPGRADE="URL","http://u:***@h/x"`,
		"URL http://a:1@h/x and https://b:2@g/y kept": "URL http://a:***@h/x and https://b:***@g/y kept",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}
