package tui

import (
	"strings"
	"testing"
)

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
	m := newTestModel(t, NewFakeBackend(testPlan, 0), "en", 140, 24, func(o *Options) { o.Central = status })
	send(m, mixedEvents()...)
	_, next := m.Update(checkCentral(status, "en", 0)())
	if next == nil {
		t.Fatal("the console stopped looking at the central sync")
	}
	if s := screen(m); !strings.Contains(s, "central unreachable: 312 rows waiting, retrying") {
		t.Errorf("no central lag on the status line:\n%s", s)
	}
	text, failing = "central: all sent", false
	m.Update(checkCentral(status, "en", 0)())
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
