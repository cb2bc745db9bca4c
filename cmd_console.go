package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"airfleet/store"
	"airfleet/store/central"
	"airfleet/tui"
	"airfleet/upgrade"
)

// cmdConsole is the console on the modules attached to this station (or in
// a fleet directory), with the operator's remembered settings.
func cmdConsole(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("console", stderr)
	source := sourceFlags(fs)
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	lang := fs.String("lang", "", "console language, zh or en (default: the settings, else LANG)")
	settings := fs.String("settings", tui.DefaultSettingsPath(), "the settings `FILE` (mode, key, target …), remembered between runs")
	centralURL := centralFlags(fs, "central")
	deltas := fs.String("deltas", "", "for the own-server and local modes: a delta map, JSON `FILE` listing each delta's firmware, from, to and url or file (see upgrade --deltas); each module gets the delta for its own base")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := upgrade.CheckLang(*lang); err != nil {
		return usageErr("--lang %v", err)
	}
	src, station, err := source()
	if err != nil {
		return err
	}
	// A settings file that does not parse or holds a wrong value stops
	// the console: starting on other settings than the operator saved
	// would upgrade a line with the wrong key or target.
	s, err := tui.LoadSettings(*settings)
	if se, ok := errors.AsType[*tui.SettingsError](err); ok {
		return usageErr("--settings: %s", se.In(upgrade.Language(*lang, os.Getenv)))
	}
	if err != nil {
		return usageErr("--settings: %v", err)
	}
	base := upgrade.Config{Station: station.Station, Operator: os.Getenv("USER"), Handoff: station.Handoff}
	if base.Deltas, err = deltaMap(*deltas, "", 0, upgrade.Language(*lang, os.Getenv)); err != nil {
		return err
	}
	cfg := s.Config(base)
	language := upgrade.Language(*lang, os.Getenv)
	curl, err := centralURL(language)
	if err != nil {
		return err
	}
	if curl == "" { // --central, --central-file and AIRFLEET_CENTRAL come first
		curl = s.Central
	}
	if curl != "" {
		if err := central.Validate(curl); err != nil {
			return usageErr("%s", centralMessage(err, language))
		}
	}
	log, err := openLog(*dbPath)
	if err != nil {
		return usageErr("--db: %v", err)
	}
	defer closeLog(log, &err)
	link, err := newCentralLink(log.Store(), station.Station, curl, language)
	if err != nil {
		return err
	}
	defer link.finish(ctx, stderr, language)
	ctl := upgrade.NewController(src, log, cfg, upgrade.EngineOptions{})
	ctl.SetAutoStart(s.AutoStart)
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { ctl.Run(cctx); close(done) }()
	err = tui.Run(ctx, ctl, tui.Options{Lang: *lang, Bell: s.Bell, Explain: explain, History: link.history(), SettingsPath: *settings,
		LogHealth: log.Health, Recovered: log.Recovered(), Central: link})
	stop()
	drain(ctl, stderr, upgrade.Language(*lang, os.Getenv))
	<-done
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// drain reads the controller's events once the console is gone, and says
// why the program has not ended yet while modules finish a download: they
// are left to reboot and are verified, never abandoned mid-flash.
func drain(ctl *upgrade.Controller, stderr io.Writer, lang string) {
	if n := ctl.Running(); n > 0 {
		fmt.Fprintln(stderr, "airfleet:", upgrade.MsgCLIDraining.With(n).In(lang))
	}
	go func() {
		for range ctl.Events() {
		}
	}()
}

// explain gives the console the catalogue's words for a code.
func explain(code, moduleErr int, lang string) (title, explanation, remedy string) {
	title, explanation, remedy, _ = upgrade.Explain(code, moduleErr, lang)
	return
}
