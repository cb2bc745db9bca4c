package main

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"

	"airfleet/device/sim"
)

// cmdSim runs a simulated fleet until ctx ends: modules on ptys (or on TCP
// ports of 127.0.0.1, --transport tcp) under --dir and a fake IoT platform
// on 127.0.0.1.
func cmdSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sim", stderr)
	dir := fs.String("dir", "", "fleet `DIR` to create: DIR/<slot>/if02,if04,if06 links (if00,if02 for two-port builds), platform.json, fleet.json (required)")
	n := fs.Int("modules", 8, "number of simulated modules")
	scenario := fs.String("scenario", "happy", "scenario `NAME` (see the README's list)")
	speed := fs.Float64("speed", 1, "divide every delay by `X` (1 = real timings)")
	seed := fs.Uint64("seed", 1, "seed for IMEIs, quirks and faults")
	transport := fs.String("transport", sim.Transports()[0], "how the console reaches the ports: `KIND` "+strings.Join(sim.Transports(), " or ")+
		" (pty: links to ptys; tcp: files holding socket://127.0.0.1:PORT)")
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
	if !slices.Contains(sim.Transports(), *transport) {
		return usageErr("--transport %q: give %s", *transport, strings.Join(sim.Transports(), " or "))
	}
	if !validScenario(*scenario) {
		return usageErr("--scenario %q: unknown; one of %s", *scenario, strings.Join(sim.Scenarios(), ", "))
	}
	if fi, err := os.Stat(*dir); err == nil && !fi.IsDir() {
		return usageErr("--dir %s is a file: give a directory for the simulated fleet (it is created if missing)", *dir)
	}
	return sim.Run(ctx, sim.Config{Dir: *dir, Modules: *n, Scenario: *scenario, Speed: *speed, Seed: *seed, Transport: *transport}, stdout)
}

func validScenario(name string) bool {
	for _, s := range sim.Scenarios() {
		if s == name {
			return true
		}
	}
	return false
}
