package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// Central is the console's link to the factory's central log; package
// main owns it (the push, the central history). None of its methods waits
// on the network.
type Central interface {
	// URL is the central URL in use, "" for none.
	URL() string
	// Set uses url from now on ("": this station's log only): the push
	// and the history lookups move to it. A URL that cannot be used is
	// refused with an *upgrade.FieldError of field "central", and the
	// link stays as it was.
	Set(url string) error
	// Status says, in lang ("zh" or "en"), where the background sync
	// stands ("central: all sent", "central unreachable: 312 rows
	// waiting, retrying"), and whether it is failing; "" without a
	// centre.
	Status(lang string) (text string, failing bool)
}

// centralMsg is one reading of the central sync's status.
type centralMsg struct {
	text    string
	failing bool
}

// checkCentral reads the central sync's status after d, off the Update
// goroutine.
func checkCentral(c Central, lang string, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg {
		text, failing := c.Status(lang)
		return centralMsg{text: text, failing: failing}
	})
}

// handleCentral keeps the latest reading for the status line.
func (m *Model) handleCentral(msg centralMsg) tea.Cmd {
	m.centralText, m.centralFailing = msg.text, msg.failing
	return checkCentral(m.central, string(m.c.lang), logHealthEvery)
}

// centralView is the status line's central field ("" without a centre).
func (m *Model) centralView() string {
	if m.centralText == "" {
		return ""
	}
	tone := toneOK
	if m.centralFailing {
		tone = toneWarn
	}
	return m.c.styles.Tone[tone].Render(m.centralText)
}
