package sim

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// ScenarioHelp returns the scenario table for a command's --help: one line
// per scenario, name and description.
func ScenarioHelp() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, s := range scenarios {
		fmt.Fprintf(tw, "  %s\t%s mode\t%s\n", s.name, s.mode, s.desc)
	}
	tw.Flush()
	return b.String()
}

// Run starts a fleet for the CLI (`airfleet sim`), prints its slots, IMEIs
// and roles and the platform's URL to out, waits for ctx, and closes it.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	f, err := Start(context.WithoutCancel(ctx), cfg)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(out, "scenario %s (%s mode): %d modules in %s (ports: %s), speed %g, seed %d\n",
		f.sc.name, f.sc.mode, len(f.modules), f.cfg.Dir, f.cfg.Transport, f.cfg.Speed, f.cfg.Seed)
	fmt.Fprintf(out, "platform %s   (details: %s/platform.json, modules: %s/fleet.json)\n\n",
		f.plat.BaseURL(), f.cfg.Dir, f.cfg.Dir)
	if dm := f.DeltaMap(); dm != "" {
		fmt.Fprintf(out, "local mode: airfleet upgrade --mode local --deltas %s\n\n", dm)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLOT\tIMEI\tFIRMWARE\tROLE\tEXPECTED")
	for _, m := range f.modules {
		i := m.Info()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.Slot, i.IMEI, i.Firmware, i.Role, i.Expect)
	}
	tw.Flush()
	<-ctx.Done()
	return f.Close()
}

// String renders an expectation for people: "upgraded to 1007",
// "failed 25", "current 1007".
func (e Expect) String() string {
	s := e.Result
	switch {
	case e.Result == ResultUpgraded:
		s += fmt.Sprintf(" to %d", e.To)
	case e.Result == ResultCurrent:
		s += fmt.Sprintf(" %d", e.To)
	case e.Code != 0:
		s += fmt.Sprintf(" %d", e.Code)
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}
