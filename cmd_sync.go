package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"airfleet/store"
	"airfleet/store/central"
	"airfleet/upgrade"
)

// syncJSON is the summary `airfleet sync --json` prints.
type syncJSON struct {
	Station string           `json:"station_id"`
	Central string           `json:"central"` // the URL, password masked
	Rows    map[string]int64 `json:"rows"`
	Total   int64            `json:"total"`
	Waiting int64            `json:"waiting"`
	Err     string           `json:"error,omitempty"`
}

// centralFlags adds the flags that name the central log: name (--to for
// sync, --central for the rest) and --central-file. The function it
// returns gives the URL, "" when none is configured; what is wrong with the
// file or the URL it says in lang.
func centralFlags(fs *flag.FlagSet, name string) func(lang string) (string, error) {
	url := fs.String(name, "", "the central PostgreSQL `URL` (postgres://user:password@host:5432/db?sslmode=require); default: --central-file, else $AIRFLEET_CENTRAL (a URL on the command line can be read by other users in ps)")
	file := fs.String("central-file", "", "read the central URL from `FILE` (first line; it must be readable by its owner only: chmod 600)")
	return func(lang string) (string, error) {
		u, err := central.Resolve(*url, *file, os.Getenv)
		if err != nil {
			return "", usageErr("%s", centralMessage(err, lang))
		}
		return u, nil
	}
}

// cmdSync pushes every row of the station's log that the central log
// lacks and exits: a bad URL, a refused login or a newer central schema
// is a usage error (exit 2) and leaves the log untouched; a centre that
// cannot be reached, or fails midway, exits 1 and the next run resumes.
func cmdSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sync", stderr)
	centralURL := centralFlags(fs, "to")
	noLines := fs.Bool("no-transcripts", false, "keep the AT transcripts in the station's log only")
	chunk := fs.Int("chunk", 2000, "at most `N` rows of a table per central transaction")
	verify := fs.Bool("verify", false, "after sending, compare the centre's copy of this log with the log, row by row")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	language := langFlag(fs, "language of what the command says, `zh` or en (default: from LANG)")
	dbPath := fs.String("db", store.DefaultPath(), "the station's log (SQLite `PATH`)")
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := language()
	if err != nil {
		return err
	}
	url, err := centralURL(lang)
	if err != nil {
		return err
	}
	if url == "" {
		return usageErr("%s", upgrade.MsgCentralGive.In(lang, "to"))
	}
	if *chunk < 1 {
		return usageErr("--chunk %d: give 1 or more", *chunk)
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return usageErr("%s", upgrade.MsgCentralNoLog.In(lang, *dbPath))
	}
	// The centre first: a refusal leaves the station's log as it was.
	db, err := central.Open(ctx, url, central.OpenOptions{Migrate: true})
	if err != nil {
		return centralErr(err, lang)
	}
	defer db.Close()
	s, err := store.Open(*dbPath, upgrade.LogOptions(store.Options{}))
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			return errors.New(upgrade.MsgCentralLogInUse.In(lang, err))
		}
		return usageErr("--db: %v", err)
	}
	defer s.Close()
	host, _ := os.Hostname()
	o := central.PushOptions{NoTranscripts: *noLines, Chunk: *chunk, Host: host, Station: lastStation(s.Reader)}
	progress := isTerminal(stderr) && !*asJSON
	if progress {
		o.Progress = func(p central.Progress) {
			fmt.Fprintf(stderr, "\r%s", upgrade.MsgCentralSending.In(lang, p.Table, p.Sent, p.Waiting))
		}
	}
	sum, pushErr := db.Push(ctx, s, o)
	if progress && sum.Total > 0 {
		fmt.Fprintln(stderr)
	}
	waiting, werr := db.Waiting(ctx, s.Reader, o)
	if werr != nil && pushErr == nil {
		pushErr = werr
	}
	if *asJSON {
		j := syncJSON{Station: s.StationID(), Central: db.Masked(), Rows: sum.Rows, Total: sum.Total, Waiting: waiting}
		if pushErr != nil {
			j.Err = centralMessage(pushErr, "en")
		}
		stdout.Write(upgrade.MarshalLine(j))
	} else {
		printSyncSummary(stdout, lang, db.Masked(), sum, waiting, pushErr == nil)
	}
	if pushErr != nil {
		return errors.New(centralMessage(pushErr, lang))
	}
	if *verify {
		return verifySync(ctx, stdout, lang, db, s.Reader, o)
	}
	return nil
}

// centralErr turns an error opening the centre into the command's: what
// the operator must fix is a usage error (exit 2); a centre out of reach
// is a failure (exit 1).
func centralErr(err error, lang string) error {
	msg := centralMessage(err, lang)
	if errors.Is(err, central.ErrUnreachable) || errors.Is(err, context.Canceled) {
		return errors.New(msg)
	}
	return usageErr("%s", msg)
}

func printSyncSummary(w io.Writer, lang, masked string, sum central.Summary, waiting int64, ok bool) {
	switch {
	case sum.Total == 0 && ok:
		fmt.Fprintln(w, upgrade.MsgCentralNothingToSend.In(lang, masked))
		return
	case sum.Total > 0:
		var parts []string
		tables := make([]string, 0, len(sum.Rows))
		for t := range sum.Rows {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for _, t := range tables {
			parts = append(parts, fmt.Sprintf("%s %d", t, sum.Rows[t]))
		}
		fmt.Fprintln(w, upgrade.MsgCentralSent.In(lang, sum.Total, masked, strings.Join(parts, ", "), sum.Commit))
	}
	if waiting > 0 {
		fmt.Fprintln(w, upgrade.MsgCentralStillWait.In(lang, waiting))
	}
}

func verifySync(ctx context.Context, w io.Writer, lang string, db *central.DB, r *store.Reader, o central.PushOptions) error {
	bad, err := db.Verify(ctx, r, o)
	if err != nil {
		return errors.New(centralMessage(err, lang))
	}
	if len(bad) == 0 {
		fmt.Fprintln(w, upgrade.MsgCentralVerified.In(lang))
		return nil
	}
	for _, m := range bad {
		fmt.Fprintln(w, upgrade.MsgCentralMismatch.In(lang, m.Table, m.Missing, m.Extra, m.Example))
	}
	return errors.New(upgrade.MsgCentralDiffers.In(lang))
}

// lastStation is the name of the station's latest batch, for the
// centre's list of stations.
func lastStation(r *store.Reader) string {
	bs, err := r.Batches(1)
	if err != nil || len(bs) == 0 {
		return ""
	}
	return bs[0].Station
}

// startCentral starts the background push of the station's log to the
// centre at url ("" : none) for the console and upgrade; nothing waits
// on it. A bad URL is refused at once rather than retried all day.
func startCentral(url string, s *store.Store, station string, lang string) (*central.Pusher, error) {
	if url == "" {
		return nil, nil
	}
	if err := central.Validate(url); err != nil {
		return nil, usageErr("%s", centralMessage(err, lang))
	}
	host, _ := os.Hostname()
	return central.StartPusher(url, s, central.PushOptions{Station: station, Host: host}, 0), nil
}

// finishCentral stops the background push and makes one last bounded
// attempt, after the work is done, then says where the centre stands:
// rows that could not go wait in the log for the next run or sync.
func finishCentral(ctx context.Context, p *central.Pusher, url string, s *store.Store, stderr io.Writer, lang string) {
	if p == nil {
		return
	}
	p.Stop()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	db, err := central.Open(ctx, url, central.OpenOptions{Migrate: true, ConnectTimeout: 5 * time.Second})
	if err == nil {
		defer db.Close()
		_, err = db.Push(ctx, s, central.PushOptions{})
	}
	if err == nil {
		fmt.Fprintln(stderr, "airfleet:", upgrade.MsgCentralAllSent.In(lang))
		return
	}
	fmt.Fprintln(stderr, "airfleet:", upgrade.MsgCentralNotAllSent.In(lang, centralSentence(err)))
}
