package main

import (
	"errors"

	"airfleet/store"
	"airfleet/store/central"
	"airfleet/tui"
	"airfleet/upgrade"
)

// centralSentence says what went wrong with the central log: an
// *central.Error's fault from the catalogue; any other error is its own
// text (a wrapped driver's error, a cancelled context).
func centralSentence(err error) upgrade.Sentence {
	var e *central.Error
	if !errors.As(err, &e) {
		return upgrade.Verbatim(err.Error())
	}
	switch e.Fault {
	case central.FaultFileMissing:
		return upgrade.MsgCentralFileMissing.With(e.Where, e.Detail)
	case central.FaultFileOpen:
		return upgrade.MsgCentralFileOpen.With(e.Where, e.Mode)
	case central.FaultFileRead:
		return upgrade.MsgCentralFileRead.With(e.Where, e.Detail)
	case central.FaultFileEmpty:
		return upgrade.MsgCentralFileEmpty.With(e.Where)
	case central.FaultURLEmpty:
		return upgrade.MsgCentralURL.With(e.Where, upgrade.MsgCentralURLEmpty.With())
	case central.FaultURLNotPostgres:
		return upgrade.MsgCentralURL.With(e.Where, upgrade.MsgCentralURLNotPostgres.With())
	case central.FaultURLUnreadable:
		return upgrade.MsgCentralURL.With(e.Where, upgrade.MsgCentralURLUnreadable.With(e.Detail))
	case central.FaultLogin:
		return upgrade.MsgCentralLogin.With(e.Where, e.Detail)
	case central.FaultNoDatabase:
		return upgrade.MsgCentralNoDatabase.With(e.Where, e.Detail)
	case central.FaultPermission:
		return upgrade.MsgCentralPermission.With(e.Where, e.Detail)
	case central.FaultTLS:
		return upgrade.MsgCentralTLS.With(e.Where, e.Detail)
	case central.FaultUnreachable:
		return upgrade.MsgCentralUnreachable.With(e.Where, e.Detail)
	case central.FaultNewerSchema:
		return upgrade.MsgCentralNewerSchema.With(e.Where, e.Schema, e.Known)
	case central.FaultNoSchema:
		return upgrade.MsgCentralNoSchema.With(e.Where, e.Schema, e.Known)
	}
	return upgrade.Verbatim(err.Error())
}

// centralMessage says err in lang ("zh" or "en").
func centralMessage(err error, lang string) string { return centralSentence(err).In(lang) }

// centralStatus says where the background push stands, in lang, for the
// console's status line (tui.CentralStatus): failing while the centre
// cannot be reached or refuses.
func centralStatus(s central.PushStatus, lang string) (text string, failing bool) {
	var say upgrade.Sentence
	switch {
	case !s.Tried:
		say = upgrade.MsgCentralConnecting.With()
	case s.Err == nil && s.Waiting == 0:
		say = upgrade.MsgCentralAllSent.With()
	case s.Err == nil:
		say = upgrade.MsgCentralPushing.With(s.Waiting)
	case errors.Is(s.Err, central.ErrUnreachable):
		say = upgrade.MsgCentralDown.With(s.Waiting)
	case errors.Is(s.Err, central.ErrAuth):
		say = upgrade.MsgCentralRefused.With(s.Waiting)
	case errors.Is(s.Err, central.ErrNewerSchema):
		say = upgrade.MsgCentralTooNew.With(s.Waiting)
	default:
		say = upgrade.MsgCentralPushFailed.With(s.Waiting, centralSentence(s.Err))
	}
	return say.In(lang), s.Failing()
}

// saidError is a central error whose text is its sentence in English, and
// which says itself in the operator's language (upgrade.ErrorIn): what
// reaches a screen or log that prints an error without knowing
// store/central (the console's history, a flag's check).
type saidError struct{ err error }

func (e saidError) Error() string         { return centralMessage(e.err, "en") }
func (e saidError) In(lang string) string { return centralMessage(e.err, lang) } // upgrade.ErrorIn
func (e saidError) Unwrap() error         { return e.err }

// said wraps a *central.Error so that its text is its sentence.
func said(err error) error {
	var e *central.Error
	if errors.As(err, &e) {
		return saidError{err}
	}
	return err
}

type historySource = tui.History

// centralHistory is the central log's history for the console: another
// station's events and transcript come from the centre, and the centre's
// errors reach the screen as sentences.
type centralHistory struct{ historySource }

func (h centralHistory) Events(attemptID int64) ([]store.Event, error) {
	ev, err := h.historySource.Events(attemptID)
	return ev, said(err)
}

func (h centralHistory) TranscriptOf(attemptID int64) ([]store.Line, error) {
	lines, err := h.historySource.TranscriptOf(attemptID)
	return lines, said(err)
}
