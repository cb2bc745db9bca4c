package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"airfleet/device"
	"airfleet/upgrade"
)

// cmdSlots lists the station's slot labels, or (slots learn) labels the
// fixture: the operator plugs modules in one at a time, and each new slot
// gets the next label.
func cmdSlots(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "learn" {
		return cmdSlotsLearn(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("slots", stderr)
	station := stationFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per label: label, slot")
	language := langFlag(fs, "language of the table, `zh` or en (default: from LANG)")
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := language()
	if err != nil {
		return err
	}
	st, err := station()
	if err != nil {
		return err
	}
	bySlot := map[string]string{}
	for slot, lab := range st.Labels {
		bySlot[lab] = slot
	}
	if len(st.Labels) == 0 {
		fmt.Fprintln(stderr, upgrade.MsgSlotsNone.With().In(lang))
		return nil
	}
	for _, lab := range st.byLabel() {
		if *asJSON {
			b, _ := json.Marshal(struct {
				Label string `json:"label"`
				Slot  string `json:"slot"`
			}{lab, bySlot[lab]})
			fmt.Fprintf(stdout, "%s\n", b)
			continue
		}
		fmt.Fprintf(stdout, "%-6s %s\n", lab, bySlot[lab])
	}
	return nil
}

// labelSequence is the labels from first to last in fixture order: rows by
// letter, columns by number ("A1" to "H8": A1 … A8, B1 … H8).
func labelSequence(first, last string) ([]string, error) {
	split := func(name, s string) (byte, int, error) {
		s = strings.ToUpper(strings.TrimSpace(s))
		if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
			return 0, 0, usageErr("--%s %q: give a row letter and a column number, such as A1", name, s)
		}
		n, err := strconv.Atoi(s[1:])
		if err != nil || n < 1 || n > 99 {
			return 0, 0, usageErr("--%s %q: give a row letter and a column number 1 … 99, such as A1", name, s)
		}
		return s[0], n, nil
	}
	r0, c0, err := split("first", first)
	if err != nil {
		return nil, err
	}
	r1, c1, err := split("last", last)
	if err != nil {
		return nil, err
	}
	if r1 < r0 || c1 < c0 {
		return nil, usageErr("--last %s comes before --first %s: give the fixture's last slot", last, first)
	}
	var out []string
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			out = append(out, string(r)+strconv.Itoa(c))
		}
	}
	return out, nil
}

// cmdSlotsLearn watches the source and gives each slot that appears the
// next free label, saving the station file after each, until every label
// is used or ctx ends (Ctrl-C). Slots present at the start are left alone:
// the operator starts with an empty fixture.
func cmdSlotsLearn(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("slots learn", stderr)
	source := rawSourceFlags(fs)
	path := fs.String("station-file", defaultStationFile(), "the station `FILE` the labels are saved to")
	first := fs.String("first", "A1", "the fixture's first `LABEL` (a row letter and a column number)")
	last := fs.String("last", "H8", "the fixture's last `LABEL`: rows A… to its letter, columns 1… to its number")
	language := langFlag(fs, "language of what it says, `zh` or en (default: from LANG)")
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := language()
	if err != nil {
		return err
	}
	seq, err := labelSequence(*first, *last)
	if err != nil {
		return err
	}
	st, err := loadStationFile(*path)
	if err != nil {
		return usageErr("--station-file %v", err)
	}
	if st.Labels == nil {
		st.Labels = map[string]string{}
	}
	src, err := source()
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, lab := range st.Labels {
		used[lab] = true
	}
	next := func() string {
		for _, lab := range seq {
			if !used[lab] {
				return lab
			}
		}
		return ""
	}
	if next() == "" {
		return fmt.Errorf("%s", upgrade.MsgSlotsFull.With(*first, *last, *path).In(lang))
	}
	present := map[string]bool{}
	if cands, err := src.List(); err == nil {
		for _, c := range cands {
			present[c.Slot] = true
		}
	}
	fmt.Fprintln(stdout, upgrade.MsgSlotsPlug.With(next(), len(present)).In(lang))
	events := device.Watch(ctx, src, 0)
	for ev := range events {
		a, ok := ev.(device.Attached)
		if !ok {
			if d, gone := ev.(device.Detached); gone {
				delete(present, d.Slot)
			}
			continue
		}
		slot := a.Candidate.Slot
		if present[slot] {
			continue // there at the start, or seen already
		}
		present[slot] = true
		if lab, known := st.Labels[slot]; known {
			fmt.Fprintln(stdout, upgrade.MsgSlotsKnown.With(slot, lab).In(lang))
			continue
		}
		lab := next()
		st.Labels[slot] = lab
		used[lab] = true
		if err := st.save(*path); err != nil {
			return err
		}
		if n := next(); n != "" {
			fmt.Fprintln(stdout, upgrade.MsgSlotsLearnt.With(lab, slot, n).In(lang))
			continue
		}
		fmt.Fprintln(stdout, upgrade.MsgSlotsDone.With(lab, slot, len(st.Labels), *path).In(lang))
		return nil
	}
	fmt.Fprintln(stdout, upgrade.MsgSlotsSaved.With(len(st.Labels), *path).In(lang))
	return nil
}
