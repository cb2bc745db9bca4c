package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// CentralStatus says, in lang ("zh" or "en"), where the background sync
// to the factory's central log stands ("central: all sent", "central
// unreachable: 312 rows waiting, retrying"), and whether it is failing.
// It must not wait on the network.
type CentralStatus func(lang string) (text string, failing bool)

// centralMsg is one reading of the central sync's status.
type centralMsg struct {
	text    string
	failing bool
}

// checkCentral reads the central sync's status after d, off the Update
// goroutine.
func checkCentral(c CentralStatus, lang string, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg {
		text, failing := c(lang)
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
