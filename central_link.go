package main

import (
	"context"
	"io"
	"sync"
	"time"

	"airfleet/store"
	"airfleet/store/central"
	"airfleet/tui"
	"airfleet/upgrade"
)

// centralLink is the console's link to the factory's central log
// (tui.Central): the background push and the history lookups of the URL
// in use, which the settings screen can change while the console runs.
type centralLink struct {
	log     *store.Store
	station string // the station's name, sent with its rows

	mu     sync.Mutex
	url    string
	pusher *central.Pusher
	hist   *central.History
}

var _ tui.Central = (*centralLink)(nil)

// newCentralLink links the station's log to the centre at url ("": none
// yet). A URL that cannot be used is a usage error, said in lang.
func newCentralLink(log *store.Store, station, url, lang string) (*centralLink, error) {
	c := &centralLink{log: log, station: station}
	if err := c.use(url); err != nil {
		return nil, usageErr("%s", centralMessage(err, lang))
	}
	return c, nil
}

// URL is the central URL in use, "" for none.
func (c *centralLink) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url
}

// Set moves the push and the history to url; a URL that cannot be used is
// refused as the settings form's "central" field, and nothing changes.
func (c *centralLink) Set(url string) error {
	if err := c.use(url); err != nil {
		return &upgrade.FieldError{Field: "central", Reason: upgrade.MsgCentralSetting.With(centralSentence(err))}
	}
	return nil
}

// use checks url, stops what the old URL ran and starts the push and the
// history of the new one. It never waits on the network: the pusher
// connects in the background, and stopping one cancels its round.
func (c *centralLink) use(url string) error {
	if url != "" {
		if err := central.Validate(url); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if url == c.url {
		return nil
	}
	c.stopLocked()
	c.url = url
	if url != "" {
		p, err := startCentral(url, c.log, c.station, "en")
		if err != nil { // Validate passed: cannot happen, but never a nil pusher
			c.url = ""
			return err
		}
		c.pusher = p
		c.hist = central.NewHistory(c.log, c.log.StationID(), url)
	}
	return nil
}

func (c *centralLink) stopLocked() {
	if c.pusher != nil {
		c.pusher.Stop()
		c.pusher = nil
	}
	if c.hist != nil {
		c.hist.Close()
		c.hist = nil
	}
}

// Status says where the background push stands ("" without a centre).
func (c *centralLink) Status(lang string) (string, bool) {
	c.mu.Lock()
	p := c.pusher
	c.mu.Unlock()
	if p == nil {
		return "", false
	}
	return centralStatus(p.Status(), lang)
}

// finish stops the push and makes the last bounded attempt (finishCentral).
func (c *centralLink) finish(ctx context.Context, stderr io.Writer, lang string) {
	c.mu.Lock()
	p, url := c.pusher, c.url
	c.pusher = nil
	if c.hist != nil {
		c.hist.Close()
		c.hist = nil
	}
	c.mu.Unlock()
	finishCentral(ctx, p, url, c.log, stderr, lang)
}

// history is the console's history: the centre's, which finds an IMEI's
// attempts at every station, while a centre is set; else the log's.
func (c *centralLink) history() tui.History { return linkHistory{c} }

// source is the history to ask now.
func (c *centralLink) source() tui.History {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hist != nil {
		return centralHistory{c.hist}
	}
	return c.log
}

// linkHistory asks, for each query, the history of the URL in use.
type linkHistory struct{ c *centralLink }

func (h linkHistory) Attempts(f store.AttemptFilter) ([]store.AttemptRow, error) {
	return h.c.source().Attempts(f)
}
func (h linkHistory) Batches(limit int) ([]store.BatchRow, error) { return h.c.source().Batches(limit) }
func (h linkHistory) Events(id int64) ([]store.Event, error)      { return h.c.source().Events(id) }
func (h linkHistory) TranscriptOf(id int64) ([]store.Line, error) {
	return h.c.source().TranscriptOf(id)
}
func (h linkHistory) History(imei string) ([]store.AttemptRow, error) {
	return h.c.source().History(imei)
}
func (h linkHistory) CountsToday(station string, now time.Time) (int, int, error) {
	return h.c.source().CountsToday(station, now)
}
func (h linkHistory) ExportCSV(w io.Writer, f store.AttemptFilter) error {
	return h.c.source().ExportCSV(w, f)
}
