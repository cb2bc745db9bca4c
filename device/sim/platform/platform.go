// Package platform is a fake 合宙 (Luat) IoT platform for the simulator: an
// HTTP server on the loopback interface that answers the firmware-upgrade
// requests of simulated Air780-family modules by the real platform's rules
// (projects, keys, accounts, firmware names, upgrade configuration, the daily
// request count and its ban, delta generation, missing base versions), and
// that also serves static files for the modules' own-server ("URL") mode.
//
// Every request is recorded so that tests and the simulated fleet can see
// what the modules asked and what they were told.
package platform

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// UpgradePath is the path of the platform's firmware-upgrade endpoint.
const UpgradePath = "/api/site/firmware_upgrade"

// DownloadPrefix is the path under which ServeFile publishes static files.
const DownloadPrefix = "/download/"

// Defaults used when the matching Config field is zero.
const (
	DefaultGenerateDelay = 2 * time.Minute // the guide says one to three minutes
	DefaultBanAfter      = 6               // "一天请求升级六次后会禁止模块升级"
	DefaultErrorStatus   = http.StatusBadRequest
	DefaultDeltaSize     = 200 * 1024
)

// ChinaTime is the default time zone of the daily request count: the real
// platform runs in China.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// ErrStarted is returned by Start when the platform was started before.
var ErrStarted = errors.New("platform: already started (a platform serves once: make a new one)")

// Config sets the platform's behaviour. The zero value is usable.
type Config struct {
	// GenerateDelay is how long a delta takes to make after the first request
	// for its (firmware, base, target) pair; requests before then get code 43.
	// Zero means DefaultGenerateDelay; pre-generate pairs to skip it.
	GenerateDelay time.Duration
	// BanAfter is the daily request that gets an IMEI banned (code 40); zero
	// means DefaultBanAfter.
	BanAfter int
	// ErrorStatus is the HTTP status of every coded error answer; zero means
	// DefaultErrorStatus (the real number is unknown).
	ErrorStatus int
	// DeltaSize is the payload size of a delta unless the firmware or the pair
	// says otherwise; zero means DefaultDeltaSize.
	DeltaSize int
	// Now is the platform's clock; nil means time.Now.
	Now func() time.Time
	// Zone is the time zone whose calendar day bounds the daily request
	// count; nil means ChinaTime.
	Zone *time.Location
	// Seed makes delta payloads reproducible.
	Seed uint64
	// OnRequest, if set, is called once for every request after it has been
	// decided and recorded, before the answer is written. It runs on the
	// request's goroutine and must not block for long.
	OnRequest func(Request)
}

// Platform is a fake IoT platform. Create it with New, configure it, then
// Start it; all methods are safe for concurrent use.
type Platform struct {
	cfg Config

	mu        sync.Mutex
	projects  map[string]*project // by key
	order     []string            // project keys in the order they were added
	sold      map[string]string   // IMEI → account
	bound     map[string]string   // IMEI → project key
	counts    map[string]*dayCount
	banned    map[string]bool
	gen       map[pair]time.Time // generation start of each pair
	ready     map[pair]bool
	sizes     map[pair]int
	deltas    map[deltaKey][]byte
	files     map[string][]byte
	downloads map[string]int // file name → whole downloads
	hits      map[string]int
	log       []Request

	srv     *http.Server
	baseURL string
	done    chan struct{} // closed when Serve returns
	closed  bool
}

// New returns a platform with no projects; it does not listen until Start.
func New(cfg Config) *Platform {
	if cfg.GenerateDelay == 0 {
		cfg.GenerateDelay = DefaultGenerateDelay
	}
	if cfg.BanAfter <= 0 {
		cfg.BanAfter = DefaultBanAfter
	}
	if cfg.ErrorStatus == 0 {
		cfg.ErrorStatus = DefaultErrorStatus
	}
	if cfg.DeltaSize <= 0 {
		cfg.DeltaSize = DefaultDeltaSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		cfg.Zone = ChinaTime
	}
	return &Platform{
		cfg:       cfg,
		projects:  map[string]*project{},
		sold:      map[string]string{},
		bound:     map[string]string{},
		counts:    map[string]*dayCount{},
		banned:    map[string]bool{},
		gen:       map[pair]time.Time{},
		ready:     map[pair]bool{},
		sizes:     map[pair]int{},
		deltas:    map[deltaKey][]byte{},
		files:     map[string][]byte{},
		downloads: map[string]int{},
		hits:      map[string]int{},
	}
}

// Start listens on a random port of 127.0.0.1 and serves in a goroutine of
// its own until Close. It returns the base URL, e.g. http://127.0.0.1:41234.
func (p *Platform) Start() (baseURL string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil || p.closed {
		return "", ErrStarted
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("platform: cannot listen on 127.0.0.1: %w", err)
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	p.baseURL = "http://" + ln.Addr().String()
	p.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = srv.Serve(ln) // always ErrServerClosed after Close
	}(p.srv, p.done)
	return p.baseURL, nil
}

// Close stops the server and waits for running handlers to finish. Closing a
// platform that was never started, or twice, does nothing.
func (p *Platform) Close() error {
	p.mu.Lock()
	srv, done, closed := p.srv, p.done, p.closed
	p.closed = true
	p.mu.Unlock()
	if srv == nil || closed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("platform: handlers still running after 5 s: %w", err), srv.Close())
	}
	<-done
	return err
}

// BaseURL returns the server's base URL, or "" before Start.
func (p *Platform) BaseURL() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.baseURL
}

// UpgradeURL returns the URL of the firmware-upgrade endpoint, or "" before Start.
func (p *Platform) UpgradeURL() string {
	base := p.BaseURL()
	if base == "" {
		return ""
	}
	return base + UpgradePath
}
