package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"airfleet/device/sim/delta"
	"airfleet/device/sim/platform"
)

// Config describes a simulated fleet.
type Config struct {
	// Dir receives DIR/<slot>/if02|if04|if06 (if00|if02 for a two-port
	// build; named if02-at … for a module that names its interfaces),
	// platform.json and fleet.json; it is created if missing.
	Dir string
	// Modules is the number of modules; 0 means 8.
	Modules int
	// Scenario names the fleet (see Scenarios); "" means "happy".
	Scenario string
	// Speed divides every simulated delay (50 turns a 45 s reboot into
	// 0.9 s); 0 means 1, real time.
	Speed float64
	// Seed makes IMEIs, keys, quirks and roles reproducible.
	Seed uint64
	// NoQuirks makes every module plain (CRLF, whole writes, …).
	NoQuirks bool
	// Roles overrides the scenario's role of module i where Roles[i] != "".
	Roles []string
	// Models overrides the scenario's model of module i where Models[i] != "".
	Models []string
	// Tweak, if set, may change each module's spec after its role and
	// quirks are applied and before the platform is set up from the specs.
	// Changing Model there keeps Version and Target: use Models for that.
	Tweak func(i int, s *ModuleSpec)
	// GenerateDelay is how long the platform takes to make a delta in
	// scenarios where deltas are not ready in advance (simulated time);
	// 0 means 60 s.
	GenerateDelay time.Duration
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
	// Transport is how the console reaches the ports: TransportPTY (links
	// to ptys) or TransportTCP (files holding socket://127.0.0.1:PORT);
	// "" means the first of Transports(), pty on Linux, tcp elsewhere.
	Transport string
}

// Fleet is a running simulated fleet: modules on ptys (or TCP ports) and a
// fake platform.
type Fleet struct {
	cfg     Config
	sc      scenario
	clock   clock
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	log     *slog.Logger
	plat    *platform.Platform
	client  *http.Client
	modules []*Module
	bySlot  map[string]*Module

	upgradeURL string
	deadAddr   string // a loopback address where nothing listens

	mu        sync.Mutex // serialises fleet.json writes
	started   bool
	closeOnce sync.Once
	closeErr  error
}

// Start creates the fleet: the platform, every module's ptys and links,
// platform.json and fleet.json. The fleet runs until Close (or until ctx
// ends, which powers every module down; Close is still needed).
func Start(ctx context.Context, cfg Config) (*Fleet, error) {
	if cfg.Dir == "" {
		return nil, errors.New("sim: Config.Dir is empty: say where the fleet's links go")
	}
	if cfg.Scenario == "" {
		cfg.Scenario = "happy"
	}
	sc, ok := findScenario(cfg.Scenario)
	if !ok {
		return nil, fmt.Errorf("sim: unknown scenario %q (known: %s)", cfg.Scenario, strings.Join(Scenarios(), ", "))
	}
	if cfg.Modules == 0 {
		cfg.Modules = max(8, sc.minModules)
	}
	if cfg.Modules < max(1, sc.minModules) {
		return nil, fmt.Errorf("sim: scenario %s needs at least %d modules, not %d", sc.name, max(1, sc.minModules), cfg.Modules)
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Transport == "" {
		cfg.Transport = transports()[0]
	}
	if !slices.Contains(transports(), cfg.Transport) {
		return nil, fmt.Errorf("sim: %w %q (on this system: %s)", errUnknownTransport, cfg.Transport, strings.Join(transports(), ", "))
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: cannot create the fleet directory: %w", err)
	}
	specs, err := buildSpecs(cfg, sc)
	if err != nil {
		return nil, err
	}

	f := &Fleet{cfg: cfg, sc: sc, clock: clock{speed: cfg.Speed}, log: cfg.Log, bySlot: map[string]*Module{}}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.ctx, f.cancel = context.WithCancel(ctx)
	f.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	if f.deadAddr, err = deadAddress(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.startPlatform(specs); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.startModules(specs); err != nil {
		f.Close()
		return nil, err
	}
	removed, err := f.publish(specs)
	if err != nil {
		f.Close()
		return nil, err
	}
	for _, name := range removed {
		f.plat.RemoveFile(name) // listed in platform.json, gone from the server
	}
	f.mu.Lock()
	f.started = true
	f.mu.Unlock()
	f.changed()
	return f, nil
}

// buildSpecs makes each module's spec from the scenario and the overrides.
func buildSpecs(cfg Config, sc scenario) ([]ModuleSpec, error) {
	specs := make([]ModuleSpec, cfg.Modules)
	for i := range specs {
		modelName, roleName := sc.model(i), sc.role(i)
		if i < len(cfg.Models) && cfg.Models[i] != "" {
			modelName = cfg.Models[i]
		}
		if i < len(cfg.Roles) && cfg.Roles[i] != "" {
			roleName = cfg.Roles[i]
		}
		model, ok := models[modelName]
		if !ok {
			return nil, fmt.Errorf("sim: module %d: unknown model %q", i, modelName)
		}
		if sc.base != nil {
			model.Base, model.Target = sc.base(i), sc.target
		}
		s, ok := newSpec(modelName, model, roleName, cfg.Seed)
		if !ok {
			return nil, fmt.Errorf("sim: module %d: unknown role %q (known: %s)", i, roleName, strings.Join(Roles(), ", "))
		}
		if !cfg.NoQuirks {
			// A role's own quirks stay: the custom IMEI parameter, and
			// whether a build that holds a key in NV can clear it.
			pinned := s.Quirks
			s.Quirks = drawQuirks(newRNG(cfg.Seed, uint64(i)<<8|1))
			s.Quirks.BadIMEIParam = pinned.BadIMEIParam
			if s.Key != "" {
				s.Quirks.ClearWithEmpty = pinned.ClearWithEmpty
			}
		}
		s.NamedPorts = sc.named != nil && sc.named(i)
		if sc.mode == ModeLocal {
			s.Faults.NoSIM = true // a production line: no SIM, so only local mode works
		}
		if cfg.Tweak != nil {
			cfg.Tweak(i, &s)
			if _, ok := models[s.Model]; !ok {
				return nil, fmt.Errorf("sim: module %d: unknown model %q", i, s.Model)
			}
		}
		specs[i] = s
	}
	return specs, nil
}

// deadAddress returns a loopback address with nothing listening on it.
func deadAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("sim: cannot listen on 127.0.0.1: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// startModules creates the modules and boots the powered ones.
func (f *Fleet) startModules(specs []ModuleSpec) error {
	for i, s := range specs {
		model := models[s.Model]
		slot := slotName(i)
		m := &Module{
			f: f, index: i, slot: slot, dir: filepath.Join(f.cfg.Dir, slot), model: model,
			imei:  makeIMEI(model.tac, f.cfg.Seed, i),
			iccid: makeICCID(f.cfg.Seed, i), imsi: makeIMSI(f.cfg.Seed, i),
			role: s.Role, quirks: s.Quirks, csq: 15 + int((f.cfg.Seed+uint64(i)*3)%17),
			g: newRNG(f.cfg.Seed, uint64(i)<<8|2), ctl: make(chan ctlMsg),
			version: s.Version, target: s.Target, expect: s.Expect, faults: s.Faults, faultsSet: make(chan struct{}),
			nv:      settings{Key: s.Key, URL: s.URL, Period: s.Period, Auto: s.Auto},
			powered: !s.Unplugged,
			layout:  model.layout(), named: s.NamedPorts,
		}
		m.lines = make([]atomic.Int64, len(m.layout))
		m.read = make([]atomic.Int64, len(m.layout))
		if m.nv.Period == 0 {
			m.nv.Period = defaultSettings.Period
		}
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			return fmt.Errorf("sim: cannot create the slot directory: %w", err)
		}
		for _, ifc := range slices.Concat(threePort, twoPort) { // links left by a previous run
			_ = os.Remove(filepath.Join(m.dir, linkName(ifc, false)))
			_ = os.Remove(filepath.Join(m.dir, linkName(ifc, true)))
		}
		f.modules = append(f.modules, m)
		f.bySlot[slot] = m
	}
	var err error
	for _, m := range f.modules {
		if m.powered && err == nil {
			if e := m.boot(f.ctx); e != nil {
				err = fmt.Errorf("sim: module %s: %w", m.slot, e)
			}
		}
	}
	for _, m := range f.modules { // after the boots: run owns the module from here on
		f.wg.Add(1)
		go m.run(f.ctx)
	}
	return err
}

// openEndpoint opens a new port of the fleet's transport.
func (f *Fleet) openEndpoint() (endpoint, error) {
	if f.cfg.Transport == TransportTCP {
		return openTCPEndpoint()
	}
	return openPTYEndpoint()
}

// Transport returns the transport of the fleet's ports.
func (f *Fleet) Transport() string { return f.cfg.Transport }

// accountKey returns the key of an account's default project for a family.
func (f *Fleet) accountKey(account, family string) string {
	return projectKey(f.cfg.Seed, account+"/"+family)
}

// startPlatform starts the fake platform and sets it up from the specs:
// accounts, default projects, firmware, sold IMEIs, bans, delta sizes.
func (f *Fleet) startPlatform(specs []ModuleSpec) error {
	gen := f.cfg.GenerateDelay
	if gen == 0 {
		gen = 60 * time.Second
	}
	never := slices.ContainsFunc(specs, func(s ModuleSpec) bool { return s.NeverReady })
	if never {
		gen = 10000 * time.Hour
	}
	f.plat = platform.New(platform.Config{GenerateDelay: max(f.clock.dur(gen), 1), Seed: f.cfg.Seed})
	base, err := f.plat.Start()
	if err != nil {
		return err
	}
	f.upgradeURL = base + platform.UpgradePath
	for _, acct := range []string{AccountMain, AccountOther, AccountWrongVariant} {
		for _, fam := range []string{platform.FamilyEC718, platform.FamilyEC618} {
			pr := platform.Project{Key: f.accountKey(acct, fam), Name: platform.DefaultProjectName(fam),
				Account: acct, Family: fam, Default: true}
			if err := f.plat.AddProject(pr); err != nil {
				return err
			}
		}
	}
	if err := f.plat.AddProject(platform.Project{Key: projectKey(f.cfg.Seed, "other-account"),
		Name: "远程升级模块", Account: AccountOther}); err != nil {
		return err
	}

	type fwKey struct{ acct, name string }
	type fwPlan struct {
		fam        string
		versions   []int
		missing    []int
		imeis      []string
		notListed  bool
		notAllowed []int
	}
	plans := map[fwKey]*fwPlan{}
	var order []fwKey
	for i, s := range specs {
		model := models[s.Model]
		name := model.FirmwareName()
		imei := makeIMEI(model.tac, f.cfg.Seed, i)
		acct := s.Account
		if acct == "" {
			acct = AccountMain
		}
		f.plat.SellIMEI(imei, acct)
		if s.Banned {
			f.plat.Ban(imei)
		}
		k := fwKey{acct, name}
		pl := plans[k]
		if pl == nil {
			pl = &fwPlan{fam: platform.FamilyOf(name)}
			plans[k] = pl
			order = append(order, k)
		}
		pl.versions = append(pl.versions, s.Target)
		if s.BaseMissing {
			pl.missing = append(pl.missing, s.Version)
		} else {
			pl.versions = append(pl.versions, s.Version)
		}
		if s.NotListed {
			pl.notListed = true
		} else {
			pl.imeis = append(pl.imeis, imei)
		}
		if s.NotAllowed {
			pl.notAllowed = append(pl.notAllowed, s.Version)
		}
		if s.DeltaSize > 0 {
			f.plat.SetDeltaSize(name, s.Version, s.Target, s.DeltaSize)
		}
		if (!f.sc.natural || never) && !s.NeverReady {
			f.plat.Pregenerate(name, s.Version, s.Target)
		}
	}
	for _, k := range order {
		pl := plans[k]
		vs := slices.DeleteFunc(pl.versions, func(v int) bool { return slices.Contains(pl.missing, v) })
		slices.Sort(vs)
		name := k.name
		if k.acct == AccountWrongVariant {
			name = strings.Replace(name, "_LTE_", "_LTE_LS", 1) // another variant: code 26
		}
		fw := platform.Firmware{Name: name, Versions: slices.Compact(vs), Allow: true,
			AllDevices: !pl.notListed, IMEIs: pl.imeis, NotAllowedFrom: pl.notAllowed}
		if !pl.notListed {
			fw.IMEIs = nil
		}
		if err := f.plat.AddFirmware(f.accountKey(k.acct, pl.fam), fw); err != nil {
			return err
		}
	}
	return nil
}

// deltaFileName is the name under which URL mode publishes a delta.
func deltaFileName(firmwareName string, base, target int) string {
	return fmt.Sprintf("dfota_%s_V%d_V%d.bin", firmwareName, base, target)
}

// DeltaFileName is the name under which the URL-mode scenarios publish the
// delta of firmware from base to target: ask the platform's Downloads for it.
func DeltaFileName(firmwareName string, base, target int) string {
	return deltaFileName(firmwareName, base, target)
}

// ServeDelta publishes, under name, a delta of firmware (its platform name,
// e.g. AirM2M_780EP_LTE_AT) from base to target with a payload of size
// bytes, and returns its URL. A delta for another base than a module's, or
// one bigger than its FOTA area, is refused by the module after the whole
// download (-1003), as on a real one.
func (f *Fleet) ServeDelta(name, firmware string, base, target, size int) string {
	return f.plat.ServeFile(name, delta.Make(delta.Delta{FirmwareName: firmware, Base: base, Target: target, Size: size}, f.cfg.Seed))
}

// publish serves the delta files of URL-mode scenarios and writes
// platform.json; it returns the files to withdraw once listed.
func (f *Fleet) publish(specs []ModuleSpec) (removed []string, err error) {
	if f.sc.mode == ModeURL {
		done := map[string]bool{}
		for _, s := range specs {
			model := models[s.Model]
			name := deltaFileName(model.FirmwareName(), s.Version, s.Target)
			if done[name] {
				continue
			}
			done[name] = true
			d := delta.Delta{FirmwareName: model.FirmwareName(), Base: s.Version, Target: s.Target, Size: s.DeltaSize}
			if d.Size == 0 {
				d.Size = platform.DefaultDeltaSize
			}
			f.plat.ServeFile(name, delta.Make(d, f.cfg.Seed))
			if s.MissingFile {
				removed = append(removed, name)
			}
		}
	}
	if f.sc.mode == ModeLocal {
		if err := f.writeLocal(specs); err != nil {
			return nil, err
		}
	}
	b, err := json.MarshalIndent(f.plat.Describe(), "", "  ")
	if err != nil {
		return nil, err
	}
	return removed, writeAtomic(filepath.Join(f.cfg.Dir, "platform.json"), b)
}

// writeAtomic writes path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("sim: cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sim: cannot write %s: %w", path, err)
	}
	return nil
}

// FleetFile is the content of DIR/fleet.json.
type FleetFile struct {
	Scenario  string       `json:"scenario"`
	Transport string       `json:"transport"` // pty or tcp
	Mode      Mode         `json:"mode"`
	Seed      uint64       `json:"seed"`
	Speed     float64      `json:"speed"`
	Platform  string       `json:"platform"`         // the platform's base URL
	Deltas    string       `json:"deltas,omitempty"` // local mode: the delta map, DIR/deltas.json
	Modules   []ModuleInfo `json:"modules"`
}

// ModuleInfo is one module's entry in fleet.json.
type ModuleInfo struct {
	Slot     string            `json:"slot"`
	IMEI     string            `json:"imei"`
	ICCID    string            `json:"iccid"`
	Model    string            `json:"model"`
	Firmware string            `json:"firmware"` // now, e.g. AirM2M_780EP_V1006_LTE_AT
	Core     int               `json:"core"`     // now
	Target   int               `json:"target"`   // what the platform offers
	Role     string            `json:"role"`
	Expect   Expect            `json:"expect"`
	Online   bool              `json:"online"`
	Ports    map[string]string `json:"ports,omitempty"` // while online, by interface (if02 …): pty devices, or socket:// addresses
	Log      string            `json:"log"`             // the binary log interface: if04, or if02 on a two-port build
	Named    bool              `json:"named,omitempty"` // the links carry the interfaces' names: if00-at, if02-log
}

// ReadFleetFile reads a fleet.json.
func ReadFleetFile(path string) (FleetFile, error) {
	var ff FleetFile
	b, err := os.ReadFile(path)
	if err != nil {
		return ff, err
	}
	err = json.Unmarshal(b, &ff)
	return ff, err
}

// Info returns the module's fleet.json entry.
func (m *Module) Info() ModuleInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	mi := ModuleInfo{Slot: m.slot, IMEI: m.imei, ICCID: m.iccid, Model: m.model.Name,
		Firmware: m.model.Firmware(m.version), Core: m.version, Target: m.target,
		Role: m.role, Expect: m.expect, Online: m.sess != nil, Log: m.LogInterface(), Named: m.named}
	if m.ptys != nil {
		mi.Ports = map[string]string{}
		for k, v := range m.ptys {
			mi.Ports[k] = v
		}
	}
	return mi
}

// changed rewrites fleet.json once the fleet has started.
func (f *Fleet) changed() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started {
		return
	}
	ff := FleetFile{Scenario: f.sc.name, Transport: f.cfg.Transport, Mode: f.sc.mode, Seed: f.cfg.Seed, Speed: f.cfg.Speed,
		Platform: f.plat.BaseURL(), Deltas: f.DeltaMap()}
	for _, m := range f.modules {
		ff.Modules = append(ff.Modules, m.Info())
	}
	b, err := json.MarshalIndent(ff, "", "  ")
	if err == nil {
		err = writeAtomic(filepath.Join(f.cfg.Dir, "fleet.json"), b)
	}
	if err != nil {
		f.logf("%v", err)
	}
}

// fetch GETs target for a module: the status and body, or the error of a
// request that got no answer.
func (f *Fleet) fetch(ctx context.Context, target string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, max(f.clock.dur(30*time.Second), 2*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, body, err
}

func (f *Fleet) logf(format string, args ...any) {
	f.log.Debug(fmt.Sprintf(format, args...))
}

// Modules returns the modules in slot order.
func (f *Fleet) Modules() []*Module { return slices.Clone(f.modules) }

// Module returns the module in slot, or nil.
func (f *Fleet) Module(slot string) *Module { return f.bySlot[slot] }

// Platform returns the fake IoT platform.
func (f *Fleet) Platform() *platform.Platform { return f.plat }

// Dir returns the fleet directory.
func (f *Fleet) Dir() string { return f.cfg.Dir }

// Scenario returns the scenario's name.
func (f *Fleet) Scenario() string { return f.sc.name }

// Mode returns the console mode the scenario is meant for.
func (f *Fleet) Mode() Mode { return f.sc.mode }

// ProjectKey returns the key of an account's default project for a chip
// family (platform.FamilyEC718 or FamilyEC618).
func (f *Fleet) ProjectKey(account, family string) string { return f.accountKey(account, family) }

// Close powers every module down (links removed, ports closed), stops the
// platform, waits for every goroutine, and writes fleet.json a last time.
func (f *Fleet) Close() error {
	f.closeOnce.Do(func() {
		f.cancel()
		f.wg.Wait()
		f.client.CloseIdleConnections()
		if f.plat != nil {
			f.closeErr = f.plat.Close()
		}
		f.changed()
	})
	return f.closeErr
}
