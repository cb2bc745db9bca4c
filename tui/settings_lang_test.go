package tui

import (
	"airfleet/upgrade"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettingsErrorsInChinese checks that the form's errors speak the
// operator's language and name the field as the form does, not the flag.
func TestSettingsErrorsInChinese(t *testing.T) {
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "zh", 120, 30)
	openSettingsForm(t, m)
	press(m, "right", "down") // mode: project key; the key
	typeText(m, "ab'defghijklmnop")
	toField(m, fieldTarget)
	press(m, "ctrl+u")
	typeText(m, "-1")
	press(m, "enter")
	s := flat(m)
	for _, w := range []string{"第 3 个字符", "项目密钥", "例如 2010"} {
		if !strings.Contains(s, w) {
			t.Errorf("the errors lack %q:\n%s", w, screen(m))
		}
	}
	for _, bad := range []string{"--key", "--target", "position", "give a core version", "1007"} {
		if strings.Contains(s, bad) {
			t.Errorf("the errors say %q:\n%s", bad, screen(m))
		}
	}
}

// TestSettingsCanaryInWords checks that the canary row says what it does.
func TestSettingsCanaryInWords(t *testing.T) {
	for lang, want := range map[string]string{"zh": "先试", "en": "Try first"} {
		m := newTestModel(t, NewFakeBackend(testPlan, 0), lang, 120, 30)
		openSettingsForm(t, m)
		s := screen(m)
		if strings.Contains(s, "金丝雀") || strings.Contains(s, "anary") || !strings.Contains(s, want) {
			t.Errorf("%s: the canary row:\n%s", lang, s)
		}
	}
}

// A URL with a quote is told how to write the quote, not a space.
func TestSettingsURLCharSaysItsEncoding(t *testing.T) {
	key, args := checkURL(`http://h/a"b.bin`)
	if key != msgSetErrUrlchar || len(args) != 3 || args[2] != "%22" {
		t.Fatalf("checkURL: %s %v, want set.err.urlchar with %%22", key.Key, args)
	}
}

// An error of upgrade.Config.Validate that the form's own check did not
// foresee is said in the console's language, naming the field as the form
// does: no English flag sentence inside the Chinese console.
func TestValidatorErrorInTheConsolesLanguage(t *testing.T) {
	err := upgrade.Config{Mode: upgrade.ModeIoT, Concurrency: -1}.Validate()
	if err == nil {
		t.Fatal("Validate accepted a concurrency of -1")
	}
	zh := validatorError(err, fieldConcurrency)(chinese)
	if !strings.Contains(zh, "请填 1 或更大") || strings.Contains(zh, "give") || strings.Contains(zh, "--") {
		t.Errorf("in Chinese: %q", zh)
	}
	if en := validatorError(err, fieldConcurrency)(english); !strings.Contains(en, "-1: give 1 or more (0 = all at once)") || strings.Contains(en, "--") {
		t.Errorf("in English: %q", en)
	}
}

// A settings file with a wrong value is refused in the operator's
// language: the field named as the file names it, the reason in Chinese
// for a Chinese operator, and in English exactly as before.
func TestSettingsFileErrorInTheOperatorsLanguage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"mode": "iot", "concurrency": -1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSettings(path)
	var se *SettingsError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a *SettingsError", err)
	}
	if zh := se.In("zh"); !strings.Contains(zh, `字段 "concurrency" -1:请填 1 或更大`) || strings.Contains(zh, "give") {
		t.Errorf("in Chinese: %q", zh)
	}
	if en := se.In("en"); en != err.Error() || !strings.Contains(en, `(field "concurrency" -1: give 1 or more (0 = all at once))`) {
		t.Errorf("in English: %q (Error: %q)", en, err.Error())
	}
	// The console's status line says it too, and follows a language switch.
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "zh", 200, 30)
	m.Update(settingsFileMsg{Path: path, Err: err})
	if s := m.statusText(); !strings.Contains(s, "请填 1 或更大") || strings.Contains(s, "give") {
		t.Errorf("status in Chinese: %q", s)
	}
}

// The form's key and URL checks follow device.ValidateKey and
// device.ValidateURL (the rules the AT line needs), counting characters
// where the validators count bytes: a Chinese character is one
// character, named whole and percent-encoded as UTF-8.
func TestSettingsChecksFollowTheValidators(t *testing.T) {
	long := strings.Repeat("k", 65)
	for _, c := range []struct {
		key, url string
		want     *upgrade.Message
		args     []any
	}{
		{key: "", want: msgSetErrKeyempty},
		{key: long, want: msgSetErrKeylong, args: []any{65}},
		{key: "abc中d", want: msgSetErrKeychar, args: []any{4, charName('中')}},
		{key: "ab\"c", want: msgSetErrKeychar, args: []any{3, charName('"')}},
		{key: "0123456789abcdef0123456789abcdef"},
		{url: "", want: msgSetErrUrlempty},
		{url: "http://h/" + strings.Repeat("a", 250), want: msgSetErrUrllong, args: []any{259}},
		{url: "http://h/升级.bin", want: msgSetErrUrlchar, args: []any{10, charName('升'), "%E5%8D%87"}},
		{url: "http://h/a b.bin", want: msgSetErrUrlchar, args: []any{11, charName(' '), "%20"}},
		{url: "ftp://h/x.bin", want: msgSetErrUrlscheme},
		{url: "http:///x.bin", want: msgSetErrUrlhost},
		{url: "https://fota.example.com/780ep_1006_1007.bin"},
	} {
		var got *upgrade.Message
		var args []any
		if c.url != "" || c.key == "" && c.want != msgSetErrKeyempty {
			got, args = checkURL(c.url)
		} else {
			got, args = checkKey(c.key)
		}
		if got != c.want || fmt.Sprint(args) != fmt.Sprint(c.args) {
			t.Errorf("key %q url %q: %v %v, want %v %v", c.key, c.url, got, args, c.want, c.args)
		}
	}
}
