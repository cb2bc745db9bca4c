// Command airfleet upgrades whole batches of 合宙 (Luat) Air780-family 4G
// modules over the air through their AT ports while they sit on USB hubs.
//
// Subcommands ("airfleet -h" lists each with all its flags):
//
//	airfleet                      the console on the modules of this station
//	airfleet demo                 the console on a simulated fleet
//	airfleet scan [--ports DIR]   list the modules found, with identity and network
//	airfleet upgrade --mode M     upgrade every module found, without the console
//	airfleet history [--imei X]   every attempt of a module or a period, explained
//	airfleet report --since T     one row per module per batch, CSV (for Excel) or JSON lines
//	airfleet sync --to URL        send the log's new rows to the factory's central PostgreSQL
//	airfleet stats --central URL  the factory's counts, yield and median time per station, model, code or day
//	airfleet bundle --imei X      one zip of a module's attempts, events and AT lines, for support
//	airfleet slots [learn]        the fixture's slot labels, or label them by plugging modules in
//	airfleet codes [CODE …]       the response-code catalogue
//	airfleet doctor               check this host for what keeps modules from appearing or answering
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
	"runtime/pprof"
	"strings"
	"syscall"
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
	case "history":
		var found bool
		found, err = cmdHistory(ctx, args[1:], stdout, stderr)
		if err == nil && !found {
			return 1
		}
	case "report":
		err = cmdReport(ctx, args[1:], stdout, stderr)
	case "stats":
		err = cmdStats(ctx, args[1:], stdout, stderr)
	case "sync":
		err = cmdSync(ctx, args[1:], stdout, stderr)
	case "bundle":
		err = cmdBundle(ctx, args[1:], stdout, stderr)
	case "slots":
		err = cmdSlots(ctx, args[1:], stdout, stderr)
	case "doctor":
		if err = cmdDoctor(ctx, args[1:], stdout, stderr); errors.Is(err, errDoctor) {
			return 1 // the findings said why
		}
	case "version", "--version":
		fmt.Fprintln(stdout, "airfleet", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
	default:
		fmt.Fprintf(stderr, "airfleet: unknown command %q: give console, demo, scan, upgrade, doctor, history, report, sync, stats, bundle, slots, sim, codes or version (\"airfleet help\" says what each does)\n", args[0])
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
