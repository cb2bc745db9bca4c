package upgrade

// The host's check of a delta URL before any module is told to use it: a
// module spends a whole download on a file it then refuses (-1003), and a
// missing one costs it a failed attempt (-1004). The host asks the server
// once per URL per batch, for the status and the size only.

import (
	"airfleet/device"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FOTAArea is the largest delta, in bytes, each model's AT firmware
// accepts (spec §3: about 480 KB on Air780E and Air780EP; a 550 KB delta
// failed with -1003). Other models are unknown: their deltas are not
// checked for size, and the module is told so.
var FOTAArea = map[string]int64{
	"Air780E":  480 * 1024,
	"Air780EP": 480 * 1024,
}

// URLCheckTimeout bounds the host's check of one delta URL.
const URLCheckTimeout = 10 * time.Second

// urlCheck is the result of checking one URL, shared by the modules that
// need it; done closes when it is known.
type urlCheck struct {
	done chan struct{}
	size int64    // bytes, -1 if the server did not say
	bad  Sentence // why the URL is unusable, empty if it is good
}

// urlChecks caches the checks of one batch, by URL.
type urlChecks struct {
	mu     sync.Mutex
	byURL  map[string]*urlCheck
	asked  int // HTTP requests the host sent
	client *http.Client
}

// check returns the check of u, asking the server only if no module of
// the batch has; the modules that need u while it runs wait for it.
func (c *urlChecks) check(ctx context.Context, u string) (*urlCheck, error) {
	c.mu.Lock()
	if c.byURL == nil {
		c.byURL = map[string]*urlCheck{}
	}
	r, ok := c.byURL[u]
	if !ok {
		r = &urlCheck{done: make(chan struct{})}
		c.byURL[u] = r
	}
	c.mu.Unlock()
	if !ok {
		// Not cut short by this module's own cancel: the others that
		// need u would take the cancel for the server's answer. The
		// client's timeout bounds it; each module waits for it only as
		// long as its own context lets it.
		go func() {
			r.size, r.bad = c.ask(context.WithoutCancel(ctx), u)
			close(r.done)
		}()
	}
	select {
	case <-r.done:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Requests is how many HTTP requests the host sent to check URLs.
func (c *urlChecks) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asked
}

func (c *urlChecks) count() {
	c.mu.Lock()
	c.asked++
	c.mu.Unlock()
}

// ask sends HEAD, and a ranged GET of one byte if HEAD is refused or
// fails: a 2xx answer and the file's size.
func (c *urlChecks) ask(ctx context.Context, u string) (int64, Sentence) {
	client := c.client
	if client == nil {
		client = &http.Client{Timeout: URLCheckTimeout}
	}
	shown := device.MaskURL(u)
	do := func(method string, ranged bool) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return nil, err
		}
		if ranged {
			req.Header.Set("Range", "bytes=0-0")
		}
		c.count()
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close() // the status and the headers are all we want
		return resp, nil
	}
	resp, err := do(http.MethodHead, false)
	if err != nil || resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented {
		if ctx.Err() != nil {
			return -1, msgHeldUrlerr.With(shown, ctx.Err())
		}
		resp, err = do(http.MethodGet, true)
	}
	if err != nil {
		return -1, msgHeldUrlerr.With(shown, errText(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return -1, msgHeldUrlstatus.With(shown, resp.Status)
	}
	size := resp.ContentLength
	if resp.StatusCode == http.StatusPartialContent {
		size = -1
		if _, total, ok := strings.Cut(resp.Header.Get("Content-Range"), "/"); ok {
			if n, err := strconv.ParseInt(total, 10, 64); err == nil {
				size = n
			}
		}
	}
	if size == 0 {
		return 0, msgHeldUrlempty.With(shown)
	}
	return size, Sentence{}
}

// errText shortens an HTTP client error: the URL is said beside it.
func errText(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

// pickDelta finds the module's delta in the batch's map and checks its URL
// from the host; a module with none, or with a URL that would fail, is
// held before anything is asked of it.
func (m *machine) pickDelta(ctx context.Context) error {
	cfg := m.b.cfg
	fw := m.att.Info.Firmware
	steps, err := m.chainSteps()
	if err != nil {
		return err
	}
	// Every step's URL before the first: a chain known to break at its
	// second step would leave the module half way, each step a request.
	for i, e := range steps {
		if e.URL == "" {
			return m.finish(Held, msgHeldDeltafile.With(fw.Name, e.From, cfg.Deltas.where(e)))
		}
		if i == 0 {
			m.emit(StateConfiguring, msgDeltaCheck.With(e.From, e.To, device.MaskURL(e.URL)), nil)
		} else {
			m.emit(StateConfiguring, msgDeltaChecknext.With(i+1, len(steps), e.From, e.To, device.MaskURL(e.URL)), nil)
		}
		if err := m.checkURL(ctx, e.URL); err != nil {
			return err
		}
	}
	m.delta = steps[0]
	return nil
}

// checkURL checks the URL the module is about to be sent to from the
// host (once per batch), and holds the module if it would fail: an error
// status, or a delta bigger than the model's FOTA area.
func (m *machine) checkURL(ctx context.Context, u string) error {
	shown := device.MaskURL(u)
	r, err := m.b.urls.check(ctx, u)
	if err != nil {
		return m.cancelled(msgWhenConfig)
	}
	if !r.bad.IsZero() {
		return m.finish(Held, r.bad)
	}
	limit, known := FOTAArea[m.res.Model]
	switch {
	case known && r.size > limit:
		return m.finish(Held, msgHeldUrlbig.With(shown, kb(r.size), m.res.Model, kb(limit)))
	case !known && r.size >= 0:
		m.emit(StateConfiguring, msgDeltaNolimit.With(shown, kb(r.size), m.res.Model), nil)
	case r.size < 0:
		m.emit(StateConfiguring, msgDeltaNosize.With(shown), nil)
	}
	return nil
}

// kb says a size in KB, rounded up.
func kb(n int64) string { return fmt.Sprintf("%d KB", (n+1023)/1024) }

// deltaURL is the URL this module downloads: its own delta's, else the
// batch's one URL.
func (m *machine) deltaURL() string {
	if m.delta.URL != "" {
		return m.delta.URL
	}
	return m.b.cfg.URL
}
