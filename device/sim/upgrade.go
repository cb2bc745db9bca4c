package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"airfleet/device/sim/delta"
)

// checkKind is what started an upgrade check.
type checkKind int

const (
	checkManual     checkKind = iota // AT+UPGRADE
	checkAuto                        // the AUTO/PERIOD timer
	checkPostReboot                  // the request a module makes after an upgrade's reboot
)

// startCheck starts an upgrade check in the background; it reports false if
// one is already running.
func (m *Module) startCheck(s *session, kind checkKind) bool {
	m.mu.Lock()
	if m.up.busy {
		m.mu.Unlock()
		return false
	}
	m.up = upState{state: 1, busy: true}
	m.mu.Unlock()
	s.wg.Add(1)
	go m.check(s, kind)
	return true
}

// finish records a check's result (state 2) and prints it unless quiet.
func (m *Module) finish(s *session, e, http, code int, quiet bool) {
	m.mu.Lock()
	m.up = upState{state: 2, err: e, http: http, code: code, percent: m.up.percent}
	m.mu.Unlock()
	if !quiet {
		m.urc(s, "+UPGRADEIND: "+strconv.Itoa(e))
	}
}

// check asks the server, downloads, verifies, and reboots into the new
// version, as spec §3 describes; power loss (s ending) stops it silently.
func (m *Module) check(s *session, kind checkKind) {
	defer s.wg.Done()
	c := m.f.clock
	wait := m.g.between(RequestDelay-500*time.Millisecond, RequestDelay+500*time.Millisecond)
	switch kind {
	case checkAuto:
		wait = m.g.between(300*time.Millisecond, 1500*time.Millisecond)
	case checkPostReboot:
		wait = m.g.between(500*time.Millisecond, 2*time.Second)
	}
	if !c.sleep(s.ctx, wait) {
		return
	}
	f := m.Faults()
	quiet := kind == checkPostReboot && !m.quirks.PostRebootIND
	fail := func(e, http, code int) { m.finish(s, e, http, code, quiet) }
	if f.NoSIM || f.NoNetwork || f.NoData || !s.registered.Load() {
		fail(-1001, 0, 0)
		return
	}
	if f.ForceError == -1000 {
		fail(-1000, 0, 0)
		return
	}
	target, ok := m.requestURL(f)
	if !ok {
		fail(-1000, 0, 0)
		return
	}
	m.mu.Lock()
	m.checks = append(m.checks, Check{Time: time.Now(), Kind: kind.String()})
	m.mu.Unlock()
	var status int
	var body []byte
	var err error
	if f.ServerDown {
		// Refused without dialling: a port found free and closed again
		// (the dead address) can be taken by any other listener on the
		// host before the module connects, a parallel test's platform
		// included, which then served the delta (TestScenarioOutcomes:
		// "server-down … upgraded to 1007").
		err = fmt.Errorf("dial tcp %s: connect: connection refused", m.f.deadAddr)
	} else {
		status, body, err = m.f.fetch(s.ctx, target)
	}
	if s.ctx.Err() != nil {
		return
	}
	if err != nil {
		m.f.logf("module %s: GET %s: %v", m.slot, target, err)
		fail(-1002, 0, 0)
		return
	}
	if status < 200 || status > 299 {
		if code := platformCode(body); code == 43 {
			fail(-1003, status, 43) // the delta is still being made
		} else {
			fail(-1004, status, code)
		}
		return
	}
	if f.ForceError == -1006 {
		fail(-1006, status, 0)
		return
	}
	if f.CorruptDelta && len(body) > 0 {
		body = append([]byte(nil), body...)
		body[len(body)-1] ^= 0x55
	}
	if !m.download(s, f, status) {
		return
	}
	d, err := delta.Parse(body)
	if err != nil || d.FirmwareName != m.model.FirmwareName() || d.Base != m.Version() ||
		d.Target == d.Base || d.Size > m.model.FOTAArea {
		// Checked after the download, as on the real module (transcript e).
		if !c.sleep(s.ctx, m.g.between(time.Second, 5*time.Second)) {
			return
		}
		fail(-1003, status, 0)
		return
	}
	if m.quirks.LegacyURCs {
		m.urc(s, "+UPGRADEVER: "+m.model.Firmware(d.Target))
	}
	m.mu.Lock()
	m.up = upState{state: 2, http: status, percent: 100, busy: true}
	m.mu.Unlock()
	if !c.sleep(s.ctx, m.g.between(150*time.Millisecond, 250*time.Millisecond)) {
		return
	}
	version, delay := d.Target, m.g.between(RebootMin, RebootMax)
	if f.FailedApply {
		version = m.Version()
	}
	if f.SlowReboot {
		delay = RebootSlow
	}
	m.ask(s, ctlMsg{kind: ctlReboot, delay: delay, version: version, postCheck: !f.FailedApply})
}

// download plays the progress URCs, one every 60–80 ms; it reports false
// when the download ended early (failure, unplug, power loss).
func (m *Module) download(s *session, f Faults, status int) bool {
	for pct := 10; pct <= 100; pct += 10 {
		step := f.ProgressStep
		if step <= 0 {
			step = m.g.between(ProgressStepLo, ProgressStepHi)
		}
		if !m.f.clock.sleep(s.ctx, step) {
			return false
		}
		m.mu.Lock()
		m.up.percent = pct
		unplug := f.UnplugAt > 0 && pct >= f.UnplugAt && !m.unplugDone
		if unplug {
			m.unplugDone = true
		}
		m.mu.Unlock()
		if !m.model.Only100 || pct == 100 {
			m.urc(s, "+UPGRADEIND: "+strconv.Itoa(pct))
		}
		if m.quirks.LegacyURCs && m.g.chance(0.2) {
			m.urc(s, fmt.Sprintf("+UPGRADEDL: %d", pct))
		}
		if unplug {
			m.ask(s, ctlMsg{kind: ctlUnplug, delay: f.UnplugFor})
			return false
		}
		if f.ForceError == -1005 && pct == 50 {
			m.finish(s, -1005, status, 0, false)
			return false
		}
	}
	return true
}

// requestURL builds the module's request: the platform's upgrade endpoint
// with the module's parameters, or the stored URL (with the same parameters
// appended on URLQuery modules). It reports false for a URL the module
// cannot use (-1000).
func (m *Module) requestURL(f Faults) (string, bool) {
	m.mu.Lock()
	st, v := m.ram, m.version
	m.mu.Unlock()
	imeiName := "imei"
	if m.quirks.BadIMEIParam {
		imeiName = "IMEI"
	}
	params := imeiName + "=" + m.imei + "&project_key=" + url.QueryEscape(st.Key) +
		"&firmware_name=" + m.model.FirmwareName() + "&core_version=" + strconv.Itoa(v) +
		"&dfota=1&version=0.0.0"
	target := m.f.upgradeURL + "?" + params
	if st.URL != "" {
		u, err := url.Parse(st.URL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return "", false
		}
		target = st.URL
		if m.quirks.URLQuery {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + params
		}
	}
	if f.ServerDown {
		u, err := url.Parse(target)
		if err != nil {
			return "", false
		}
		u.Host = m.f.deadAddr
		target = u.String()
	}
	return target, true
}

// platformCode reads the platform code from an error answer's JSON body, or 0.
func platformCode(body []byte) int {
	var v struct {
		Code int `json:"code"`
	}
	if json.Unmarshal(body, &v) != nil {
		return 0
	}
	return v.Code
}

// restartAuto restarts the auto-check timer: setting PERIOD or URL brings
// a check 2–30 s later (spec §3, transcripts c and d).
func (m *Module) restartAuto(s *session) {
	select {
	case s.autoReset <- struct{}{}:
	default:
	}
}

// autoLoop checks by itself while AUTO is 1: at a random moment in each
// PERIOD (the first one after power-on falls in the second half of the
// period), and 2–30 s after PERIOD or URL is set.
func (m *Module) autoLoop(s *session) {
	defer s.wg.Done()
	c := m.f.clock
	period := func() time.Duration {
		m.mu.Lock()
		defer m.mu.Unlock()
		return time.Duration(m.ram.Period) * time.Second
	}
	p := period()
	next := time.Now().Add(c.dur(m.g.between(p/2, p)))
	t := time.NewTimer(time.Until(next))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.autoReset:
			t.Reset(c.dur(m.g.between(AutoSoonMin, AutoSoonMax)))
			continue
		case <-t.C:
		}
		m.mu.Lock()
		auto := m.ram.Auto
		m.mu.Unlock()
		if auto {
			m.startCheck(s, checkAuto)
		}
		p = period()
		t.Reset(c.dur(m.g.between(p/2, p*3/2)))
	}
}

// bootLines prints what the application prints after power-on (spec §3,
// transcripts d and f), registers on the network, and makes the automatic
// request that follows an upgrade's reboot.
func (m *Module) bootLines(s *session, postCheck, qind bool) {
	defer s.wg.Done()
	c, g := m.f.clock, m.g
	step := func(lo, hi time.Duration, line string) bool {
		if !c.sleep(s.ctx, g.between(lo, hi)) {
			return false
		}
		m.urc(s, line)
		return true
	}
	if qind { // back from an AT+UARTUPGRADE apply, on a build that says so
		for _, l := range []string{`+QIND: "FOTA","START"`, `+QIND: "FOTA","UPDATING",50`,
			`+QIND: "FOTA","UPDATING",100`, `+QIND: "FOTA","END",0`} {
			if !step(50*time.Millisecond, 150*time.Millisecond, l) {
				return
			}
		}
	}
	if !step(300*time.Millisecond, 500*time.Millisecond, "RDY") {
		return
	}
	if m.quirks.DoubleRDY && !step(50*time.Millisecond, 300*time.Millisecond, "RDY") {
		return
	}
	// Without a SIM or coverage the module searches until the fault is
	// lifted (a SIM put in, coverage back), then registers as usual.
	for {
		f, changed := m.faultsNow()
		if !f.NoSIM && !f.NoNetwork {
			break
		}
		select {
		case <-changed:
		case <-s.ctx.Done():
			return
		}
	}
	if !step(400*time.Millisecond, 600*time.Millisecond, "^MODE: 17,17") {
		return
	}
	if !step(500*time.Millisecond, 700*time.Millisecond, "+E_UTRAN Service") {
		return
	}
	s.registered.Store(true)
	pdn := "+CGEV: ME PDN ACT 1"
	if m.quirks.PDNSuffix {
		pdn += ",0"
	}
	if !m.Faults().NoData && !step(400*time.Millisecond, 600*time.Millisecond, pdn) {
		return
	}
	nitz := "+NITZ: " + time.Now().UTC().Format("2006/01/02,15:04:05") + "+32,0"
	if !step(800*time.Millisecond, 1200*time.Millisecond, nitz) {
		return
	}
	if postCheck && c.sleep(s.ctx, g.between(2*time.Second, 6*time.Second)) {
		m.startCheck(s, checkPostReboot)
	}
}
