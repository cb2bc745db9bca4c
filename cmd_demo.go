package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
	"airfleet/tui"
	"airfleet/upgrade"
)

// cmdDemo runs the console on a simulated fleet (a temporary log unless
// --db is given).
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
	if err := upgrade.CheckLang(*lang); err != nil {
		return usageErr("--lang %v", err)
	}
	if sim.ScenarioMode(*scenario) == sim.ModeURL {
		return usageErr("--scenario %s: the demo runs the platform and local scenarios; for %q use airfleet sim and airfleet upgrade --mode url", *scenario, *scenario)
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
	cfg.ApplyTimeout = scale(300 * time.Second)
	cfg.Station = "demo"
	if fleet.DeltaMap() != "" {
		// A local scenario: its modules have no SIM; the console writes
		// each its delta from the map the simulator wrote, up to the
		// scenario's target.
		if cfg.Deltas, err = upgrade.ReadDeltaMap(fleet.DeltaMap()); err != nil {
			return fmt.Errorf("the simulated fleet's delta map: %w", err)
		}
		ff, err := sim.ReadFleetFile(filepath.Join(fleet.Dir(), "fleet.json"))
		if err != nil || len(ff.Modules) == 0 {
			return fmt.Errorf("the simulated fleet's fleet.json: %v", err)
		}
		cfg.Mode, cfg.Target = upgrade.ModeLocal, ff.Modules[0].Target
	}
	// A central log can be tried from the settings screen, for this run.
	link, err := newCentralLink(log.Store(), cfg.Station, "", upgrade.Language(*lang, os.Getenv))
	if err != nil {
		return err
	}
	defer link.finish(ctx, stderr, upgrade.Language(*lang, os.Getenv))
	ctl := upgrade.NewController(&device.DirSource{Dir: fleet.Dir()}, log, cfg, upgrade.EngineOptions{Interval: 100 * time.Millisecond})
	cctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { ctl.Run(cctx); close(done) }()
	// No settings file: a key saved for the real line must not reach the
	// simulator, and the demo's choices must not change the real line's.
	err = tui.Run(ctx, ctl, tui.Options{Lang: *lang, Bell: true, Explain: explain, History: link.history(), LogHealth: log.Health, Central: link})
	stop()
	drain(ctl, stderr, upgrade.Language(*lang, os.Getenv))
	<-done
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
