package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"airfleet/device"
	"airfleet/upgrade"

	"golang.org/x/term"
)

// commands are the subcommands as help describes them: the usage line of
// each, with every flag (continuation lines start with a space), and what
// it does. "airfleet -h" prints them all, "airfleet COMMAND -h" its own.
var commands = []struct{ name, synopsis, what string }{
	{"console", "airfleet [--ports DIR] [--usb-ids LIST] [--db PATH] [--lang zh|en] [--settings FILE]\n" +
		" [--station-file FILE] [--deltas FILE] [--central URL | --central-file FILE]",
		"the console on the modules attached to this station; with a central URL (the flag, the file or\n" +
			"AIRFLEET_CENTRAL) it sends the log to the factory's central PostgreSQL in the background, the\n" +
			"status line saying how many rows wait"},
	{"demo", "airfleet demo [--modules N] [--scenario NAME] [--speed X] [--lang zh|en] [--db PATH]",
		"the console on a simulated fleet of 24 modules"},
	{"scan", "airfleet scan [--ports DIR] [--usb-ids LIST] [--station-file FILE] [--json] [--timeout D]\n" +
		" [--db PATH] [--lang zh|en]",
		"list the modules found: slot, port, IMEI, model, firmware, SIM, network; exit status 1 when\n" +
			"a module could not be identified (why, and the fix, are said below the table) or none was found"},
	{"sim", "airfleet sim --dir DIR [--modules N] [--scenario NAME] [--speed X] [--seed S] [--transport pty|tcp]",
		"run a simulated fleet: modules on ptys (or TCP ports) in DIR, a fake IoT platform"},
	{"upgrade", "airfleet upgrade --mode iot|key|url|local [--key K | --key-file FILE]\n" +
		" [--url U | --deltas FILE | --url-template T] [--target V]\n" +
		" [--ports DIR] [--usb-ids LIST] [--station-file FILE] [--imei LIST | --retry-failed]\n" +
		" [--concurrency N]" +
		" [--canary K] [--retry-after D] [--reboot-timeout D] [--apply-timeout D] [--budget N] [--force]\n" +
		" [--handoff-key keep|clear] [--handoff-url keep|clear] [--handoff-auto on|off]\n" +
		" [--handoff-period SECONDS] [--db PATH] [--station NAME] [--operator NAME] [--json]\n" +
		" [--central URL | --central-file FILE] [--lang zh|en]",
		"upgrade every module found (or the listed IMEIs) without the console; the project key may also\n" +
			"come from AIRFLEET_KEY (a --key can be read by other users in ps). Exit status: 0 every module\n" +
			"upgraded or current; 1 a module failed or was held, or the batch was cancelled (Ctrl-C,\n" +
			"SIGTERM, SIGHUP); 2 a usage error, or no module found"},
	{"doctor", "airfleet doctor [--ports DIR] [--usb-ids LIST] [--json] [--timeout D] [--lang zh|en]",
		"check this computer for what keeps modules from appearing or answering (the cdc_acm driver,\n" +
			"the udev rule, the dialout group and the ports' permissions, ModemManager, brltty, download\n" +
			"mode, ports open in other programs or held by another airfleet, modules silent to AT, IMEIs\n" +
			"repeated) and say the fix of each; exit status 1 when something is wrong"},
	{"history", "airfleet history [--imei X] [--since T] [--until T] [--code N] [--result R] [--station S]\n" +
		" [--limit N] [--json] [--lang zh|en] [--db PATH | --central URL | --central-file FILE]",
		"every attempt of the log that matches, newest first, each code explained; --imei takes the whole\n" +
			"IMEI or its first or last 4+ digits; T is 2026-11-29, \"2026-11-29 14:05\", today, yesterday, 24h\n" +
			"or 7d; with --central, every station's attempts from the factory's central log, each naming its\n" +
			"station. Exit status 1 when nothing matches"},
	{"report", "airfleet report --since T [--until T] | --batch ID [--format csv|jsonl] [--out FILE]\n" +
		" [--lang zh|en] [--db PATH | --central URL [--station S] | --central-file FILE [--station S]]",
		"one row per module per batch (batch, station, operator, IMEI, slot, model, firmware, from, to,\n" +
			"result, code, module error, start, seconds, message): CSV in UTF-8 with a BOM, which Excel on a\n" +
			"Chinese Windows PC opens as it is, or JSON lines; with --central, every station's batches"},
	{"stats", "airfleet stats [--central URL | --central-file FILE] [--since T] [--until T]\n" +
		" [--by station|model|code|day] [--station S] [--json] [--lang zh|en]",
		"the factory's attempts from the central log (URL from the flag, the file or AIRFLEET_CENTRAL):\n" +
			"counts, modules, passed, failed, yield (passed / (passed + failed)) and the median seconds of an\n" +
			"upgrade, per station, model, code or day; --since defaults to today"},
	{"sync", "airfleet sync [--to URL | --central-file FILE] [--no-transcripts] [--chunk N] [--verify]\n" +
		" [--json] [--lang zh|en] [--db PATH]",
		"send every row of the station's log that the factory's central PostgreSQL lacks (batches, attempts,\n" +
			"events, transcripts, modules) and exit; run again, it sends nothing. The URL may also come from\n" +
			"AIRFLEET_CENTRAL; its password is never printed. Exit status: 0 all sent; 1 the centre could not\n" +
			"be reached or failed midway (rerun: it resumes); 2 a usage error, a bad URL or login, or a\n" +
			"central schema newer than this airfleet (the log is left untouched)"},
	{"bundle", "airfleet bundle --imei X [--out FILE] [--lang zh|en] [--db PATH]",
		"one zip of everything the log knows of a module, for a support ticket: attempts, events, AT\n" +
			"transcripts, and what each code it met means (keys and URL passwords stay masked)"},
	{"slots", "airfleet slots [learn] [--ports DIR] [--usb-ids LIST] [--first A1] [--last H8]\n" +
		" [--station-file FILE] [--json] [--lang zh|en]",
		"the labels printed on the fixture (A1 … H8) by USB slot; learn: plug modules in one at a\n" +
			"time and each new slot gets the next label. Labels then stand for slots everywhere: the\n" +
			"console, the CLI, the log and reports"},
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
		if name == "airfleet "+c.name || strings.HasPrefix(name, "airfleet "+c.name+" ") { // "slots learn" is slots
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

// sourceFlags adds --ports, --usb-ids and --station-file to fs; the
// function it returns builds, once fs is parsed, where modules are looked
// for (a fleet directory, or sysfs with an allow-list of USB IDs), its
// slots shown by the station's labels, and returns the station file too.
func sourceFlags(fs *flag.FlagSet) func() (device.Source, stationFile, error) {
	raw := rawSourceFlags(fs)
	station := stationFlag(fs)
	return func() (device.Source, stationFile, error) {
		st, err := station()
		if err != nil {
			return nil, st, err
		}
		src, err := raw()
		if err != nil {
			return nil, st, err
		}
		return st.label(src), st, nil
	}
}

// rawSourceFlags adds --ports and --usb-ids to fs and returns the source
// they name, its slots as the source names them (no labels).
func rawSourceFlags(fs *flag.FlagSet) func() (device.Source, error) {
	ports := fs.String("ports", "", "fleet `DIR` holding DIR/<slot>/if02,if04,if06 (if00,if02 for a two-port build; if00-at names a port) (default: USB modules found through sysfs)")
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

// set reports whether the flag was given on the command line.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// langFlag adds --lang to fs with usage; the function it returns, once fs
// is parsed, checks the flag and gives the operator's language: the
// flag's, else the locale's (upgrade.Language).
func langFlag(fs *flag.FlagSet, usage string) func() (string, error) {
	v := fs.String("lang", "", usage)
	return func() (string, error) {
		if err := upgrade.CheckLang(*v); err != nil {
			return "", usageErr("--lang %v", err)
		}
		return upgrade.Language(*v, os.Getenv), nil
	}
}
