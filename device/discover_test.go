package device

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestVIDPIDParse(t *testing.T) {
	tests := []struct {
		in   string
		want VIDPID
		ok   bool
	}{
		{"19d1:0001", VIDPID{0x19d1, 0x0001}, true},
		{"19D1:0001", VIDPID{0x19d1, 0x0001}, true},
		{" 1782:4e00\n", VIDPID{0x1782, 0x4e00}, true},
		{"17d1:1", VIDPID{0x17d1, 0x0001}, true},
		{"19d1", VIDPID{}, false},
		{"19d1:", VIDPID{}, false},
		{":0001", VIDPID{}, false},
		{"19d1:00001", VIDPID{}, false},
		{"0x19:0001", VIDPID{}, false},
		{"xyzw:0001", VIDPID{}, false},
		{"+1:0001", VIDPID{}, false},
		{"19d1:0001:2", VIDPID{}, false},
		{"", VIDPID{}, false},
	}
	for _, tt := range tests {
		got, err := ParseVIDPID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseVIDPID(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "19d1:0001") && !strings.Contains(err.Error(), "hex") {
			t.Errorf("ParseVIDPID(%q) error %q does not show the expected form", tt.in, err)
		}
	}
}

func TestVIDPIDFormat(t *testing.T) {
	id := VIDPID{0x19d1, 0x1}
	if got := id.String(); got != "19d1:0001" {
		t.Fatalf("String() = %q, want 19d1:0001", got)
	}
	b, err := json.Marshal([]VIDPID{id, {0x1782, 0x4e00}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `["19d1:0001","1782:4e00"]` {
		t.Fatalf("json = %s", b)
	}
	var back []VIDPID
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 2 || back[0] != id {
		t.Fatalf("json round trip = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`["nope"]`), &back); err == nil {
		t.Fatal("bad JSON ID accepted")
	}
	if d := DefaultAllow(); len(d) != 1 || d[0].String() != "19d1:0001" {
		t.Fatalf("DefaultAllow() = %v", d)
	}
}

func TestVIDPIDList(t *testing.T) {
	got, err := ParseVIDPIDList("19d1:0001, 1782:4e00,")
	if err != nil || len(got) != 2 || got[1] != (VIDPID{0x1782, 0x4e00}) {
		t.Fatalf("ParseVIDPIDList = %v, %v", got, err)
	}
	if _, err := ParseVIDPIDList("19d1:0001,bad"); err == nil {
		t.Fatal("bad list accepted")
	}
}

func FuzzVIDPIDParse(f *testing.F) {
	for _, s := range []string{"19d1:0001", "17D1:ffff", "1:2", "::", "19d1:0001\n", "-0:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseVIDPID(s)
		if err != nil {
			return
		}
		again, err := ParseVIDPID(id.String())
		if err != nil || again != id {
			t.Fatalf("%q → %v → %v, %v", s, id, again, err)
		}
	})
}

func TestSysfsParseID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"19d1\n", "19d1", true},
		{"19D1\n", "19d1", true},
		{"0001", "0001", true},
		{" 17d1 \n", "17d1", true},
		{"", "", false},
		{"\n", "", false},
		{"19d\n", "", false},
		{"19d10\n", "", false},
		{"19g1\n", "", false},
		{"+19d\n", "", false},
	}
	for _, tt := range tests {
		got, err := parseSysfsID([]byte(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSysfsID(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestSysfsParseInterfaceNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"06\n", 6, true},
		{"02\n", 2, true},
		{"00\n", 0, true},
		{"0a\n", 10, true},
		{"6", 6, true},
		{"ff\n", 255, true},
		{"", 0, false},
		{"\n", 0, false},
		{"006\n", 0, false},
		{"-1", 0, false},
		{"g1", 0, false},
	}
	for _, tt := range tests {
		got, err := parseInterfaceNumber([]byte(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseInterfaceNumber(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := parseSysfsText([]byte("000000000001\n")); got != "000000000001" {
		t.Errorf("parseSysfsText = %q", got)
	}
}

func FuzzSysfsParse(f *testing.F) {
	for _, s := range []string{"06\n", "19d1\n", "", "0a", "ffff\n", "\x00\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := parseInterfaceNumber(b); err == nil && (n < 0 || n > 255) {
			t.Fatalf("interface %d out of range from %q", n, b)
		}
		if id, err := parseSysfsID(b); err == nil {
			if len(id) != 4 || strings.ToLower(id) != id {
				t.Fatalf("ID %q from %q", id, b)
			}
		}
	})
}

func TestDiscoverChooseATPort(t *testing.T) {
	tests := []struct {
		ports map[int]string
		want  string
	}{
		{map[int]string{2: "a", 4: "b", 6: "c"}, "c"},
		{map[int]string{2: "a", 4: "b"}, "a"},
		{map[int]string{6: "c"}, "c"},
		{map[int]string{4: "b"}, ""},
		{map[int]string{0: "x", 1: "y", 4: "b"}, ""},
		// The two-port builds (_LSAT, _AUAT): 00 answers AT, 02 is
		// the binary log (spec §6).
		{map[int]string{0: "x", 2: "a"}, "x"},
		{map[int]string{0: "x"}, "x"},
		// 02 alone is 06's fallback or a two-port build's log: not
		// a port to write to until the others show which.
		{map[int]string{2: "a"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := chooseATPort(tt.ports, nil); got != tt.want {
			t.Errorf("chooseATPort(%v) = %q, want %q", tt.ports, got, tt.want)
		}
	}
}

// probeLog is a fake Prober: ports in ok answer, others fail.
type probeLog struct {
	mu    sync.Mutex
	ok    map[string]bool
	tried []string
}

func (p *probeLog) probe(ctx context.Context, c Candidate) error {
	p.mu.Lock()
	p.tried = append(p.tried, c.ATPort)
	p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.ok[c.ATPort] {
		return nil
	}
	return errors.New("no OK")
}

func TestDiscoverConfirm(t *testing.T) {
	normal := func(slot string) Candidate {
		ports := map[int]string{2: slot + "/if02", 4: slot + "/if04", 6: slot + "/if06"}
		return Candidate{Slot: slot, Ports: ports, ATPort: ports[6]}
	}
	preset := normal("e")
	preset.Problem = errors.New("if06 is not a serial device")
	cands := []Candidate{
		normal("a"),
		normal("b"),
		normal("c"),
		{Slot: "d", Ports: map[int]string{0: "d/boot"}, Mode: ModeDownload},
		preset,
		{Slot: "f", Ports: map[int]string{4: "f/if04"}},
	}
	p := &probeLog{ok: map[string]bool{"a/if06": true, "b/if02": true}}
	got := Confirm(context.Background(), cands, p.probe, 2)

	if len(got) != len(cands) {
		t.Fatalf("got %d candidates, want %d", len(got), len(cands))
	}
	check := func(i int, slot, at string, confirmed bool, problem string) {
		t.Helper()
		c := got[i]
		if c.Slot != slot || c.ATPort != at || c.Confirmed != confirmed {
			t.Errorf("candidate %d = %s at %q confirmed=%v; want %s at %q confirmed=%v",
				i, c.Slot, c.ATPort, c.Confirmed, slot, at, confirmed)
		}
		if problem == "" && c.Problem != nil || problem != "" && (c.Problem == nil || !strings.Contains(c.Problem.Error(), problem)) {
			t.Errorf("candidate %s problem = %v, want %q", slot, c.Problem, problem)
		}
	}
	check(0, "a", "a/if06", true, "")
	check(1, "b", "b/if02", true, "")
	check(2, "c", "c/if06", false, "module c does not answer AT")
	check(3, "d", "", false, "")
	check(4, "e", "e/if06", false, "not a serial device")
	check(5, "f", "", false, "has no AT port")
	if !strings.Contains(got[2].Problem.Error(), "c/if02 (interface 02)") {
		t.Errorf("problem does not name both ports: %v", got[2].Problem)
	}
	for _, port := range p.tried {
		if strings.HasSuffix(port, "if04") || strings.HasPrefix(port, "d/") || strings.HasPrefix(port, "e/") {
			t.Errorf("probed %s", port)
		}
	}
}

func TestDiscoverConfirmLimit(t *testing.T) {
	const n, limit = 10, 3
	var cands []Candidate
	for i := range n {
		cands = append(cands, Candidate{Slot: fmt.Sprint(i), Ports: map[int]string{6: fmt.Sprint(i)}})
	}
	var inFlight, peak atomic.Int32
	entered := make(chan struct{}, n)
	gate := make(chan struct{})
	probe := func(ctx context.Context, c Candidate) error {
		now := inFlight.Add(1)
		for {
			old := peak.Load()
			if now <= old || peak.CompareAndSwap(old, now) {
				break
			}
		}
		entered <- struct{}{}
		<-gate
		inFlight.Add(-1)
		return nil
	}
	done := make(chan []Candidate)
	go func() { done <- Confirm(context.Background(), cands, probe, limit) }()
	for range limit {
		<-entered // limit probes run at once, none has finished
	}
	close(gate)
	got := <-done
	if p := peak.Load(); p != limit {
		t.Errorf("peak concurrency %d, want %d", p, limit)
	}
	for _, c := range got {
		if !c.Confirmed {
			t.Errorf("%s not confirmed", c.Slot)
		}
	}
}

func TestDiscoverConfirmCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cands := []Candidate{{Slot: "a", Ports: map[int]string{2: "p2", 6: "p6"}}}
	p := &probeLog{ok: map[string]bool{"p6": true}}
	got := Confirm(ctx, cands, p.probe, 1)
	if got[0].Confirmed || !errors.Is(got[0].Problem, context.Canceled) {
		t.Fatalf("cancelled confirm = %+v", got[0])
	}
}

// staticSource lists a fixed set of candidates.
type staticSource []Candidate

func (s staticSource) List() ([]Candidate, error) { return s, nil }

func TestDiscoverScannerTimeout(t *testing.T) {
	src := staticSource{
		{Slot: "fast", Ports: map[int]string{6: "fast6"}},
		{Slot: "stalled", Ports: map[int]string{6: "stalled6"}},
	}
	probe := func(ctx context.Context, c Candidate) error {
		if c.Slot == "fast" {
			return nil
		}
		<-ctx.Done() // a stalled module never answers
		return ctx.Err()
	}
	sc := &Scanner{Source: src, Probe: probe, Timeout: 50 * time.Millisecond}
	got, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Confirmed || got[1].Confirmed || !errors.Is(got[1].Problem, context.DeadlineExceeded) {
		t.Fatalf("scan = %v / %v", got[0], got[1])
	}
	if s := got[1].String(); !strings.Contains(s, "stalled") || !strings.Contains(s, "does not answer AT") {
		t.Errorf("String() = %q", s)
	}
}

// A busy if06 is another program holding the module: if02 is the same
// module through another door, so it is not tried. A missing or silent
// if06 still falls back to if02 (spec §6).
func TestConfirmNoFallbackWhenBusy(t *testing.T) {
	ports := map[int]string{2: "m/if02", 4: "m/if04", 6: "m/if06"}
	var tried []string
	probe := func(ctx context.Context, c Candidate) error {
		tried = append(tried, c.ATPort)
		if c.ATPort == "m/if06" {
			return ClassifyPortError(c.ATPort, syscall.EBUSY)
		}
		return nil
	}
	got := Confirm(context.Background(), []Candidate{{Slot: "m", Ports: ports}}, probe, 1)
	if len(tried) != 1 || got[0].Confirmed {
		t.Fatalf("tried %v, confirmed %v: want if06 only, unconfirmed", tried, got[0].Confirmed)
	}
	var pe *PortError
	if !errors.As(got[0].Problem, &pe) || pe.Kind != PortBusy {
		t.Errorf("problem %v, want the busy port", got[0].Problem)
	}
}

// Each layout is tried on its own AT ports only, best first, whatever
// fails: a two-port build's silent 00 never falls back to its log port 02.
func TestConfirmTriesLayoutATPortsOnly(t *testing.T) {
	for _, tt := range []struct {
		ports map[int]string
		tried []string
	}{
		{map[int]string{2: "if02", 4: "if04", 6: "if06"}, []string{"if06", "if02"}},
		{map[int]string{2: "if02", 4: "if04"}, []string{"if02"}},
		{map[int]string{0: "if00", 2: "if02"}, []string{"if00"}},
		{map[int]string{0: "if00"}, []string{"if00"}},
		{map[int]string{2: "if02"}, nil},
	} {
		p := &probeLog{}
		got := Confirm(context.Background(), []Candidate{{Slot: "m", Ports: tt.ports}}, p.probe, 1)
		if fmt.Sprint(p.tried) != fmt.Sprint(tt.tried) {
			t.Errorf("ports %v: tried %v, want %v", tt.ports, p.tried, tt.tried)
		}
		if got[0].Confirmed || got[0].Problem == nil {
			t.Errorf("ports %v: confirmed %v, problem %v: want unconfirmed, with the reason", tt.ports, got[0].Confirmed, got[0].Problem)
		}
	}
}

func TestTryNextPort(t *testing.T) {
	for _, tt := range []struct {
		err  error
		next bool
	}{
		{ClassifyPortError("/dev/ttyACM5", syscall.EBUSY), false},
		{fmt.Errorf("wrapped: %w", ClassifyPortError("/dev/ttyACM5", syscall.EBUSY)), false},
		{&InUseError{Slot: "1-1", PID: 7}, false},
		{ClassifyPortError("/dev/ttyACM5", syscall.ENOENT), true},
		{ClassifyPortError("/dev/ttyACM5", syscall.EACCES), true},
		{ErrTimeout, true},
		{context.Canceled, false},
	} {
		if got := TryNextPort(tt.err); got != tt.next {
			t.Errorf("TryNextPort(%v) = %v, want %v", tt.err, got, tt.next)
		}
	}
}
