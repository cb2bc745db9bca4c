package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/upgrade"
)

func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("scan", stderr)
	source := sourceFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per module")
	timeout := fs.Duration("timeout", 20*time.Second, "give up on a module that has not answered after `D`")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`: the modules found are recorded there (first and last seen, version); \"\" records nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageErr("--timeout %v: give a positive duration such as 20s", *timeout)
	}
	src, err := source()
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
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	found := device.Inspect(ctx, cands, 0)
	for _, f := range found {
		if log != nil && f.Err == nil {
			log.SeenModule(f.Slot, f.Info, time.Now())
		}
	}
	if *asJSON {
		return printScanJSON(stdout, found)
	}
	printScanTable(stdout, found)
	if len(found) == 0 {
		fmt.Fprintln(stderr, "no modules found: check the hub's power and cables, or give --ports DIR for a fleet directory")
	}
	return nil
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

func printScanTable(w io.Writer, found []device.Found) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLOT\tPORT\tIMEI\tMODEL\tFIRMWARE\tCORE\tSIM\tNETWORK\tSIGNAL")
	for _, f := range found {
		r := toRow(f)
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\t%s\n", r.Slot, r.Port, r.Error)
			continue
		}
		sig := "unknown"
		if r.SignalDBm != 0 {
			sig = fmt.Sprintf("%d dBm", r.SignalDBm)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Slot, r.Port, r.IMEI, r.Model, r.Firmware, r.Version, r.SIM, r.Registration, sig)
	}
	tw.Flush()
}
