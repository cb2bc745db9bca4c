package upgrade

import (
	"fmt"
	"strings"
)

// The operator's language: every sentence of airfleet is said in Chinese
// ("zh") or English ("en"). The catalogue's owner decides how a language
// is named; the console and the CLI both ask here.

// Language is "zh" or "en": flag when given (as --lang takes it), else
// the locale's (LC_ALL, LC_MESSAGES, LANG, in POSIX order of precedence),
// else English. getenv may be nil (no locale).
func Language(flag string, getenv func(string) string) string {
	if flag != "" {
		return langOf(flag)
	}
	if getenv != nil {
		for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			if s := getenv(v); s != "" {
				return langOf(s)
			}
		}
	}
	return "en"
}

func langOf(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "zh") {
		return "zh"
	}
	return "en"
}

// CheckLang accepts what --lang and the settings file take: zh…, en… or
// nothing (the locale's).
func CheckLang(s string) error {
	l := strings.ToLower(s)
	if s == "" || strings.HasPrefix(l, "zh") || strings.HasPrefix(l, "en") {
		return nil
	}
	return fmt.Errorf("%q: give zh (中文) or en (English)", s)
}
