package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"airfleet/upgrade"
)

// fakeCentral is a central link that says what it is told to: its status
// follows status, and Set refuses the URLs in refuse.
type fakeCentral struct {
	mu     sync.Mutex
	url    string
	sets   []string
	refuse map[string]bool
	status func(lang string) (string, bool)
}

func (c *fakeCentral) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url
}

func (c *fakeCentral) Set(url string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets = append(c.sets, url)
	if c.refuse[url] {
		return &upgrade.FieldError{Field: "central", Reason: upgrade.MsgCentralSetting.With(upgrade.MsgCentralURL.With(url, upgrade.MsgCentralURLNotPostgres.With()))}
	}
	c.url = url
	return nil
}

func (c *fakeCentral) Status(lang string) (string, bool) {
	if c.status == nil {
		return "", false
	}
	return c.status(lang)
}

// The status line shows the central sync's lag, in the console's
// language, and keeps looking; without a centre it shows nothing of it.
func TestCentralStatusField(t *testing.T) {
	text, failing := "central unreachable: 312 rows waiting, retrying", true
	asked := ""
	status := func(lang string) (string, bool) {
		asked = lang
		if lang == "zh" {
			return "中央数据库无法连接：312 行待发送，正在重试", failing
		}
		return text, failing
	}
	link := &fakeCentral{url: "postgres://c", status: status}
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 140, 24, func(o *Options) { o.Central = link })
	send(m, mixedEvents()...)
	_, next := m.Update(checkCentral(link, "en", 0)())
	if next == nil {
		t.Fatal("the console stopped looking at the central sync")
	}
	if s := screen(m); !strings.Contains(s, "central unreachable: 312 rows waiting, retrying") {
		t.Errorf("no central lag on the status line:\n%s", s)
	}
	text, failing = "central: all sent", false
	m.Update(checkCentral(link, "en", 0)())
	if s := screen(m); !strings.Contains(s, "central: all sent") || strings.Contains(s, "312") {
		t.Errorf("the status line does not say all is sent:\n%s", s)
	}
	if asked != "en" {
		t.Errorf("the central status was asked in %q, want the console's en", asked)
	}

	plain := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 140, 24)
	if s := screen(plain); strings.Contains(s, "central") {
		t.Errorf("a console without a centre speaks of one:\n%s", s)
	}
}

// The settings form shows the central URL in use with its password
// masked, changes it through the link, and remembers it in the settings
// file; a URL the link refuses is said beside its row, in the console's
// language, and nothing is applied or saved.
func TestSettingsCentralRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	link := &fakeCentral{url: "postgres://airfleet:hunter22@db.factory:5432/airfleet", refuse: map[string]bool{"mysql://x": true}}
	b := NewFakeBackend(testPlan, 0)
	m := newTestModel(t, b, "zh", 160, 48, withSettings(path), func(o *Options) { o.Central = link })
	openSettingsForm(t, m)
	if s := screen(m); !strings.Contains(s, "中央日志") || !strings.Contains(s, "postgres://airfleet:***@db.factory") || strings.Contains(s, "hunter22") {
		t.Errorf("the central row does not show the URL in use, masked:\n%s", s)
	}
	toField(m, fieldCentral)
	press(m, "ctrl+u")
	typeText(m, "mysql://x")
	settleCmd(m, press(m, "enter"))
	if m.screen != screenSettings || m.settings.errs[fieldCentral] == nil {
		t.Fatalf("a refused URL did not stay on the form with its error:\n%s", screen(m))
	}
	if s := screen(m); !strings.Contains(s, "不是 PostgreSQL URL") || strings.Contains(s, "：：") {
		t.Errorf("the refusal is not said in Chinese beside the row:\n%s", s)
	}
	if slices.ContainsFunc(b.Calls(), func(c Call) bool { return c.Method == "SetConfig" }) {
		t.Error("settings were applied although the central URL was refused")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("settings were saved although the central URL was refused")
	}

	press(m, "ctrl+u")
	typeText(m, "postgres://u:newsecret@db2/air")
	settleCmd(m, press(m, "enter"))
	if m.screen != screenFleet || link.URL() != "postgres://u:newsecret@db2/air" {
		t.Fatalf("the new URL was not applied (link at %q):\n%s", link.URL(), screen(m))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var saved Settings
	if err := json.Unmarshal(data, &saved); err != nil || saved.Central != "postgres://u:newsecret@db2/air" {
		t.Errorf("the settings file holds %q (%v), want the new central URL", saved.Central, err)
	}

	// At the next start the file's URL is already in use (package main
	// put it there, unless a flag gave another): applying the file does
	// not set it again.
	link2 := &fakeCentral{url: "postgres://flag/given"}
	b2 := NewFakeBackend(testPlan, 0)
	m2 := newTestModel(t, b2, "en", 160, 48, withSettings(path), func(o *Options) { o.Central = link2 })
	_, cmd := m2.Update(loadSettingsFile(path)())
	settleCmd(m2, cmd)
	if !slices.ContainsFunc(b2.Calls(), func(c Call) bool { return c.Method == "SetConfig" }) {
		t.Fatal("the settings file was not applied")
	}
	if len(link2.sets) != 0 || link2.URL() != "postgres://flag/given" {
		t.Errorf("the settings file at start moved the link: sets %q", link2.sets)
	}
}
