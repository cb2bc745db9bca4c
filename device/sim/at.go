package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The simulator's own reading of the AT command set (spec §1–§3). It shares
// nothing with the driver.

// answer is a command's response lines (final result last) and an action
// to run once they are queued.
type answer struct {
	lines []string
	after func()
	delay time.Duration // simulated wait before the lines are sent
}

func ok(lines ...string) answer { return answer{lines: append(lines, "OK")} }

var errorAnswer = answer{lines: []string{"ERROR"}}

// cmeError is the final result for module error n under the AT+CMEE mode.
func (m *Module) cmeError(n int) answer {
	m.mu.Lock()
	mode := m.cmee
	m.mu.Unlock()
	switch {
	case mode == 0:
		return errorAnswer
	case mode == 2 && n == 10:
		return answer{lines: []string{"+CME ERROR: SIM not inserted"}}
	}
	return answer{lines: []string{"+CME ERROR: " + strconv.Itoa(n)}}
}

// strayURCs are the unrelated URCs a URCInCommand module slips between a
// command's echo and its answer.
var strayURCs = []string{"+CGEV: ME PDN ACT 1", "^MODE: 17,17", "+E_UTRAN Service", "+CSCON: 1"}

// command handles one command line from port p.
func (m *Module) command(s *session, p *port, raw string, term byte) {
	if !m.waitStall(s) {
		return
	}
	if p.echo {
		n := 0
		if strings.TrimSpace(raw) != "" {
			n = 1
		}
		p.send([]byte(raw+string(term)), n)
	}
	cmd := strings.TrimSpace(raw)
	if len(cmd) < 2 || !strings.EqualFold(cmd[:2], "AT") {
		return // not a command: a real module ignores it too
	}
	if m.quirks.URCInCommand && m.g.chance(0.3) {
		m.urc(s, strayURCs[m.g.intn(len(strayURCs))])
	}
	a := m.exec(s, p, cmd[2:])
	if a.delay > 0 && !m.f.clock.sleep(s.ctx, a.delay) {
		return
	}
	if len(a.lines) > 0 {
		m.reply(p, a.lines...)
	}
	if a.after != nil {
		a.after()
	}
}

// waitStall counts the command, starts a StallAt stall, and waits out any
// stall; it reports false when the session ended meanwhile.
func (m *Module) waitStall(s *session) bool {
	m.mu.Lock()
	m.commands++
	if f := m.faults; f.StallAt > 0 && m.commands >= f.StallAt && !m.stallDone {
		m.stallDone = true
		if until := time.Now().Add(m.f.clock.dur(f.StallFor)); until.After(m.stallUntil) {
			m.stallUntil = until
		}
	}
	wait := time.Until(m.stallUntil)
	m.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
		}
	}
	return s.ctx.Err() == nil
}

// exec runs the command body (what follows "AT").
func (m *Module) exec(s *session, p *port, body string) answer {
	up := strings.ToUpper(body)
	switch {
	case up == "":
		return ok()
	case up == "I" || up == "I0":
		return m.ati()
	case up == "E0" || up == "E1" || up == "E":
		p.echo = up == "E1"
		return ok()
	case up == "+CGMR" || up == "+GMR":
		return ok(fmt.Sprintf("+CGMR: %q", m.Firmware()))
	case up == "+CGMM" || up == "+GMM":
		return ok(fmt.Sprintf("+CGMM: %q", m.model.Name))
	case up == "+CGMI" || up == "+GMI":
		return ok(`+CGMI: "AirM2M"`)
	case up == "+CGSN" || up == "+GSN" || up == "+CGSN=0":
		return ok(m.imei)
	case up == "+CGSN=1":
		return ok(fmt.Sprintf("+CGSN: %q", m.imei))
	case up == "*I":
		return m.starI()
	case up == "+ICCID" || up == "+CCID":
		if m.Faults().NoSIM {
			return m.cmeError(10)
		}
		return ok("+ICCID: " + m.iccid)
	case up == "+CIMI":
		if m.Faults().NoSIM {
			return m.cmeError(10)
		}
		return ok(m.imsi)
	case up == "+CPIN?":
		if m.Faults().NoSIM {
			return m.cmeError(10)
		}
		return ok("+CPIN: READY")
	case up == "+CREG?":
		return ok(fmt.Sprintf("+CREG: 0,%d", m.regStat(s)))
	case up == "+CEREG?":
		return ok(fmt.Sprintf("+CEREG: 0,%d", m.regStat(s)))
	case up == "+CSQ":
		if m.regStat(s) == 1 || m.regStat(s) == 5 {
			return ok(fmt.Sprintf("+CSQ: %d,99", m.csq))
		}
		return ok("+CSQ: 99,99")
	case up == "+RESET":
		return answer{lines: []string{"OK"}, after: func() {
			if m.f.clock.sleep(s.ctx, m.g.between(100*time.Millisecond, 300*time.Millisecond)) {
				m.ask(s, ctlMsg{kind: ctlReboot, delay: ResetDelay, version: m.Version()})
			}
		}}
	case strings.HasPrefix(up, "+CMEE"):
		return m.setCMEE(up[len("+CMEE"):])
	case up == "&W" || up == "Z" || up == "&F":
		return ok()
	case strings.HasPrefix(up, "+UARTUPGRADE"):
		return m.uartCmd(s, body[len("+UARTUPGRADE"):])
	case strings.HasPrefix(up, "+UPGRADE"):
		return m.upgradeCmd(s, body[len("+UPGRADE"):])
	}
	return errorAnswer
}

// ati answers ATI: the firmware string, after extra lines on some builds.
func (m *Module) ati() answer {
	var lines []string
	if m.quirks.ATIExtra {
		extra := []string{"EigenComm", m.model.Name, "Manufacturer: AirM2M", "OPENLUAT"}
		lines = append(lines, extra[m.index%len(extra):]...)
	}
	return ok(append(lines, m.Firmware())...)
}

// starI answers AT*I.
func (m *Module) starI() answer {
	iccid, imsi := m.iccid, m.imsi
	if m.Faults().NoSIM {
		iccid, imsi = "", ""
	}
	return ok(
		"Manufacturer: AirM2M",
		"Model: "+m.model.Name,
		"Revision: "+m.Firmware(),
		"HWver: "+m.model.hwver,
		"Buildtime: Jul 17 2024 11:26:40",
		"IMEI: "+m.imei,
		"ICCID: "+iccid,
		"IMSI: "+imsi,
	)
}

// regStat is the registration state: 0 no SIM, 2 searching, 1 home, 5 roaming.
func (m *Module) regStat(s *session) int {
	f := m.Faults()
	switch {
	case f.NoSIM:
		return 0
	case f.NoNetwork || !s.registered.Load():
		return 2
	case m.quirks.Roaming:
		return 5
	}
	return 1
}

// cmee handles AT+CMEE=<n> and AT+CMEE?.
func (m *Module) setCMEE(rest string) answer {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch rest {
	case "?":
		return ok(fmt.Sprintf("+CMEE: %d", m.cmee))
	case "=0", "=1", "=2":
		m.cmee = int(rest[1] - '0')
		return ok()
	case "=?":
		return ok("+CMEE: (0-2)")
	}
	return errorAnswer
}

// arg is one parameter of a set command.
type arg struct {
	v      string
	quoted bool
}

// splitArgs splits a parameter list at commas outside double quotes.
func splitArgs(s string) ([]arg, bool) {
	var out []arg
	var cur strings.Builder
	inQ, quoted := false, false
	flush := func() {
		v := cur.String()
		if !quoted {
			v = strings.TrimSpace(v)
		}
		out = append(out, arg{v: v, quoted: quoted})
		cur.Reset()
		quoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			if !inQ && strings.TrimSpace(cur.String()) != "" {
				return nil, false // a quote in the middle of a value
			}
			if !inQ {
				cur.Reset()
			}
			inQ = !inQ
			quoted = true
		case c == ',' && !inQ:
			flush()
		case quoted && !inQ && c != ' ':
			return nil, false // text after a closing quote
		case quoted && !inQ:
		default:
			cur.WriteByte(c)
		}
	}
	if inQ {
		return nil, false
	}
	flush()
	return out, true
}

// upgradeCmd handles AT+UPGRADE and its forms; rest follows "+UPGRADE".
func (m *Module) upgradeCmd(s *session, rest string) answer {
	switch strings.TrimSpace(rest) {
	case "":
		if !m.startCheck(s, checkManual) {
			return errorAnswer
		}
		return answer{lines: []string{"OK"}, delay: m.Faults().LateUpgradeOK}
	case "?":
		return ok(m.stateLine())
	case "=?":
		return ok(`+UPGRADE: ("KEY","URL","PERIOD","AUTO"),(value),(0,1)`)
	}
	if !strings.HasPrefix(rest, "=") {
		return errorAnswer
	}
	args, good := splitArgs(rest[1:])
	if !good || len(args) == 0 || len(args) > 3 {
		return errorAnswer
	}
	tag := strings.ToUpper(args[0].v)
	switch tag {
	case "KEY", "URL", "PERIOD", "AUTO":
	default:
		return errorAnswer
	}
	if len(args) == 1 {
		return ok(m.tagLine(tag))
	}
	save := true
	if len(args) == 3 {
		switch args[2].v {
		case "0":
		case "1":
			save = false // savetoNV = 1: RAM only
		default:
			return errorAnswer
		}
	}
	return m.setTag(s, tag, args[1].v, save)
}

// setTag stores one AT+UPGRADE tag in RAM, and in NV when save.
func (m *Module) setTag(s *session, tag, v string, save bool) answer {
	set := func(f func(*settings)) {
		m.mu.Lock()
		f(&m.ram)
		if save {
			f(&m.nv)
		}
		m.mu.Unlock()
	}
	switch tag {
	case "KEY":
		if v == "" && !m.quirks.ClearWithEmpty || !validKey(v) {
			return errorAnswer
		}
		set(func(st *settings) { st.Key = v })
	case "URL":
		if v == "" && !m.quirks.ClearWithEmpty || !validURLArg(v) {
			return m.cmeError(1000)
		}
		set(func(st *settings) { st.URL = v })
		m.restartAuto(s)
	case "PERIOD":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 60 || n > 1<<32 {
			return errorAnswer
		}
		set(func(st *settings) { st.Period = n })
		m.restartAuto(s)
	case "AUTO":
		if v != "0" && v != "1" {
			return errorAnswer
		}
		set(func(st *settings) { st.Auto = v == "1" })
	}
	return ok()
}

// validKey accepts up to 64 letters and digits (the empty key clears).
func validKey(v string) bool {
	if len(v) > 64 {
		return false
	}
	for _, c := range []byte(v) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// validURLArg is the check AT+UPGRADE="URL" makes when the URL is set: an
// http(s) scheme, printable, not too long (the empty URL clears).
func validURLArg(v string) bool {
	if v == "" {
		return true
	}
	l := strings.ToLower(v)
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") || len(v) > 255 {
		return false
	}
	for _, c := range []byte(v) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// tagLine is the answer to a tag read, in the module's format.
func (m *Module) tagLine(tag string) string {
	m.mu.Lock()
	st := m.ram
	m.mu.Unlock()
	var v string
	num := true
	switch tag {
	case "KEY":
		v, num = st.Key, false
	case "URL":
		v, num = st.URL, false
	case "PERIOD":
		v = strconv.FormatInt(st.Period, 10)
	case "AUTO":
		v = "0"
		if st.Auto {
			v = "1"
		}
	}
	q := func(s string) string { return `"` + s + `"` }
	val := v
	switch m.quirks.Tag {
	case TagQuoted:
		if !num {
			val = q(v)
		}
		return "+UPGRADE:" + q(tag) + "," + val
	case TagQuotedSpace:
		if !num {
			val = q(v)
		}
		return "+UPGRADE: " + q(tag) + "," + val
	case TagBare:
		return "+UPGRADE: " + tag + "," + v
	default: // TagValueQuoted
		if !num {
			val = q(v)
		}
		return "+UPGRADE:" + tag + "," + val
	}
}

// stateLine is the answer to AT+UPGRADE?, in the module's format.
func (m *Module) stateLine() string {
	m.mu.Lock()
	u := m.up
	m.mu.Unlock()
	f := m.quirks.State
	head := "+UPGRADE: "
	if f == StateNoSpace {
		head = "+UPGRADE:"
	}
	switch u.state {
	case 0:
		return head + "0"
	case 1:
		if f == StateBracketed {
			return fmt.Sprintf("%s1, [%d]", head, u.percent)
		}
		return fmt.Sprintf("%s1,%d", head, u.percent)
	}
	e, h, c := strconv.Itoa(u.err), strconv.Itoa(u.http), strconv.Itoa(u.code)
	switch f {
	case StateBracketed:
		return fmt.Sprintf("%s2, [%s, %s, %s]", head, e, h, c)
	case StateEmpty:
		h = ""
		if u.code == 0 {
			c = ""
		}
	case StateTrailing:
		switch {
		case u.http == 0 && u.code == 0:
			return head + "2," + e
		case u.code == 0:
			return head + "2," + e + "," + h
		}
	}
	return head + "2," + e + "," + h + "," + c
}
