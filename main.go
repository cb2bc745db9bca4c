// Command airfleet upgrades whole batches of 合宙 (Luat) Air780-family 4G
// modules over the air through their AT ports while they sit on USB hubs.
//
// Subcommands ("airfleet -h" lists each with all its flags):
//
//	airfleet                      the console on the modules of this station
//	airfleet demo                 the console on a simulated fleet
//	airfleet scan [--ports DIR]   list the modules found, with identity and network
//	airfleet upgrade --mode M     upgrade every module found, without the console
//	airfleet codes [CODE …]       the response-code catalogue
//	airfleet sim --dir DIR        run a simulated fleet (modules on ptys, fake IoT platform)
//	airfleet version              print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/store"
	"airfleet/tui"
	"airfleet/upgrade"

	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// errUsage marks a usage error: exit status 2.
var errUsage = errors.New("usage")

// exitCancelled is the exit status of a batch stopped by Ctrl-C, SIGTERM or
// SIGHUP before it finished: it ended cleanly (every module in a safe
// state, the log written) but did not do all its work.
const exitCancelled = 1

func main() {
	// SIGHUP (the terminal closed, the SSH session dropped) stops the run
	// like Ctrl-C: left to its default it would kill the process with
	// attempts and the batch still running in the log, AUTO not restored
	// and queued log writes lost.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	stopProfile := startProfile(os.Getenv("AIRFLEET_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole run to path, if set: the
// way to profile the console as a process of its own (BENCHMARKS.md).
func startProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "airfleet: AIRFLEET_CPUPROFILE=%s: %v\n", path, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// run dispatches a subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "--version" {
		args = append([]string{"console"}, args...)
	}
	var err error
	switch args[0] {
	case "console":
		err = cmdConsole(ctx, args[1:], stdout, stderr)
	case "scan":
		err = cmdScan(ctx, args[1:], stdout, stderr)
	case "sim":
		err = cmdSim(ctx, args[1:], stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "upgrade":
		var ok bool
		ok, err = cmdUpgrade(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil && !ok && ctx.Err() != nil:
			return exitCancelled
		case err == nil && !ok:
			return 1
		}
	case "codes":
		err = cmdCodes(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "airfleet", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
	default:
		fmt.Fprintf(stderr, "airfleet: unknown command %q: give console, demo, scan, upgrade, sim, codes or version (\"airfleet help\" says what each does)\n", args[0])
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "airfleet:", strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	default:
		fmt.Fprintln(stderr, "airfleet:", err)
		return 1
	}
}

// commands are the subcommands as help describes them: the usage line of
// each, with every flag (continuation lines start with a space), and what
// it does. "airfleet -h" prints them all, "airfleet COMMAND -h" its own.
var commands = []struct{ name, synopsis, what string }{
	{"console", "airfleet [--ports DIR] [--usb-ids LIST] [--db PATH] [--lang zh|en] [--settings FILE]",
		"the console on the modules attached to this station"},
	{"demo", "airfleet demo [--modules N] [--scenario NAME] [--speed X] [--lang zh|en] [--db PATH]",
		"the console on a simulated fleet of 24 modules"},
	{"scan", "airfleet scan [--ports DIR] [--usb-ids LIST] [--json] [--timeout D] [--db PATH] [--lang zh|en]",
		"list the modules found: slot, port, IMEI, model, firmware, SIM, network; exit status 1 when\n" +
			"a module could not be identified (why, and the fix, are said below the table)"},
	{"sim", "airfleet sim --dir DIR [--modules N] [--scenario NAME] [--speed X] [--seed S]",
		"run a simulated fleet: modules on ptys in DIR, a fake IoT platform"},
	{"upgrade", "airfleet upgrade --mode iot|key|url [--key K | --key-file FILE] [--url U] [--target V]\n" +
		" [--ports DIR] [--usb-ids LIST] [--imei LIST | --retry-failed] [--concurrency N]\n" +
		" [--canary K] [--retry-after D] [--reboot-timeout D] [--budget N] [--force]\n" +
		" [--db PATH] [--station NAME] [--operator NAME] [--json] [--lang zh|en]",
		"upgrade every module found (or the listed IMEIs) without the console; the project key may also\n" +
			"come from AIRFLEET_KEY (a --key can be read by other users in ps). Exit status: 0 every module\n" +
			"upgraded or current; 1 a module failed or was held, or the batch was cancelled (Ctrl-C,\n" +
			"SIGTERM, SIGHUP); 2 a usage error"},
	{"codes", "airfleet codes [--json] [--lang zh|en] [CODE …]",
		"the response-code catalogue, or the codes given (-1003 or 1003), in Chinese and English"},
	{"version", "airfleet version", "print the version"},
}

// usage is the help of "airfleet -h".
func usage() string {
	var b strings.Builder
	b.WriteString("airfleet: upgrade batches of Air780-family modules over the air\n\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %s\n      %s\n", indentLines(c.synopsis, strings.Repeat(" ", len("  airfleet "+c.name+" "))),
			strings.ReplaceAll(c.what, "\n", "\n      "))
	}
	b.WriteString("\nRun \"airfleet COMMAND -h\" for the flags of one command.\n")
	return b.String()
}

// help is the head of "airfleet COMMAND -h" for the command whose flag
// set is named name ("airfleet scan"): its usage line and what it does.
func help(name string) string {
	for _, c := range commands {
		if name == "airfleet "+c.name {
			return fmt.Sprintf("usage: %s\n\n%s.\n", indentLines(c.synopsis, strings.Repeat(" ", len("usage: "+name+" "))), c.what)
		}
	}
	return "usage of " + name + ":\n"
}

// indentLines indents the continuation lines of s (they start with a
// space) by prefix.
func indentLines(s, prefix string) string {
	return strings.ReplaceAll(s, "\n ", "\n"+prefix)
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// newFlags returns a flag set whose errors come back as usage errors. The
// flag list is printed for -h only: a mistake gets one sentence.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("airfleet "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseFlags parses the flags of args; the arguments after them are left
// in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) error {
	// The flag package prints its error before returning it; run says
	// it once, with the hint.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(out, "%s\nflags:\n", help(fs.Name()))
			fs.PrintDefaults()
			return err
		}
		return usageErr("%v (\"%s -h\" lists the flags)", err, fs.Name())
	}
	return nil
}

// sourceFlags adds --ports and --usb-ids to fs; the function it returns
// builds, once fs is parsed, where modules are looked for: a fleet
// directory, or sysfs with an allow-list of USB IDs.
func sourceFlags(fs *flag.FlagSet) func() (device.Source, error) {
	ports := fs.String("ports", "", "fleet `DIR` holding DIR/<slot>/if02,if04,if06 (default: USB modules found through sysfs)")
	usbIDs := fs.String("usb-ids", "19d1:0001", "comma-separated `VID:PID` list of modules in normal mode")
	return func() (device.Source, error) {
		if *ports != "" {
			fi, err := os.Stat(*ports)
			if err != nil {
				return nil, usageErr("--ports %s: %v", *ports, err)
			}
			if !fi.IsDir() {
				return nil, usageErr("--ports %s is not a directory: give the fleet directory (DIR/<slot>/if06 …)", *ports)
			}
			return &device.DirSource{Dir: *ports}, nil
		}
		allow, err := device.ParseVIDPIDList(*usbIDs)
		if err != nil {
			return nil, usageErr("--usb-ids: %v", err)
		}
		return device.SysfsSource{Allow: allow}, nil
	}
}

func cmdSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sim", stderr)
	dir := fs.String("dir", "", "fleet `DIR` to create: DIR/<slot>/if02,if04,if06 links, platform.json, fleet.json (required)")
	n := fs.Int("modules", 8, "number of simulated modules")
	scenario := fs.String("scenario", "happy", "scenario `NAME` (see the README's list)")
	speed := fs.Float64("speed", 1, "divide every delay by `X` (1 = real timings)")
	seed := fs.Uint64("seed", 1, "seed for IMEIs, quirks and faults")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *dir == "":
		return usageErr("sim needs --dir DIR")
	case *n < 1 || *n > 1024:
		return usageErr("--modules %d: give 1 to 1024", *n)
	case !(*speed > 0) || *speed > 100000:
		return usageErr("--speed %v: give a number above 0 (1 = real timings)", *speed)
	}
	if !validScenario(*scenario) {
		return usageErr("--scenario %q: unknown; one of %s", *scenario, strings.Join(sim.Scenarios(), ", "))
	}
	if fi, err := os.Stat(*dir); err == nil && !fi.IsDir() {
		return usageErr("--dir %s is a file: give a directory for the simulated fleet (it is created if missing)", *dir)
	}
	return sim.Run(ctx, sim.Config{Dir: *dir, Modules: *n, Scenario: *scenario, Speed: *speed, Seed: *seed}, stdout)
}

func validScenario(name string) bool {
	for _, s := range sim.Scenarios() {
		if s == name {
			return true
		}
	}
	return false
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("demo", stderr)
	n := fs.Int("modules", 24, "number of simulated modules")
	scenario := fs.String("scenario", "mixed", "simulator scenario `NAME`")
	speed := fs.Float64("speed", 10, "divide every real delay by `X`")
	lang := fs.String("lang", "", "console language, zh or en (default: from LANG)")
	dbPath := fs.String("db", "", "the demo's log `PATH` (default: a new file in a temporary directory)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !validScenario(*scenario) {
		return usageErr("--scenario %q: unknown; one of %s", *scenario, strings.Join(sim.Scenarios(), ", "))
	}
	if *n < 1 || *n > 1024 {
		return usageErr("--modules %d: give 1 to 1024", *n)
	}
	if !(*speed >= 1) || *speed > 100000 {
		return usageErr("--speed %v: give 1 (real timings) or more", *speed)
	}
	if err := tui.CheckLang(*lang); err != nil {
		return usageErr("--lang %v", err)
	}
	if sim.ScenarioMode(*scenario) == sim.ModeURL {
		return usageErr("--scenario %s: the demo runs the platform scenarios; for %q use airfleet sim and airfleet upgrade --mode url", *scenario, *scenario)
	}
	dir, err := os.MkdirTemp("", "airfleet-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *dbPath == "" {
		*dbPath = filepath.Join(dir, "airfleet.db")
	}
	fleet, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: *n, Scenario: *scenario, Speed: *speed, Seed: uint64(time.Now().UnixNano())})
	if err != nil {
		return fmt.Errorf("start the simulated fleet: %w", err)
	}
	defer fleet.Close()
	log, err := upgrade.OpenStoreLog(*dbPath)
	if err != nil {
		return usageErr("--db: %v", err)
	}
	defer closeLog(log, &err)

	cfg := upgrade.Config{Mode: upgrade.ModeIoT}
	// The simulated fleet runs X times faster than a real one: so do the
	// console's waits.
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / *speed) }
	cfg.RetryAfter = scale(90 * time.Second)
	cfg.RebootTimeout = scale(180 * time.Second)
	cfg.ProgressTimeout = scale(60 * time.Second)
	cfg.NetworkTimeout = scale(60 * time.Second)
	cfg.Station = "demo"
	ctl := upgrade.NewController(&device.DirSource{Dir: fleet.Dir()}, log, cfg, upgrade.EngineOptions{Interval: 100 * time.Millisecond})
	cctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { ctl.Run(cctx); close(done) }()
	// No settings file: a key saved for the real line must not reach the
	// simulator, and the demo's choices must not change the real line's.
	err = tui.Run(ctx, ctl, tui.Options{Lang: *lang, Bell: true, Explain: explain, History: log.Store(), LogHealth: log.Health})
	stop()
	drain(ctl, stderr)
	<-done
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// cmdConsole is the console on the modules attached to this station (or in
// a fleet directory), with the operator's remembered settings.
func cmdConsole(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("console", stderr)
	source := sourceFlags(fs)
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	lang := fs.String("lang", "", "console language, zh or en (default: the settings, else LANG)")
	settings := fs.String("settings", tui.DefaultSettingsPath(), "the settings `FILE` (mode, key, target …), remembered between runs")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := tui.CheckLang(*lang); err != nil {
		return usageErr("--lang %v", err)
	}
	src, err := source()
	if err != nil {
		return err
	}
	// A settings file that does not parse or holds a wrong value stops
	// the console: starting on other settings than the operator saved
	// would upgrade a line with the wrong key or target.
	s, err := tui.LoadSettings(*settings)
	if err != nil {
		return usageErr("--settings: %v", err)
	}
	cfg := s.Config(upgrade.Config{})
	log, err := openLog(*dbPath)
	if err != nil {
		return usageErr("--db: %v", err)
	}
	defer closeLog(log, &err)
	ctl := upgrade.NewController(src, log, cfg, upgrade.EngineOptions{})
	ctl.SetAutoStart(s.AutoStart)
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { ctl.Run(cctx); close(done) }()
	err = tui.Run(ctx, ctl, tui.Options{Lang: *lang, Bell: s.Bell, Explain: explain, History: log.Store(), SettingsPath: *settings,
		LogHealth: log.Health})
	stop()
	drain(ctl, stderr)
	<-done
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// drain reads the controller's events once the console is gone, and says
// why the program has not ended yet while modules finish a download: they
// are left to reboot and are verified, never abandoned mid-flash.
func drain(ctl *upgrade.Controller, stderr io.Writer) {
	if n := ctl.Running(); n > 0 {
		fmt.Fprintf(stderr, "airfleet: waiting for %d modules to reach a safe state (a module that is downloading is followed through its reboot)…\n", n)
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

func cmdUpgrade(ctx context.Context, args []string, stdout, stderr io.Writer) (ok bool, err error) {
	fs := newFlags("upgrade", stderr)
	var cfg upgrade.Config
	mode := fs.String("mode", "", "`iot` (the IoT platform's default project), key (your project key) or url (your own server)")
	key := fs.String("key", "", "project `KEY` for --mode key (only its last four characters are logged); other users of this machine can read it in ps: prefer --key-file or "+keyEnv)
	keyFile := fs.String("key-file", "", "read the project key for --mode key from `FILE` (mode 0600; refused if other users may read it)")
	fs.StringVar(&cfg.URL, "url", "", "delta `URL` on your server for --mode url")
	fs.IntVar(&cfg.Target, "target", 0, "core `VERSION` wanted, e.g. 1007 (default: whatever the platform offers)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "modules upgrading at once (`N`; default: all)")
	fs.IntVar(&cfg.Canary, "canary", 0, "the first `K` modules must pass before the rest start")
	fs.DurationVar(&cfg.RetryAfter, "retry-after", 90*time.Second, "first wait after platform code 43 (`D`, growing 1.5x per wait)")
	fs.DurationVar(&cfg.RebootTimeout, "reboot-timeout", 180*time.Second, "how long a module may take to come back after the download (`D`)")
	fs.IntVar(&cfg.Budget, "budget", 4, fmt.Sprintf("upgrade requests allowed per IMEI per 24 h (the platform bans at about six; above %d needs --force)", upgrade.MaxBudget))
	fs.BoolVar(&cfg.Force, "force", false, "ignore the request budget for this run")
	fs.StringVar(&cfg.Station, "station", "", "station name in the log (default: the host name)")
	fs.StringVar(&cfg.Operator, "operator", os.Getenv("USER"), "operator name in the log")
	source := sourceFlags(fs)
	imeis := fs.String("imei", "", "upgrade only these IMEIs (`LIST`, comma-separated)")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	asJSON := fs.Bool("json", false, "print one JSON object per module, then a summary object")
	retry := fs.Bool("retry-failed", false, "upgrade only the modules that did not pass in the log's last batch at this station")
	langFlag := fs.String("lang", "", "language of the result lines, the live line and the summary, `zh` or en (default: from LANG; --json stays English)")
	if err := parse(fs, args); err != nil {
		return false, err
	}
	if err := tui.CheckLang(*langFlag); err != nil {
		return false, usageErr("--lang %v", err)
	}
	lang := tui.Language(*langFlag, os.Getenv)
	if *retry && *imeis != "" {
		return false, usageErr("give --imei or --retry-failed, not both")
	}
	cfg.Mode = upgrade.Mode(*mode)
	var keySource string
	if cfg.Key, keySource, err = projectKey(*key, *keyFile, cfg.Mode, stderr); err != nil {
		return false, err
	}
	// Zero means "the default" inside Config; given on the command line,
	// it is a mistake.
	for _, f := range []struct {
		name string
		bad  bool
		fix  string
	}{
		{"concurrency", cfg.Concurrency < 1, "give 1 or more, or leave it out to upgrade every module at once"},
		{"budget", cfg.Budget < 1, "give 1 or more requests per IMEI per 24 h (the platform bans at about six)"},
		{"retry-after", cfg.RetryAfter <= 0, "give a positive duration such as 90s"},
		{"reboot-timeout", cfg.RebootTimeout <= 0, "give a positive duration such as 180s"},
	} {
		if set(fs, f.name) && f.bad {
			return false, usageErr("--%s %s: %s", f.name, fs.Lookup(f.name).Value, f.fix)
		}
	}
	if err := cfg.Validate(); err != nil {
		return false, usageErr("%v", nameKeySource(err, keySource))
	}
	list, err := parseIMEIs(*imeis)
	if err != nil {
		return false, err
	}
	src, err := source()
	if err != nil {
		return false, err
	}
	if err := checkSetup(src); err != nil {
		return false, err
	}
	log, err := openLog(*dbPath)
	if err != nil {
		return false, usageErr("--db: %v", err)
	}
	defer closeLog(log, &err)
	if n := log.Recovered(); n > 0 {
		fmt.Fprintf(stderr, "airfleet: the log held %d attempts left open by an earlier crash; they are marked interrupted\n", n)
	}
	if *retry {
		var skipped []upgrade.Result
		if list, skipped, err = log.RetryList(cfg.StationName(), cfg); err != nil {
			return false, usageErr("--retry-failed: %v", err)
		}
		for _, r := range skipped {
			fmt.Fprintf(stderr, "airfleet: %s %s: %s\n", r.Slot, r.IMEI, r.Note.In(lang))
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
	err = eng.Station().WaitReady(wctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("the modules were not identified within 60 s: %w", err)
	}
	if len(eng.Station().Modules()) == 0 && len(list) == 0 {
		return false, errors.New("no modules found: check the hub's power and cables, or give --ports DIR")
	}
	warnOtherLogs(stderr, log, eng, list)

	var statusLine io.Writer // the live line, only on a terminal
	if isTerminal(stdout) && isTerminal(stderr) && !*asJSON {
		statusLine = stderr
	}
	out := progress.Live(stdout, statusLine, 500*time.Millisecond)
	stopWarnings := warnLog(log, func(msg string) { out.PrintTo(stderr, []byte(msg)) })
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
	if n := sum.CancelNote(); n.Key != "" {
		fmt.Fprintln(stderr, "airfleet:", n.In(lang))
	}
	return sum.OK(), nil
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
// and the person at the terminal learns why.
func warnLog(log *upgrade.StoreLog, print func(string)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case err := <-log.Store().Errors():
				print(fmt.Sprintf("airfleet: warning: %v (the upgrades go on)\n", err))
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
// if06 or if02), before the log is opened or anything is sent: the person
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

// set reports whether the flag was given on the command line.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func parseIMEIs(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if len(f) != 15 || strings.Trim(f, "0123456789") != "" {
			return nil, usageErr("--imei: %q is not a 15-digit IMEI", f)
		}
		out = append(out, f)
	}
	return out, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
