package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"airfleet/device/sim"
	"airfleet/store"
)

// Support from the command line, on the log of a real batch (the mixed
// scenario): history finds a module by the last six digits of its IMEI
// and explains its code in Chinese; report writes one row per module, CSV
// with a BOM, parsed back and compared with the log field by field;
// bundle's zip holds each attempt's transcript, line for line as the log
// has it, and the words of every code the module met.
func TestSupportCommands(t *testing.T) {
	isolateRegistry(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{Dir: filepath.Join(dir, "fleet"), Modules: 8, Scenario: "mixed", Speed: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db := filepath.Join(dir, "log.db")
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"upgrade", "--ports", f.Dir(), "--mode", "iot", "--json", "--db", db,
		"--retry-after", "2s", "--reboot-timeout", "8s"}, &out, &errb); code != 1 {
		t.Fatalf("upgrade: exit %d (stderr %s)", code, errb.String())
	}
	ff, err := sim.ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var banned string
	for _, m := range ff.Modules {
		if m.Role == "banned" {
			banned = m.IMEI
		}
	}
	r, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	t.Run("history", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(ctx, []string{"history", "--db", db, "--imei", banned[9:], "--lang", "zh"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		for _, want := range []string{banned, "失败", "平台代码 40", "解除禁止", "共 1 次升级"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("history in Chinese does not say %q:\n%s", want, out.String())
			}
		}
		out.Reset()
		if code := run(ctx, []string{"history", "--db", db, "--result", "failed", "--since", "today", "--json"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		want, err := r.Attempts(store.AttemptFilter{Result: store.ResultFailed})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != len(want) || len(want) == 0 {
			t.Fatalf("%d JSON lines for %d failed attempts", len(lines), len(want))
		}
		for i, l := range lines {
			var h historyJSON
			if err := json.Unmarshal([]byte(l), &h); err != nil {
				t.Fatal(err)
			}
			if h.ID != want[i].ID || h.IMEI != want[i].IMEI || h.Result != "failed" || h.Code != want[i].PlatformCode {
				t.Errorf("line %d: %+v, the log says %+v", i, h, want[i])
			}
		}
		if code := run(ctx, []string{"history", "--db", db, "--code", "44"}, &out, &errb); code != 1 {
			t.Errorf("a filter nothing matches: exit %d, want 1", code)
		}
	})

	t.Run("report", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "report.csv")
		var out, errb bytes.Buffer
		if code := run(ctx, []string{"report", "--db", db, "--since", "today", "--out", path}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.Contains(errb.String(), path) {
			t.Errorf("stderr does not say where the report went: %q", errb.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
		if !ok {
			t.Fatal("the CSV has no UTF-8 byte order mark: Excel on a Chinese Windows PC would garble it")
		}
		recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1+len(ff.Modules) {
			t.Fatalf("%d rows, want a header and one per module (%d)", len(recs), len(ff.Modules))
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, rec := range recs[1:] {
			imei := rec[col["imei"]]
			hist, err := r.History(imei)
			if err != nil || len(hist) == 0 {
				t.Fatalf("%s: not in the log (%v)", imei, err)
			}
			a := hist[0]
			for name, want := range map[string]string{
				"batch": strconv.FormatInt(a.BatchID, 10), "slot": a.Slot, "model": a.Model, "result": string(a.Result),
				"from": strconv.Itoa(a.FromVersion), "message": a.Message, "message_zh": a.MessageZH, "station": a.Station,
			} {
				if got := strings.TrimPrefix(rec[col[name]], "'"); got != want {
					t.Errorf("%s: %s %q, the log says %q", imei, name, got, want)
				}
			}
		}
		out.Reset()
		if code := run(ctx, []string{"report", "--db", db, "--batch", "1", "--format", "jsonl"}, &out, &errb); code != 0 {
			t.Fatalf("jsonl: exit %d: %s", code, errb.String())
		}
		if n := strings.Count(out.String(), "\n"); n != len(ff.Modules) {
			t.Errorf("jsonl: %d lines, want %d", n, len(ff.Modules))
		}
	})

	t.Run("bundle", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ticket.zip")
		var out, errb bytes.Buffer
		if code := run(ctx, []string{"bundle", "--db", db, "--imei", banned, "--out", path}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		files := map[string]string{}
		for _, zf := range z.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[zf.Name] = string(b)
		}
		hist, err := r.History(banned)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range hist {
			lines, err := r.TranscriptOf(a.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := files["attempt-"+strconv.FormatInt(a.ID, 10)+"/transcript.txt"]
			if n := strings.Count(got, "\n"); n != len(lines) || len(lines) == 0 {
				t.Errorf("attempt %d: the bundle has %d transcript lines, the log %d", a.ID, n, len(lines))
			}
			for _, l := range lines {
				if !strings.Contains(got, string(l.Dir)+" "+l.Text+"\n") {
					t.Errorf("attempt %d: the bundle lacks the line %q", a.ID, l.Text)
					break
				}
			}
			if !strings.Contains(files["attempt-"+strconv.FormatInt(a.ID, 10)+"/events.txt"], "banned") {
				t.Errorf("attempt %d: the events do not say why it failed", a.ID)
			}
		}
		for _, want := range []string{"40 ", "解除禁止", "Lift the ban"} {
			if !strings.Contains(files["codes.txt"], want) {
				t.Errorf("codes.txt does not say %q:\n%s", want, files["codes.txt"])
			}
		}
		if !strings.HasPrefix(files["attempts.csv"], "\uFEFF") || !strings.Contains(files["attempts.csv"], banned) {
			t.Errorf("attempts.csv: %q", files["attempts.csv"])
		}
	})
}
