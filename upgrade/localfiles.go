package upgrade

// The host's copy of each delta local mode writes: read from its file (or
// fetched from its URL) once per batch, shared by every module that needs
// it, checked before any module is erased.

import (
	"airfleet/device"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// maxDeltaFile bounds what the host reads as one delta: far above every
// model's FOTA area (about 480 KB), far below a mistaken firmware image.
const maxDeltaFile = 4 << 20

// DeltaFetchTimeout bounds the host's download of one delta URL in local
// mode.
const DeltaFetchTimeout = 60 * time.Second

// localDelta is one delta's bytes, or why it cannot be had; done closes
// when it is known.
type localDelta struct {
	done  chan struct{}
	bytes []byte
	bad   Sentence
}

// localDeltas caches a batch's deltas by their source (a file's path or a
// URL).
type localDeltas struct {
	mu      sync.Mutex
	by      map[string]*localDelta
	fetched int // URLs the host downloaded
	client  *http.Client
}

// path is where an entry's file is: relative to the map's own file. It
// needs no cache (c may be nil).
func (c *localDeltas) path(m *DeltaMap, e DeltaEntry) string {
	if m == nil || m.Path == "" || filepath.IsAbs(e.File) {
		return e.File
	}
	return filepath.Join(filepath.Dir(m.Path), e.File)
}

// source names where an entry's delta comes from, as the screen says it:
// its file when it has one, else its URL (masked).
func (c *localDeltas) source(m *DeltaMap, e DeltaEntry) string {
	if e.File != "" {
		return c.path(m, e)
	}
	return device.MaskURL(e.URL)
}

// load returns the entry's delta, reading or fetching it only if no module
// of the batch has.
func (c *localDeltas) load(ctx context.Context, m *DeltaMap, e DeltaEntry) (*localDelta, error) {
	key := "url:" + e.URL
	if e.File != "" {
		key = "file:" + c.path(m, e)
	}
	c.mu.Lock()
	if c.by == nil {
		c.by = map[string]*localDelta{}
	}
	d, ok := c.by[key]
	if !ok {
		d = &localDelta{done: make(chan struct{})}
		c.by[key] = d
	}
	c.mu.Unlock()
	if !ok {
		// Not cut short by this module's cancel: the others wait on it.
		go func() {
			if e.File != "" {
				d.bytes, d.bad = readDeltaFile(c.path(m, e))
			} else {
				d.bytes, d.bad = c.fetch(context.WithoutCancel(ctx), e.URL)
			}
			close(d.done)
		}()
	}
	select {
	case <-d.done:
		return d, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Fetched is how many delta URLs the host downloaded.
func (c *localDeltas) Fetched() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetched
}

func readDeltaFile(path string) ([]byte, Sentence) {
	f, err := os.Open(path)
	if err != nil {
		return nil, msgHeldLocalfile.With(path, unwrapPathErr(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxDeltaFile+1))
	switch {
	case err != nil:
		return nil, msgHeldLocalfile.With(path, err)
	case len(b) == 0:
		return nil, msgHeldLocalempty.With(path)
	case len(b) > maxDeltaFile:
		return nil, msgHeldLocalhuge.With(path, kb(maxDeltaFile))
	}
	return b, Sentence{}
}

func (c *localDeltas) fetch(ctx context.Context, u string) ([]byte, Sentence) {
	shown := device.MaskURL(u)
	client := c.client
	if client == nil {
		client = &http.Client{Timeout: DeltaFetchTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, msgHeldUrlerr.With(shown, errText(err))
	}
	c.mu.Lock()
	c.fetched++
	c.mu.Unlock()
	resp, err := client.Do(req)
	if err != nil {
		return nil, msgHeldUrlerr.With(shown, errText(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, msgHeldLocalstatus.With(shown, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDeltaFile+1))
	switch {
	case err != nil:
		return nil, msgHeldUrlerr.With(shown, errText(err))
	case len(b) == 0:
		return nil, msgHeldUrlempty.With(shown)
	case len(b) > maxDeltaFile:
		return nil, msgHeldLocalhuge.With(shown, kb(maxDeltaFile))
	case resp.ContentLength >= 0 && int64(len(b)) != resp.ContentLength:
		return nil, msgHeldUrlerr.With(shown, fmt.Sprintf("%d of %d bytes", len(b), resp.ContentLength))
	}
	return b, Sentence{}
}
