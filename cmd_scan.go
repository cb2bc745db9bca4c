package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/upgrade"

	"github.com/charmbracelet/x/ansi"
)

func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("scan", stderr)
	source := sourceFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per module (in English)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up on a module that has not answered after `D`")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`: the modules found are recorded there (first and last seen, version); \"\" records nothing")
	language := langFlag(fs, "language of the table and the messages, `zh` or en (default: from LANG; --json stays English)")
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
	src, _, err := source()
	if err != nil {
		return err
	}
	if err := checkSetup(src); err != nil {
		return err
	}
	var log *upgrade.StoreLog
	if *dbPath != "" {
		if log, err = upgrade.OpenStoreLog(*dbPath); err != nil {
			return usageErr("--db: %v", err)
		}
		defer closeLog(log, &err)
	}
	cands, err := src.List()
	if err != nil {
		return err
	}
	if len(cands) == 0 {
		return errors.New(noModules(src, lang))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	found := device.Inspect(ctx, cands, 0)
	for _, f := range found {
		if log != nil && f.Err == nil {
			log.SeenModule(f.Slot, f.Info, time.Now())
		}
	}
	if *asJSON {
		if err := printScanJSON(stdout, found); err != nil {
			return err
		}
	} else {
		printScanTable(stdout, found, lang)
	}
	return scanProblems(found, lang)
}

// noModules says, in lang, that src holds no module, with the likely
// causes and `airfleet doctor`.
func noModules(src device.Source, lang string) string {
	if ds, ok := src.(*device.DirSource); ok {
		return upgrade.MsgScanNonedir.With(ds.Dir).In(lang)
	}
	return upgrade.MsgScanNone().With().In(lang)
}

// scanRow is one module as `airfleet scan --json` prints it.
type scanRow struct {
	Slot         string `json:"slot"`
	Port         string `json:"port"`
	Mode         string `json:"mode"`
	IMEI         string `json:"imei"`
	Model        string `json:"model"`
	Firmware     string `json:"firmware"`
	FirmwareName string `json:"firmware_name"`
	Version      int    `json:"version"`
	ICCID        string `json:"iccid,omitempty"`
	SIM          string `json:"sim"`
	Registration string `json:"registration"`
	SignalDBm    int    `json:"signal_dbm,omitempty"`
	Error        string `json:"error,omitempty"`
}

func toRow(f device.Found) scanRow {
	r := scanRow{Slot: f.Slot, Port: f.ATPort, Mode: f.Mode.String()}
	if f.Err != nil {
		r.Error = f.Err.Error()
		return r
	}
	i := f.Info
	r.IMEI, r.Model, r.Firmware, r.FirmwareName, r.Version = i.IMEI, i.Model, i.Firmware.Raw, i.Firmware.Name, i.Firmware.Core
	r.ICCID, r.SIM, r.Registration, r.SignalDBm = i.ICCID, i.SIM.State, i.Registration.String(), i.Signal.DBm()
	return r
}

func printScanJSON(w io.Writer, found []device.Found) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range found {
		if err := enc.Encode(toRow(f)); err != nil {
			return err
		}
	}
	return nil
}

// printScanTable prints one row per module in lang; a module that could
// not be identified has a short state where its IMEI would be, and
// scanProblems says why.
func printScanTable(w io.Writer, found []device.Found, lang string) {
	rows := [][]string{strings.Split(upgrade.MsgScanHeader.With().In(lang), "\t")}
	for _, f := range found {
		port := f.ATPort
		if port == "" {
			port = "-"
		}
		if f.Err != nil || f.Mode == device.ModeDownload {
			state, _ := upgrade.Problem(f, lang)
			rows = append(rows, []string{f.Slot, port, state, "-", "-", "-", "-", "-", "-"})
			continue
		}
		i := f.Info
		sig := upgrade.MsgSigUnknown.With().In(lang)
		if d := i.Signal.DBm(); d != 0 {
			sig = upgrade.MsgSigDbm.With(d).In(lang)
		}
		rows = append(rows, []string{f.Slot, port, i.IMEI, i.Model, i.Firmware.Raw, strconv.Itoa(i.Firmware.Core),
			upgrade.SIMState(i.SIM.State, lang), upgrade.RegistrationState(i.Registration, lang), sig})
	}
	printColumns(w, rows)
}

// printColumns prints rows as columns two spaces apart, measured in
// terminal cells (a Chinese character takes two; text/tabwriter counts
// runes).
func printColumns(w io.Writer, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], ansi.StringWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-ansi.StringWidth(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// scanProblems says, once per problem, why modules could not be
// identified and what fixes it, in lang; nil when every module was.
func scanProblems(found []device.Found, lang string) error {
	type problem struct {
		explanation string
		slots       []string
	}
	var problems []*problem
	failed := 0
	for _, f := range found {
		if f.Err == nil && f.Mode != device.ModeDownload {
			continue
		}
		failed++
		_, why := upgrade.Problem(f, lang)
		i := slices.IndexFunc(problems, func(p *problem) bool { return p.explanation == why })
		if i < 0 {
			problems = append(problems, &problem{explanation: why})
			i = len(problems) - 1
		}
		problems[i].slots = append(problems[i].slots, f.Slot)
	}
	if failed == 0 {
		return nil
	}
	sep, colon := ", ", ": "
	if lang == "zh" {
		sep, colon = "、", ":"
	}
	var b strings.Builder
	b.WriteString(upgrade.MsgScanUnidentified.With(failed, len(found)).In(lang))
	for _, p := range problems {
		who := strings.Join(p.slots, sep)
		if len(p.slots) == len(found) && len(found) > 1 {
			who = upgrade.MsgScanAll.With(len(found)).In(lang)
		}
		fmt.Fprintf(&b, "\n  %s%s%s", who, colon, p.explanation)
	}
	return errors.New(b.String())
}
