package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/store/central"
	"airfleet/upgrade"
)

// cmdUpgrade upgrades every module found (or the listed IMEIs) without the
// console, printing a line per module and a summary; ok is false when a
// module did not pass.
func cmdUpgrade(ctx context.Context, args []string, stdout, stderr io.Writer) (ok bool, err error) {
	fs := newFlags("upgrade", stderr)
	var cfg upgrade.Config
	mode := fs.String("mode", "", "`iot` (the IoT platform's default project), key (your project key), url (your own server) or local (the delta written through the AT port: no SIM, no network; needs --deltas)")
	key := fs.String("key", "", "project `KEY` for --mode key (only its last four characters are logged); other users of this machine can read it in ps: prefer --key-file or "+keyEnv)
	keyFile := fs.String("key-file", "", "read the project key for --mode key from `FILE` (mode 0600; refused if other users may read it)")
	fs.StringVar(&cfg.URL, "url", "", "delta `URL` on your server for --mode url, one file for every module (a delta fits one base version: see --deltas)")
	deltas := fs.String("deltas", "", "for --mode url or local: a delta map, JSON `FILE` listing each delta's firmware, from, to and url (url mode) or file (local mode, relative to the map); each module gets the delta for its own base version")
	urlTemplate := fs.String("url-template", "", "for --mode url with --target: each module's delta URL, `T` with {firmware}, {from} and {to}, e.g. 'http://h/{firmware}_{from}_{to}.bin'")
	fs.IntVar(&cfg.Target, "target", 0, "core `VERSION` wanted, e.g. 1007 (default: whatever the platform offers)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "modules upgrading at once (`N`; default: all)")
	fs.IntVar(&cfg.Canary, "canary", 0, "the first `K` modules must pass before the rest start")
	fs.DurationVar(&cfg.RetryAfter, "retry-after", 90*time.Second, "first wait after platform code 43 (`D`, growing 1.5x per wait)")
	fs.DurationVar(&cfg.RebootTimeout, "reboot-timeout", 180*time.Second, "how long a module may take to come back after the download (`D`)")
	fs.DurationVar(&cfg.ApplyTimeout, "apply-timeout", 300*time.Second, "--mode local: how long a module may take to apply its delta and come back (`D`; about two minutes)")
	fs.IntVar(&cfg.Budget, "budget", 4, fmt.Sprintf("upgrade requests allowed per IMEI per 24 h (the platform bans at about six; above %d needs --force)", upgrade.MaxBudget))
	fs.BoolVar(&cfg.Force, "force", false, "ignore the request budget for this run")
	fs.StringVar(&cfg.Station, "station", "", "station name in the log (default: the station file's, else the host name)")
	fs.StringVar(&cfg.Operator, "operator", os.Getenv("USER"), "operator name in the log")
	handoffKey := fs.String("handoff-key", "", "what the modules keep of a project key when they leave: `keep` (key mode: its key, the default there) or clear (any stored key)")
	handoffURL := fs.String("handoff-url", "", "what the modules keep of a URL when they leave: `keep` (URL mode: its URL) or clear (any stored URL); default: nothing left behind")
	fs.StringVar(&cfg.Handoff.Auto, "handoff-auto", "", "the modules' own periodic check when they leave: `on` or off (default: as they came)")
	fs.Int64Var(&cfg.Handoff.Period, "handoff-period", 0, "the modules' check period in `SECONDS` when they leave (60 … 2^32; default: as they came)")
	source := sourceFlags(fs)
	imeis := fs.String("imei", "", "upgrade only these IMEIs (`LIST`, comma-separated)")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	asJSON := fs.Bool("json", false, "print one JSON object per module, then a summary object")
	centralURL := centralFlags(fs, "central")
	retry := fs.Bool("retry-failed", false, "upgrade only the modules that did not pass in the log's last batch at this station")
	language := langFlag(fs, "language of the result lines, the live line and the summary, `zh` or en (default: from LANG; --json stays English)")
	if err := parse(fs, args); err != nil {
		return false, err
	}
	lang, err := language()
	if err != nil {
		return false, err
	}
	if *retry && *imeis != "" {
		return false, usageErr("give --imei or --retry-failed, not both")
	}
	cfg.Mode = upgrade.Mode(*mode)
	cfg.Handoff.Key, cfg.Handoff.URL = upgrade.Keep(*handoffKey), upgrade.Keep(*handoffURL)
	if flag, why := cfg.Handoff.Misplaced(cfg.Mode); flag != "" {
		return false, usageErr("--%s %s", flag, why)
	}
	var keySource string
	if cfg.Key, keySource, err = projectKey(*key, *keyFile, cfg.Mode, stderr); err != nil {
		return false, err
	}
	// Zero means "the default" inside Config; given on the command line,
	// it is a mistake.
	for _, f := range []struct {
		name string
		bad  bool
		fix  upgrade.Sentence
	}{
		{"concurrency", cfg.Concurrency < 1, upgrade.MsgFixConcurrency.With()},
		{"budget", cfg.Budget < 1, upgrade.MsgFixBudget.With()},
		{"retry-after", cfg.RetryAfter <= 0, upgrade.MsgFixDuration.With("90s")},
		{"reboot-timeout", cfg.RebootTimeout <= 0, upgrade.MsgFixDuration.With("180s")},
		{"apply-timeout", cfg.ApplyTimeout <= 0, upgrade.MsgFixDuration.With("300s")},
	} {
		if set(fs, f.name) && f.bad {
			return false, usageErr("--%s %s: %s", f.name, fs.Lookup(f.name).Value, f.fix.In(lang))
		}
	}
	if cfg.Deltas, err = deltaMap(*deltas, *urlTemplate, cfg.Target, lang); err != nil {
		return false, err
	}
	if cfg.Deltas != nil && cfg.Mode != upgrade.ModeURL && cfg.Mode != upgrade.ModeLocal {
		name := "deltas"
		if *urlTemplate != "" {
			name = "url-template"
		}
		return false, usageErr("--%s: a delta map is for --mode url (your own server) or --mode local (through the AT port); give one of them, or leave it out", name)
	}
	if err := cfg.Validate(); err != nil {
		return false, usageErr("%v", sayConfigErrors(err, keySource, lang))
	}
	list, err := parseIMEIs(*imeis)
	if err != nil {
		return false, err
	}
	src, station, err := source()
	if err != nil {
		return false, err
	}
	if cfg.Station == "" {
		cfg.Station = station.Station // the station file names this bench
	}
	cfg.Handoff = stationHandoff(cfg.Handoff, station.Handoff)
	if err := checkSetup(src); err != nil {
		return false, err
	}
	curl, err := centralURL(lang)
	if err != nil {
		return false, err
	}
	if curl != "" {
		if err := central.Validate(curl); err != nil {
			return false, usageErr("%s", centralMessage(err, lang))
		}
	}
	log, err := openLog(*dbPath)
	if err != nil {
		return false, usageErr("--db: %v", err)
	}
	defer closeLog(log, &err)
	pusher, err := startCentral(curl, log.Store(), cfg.Station, lang)
	if err != nil {
		return false, err
	}
	defer finishCentral(ctx, pusher, curl, log.Store(), stderr, lang)
	if n := log.Recovered(); n > 0 {
		fmt.Fprintln(stderr, "airfleet:", upgrade.MsgCLIRecovered.With(n).In(lang))
	}
	if *retry {
		var skipped []upgrade.Result
		if list, skipped, err = log.RetryList(cfg.StationName(), cfg); err != nil {
			return false, usageErr("--retry-failed: %v", err)
		}
		for _, r := range skipped {
			fmt.Fprintf(stderr, "airfleet: %s %s: %s\n", r.Slot, r.IMEI, r.Sentence.In(lang))
		}
		if len(list) == 0 {
			return false, fmt.Errorf("--retry-failed: none of the %d modules that did not pass may be retried as they are (see above)", len(skipped))
		}
	}

	progress := upgrade.NewProgress(time.Now())
	progress.Lang = lang
	eng := upgrade.NewEngine(src, log, upgrade.EngineOptions{Emit: progress.Observe})
	ectx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	engineDone := make(chan struct{})
	go func() { eng.Run(ectx); close(engineDone) }()
	defer func() { stopEngine(); <-engineDone }()

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	err = eng.Sessions().WaitReady(wctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("the modules were not identified within 60 s: %w", err)
	}
	if len(eng.Sessions().Modules()) == 0 && len(list) == 0 && !awaitsUnfinished(log, cfg) {
		return false, usageErr("%s", noModules(src, lang))
	}
	warnOtherLogs(stderr, log, eng, list, lang)
	if p := cfg.DeltaPlan(eng.Sessions().Modules(), list); !p.IsZero() {
		fmt.Fprintln(stderr, "airfleet:", upgrade.MsgPlan.With(p).In(lang))
	}

	var statusLine io.Writer // the live line, only on a terminal
	if isTerminal(stdout) && isTerminal(stderr) && !*asJSON {
		statusLine = stderr
	}
	out := progress.Live(stdout, statusLine, 500*time.Millisecond)
	stopWarnings := warnLog(log, lang, func(msg string) { out.PrintTo(stderr, []byte(msg)) })
	defer stopWarnings()
	start := time.Now()
	batch := eng.NewBatch(cfg)
	results := batch.Run(ctx, list, func(r upgrade.Result) {
		if *asJSON {
			out.Print(upgrade.MarshalLine(r.JSON()))
		} else {
			out.Print([]byte(r.LineIn(lang) + "\n"))
		}
	})
	out.Stop()
	sum := upgrade.Summarize(results, time.Since(start))
	sum.Batch = batch.ID()
	if at, ok := batch.Cancelled(); ok {
		sum.MarkCancelled(results, at)
	}
	if *asJSON {
		stdout.Write(upgrade.MarshalLine(sum))
	} else {
		fmt.Fprintln(stdout, sum.In(lang))
	}
	if n := sum.CancelSentence(); !n.IsZero() {
		fmt.Fprintln(stderr, "airfleet:", n.In(lang))
	}
	return sum.OK(), nil
}

// deltaMap reads --deltas or builds the map of --url-template; nil when
// neither is given.
func deltaMap(path, template string, target int, lang string) (*upgrade.DeltaMap, error) {
	switch {
	case path != "" && template != "":
		return nil, usageErr("--deltas and --url-template: give one (a map file, or a template), not both")
	case path != "":
		m, err := upgrade.ReadDeltaMap(path)
		if err != nil {
			return nil, usageErr("--deltas %s", sayMapError(err, lang))
		}
		return m, nil
	case template != "":
		m, err := upgrade.DeltaTemplate(template, target)
		if err != nil {
			return nil, usageErr("--url-template %s", sayMapError(err, lang))
		}
		return m, nil
	}
	return nil, nil
}

// sayMapError says a delta map's error in lang.
func sayMapError(err error, lang string) string {
	if me, ok := errors.AsType[*upgrade.DeltaMapError](err); ok {
		return me.In(lang)
	}
	return err.Error()
}

// awaitsUnfinished reports whether the log holds modules an earlier run
// left mid-upgrade recently enough that they may be rebooting now: a
// batch with no module attached still has them to wait for.
func awaitsUnfinished(log *upgrade.StoreLog, cfg upgrade.Config) bool {
	d := cfg.Defaults()
	us, err := log.Unfinished(time.Now().Add(-d.RebootTimeout - d.ProgressTimeout))
	return err == nil && len(us) > 0
}

// closeLog closes the log; writes it could not save make the command
// fail, saying so: the log is the product's memory, and its loss is never
// silent.
func closeLog(log *upgrade.StoreLog, err *error) {
	if cerr := log.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("the log: %w", cerr)
	}
}

// warnLog prints each new trouble of the log's writer (disk full, file
// locked) while a batch runs: the upgrades go on, the rows wait in memory,
// and the person at the terminal learns why. A request waits for its
// record to be saved, and is not sent (the module held) when it cannot be.
func warnLog(log *upgrade.StoreLog, lang string, print func(string)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case err := <-log.Store().Errors():
				print("airfleet: " + upgrade.MsgCLILogWarn.In(lang, err) + "\n")
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// checkSetup refuses a fleet directory holding module folders that cannot
// be used as they are (a "port" that is a regular file, a folder without
// an AT port), before the log is opened or anything is sent: the person
// who made the directory has to fix it.
func checkSetup(src device.Source) error {
	ds, ok := src.(*device.DirSource)
	if !ok {
		return nil
	}
	cands, err := ds.List()
	if err != nil {
		return usageErr("--ports: %v", err)
	}
	var bad []string
	for _, c := range cands {
		if errors.Is(c.Problem, device.ErrNotSerial) || errors.Is(c.Problem, device.ErrNoATPort) {
			bad = append(bad, c.Problem.Error())
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return usageErr("--ports %s: %d module folder(s) cannot be used, so nothing was sent to any module:\n  %s\nfix them, or move them out of %s, and run again",
		ds.Dir, len(bad), strings.Join(bad, "\n  "), ds.Dir)
}

func parseIMEIs(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !device.IsIMEI(f) {
			return nil, usageErr("--imei: %q is not a 15-digit IMEI", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// stationHandoff is the hand-off of a run: each value the flags give, else
// the station file's.
func stationHandoff(flags, station upgrade.Handoff) upgrade.Handoff {
	if flags.Key == "" {
		flags.Key = station.Key
	}
	if flags.URL == "" {
		flags.URL = station.URL
	}
	if flags.Auto == "" {
		flags.Auto = station.Auto
	}
	if flags.Period == 0 {
		flags.Period = station.Period
	}
	return flags
}
