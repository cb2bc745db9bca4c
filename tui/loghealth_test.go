package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// While the log cannot be written the status line says so, above any
// other news, in the operator's language; it says when the log writes
// again; and the console keeps looking.
func TestLogHealthWarning(t *testing.T) {
	var pending int64
	var failure error
	health := func() (int64, error) { return pending, failure }
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 120, 24, func(o *Options) { o.LogHealth = health })
	send(m, mixedEvents()...)

	pending, failure = 12, fmt.Errorf("cannot save to the log at /var/lib/airfleet/airfleet.db (will keep retrying): %w", errors.New("database or disk is full"))
	msg := checkLogHealth(health, 0)()
	if got, ok := msg.(logHealthMsg); !ok || got.pending != 12 || !errors.Is(got.err, failure) {
		t.Fatalf("the health check read %#v", msg)
	}
	_, next := m.Update(msg)
	if next == nil {
		t.Fatal("the console stopped looking at the log")
	}
	s := screen(m)
	if !strings.Contains(s, "The log cannot be written (12 records wait in memory; upgrades go on, new requests wait): database or disk is full") {
		t.Errorf("no warning:\n%s", s)
	}
	m.c.setLang(chinese)
	if s := screen(m); !strings.Contains(s, "日志无法写入(12 条记录在内存中等待") {
		t.Errorf("no warning in Chinese:\n%s", s)
	}
	m.c.setLang(english)

	pending, failure = 0, nil
	m.Update(checkLogHealth(health, 0)())
	s = screen(m)
	if strings.Contains(s, "cannot be written") || !strings.Contains(s, "The log is written again") {
		t.Errorf("after recovery:\n%s", s)
	}
}

// After a crash the console says, as the CLI does, that earlier attempts
// were marked interrupted.
func TestConsoleSaysWhatACrashLeft(t *testing.T) {
	for lang, want := range map[string]string{"en": "3 attempts under way", "zh": "有 3 次升级未完成"} {
		m := newTestModel(t, NewFakeBackend(testPlan, 0), lang, 200, 24, func(o *Options) { o.Recovered = 3 })
		if got := ansi.Strip(m.View().Content); !strings.Contains(got, want) {
			t.Errorf("%s: the screen does not say %q:\n%s", lang, want, got)
		}
	}
}
