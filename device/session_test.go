package device

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSessionEchoOnAndOff(t *testing.T) {
	for _, echo := range []bool{true, false} {
		s, fm := newFake(t, Options{})
		ch := run(s, context.Background(), "AT+CGSN")
		fm.expect("AT+CGSN")
		if echo {
			fm.send("AT+CGSN\r")
		}
		fm.send(frame("861234567890123", "OK"))
		r := wait(t, ch)
		if r.err != nil || !slices.Equal(r.lines, []string{"861234567890123"}) {
			t.Errorf("echo %v: got %q, %v", echo, r.lines, r.err)
		}
		if s.Echoed() != echo {
			t.Errorf("echo %v: Echoed() = %v", echo, s.Echoed())
		}
	}
}

func TestSessionLineEndings(t *testing.T) {
	for name, end := range map[string]string{"crlf": "\r\n", "lf": "\n", "cr": "\r", "mixed-blank": "\r\n\r\n\n"} {
		t.Run(name, func(t *testing.T) {
			s, fm := newFake(t, Options{})
			ch := run(s, context.Background(), "ATI")
			fm.expect("ATI")
			fm.send("ATI" + end + end + "EigenComm" + end + "AirM2M_780EP_V1006_LTE_AT" + end + end + "OK" + end)
			r := wait(t, ch)
			want := []string{"EigenComm", "AirM2M_780EP_V1006_LTE_AT"}
			if r.err != nil || !slices.Equal(r.lines, want) {
				t.Fatalf("got %q, %v; want %q", r.lines, r.err, want)
			}
		})
	}
}

func TestSessionOneByteWrites(t *testing.T) {
	s, fm := newFake(t, Options{})
	sub := s.Subscribe("+UPGRADEIND:")
	ch := run(s, context.Background(), "AT+CSQ", WithPrefix("+CSQ:"))
	fm.expect("AT+CSQ")
	fm.sendBytewise("AT+CSQ\r" + frame("+UPGRADEIND: 40", "+CSQ: 24,99", "OK"))
	r := wait(t, ch)
	if r.err != nil || !slices.Equal(r.lines, []string{"+CSQ: 24,99"}) {
		t.Fatalf("got %q, %v", r.lines, r.err)
	}
	if l := nextLine(t, sub); l.Text != "+UPGRADEIND: 40" {
		t.Fatalf("subscriber got %q", l.Text)
	}
}

// A URC between the echo and the OK goes to its subscriber, and one nobody
// subscribed to goes to the unsolicited stream: neither joins the answer.
func TestSessionURCInsideAnswer(t *testing.T) {
	s, fm := newFake(t, Options{})
	sub := s.Subscribe("+UPGRADEIND:")
	ch := run(s, context.Background(), "AT+CGSN")
	fm.expect("AT+CGSN")
	fm.send("AT+CGSN\r" + frame("+UPGRADEIND: 10", "^MODE: 17,17", "861234567890123", "+CGEV: ME PDN ACT 1", "OK"))
	r := wait(t, ch)
	if r.err != nil || !slices.Equal(r.lines, []string{"861234567890123"}) {
		t.Fatalf("answer %q, %v", r.lines, r.err)
	}
	if l := nextLine(t, sub); l.Text != "+UPGRADEIND: 10" {
		t.Fatalf("subscriber got %q", l.Text)
	}
	for _, want := range []string{"^MODE: 17,17", "+CGEV: ME PDN ACT 1"} {
		if l := nextLine(t, s.Unsolicited()); l.Text != want {
			t.Fatalf("unsolicited got %q, want %q", l.Text, want)
		}
	}
}

// A command that declares a prefix gets its lines even when the same prefix
// is subscribed as a URC.
func TestSessionPrefixBeatsSubscription(t *testing.T) {
	s, fm := newFake(t, Options{})
	sub := s.Subscribe("+CEREG:")
	ch := run(s, context.Background(), "AT+CEREG?", WithPrefix("+CEREG:"))
	fm.expect("AT+CEREG?")
	fm.send(frame("+CEREG: 0,1", "OK"))
	if r := wait(t, ch); r.err != nil || !slices.Equal(r.lines, []string{"+CEREG: 0,1"}) {
		t.Fatalf("answer %q, %v", r.lines, r.err)
	}
	fm.send(frame("+CEREG: 2"))
	if l := nextLine(t, sub); l.Text != "+CEREG: 2" {
		t.Fatalf("subscriber got %q", l.Text)
	}
}

func TestSessionIdleLinesAreUnsolicited(t *testing.T) {
	s, fm := newFake(t, Options{})
	fm.send(frame("RDY", "RDY", "hello", "OK"))
	for _, want := range []string{"RDY", "RDY", "hello", "OK"} {
		if l := nextLine(t, s.Unsolicited()); l.Text != want {
			t.Fatalf("got %q, want %q", l.Text, want)
		}
	}
}

func TestSessionErrorsAreTyped(t *testing.T) {
	s, fm := newFake(t, Options{})
	ch := run(s, context.Background(), "AT+CPIN?")
	fm.expect("AT+CPIN?")
	fm.send(frame("+CME ERROR: 10"))
	r := wait(t, ch)
	var cme *CMEError
	if !errors.As(r.err, &cme) || cme.Code != 10 || !errors.Is(r.err, ErrCommand) {
		t.Fatalf("err = %v, want CME 10", r.err)
	}
	if !strings.Contains(r.err.Error(), "1-1.2") {
		t.Errorf("error %q does not name the module", r.err)
	}
	ch = run(s, context.Background(), "AT+FOO")
	fm.expect("AT+FOO")
	fm.send(frame("ERROR"))
	var ce *CommandError
	if r := wait(t, ch); !errors.As(r.err, &ce) || ce.Final != "ERROR" {
		t.Fatalf("err = %v, want ERROR", r.err)
	}
	ch = run(s, context.Background(), "AT+X", WithFinal("NO CARRIER", true), WithFinal("CONNECT", false))
	fm.expect("AT+X")
	fm.send(frame("CONNECT 115200"))
	if r := wait(t, ch); r.err != nil || !slices.Equal(r.lines, []string{"CONNECT 115200"}) {
		t.Fatalf("extra final: %q, %v", r.lines, r.err)
	}
}

// The late answer of a timed-out command arrives after the next command was
// sent: the session's resync consumes it, and the next command gets its own.
func TestSessionTimeoutThenLateAnswer(t *testing.T) {
	s, fm := newFake(t, Options{ResyncGrace: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ch := run(s, ctx, "AT+CSQ")
	fm.expect("AT+CSQ")
	if r := wait(t, ch); !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", r.err)
	}
	ch = run(s, context.Background(), "AT+CGSN")
	fm.expect("AT") // the resync probe
	fm.send(frame("+CSQ: 10,99", "ERROR"))
	fm.send(frame("OK"))
	fm.expect("AT+CGSN")
	fm.send(frame("861234567890123", "OK"))
	r := wait(t, ch)
	if r.err != nil || !slices.Equal(r.lines, []string{"861234567890123"}) {
		t.Fatalf("next command got %q, %v", r.lines, r.err)
	}
	if l := nextLine(t, s.Unsolicited()); l.Text != "+CSQ: 10,99" {
		t.Fatalf("late info line went to %q", l.Text)
	}
}

// The late answer arrives before the next command: no probe is needed.
func TestSessionTimeoutLateAnswerWhileIdle(t *testing.T) {
	s, fm := newFake(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ch := run(s, ctx, "AT+CSQ")
	fm.expect("AT+CSQ")
	wait(t, ch)
	fm.send(frame("+CSQ: 10,99", "OK"))
	for _, want := range []string{"+CSQ: 10,99", "OK"} {
		if l := nextLine(t, s.Unsolicited()); l.Text != want {
			t.Fatalf("got %q want %q", l.Text, want)
		}
	}
	ch = run(s, context.Background(), "AT+CGSN")
	fm.expect("AT+CGSN")
	fm.send(frame("861234567890123", "OK"))
	if r := wait(t, ch); r.err != nil || r.lines[0] != "861234567890123" {
		t.Fatalf("got %q, %v", r.lines, r.err)
	}
}

// A module that never answers the stale command and answers the probe: the
// session goes on after the grace period.
func TestSessionTimeoutNoLateAnswer(t *testing.T) {
	s, fm := newFake(t, Options{ResyncGrace: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ch := run(s, ctx, "AT+CSQ")
	fm.expect("AT+CSQ")
	wait(t, ch)
	ch = run(s, context.Background(), "ATI")
	fm.expect("AT")
	fm.send(frame("OK"))
	fm.expect("ATI")
	fm.send(frame("AirM2M_780EP_V1006_LTE_AT", "OK"))
	if r := wait(t, ch); r.err != nil || r.lines[0] != "AirM2M_780EP_V1006_LTE_AT" {
		t.Fatalf("got %q, %v", r.lines, r.err)
	}
}

func TestSessionGarbage(t *testing.T) {
	s, fm := newFake(t, Options{})
	ch := run(s, context.Background(), "AT+CGSN")
	fm.expect("AT+CGSN")
	fm.send("\x00\xff\xfe\x01binary\x02\r\n")
	fm.send(strings.Repeat("x", 3*MaxLineLen) + "\r\n")
	fm.send(frame("861234567890123", "OK"))
	r := wait(t, ch)
	if r.err != nil || !slices.Equal(r.lines, []string{"861234567890123"}) {
		t.Fatalf("got %q, %v", r.lines, r.err)
	}
	got := nextLine(t, s.Unsolicited())
	if !strings.Contains(got.Text, "binary") {
		t.Fatalf("noise went to %q", got.Text)
	}
	if got := nextLine(t, s.Unsolicited()); len(got.Text) != MaxLineLen {
		t.Fatalf("over-long line: %d bytes", len(got.Text))
	}
	var dropped bool
	for _, r := range fm.transcript() {
		dropped = dropped || (r.Dir == Note && strings.Contains(r.Text, "more bytes"))
	}
	if !dropped {
		t.Error("transcript does not say that bytes of the over-long line were dropped")
	}
}

func TestSessionUnplugMidCommand(t *testing.T) {
	s, fm := newFake(t, Options{CommandTimeout: time.Minute})
	sub := s.Subscribe("+UPGRADEIND:")
	ch := run(s, context.Background(), "AT+UPGRADE")
	fm.expect("AT+UPGRADE")
	fm.send("AT+UPGRADE\r\n")
	fm.conn.Close()
	if r := wait(t, ch); !errors.Is(r.err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", r.err)
	}
	if _, err := sub.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("subscription err = %v", err)
	}
	if _, err := s.Command(context.Background(), "AT"); !errors.Is(err, ErrClosed) {
		t.Fatalf("command after unplug: %v", err)
	}
	<-s.Done()
	if !errors.Is(s.Err(), ErrClosed) {
		t.Fatalf("Err() = %v", s.Err())
	}
}

func TestSessionTranscript(t *testing.T) {
	s, fm := newFake(t, Options{})
	ch := run(s, context.Background(), "AT")
	fm.expect("AT")
	fm.send("AT\r" + frame("+NITZ: 2024/07/17,11:26:40+32,0", "OK"))
	wait(t, ch)
	var got []string
	for _, r := range fm.transcript() {
		got = append(got, r.Dir.String()+" "+r.Text)
	}
	want := []string{"> AT", "< AT", "< +NITZ: 2024/07/17,11:26:40+32,0", "< OK"}
	if !slices.Equal(got, want) {
		t.Fatalf("transcript %q, want %q", got, want)
	}
}

func TestSessionRefusesLineBreaks(t *testing.T) {
	s, _ := newFake(t, Options{})
	if _, err := s.Command(context.Background(), "AT\rAT+RESET"); err == nil {
		t.Fatal("a command with CR was sent")
	}
}

func TestSessionCancelledContext(t *testing.T) {
	s, fm := newFake(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	ch := run(s, ctx, "AT")
	fm.expect("AT")
	cancel()
	if r := wait(t, ch); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v", r.err)
	}
}

// A waiter woken by the unplug finds the session already Done: the engine
// asks Done whether a module is still attached, and a "yes" there sent a
// rebooting module's attempt round a dead port three times (soak seed
// 16863173307122167589).
func TestSessionDoneBeforeWaitersWake(t *testing.T) {
	for i := range 200 {
		s, fm := newFake(t, Options{CommandTimeout: time.Minute})
		sub := s.Subscribe("+UPGRADEIND:")
		fm.conn.Close()
		if _, err := sub.Next(context.Background()); !errors.Is(err, ErrClosed) {
			t.Fatalf("round %d: subscription err = %v", i, err)
		}
		select {
		case <-s.Done():
		default:
			t.Fatalf("round %d: a subscriber heard ErrClosed while Done was still open", i)
		}
	}
}

// WhenSent tells a command that reached the port from one that never left:
// a request counts against the platform's budget from the moment it is
// written, whatever answer (or none) follows.
func TestSessionWhenSent(t *testing.T) {
	t.Run("written, then timed out", func(t *testing.T) {
		s, fm := newFake(t, Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		sent := 0
		ch := run(s, ctx, "AT+UPGRADE", WhenSent(func() { sent++ }))
		fm.expect("AT+UPGRADE")
		if r := wait(t, ch); !errors.Is(r.err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", r.err)
		}
		if sent != 1 {
			t.Fatalf("sent called %d times, want 1", sent)
		}
	})
	t.Run("never written", func(t *testing.T) {
		s, _ := newFake(t, Options{})
		s.Close()
		sent := 0
		if _, err := s.Command(context.Background(), "AT+UPGRADE", WhenSent(func() { sent++ })); !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
		if sent != 0 {
			t.Fatalf("sent called %d times for a command that never left", sent)
		}
	})
	t.Run("kept unsent", func(t *testing.T) {
		var recs []Record
		var mu sync.Mutex
		s, fm := newFake(t, Options{Transcript: func(r Record) { mu.Lock(); recs = append(recs, r); mu.Unlock() }})
		refused := errors.New("disk full")
		if _, err := s.Command(context.Background(), "AT+UPGRADE", BeforeSend(func() error { return refused })); !errors.Is(err, refused) {
			t.Fatalf("err = %v, want the veto's error", err)
		}
		ch := run(s, context.Background(), "AT")
		fm.expect("AT") // AT+UPGRADE never reached the module
		fm.send("\r\nOK\r\n")
		if r := wait(t, ch); r.err != nil {
			t.Fatalf("the next command: %v", r.err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			if r.Dir == Out && r.Text == "AT+UPGRADE" {
				t.Error("the transcript says AT+UPGRADE was sent")
			}
		}
	})
}
