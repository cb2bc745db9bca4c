package main

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"airfleet/device"
	"airfleet/store"
	"airfleet/upgrade"
)

// cmdBundle writes one zip with everything the log knows of one module,
// for a support ticket: its attempts (CSV and JSON lines), each attempt's
// events and AT transcript, the lines logged outside attempts, and the
// catalogue's words for every code it met, in Chinese and English. Keys
// and URL passwords are masked in the log already; nothing is added.
func cmdBundle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bundle", stderr)
	imei := fs.String("imei", "", "the module's 15-digit `IMEI` (required)")
	out := fs.String("out", "", "the zip `FILE` (default: airfleet-IMEI.zip in the current folder)")
	language := langFlag(fs, "language of what the command says, `zh` or en (default: from LANG)")
	dbPath := fs.String("db", store.DefaultPath(), "the log's SQLite `PATH`")
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := language()
	if err != nil {
		return err
	}
	if !device.IsIMEI(*imei) {
		return usageErr("--imei %q: give the module's 15-digit IMEI (airfleet history --imei with its last digits finds it)", *imei)
	}
	name := *out
	if name == "" {
		name = "airfleet-" + *imei + ".zip"
	}
	r, err := store.OpenReadOnly(*dbPath)
	if err != nil {
		return usageErr("--db: %v", err)
	}
	defer r.Close()
	attempts, err := r.History(*imei)
	if err != nil {
		return fmt.Errorf("reading the log %s: %w", *dbPath, err)
	}
	if len(attempts) == 0 {
		return fmt.Errorf("%s", upgrade.MsgHistoryNone.With(*dbPath).In(lang)+" (IMEI "+*imei+")")
	}
	n, path, err := writeWhole(name, func(w io.Writer) (int, error) { return len(attempts), writeBundle(w, r, *imei, attempts) })
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, upgrade.MsgBundleWrote.With(*imei, n, path).In(lang))
	return nil
}

// writeBundle writes the zip of one IMEI's attempts (newest first in
// attempts) to w.
func writeBundle(w io.Writer, r *store.Reader, imei string, attempts []store.AttemptRow) error {
	z := zip.NewWriter(w)
	file := func(name string, fill func(io.Writer) error) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return err
		}
		return fill(f)
	}
	codes := map[int]bool{}
	err := file("README.txt", func(f io.Writer) error {
		_, err := fmt.Fprintf(f, "airfleet %s support bundle · 支持包\nIMEI %s, %d attempts · %d 次升级\nmade %s\n\n"+
			"attempts.csv, attempts.jsonl   every attempt (newest first) · 每次升级\n"+
			"attempt-N/events.txt           what the console did and said · 过程与说明\n"+
			"attempt-N/transcript.txt       the exact AT lines (> sent, < received, # note) · AT 记录\n"+
			"outside-attempts.txt           AT lines logged while no attempt ran · 升级之外的 AT 记录\n"+
			"codes.txt                      what each code met means, and what to do · 代码说明\n",
			version, imei, len(attempts), len(attempts), time.Now().Format(time.RFC3339))
		return err
	})
	if err == nil {
		err = file("attempts.csv", func(f io.Writer) error { return r.ExportCSV(f, store.AttemptFilter{IMEI: imei}) })
	}
	if err == nil {
		err = file("attempts.jsonl", func(f io.Writer) error {
			for _, a := range attempts {
				if _, err := f.Write(upgrade.MarshalLine(historyLine(a))); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, a := range attempts {
		if err != nil {
			break
		}
		codes[a.PlatformCode], codes[a.ModuleError] = true, true
		dir := fmt.Sprintf("attempt-%d/", a.ID)
		err = file(dir+"events.txt", func(f io.Writer) error {
			evs, err := r.Events(a.ID)
			if err != nil {
				return err
			}
			for _, e := range evs {
				codes[e.Code] = true
				code := ""
				if e.Code != 0 {
					code = fmt.Sprintf(" [%d]", e.Code)
				}
				fmt.Fprintf(f, "%s %-16s %-8s%s %s\n", e.Time.Local().Format("2006-01-02 15:04:05.000"), e.Step, e.Kind, code, e.Detail)
				if e.DetailZH != "" && e.DetailZH != e.Detail {
					fmt.Fprintf(f, "%s %s\n", strings.Repeat(" ", 23+1+16+1+8+len(code)), e.DetailZH)
				}
			}
			return nil
		})
		if err == nil {
			err = file(dir+"transcript.txt", func(f io.Writer) error {
				lines, err := r.TranscriptOf(a.ID)
				return writeLines(f, lines, err)
			})
		}
	}
	if err == nil {
		err = file("outside-attempts.txt", func(f io.Writer) error {
			lines, err := r.TranscriptOfIMEI(imei, time.Time{})
			var loose []store.Line
			for _, l := range lines {
				if l.AttemptID == 0 {
					loose = append(loose, l)
				}
			}
			return writeLines(f, loose, err)
		})
	}
	if err == nil {
		err = file("codes.txt", func(f io.Writer) error {
			var list []int
			for c := range codes {
				if _, ok := upgrade.Lookup(c); ok && c != 0 {
					list = append(list, c)
				}
			}
			slices.Sort(list)
			for _, c := range list {
				info, _ := upgrade.Lookup(c)
				for _, l := range []string{"zh", "en"} {
					t := info.Text(l)
					fmt.Fprintf(f, "%d %s\n    %s\n    %s\n", c, t.Title, t.Explanation, t.Remedy)
				}
				fmt.Fprintln(f)
			}
			return nil
		})
	}
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeLines(w io.Writer, lines []store.Line, err error) error {
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := fmt.Fprintf(w, "%s %s %s\n", l.Time.Local().Format("2006-01-02 15:04:05.000"), l.Dir, l.Text); err != nil {
			return err
		}
	}
	return nil
}
