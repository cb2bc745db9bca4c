package tui

import (
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
)

// LogHealth reports the log's writer: how many records wait for the disk
// and, while it cannot write them, why (nil: healthy). It must not wait on
// the disk.
type LogHealth func() (pending int64, err error)

// logHealthMsg is one reading of the log's health.
type logHealthMsg struct {
	pending int64
	err     error
}

// logHealthEvery is how often the console looks at the log's health.
const logHealthEvery = 2 * time.Second

// checkLogHealth reads the log's health after d, off the Update goroutine.
func checkLogHealth(h LogHealth, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg {
		p, err := h()
		return logHealthMsg{pending: p, err: err}
	})
}

// rootCause is the innermost error of err's chain ("database or disk is
// full"): the status line is one line, and the wrappers' words (which
// file, that it retries) are said by the sentence around it.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// handleLogHealth keeps the latest reading: while the log cannot be
// written the status line says so (the upgrades go on, the records wait
// in memory), and says when it writes again.
func (m *Model) handleLogHealth(msg logHealthMsg) tea.Cmd {
	failing := m.logErr != nil
	m.logErr, m.logPending = msg.err, msg.pending
	if failing && msg.err == nil {
		m.setStatus(toneOK, msgStLogok)
	}
	return checkLogHealth(m.logHealth, logHealthEvery)
}
