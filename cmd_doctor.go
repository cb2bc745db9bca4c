package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"airfleet/device"
	"airfleet/upgrade"
)

// errDoctor is doctor's "something is wrong": the findings said it, so run
// adds nothing but the exit status.
var errDoctor = errors.New("doctor found problems")

// cmdDoctor checks this host for everything that keeps modules from
// appearing or answering (device.Diagnose) and prints each finding with
// its fix; it fails when one is not well.
func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("doctor", stderr)
	source := rawSourceFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per finding (check, ok, detail, fix; in English)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up on a module that has not answered AT after `D`")
	language := langFlag(fs, "language of the findings, `zh` or en (default: from LANG; --json stays English)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageErr("--timeout %v: give a positive duration such as 20s", *timeout)
	}
	lang, err := language()
	if err != nil {
		return err
	}
	src, err := source()
	if err != nil {
		return err
	}
	var allow []device.VIDPID
	if s, isSysfs := src.(device.SysfsSource); isSysfs {
		allow = s.Allow
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	findings := device.Diagnose(ctx, device.CurrentHost(src, allow))
	if *asJSON {
		err = printFindingsJSON(stdout, findings)
	} else {
		printFindings(stdout, findings, lang)
	}
	if err != nil {
		return err
	}
	for _, f := range findings {
		if !f.OK {
			return errDoctor
		}
	}
	return nil
}

// finding is one finding as `airfleet doctor --json` prints it.
type finding struct {
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Slot   string `json:"slot,omitempty"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

func printFindingsJSON(w io.Writer, findings []device.Finding) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range findings {
		if err := enc.Encode(finding{f.Check, f.OK, f.Slot, upgrade.Say(f.Detail, "en"), upgrade.Say(f.Fix, "en")}); err != nil {
			return err
		}
	}
	return nil
}

// printFindings prints one line per finding, ✔ or ✘, and under each
// problem its fix; then a line that sums them up.
func printFindings(w io.Writer, findings []device.Finding, lang string) {
	problems := 0
	for _, f := range findings {
		mark := "✔"
		if !f.OK {
			mark = "✘"
			problems++
		}
		fmt.Fprintf(w, "%s %-16s %s\n", mark, f.Check, upgrade.Say(f.Detail, lang))
		if fix := upgrade.Say(f.Fix, lang); fix != "" {
			fmt.Fprintf(w, "  %-16s %s %s\n", "", upgrade.MsgDoctorFix.With().In(lang), fix)
		}
	}
	if problems == 0 {
		fmt.Fprintln(w, upgrade.MsgDoctorAllwell.With().In(lang))
	} else {
		fmt.Fprintln(w, upgrade.MsgDoctorProblems.With(problems).In(lang))
	}
}
