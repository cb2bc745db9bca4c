package main

import (
	"errors"

	"airfleet/store/central"
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
