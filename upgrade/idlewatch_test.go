package upgrade

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

// idleLog is a station's transcript sink for the idle tests.
type idleLog struct {
	mu    sync.Mutex
	lines []device.Record
	imeis []string // the IMEI each line was logged with
}

func (l *idleLog) add(_, imei string, r device.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r)
	l.imeis = append(l.imeis, imei)
}

// imeiOf returns the IMEI the line with text was logged with.
func (l *idleLog) imeiOf(text string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, r := range l.lines {
		if r.Text == text {
			return l.imeis[i]
		}
	}
	return "(not logged)"
}

func (l *idleLog) snapshot() []device.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]device.Record(nil), l.lines...)
}

// summaryRE reads an idle summary note: the reads it stands for, and the
// lines received in each.
var summaryRE = regexp.MustCompile(`^idle reads unchanged ×(\d+) from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d \(each (\d+) lines: (\d+) sent, (\d+) received\) / 空闲读取无变化 ×(\d+)`)

// received counts the module's lines in the log: "<" lines, and those the
// summaries stand for. It returns the summaries' texts too.
func received(t *testing.T, log []device.Record) (lines int64, summaries []string) {
	t.Helper()
	for _, r := range log {
		switch {
		case r.Dir == device.In:
			lines++
		case r.Dir == device.Note && strings.HasPrefix(r.Text, "idle reads unchanged"):
			m := summaryRE.FindStringSubmatch(r.Text)
			if m == nil || m[1] != m[5] {
				t.Fatalf("summary note %q is not in the expected form, in both languages", r.Text)
			}
			n, _ := strconv.Atoi(m[1])
			each, _ := strconv.Atoi(m[4])
			lines += int64(n * each)
			summaries = append(summaries, r.Text)
		}
	}
	return lines, summaries
}

// idleLogStation runs a station with a fast idle watch and a transcript
// sink over one simulated module of scenario; repeats receives the count
// of unchanged reads after each idle read.
func idleLogStation(t *testing.T, scenario string) (*Sessions, *sim.Module, *idleLog, <-chan int) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{Dir: dir, Modules: 1, Scenario: scenario, Speed: simSpeed})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	log := &idleLog{}
	repeats := make(chan int, 1024)
	hook := func(_ string, n int) {
		select {
		case repeats <- n:
		default:
		}
	}
	idleReadHook.Store(&hook)
	st := NewSessions(&device.DirSource{Dir: dir}, SessionsOptions{
		Interval: 20 * time.Millisecond, IdlePoll: 5 * time.Millisecond, Transcript: log.add,
	})
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Close()
		idleReadHook.Store(nil)
	})
	return st, f.Modules()[0], log, repeats
}

// waitRepeats waits until the idle watch has counted at least n unchanged
// reads in a row.
func waitRepeats(t *testing.T, repeats <-chan int, n int) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case k := <-repeats:
			if k >= n {
				return
			}
		case <-timeout:
			t.Fatalf("fewer than %d unchanged idle reads in 30 s", n)
		}
	}
}

// wantAllRead: every line the console read from the module is in the log,
// written or stood for by a summary. The simulator's count is final once
// the ports are gone, so the module is unplugged first; the session's end
// says its reader has passed on every line, the idle watch's end that its
// summary is written.
func wantAllRead(t *testing.T, m *sim.Module, a *Module, l *idleLog) []string {
	t.Helper()
	m.Unplug()
	for _, done := range []<-chan struct{}{a.Session.Done(), a.watch.done} {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("session or idle watch still running 30 s after the unplug")
		}
	}
	got, summaries := received(t, l.snapshot())
	read := m.LinesRead()
	if want := read[sim.IF02] + read[sim.IF06]; got != want {
		t.Errorf("the log holds and summarises %d lines from the module, the console read %d", got, want)
	}
	return summaries
}

// An idle module whose reads repeat costs the log one summary line, not a
// read's lines each time; the read that changes is written in full after
// the summary, and nothing the console read is missing.
func TestIdleReadsLogOnlyChanges(t *testing.T) {
	st, m, log, repeats := idleLogStation(t, "no-sim")
	waitRepeats(t, repeats, 4)
	before := log.snapshot()
	// Held back, not yet written: the log is one read short of what the
	// console read, four times over, and holds no summary yet.
	if _, s := received(t, before); len(s) != 0 {
		t.Fatalf("summary written while the reads still repeat: %q", s)
	}
	a := st.Module(m.Slot())
	m.SetFaults(sim.Faults{}) // the SIM is found, the network follows
	select {
	case <-a.watch.done:
	case <-time.After(30 * time.Second):
		t.Fatal("idle watch still running 30 s after the module registered")
	}
	after := log.snapshot()
	_, summaries := received(t, after)
	if len(summaries) != 1 {
		t.Fatalf("%d summaries, want one: %q", len(summaries), summaries)
	}
	// The summary comes before the first read that changed, which is
	// written in full: its CPIN answer is READY.
	i := indexOf(after, summaries[0])
	rest := texts(after[i+1:])
	if !strings.Contains(rest, "+CPIN: READY") {
		t.Errorf("the changed read is not written after the summary:\n%s", rest)
	}
	// The console's transcript shows what the log holds: the summary, and
	// the lines after it (lines may still arrive between the two looks).
	tail := st.Transcript(m.Slot())
	j := slices.Index(tail, shown(after[i]))
	if j < 0 {
		t.Fatalf("the console's transcript does not show the summary:\n%s", strings.Join(tail, "\n"))
	}
	for k := 1; j+k < len(tail) && i+k < len(after); k++ {
		if tail[j+k] != shown(after[i+k]) {
			t.Fatalf("after the summary the console shows %q where the log holds %q", tail[j+k], shown(after[i+k]))
		}
	}
	t.Logf("%s", summaries[0])
	if s := wantAllRead(t, m, a, log); len(s) != 1 {
		t.Errorf("%d summaries after the module left, want the one", len(s))
	}
}

// A claim writes the summary and the read under way at once; the
// upgrade's own lines are then written as they come, none held.
func TestIdleClaimWritesSummary(t *testing.T) {
	st, m, log, repeats := idleLogStation(t, "no-sim")
	waitRepeats(t, repeats, 3)
	got := st.Claim(st.Module(m.Slot()))
	_, s := received(t, log.snapshot())
	if len(s) != 1 {
		t.Fatalf("%d summaries after the claim, want one", len(s))
	}
	<-got.watch.done
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info := got.Info
	if err := device.Status(ctx, got.Session, &info); err != nil {
		t.Fatal(err)
	}
	after := log.snapshot()
	if last := after[len(after)-1]; last.Dir != device.In || last.Text != "OK" {
		t.Errorf("the upgrade's read was not written as it came: last line %+v", last)
	}
	if s2 := wantAllRead(t, m, got, log); len(s2) != 1 {
		t.Errorf("%d summaries, want the one of the claim", len(s2))
	}
}

// A module that leaves while its reads repeat: the summary is written when
// its watch ends.
func TestIdleUnplugWritesSummary(t *testing.T) {
	st, m, log, repeats := idleLogStation(t, "no-sim")
	waitRepeats(t, repeats, 3)
	a := st.Module(m.Slot())
	s := wantAllRead(t, m, a, log)
	if len(s) != 1 {
		t.Fatalf("%d summaries after the module left, want one", len(s))
	}
	// Written once the module has left the station: still its own line,
	// found by its IMEI.
	if got := log.imeiOf(s[0]); got != a.Info.IMEI {
		t.Errorf("the summary is logged with IMEI %q, want the module's %s", got, a.Info.IMEI)
	}
}

// shown is a transcript line as the console shows it.
func shown(r device.Record) string {
	return r.Time.Format("15:04:05.000") + " " + r.Dir.String() + " " + r.Text
}

func indexOf(log []device.Record, text string) int {
	for i, r := range log {
		if r.Text == text {
			return i
		}
	}
	return -1
}

func texts(log []device.Record) string {
	var b strings.Builder
	for _, r := range log {
		b.WriteString(r.Dir.String() + " " + r.Text + "\n")
	}
	return b.String()
}

// noSIMRead is one idle read of a module with no SIM, as the simulator
// answers it (device.Status: 4 commands, 14 lines).
var noSIMRead = []struct {
	dir  device.Direction
	text string
}{
	{device.Out, "AT+ICCID"}, {device.In, "AT+ICCID"}, {device.In, "+CME ERROR: 10"},
	{device.Out, "AT+CPIN?"}, {device.In, "AT+CPIN?"}, {device.In, "+CME ERROR: 10"},
	{device.Out, "AT+CEREG?"}, {device.In, "AT+CEREG?"}, {device.In, "+CEREG: 0,0"}, {device.In, "OK"},
	{device.Out, "AT+CSQ"}, {device.In, "AT+CSQ"}, {device.In, "+CSQ: 99,99"}, {device.In, "OK"},
}

// The log's growth for one idle module with no SIM, per hour on the hub,
// on a simulated clock: reads at the idle watch's own schedule (the poll,
// then backing off to its cap), each read the same. Before: every read's
// lines. After: the first read, then a summary every idleSummaryEvery;
// with a URC in every read (a module that reports ^MODE: now and then),
// the URCs too.
//
//	go test -run IdleLogPerHour -v ./upgrade/
func TestIdleLogPerHour(t *testing.T) {
	for _, urc := range []bool{false, true} {
		var written [3]int // lines written in hours 1, 2, 3
		clock := time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC)
		start := clock
		hour := func() int { return int(clock.Sub(start) / time.Hour) }
		h := newIdleHold(func(device.Record) {
			if k := hour(); k < len(written) {
				written[k]++
			}
		})
		reads, readsH1 := 0, 0
		poll := DefaultIdlePoll
		delay := poll
		for quiet := 0; hour() < len(written); quiet++ {
			clock = clock.Add(delay)
			h.begin()
			for i, l := range noSIMRead {
				h.pass(device.Record{Time: clock, Dir: l.dir, Text: l.text})
				if urc && i == 8 {
					h.pass(device.Record{Time: clock, Dir: device.In, Text: "^MODE: 17,17"})
				}
			}
			h.finish(clock)
			reads++
			if hour() == 0 {
				readsH1++
			}
			delay = idleBackoff(delay, quiet+1, poll)
		}
		before := readsH1 * len(noSIMRead)
		if urc {
			before += readsH1
		}
		t.Logf("URC in every read %v: %d reads in the first hour; lines written before: %d/h; after: %d in hour 1, %d in hour 2, %d in hour 3",
			urc, readsH1, before, written[0], written[1], written[2])
		// After: the first read in full, then one summary per quarter hour
		// (and each read's URC, when there is one).
		perRead := 0
		if urc {
			perRead = 1
		}
		want := len(noSIMRead) + perRead + (readsH1-1)*perRead + 4
		if written[0] > want || written[0] < want-1 {
			t.Errorf("hour 1: %d lines written, want %d (±1 summary at the hour's edge)", written[0], want)
		}
		if steady := written[1]; steady > 4+(readsH1+1)*perRead {
			t.Errorf("hour 2: %d lines written", steady)
		}
	}
}

// A module the station lets go of first (its slot changed between two
// listings: detach, then attach) has its summary written after it left
// the station's table: the note still carries its IMEI, so that its
// history finds it.
func TestIdleDetachSummaryKeepsIMEI(t *testing.T) {
	st, m, log, repeats := idleLogStation(t, "no-sim")
	waitRepeats(t, repeats, 3)
	a := st.Module(m.Slot())
	st.detach(m.Slot()) // as handle does on Changed
	select {
	case <-a.watch.done:
	case <-time.After(30 * time.Second):
		t.Fatal("idle watch still running 30 s after the detach")
	}
	_, s := received(t, log.snapshot())
	if len(s) != 1 {
		t.Fatalf("%d summaries after the detach, want one", len(s))
	}
	if got := log.imeiOf(s[0]); got != a.Info.IMEI {
		t.Errorf("the summary is logged with IMEI %q, want the module's %s", got, a.Info.IMEI)
	}
}
