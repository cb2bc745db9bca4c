package sim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEveryScenarioIsDocumentedAndStarts(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Scenarios() {
		if !bytes.Contains(doc, []byte("//\t"+name+" ")) {
			t.Errorf("scenario %s is not in the table of doc.go", name)
		}
		if ScenarioInfo(name) == "" || !strings.Contains(ScenarioHelp(), name) {
			t.Errorf("scenario %s has no description", name)
		}
		t.Run(name, func(t *testing.T) {
			sc, _ := findScenario(name)
			n := max(2, sc.minModules)
			f := startFleet(t, Config{Scenario: name, Modules: n, Seed: 3})
			ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
			if err != nil || len(ff.Modules) != n || ff.Scenario != name {
				t.Fatalf("fleet.json: %+v, %v", ff, err)
			}
			for _, mi := range ff.Modules {
				if mi.Expect.Result == "" || !mi.Online || mi.Ports[IF06]+mi.Ports[IF00] == "" || mi.Role == "" {
					t.Errorf("entry %+v", mi)
				}
			}
			if _, err := os.Stat(filepath.Join(f.Dir(), "platform.json")); err != nil {
				t.Error(err)
			}
		})
	}
	for _, r := range Roles() {
		if RoleInfo(r) == "" {
			t.Errorf("role %s has no description", r)
		}
	}
}

func TestMixedIsDeterministic(t *testing.T) {
	entries := func() []ModuleInfo {
		f := startFleet(t, Config{Scenario: "mixed", Modules: 12, Seed: 99})
		ff, err := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range f.Modules() {
			ff.Modules[i].Ports = nil
			if m.Quirks() != f.Modules()[i].Quirks() {
				t.Fatal("quirks changed")
			}
		}
		return ff.Modules
	}
	a, b := entries(), entries()
	if !slices.EqualFunc(a, b, func(x, y ModuleInfo) bool {
		return x.Slot == y.Slot && x.IMEI == y.IMEI && x.ICCID == y.ICCID && x.Role == y.Role && x.Expect == y.Expect && x.Firmware == y.Firmware
	}) {
		t.Fatalf("two starts differ:\n%+v\n%+v", a, b)
	}
	want := map[int]struct {
		role   string
		expect Expect
	}{
		0:  {"ok", Expect{Result: ResultUpgraded, To: 1007}},
		1:  {"wrong-key", Expect{Result: ResultHeld, Reason: "stored key"}},
		2:  {"too-big", Expect{Result: ResultFailed, Code: -1003, Reason: "too big"}},
		3:  {"not-listed", Expect{Result: ResultFailed, Code: 27}},
		4:  {"unplug", Expect{Result: ResultUpgraded, To: 1007}},
		5:  {"banned", Expect{Result: ResultFailed, Code: 40}},
		6:  {"slow-reboot", Expect{Result: ResultUpgraded, To: 1147}},
		7:  {"failed-apply", Expect{Result: ResultFailed, Reason: "apply"}},
		11: {"ok", Expect{Result: ResultUpgraded, To: 1016}},
	}
	for i, w := range want {
		if a[i].Role != w.role || a[i].Expect != w.expect {
			t.Errorf("module %d: %s %+v, want %s %+v", i, a[i].Role, a[i].Expect, w.role, w.expect)
		}
	}
	if a[0].Model != "Air780EPS" || a[2].Model != "Air780E" || a[2].Core != 1138 || a[11].Model != "Air780ET" {
		t.Errorf("models: %+v", a)
	}
	seen := map[string]bool{}
	for _, e := range a {
		if seen[e.IMEI] || seen[e.Slot] {
			t.Errorf("duplicate IMEI or slot: %+v", e)
		}
		seen[e.IMEI], seen[e.Slot] = true, true
	}
}

// TestIF04NeverBlocks: nobody reads if04 or if02; the module keeps
// answering on if06, and closing does not hang.
func TestIF04NeverBlocks(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true, Speed: 1})
	m := f.Modules()[0]
	c := dialAT(t, m)
	for range 300 {
		m.Garbage(1000) // floods if02, whose pty nobody reads
	}
	for i := range 50 {
		if _, final := c.answer("AT"); final != "OK" {
			t.Fatalf("AT #%d: %s", i, final)
		}
	}
	// if04 carries binary noise, never text.
	nf, err := os.OpenFile(filepath.Join(m.Dir(), IF04), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer nf.Close()
	var buf []byte
	chunk := make([]byte, 512)
	for len(buf) < 200 {
		n, err := nf.Read(chunk)
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, chunk[:n]...)
	}
	text := 0
	for _, b := range buf {
		if b >= ' ' && b < 0x7f {
			text++
		}
	}
	if text*4 > len(buf) {
		t.Errorf("if04 looks like text: %d of %d bytes printable", text, len(buf))
	}
}

// TestManyModulesNoLeak starts and closes 32 modules (with quirks) and
// checks that goroutines and file descriptors return to where they were.
func TestManyModulesNoLeak(t *testing.T) {
	fds := func() int { e, _ := os.ReadDir("/proc/self/fd"); return len(e) }
	g0, fd0 := runtime.NumGoroutine(), fds()
	dir := t.TempDir()
	f, err := Start(context.Background(), Config{Dir: dir, Modules: 32, Scenario: "mixed", Speed: 100, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Modules()); n != 32 {
		t.Fatalf("%d modules", n)
	}
	for _, m := range f.Modules() {
		if linkTarget(m, IF06) == "" || linkTarget(m, IF02) == "" || linkTarget(m, IF04) == "" {
			t.Fatalf("module %s lacks links", m.Slot())
		}
	}
	c := dialAT(t, f.Modules()[31])
	c.answer("AT")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c.waitClosed()
	c.f.Close()
	for _, m := range f.Modules() {
		if linkTarget(m, IF06) != "" {
			t.Fatalf("module %s still linked after Close", m.Slot())
		}
	}
	waitUntil(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= g0 })
	waitUntil(t, "fds to close", func() bool { return fds() <= fd0 })
}

func TestUnplugPlugLosesRAM(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true})
	m := f.Modules()[0]
	old := m.Ports()[IF06]
	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="KEY",Saved`)
	c.answer(`AT+UPGRADE="KEY",Unsaved,1`)
	m.Unplug()
	if linkTarget(m, IF06) != "" || m.Online() {
		t.Fatal("links remain after Unplug")
	}
	c.waitClosed()
	ff, _ := ReadFleetFile(filepath.Join(f.Dir(), "fleet.json"))
	if ff.Modules[0].Online {
		t.Error("fleet.json still shows the module online")
	}
	m.Plug()
	waitUntil(t, "plugged back", func() bool { return linkTarget(m, IF06) != "" })
	if m.Ports()[IF06] == old {
		t.Errorf("same pty %s after replug", old)
	}
	c = dialAT(t, m)
	if lines, _ := c.answer(`AT+UPGRADE="KEY"`); !slices.Equal(lines, []string{`+UPGRADE:"KEY","Saved"`}) {
		t.Errorf("key after power cycle = %q", lines)
	}
}

func TestUnplugMidDownloadThenRetry(t *testing.T) {
	f := startFleet(t, Config{Scenario: "unplug", Modules: 1, NoQuirks: true})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.waitRegistered()
	c.answer("AT+UPGRADE")
	c.waitLine("+UPGRADEIND: 50")
	c.waitClosed()
	waitUntil(t, "back", func() bool { return linkTarget(m, IF06) != "" })
	if m.Version() != 1006 {
		t.Fatal("upgraded although unplugged mid-download")
	}
	c = dialAT(t, m)
	c.answer(`AT+UPGRADE="AUTO",0`)
	c.waitRegistered()
	if lines, _ := c.answer("AT+UPGRADE?"); !slices.Equal(lines, []string{"+UPGRADE: 0"}) {
		t.Errorf("state after power loss = %q", lines)
	}
	if inds := upgrade(c); inds[len(inds)-1] != "100" {
		t.Fatalf("retry: %q", inds)
	}
	waitUntil(t, "upgraded", func() bool { return m.Version() == 1007 && m.Online() })
}

func TestStallAnswersLate(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, NoQuirks: true})
	m := f.Modules()[0]
	c := dialAT(t, m)
	c.answer("AT")
	m.Stall(150 * time.Millisecond)
	start := time.Now()
	c.send("AT+CGMM")
	c.waitLine(`+CGMM: "Air780EP"`)
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Errorf("answered after %v, inside the stall", d)
	}
}

func TestQuirkyFraming(t *testing.T) {
	endings := []string{"\r\n", "\n", "\r"}
	f := startFleet(t, Config{Modules: 3, Tweak: func(i int, s *ModuleSpec) {
		s.Quirks = Quirks{LineEnding: endings[i], Chunked: true, BlankLines: true, DoubleRDY: true,
			URCInCommand: true, ATIExtra: true}
	}})
	for i, m := range f.Modules() {
		c := dialAT(t, m)
		rdy := 0
		for rdy < 2 {
			if l, _ := c.next(waitLong); l == "RDY" {
				rdy++
			}
		}
		stray := 0
		for range 12 {
			all := c.cmd("ATI")
			if all[len(all)-1] != "OK" || all[len(all)-2] != m.Firmware() {
				t.Fatalf("module %d: ATI = %q", i, all)
			}
			if slices.Contains(all, strayURCs[0]) || slices.Contains(all, strayURCs[1]) || slices.Contains(all, strayURCs[3]) {
				stray++
			}
			if !slices.Contains(all, "EigenComm") && !slices.Contains(all, "OPENLUAT") {
				t.Fatalf("module %d: ATI without extra lines: %q", i, all)
			}
		}
		if stray == 0 {
			t.Errorf("module %d: no URC between echo and OK in 12 commands", i)
		}
	}
}

func TestLinesSentCountsWhatTheConsoleSees(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, Tweak: func(i int, s *ModuleSpec) {
		s.Quirks = Quirks{BlankLines: true, Chunked: true}
	}})
	m := f.Modules()[0]
	c := dialAT(t, m)
	_, seen := c.waitFor("+NITZ (boot done)", func(l string) bool { return strings.HasPrefix(l, "+NITZ: ") })
	got := len(seen) + 1 // the port keeps what the module wrote before we opened it
	got += len(c.cmd("ATI"))
	got += len(c.cmd("AT+CGMR"))
	waitUntil(t, "count", func() bool { return m.LinesSent()[IF06] >= int64(got) })
	if n := m.LinesSent()[IF06]; n != int64(got) {
		t.Errorf("LinesSent = %d, the console read %d lines", n, got)
	}
	if m.LinesSent()[IF04] != 0 {
		t.Error("if04 noise counted as lines")
	}
}

// LinesRead counts the lines a reader took from a port, garbage included,
// and nothing of a port nobody opened or of what came after a reader left.
func TestLinesReadCountsWhatAReaderTook(t *testing.T) {
	endings := []string{"\r\n", "\n", "\r"}
	f := startFleet(t, Config{Modules: len(endings), Tweak: func(i int, s *ModuleSpec) {
		s.Quirks = Quirks{LineEnding: endings[i], Chunked: true, BlankLines: true, URCInCommand: true}
	}})
	for i, m := range f.Modules() {
		c := dialAT(t, m)
		c.waitFor("+NITZ (boot done)", func(l string) bool { return strings.HasPrefix(l, "+NITZ: ") })
		// if02 is opened, used and left: what comes after does not count.
		c02 := dialPort(t, filepath.Join(m.Dir(), IF02))
		c02.cmd("AT")
		c02.f.Close()
		c02.waitClosed()
		m.mu.Lock()
		s := m.sess
		m.mu.Unlock()
		m.urc(s, "+CSCON: 0") // on both AT ports: if02 keeps it unread
		for range 6 {
			m.Garbage(1 + i) // a line of its own before the next framed line, or part of the echo
			c.cmd("AT+CGMR")
		}
		m.Garbage(3) // no line ending follows: no line
		m.Unplug()
		c.waitClosed()
		got := m.LinesRead()
		if got[IF06] != c.n.Load() {
			t.Errorf("module %d: LinesRead if06 = %d, the reader took %d lines", i, got[IF06], c.n.Load())
		}
		if got[IF02] != c02.n.Load() || m.LinesSent()[IF02] <= c02.n.Load() {
			t.Errorf("module %d: LinesRead if02 = %d, the reader took %d lines of %d sent",
				i, got[IF02], c02.n.Load(), m.LinesSent()[IF02])
		}
		if got[IF04] != 0 {
			t.Errorf("module %d: if04 counted %d lines", i, got[IF04])
		}
	}
}

// A port nobody opens counts nothing, however much the module sent there.
func TestLinesReadOfAPortNobodyOpened(t *testing.T) {
	f := startFleet(t, Config{Modules: 1, Tweak: func(i int, s *ModuleSpec) { s.Quirks = Quirks{} }})
	m := f.Modules()[0]
	waitUntil(t, "if06 link", func() bool { return linkTarget(m, IF06) != "" })
	m.mu.Lock()
	s := m.sess
	m.mu.Unlock()
	deadline := time.Now().Add(waitLong)
	for m.LinesSent()[IF02] < 400 { // about 10 KB, more than the kernel's 4 KB line buffer
		if time.Now().After(deadline) {
			t.Fatalf("only %d lines written", m.LinesSent()[IF02])
		}
		m.Garbage(12)
		m.urc(s, "+CSCON: 1")
		time.Sleep(100 * time.Microsecond) // let the writer keep up with its queue
	}
	m.Unplug()
	if got := m.LinesRead(); got[IF02] != 0 || got[IF06] != 0 {
		t.Errorf("LinesRead = %v, want nothing read", got)
	}
}

func TestRunPrintsTable(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error)
	dir := t.TempDir()
	go func() { done <- Run(ctx, Config{Dir: dir, Modules: 3, Speed: 100}, &out) }()
	waitUntil(t, "table", func() bool { return strings.Count(out.String(), "AirM2M_780EP_V1006_LTE_AT") == 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"platform http://127.0.0.1:", "1-1.1.3", "upgraded to 1007"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Run output lacks %q:\n%s", want, out.String())
		}
	}
}
