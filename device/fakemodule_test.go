package device

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeModule is the far end of a session in tests: the test reads the
// commands it receives and writes exactly the bytes it wants back.
type fakeModule struct {
	t    *testing.T
	conn net.Conn
	cmds chan string

	mu  sync.Mutex
	log []Record
}

// newFake starts a session on one end of a pipe and returns the other end.
func newFake(t *testing.T, opts Options) (*Session, *fakeModule) {
	t.Helper()
	a, b := net.Pipe()
	fm := &fakeModule{t: t, conn: b, cmds: make(chan string, 16)}
	opts.Transcript = fm.record
	if opts.Name == "" {
		opts.Name = "1-1.2 (test)"
	}
	s := NewSession(a, opts)
	go fm.readCommands()
	t.Cleanup(func() {
		b.Close()
		s.Close()
	})
	return s, fm
}

func (fm *fakeModule) record(r Record) {
	fm.mu.Lock()
	fm.log = append(fm.log, r)
	fm.mu.Unlock()
}

func (fm *fakeModule) transcript() []Record {
	fm.mu.Lock()
	defer fm.mu.Unlock()
	return append([]Record(nil), fm.log...)
}

func (fm *fakeModule) readCommands() {
	r := bufio.NewReader(fm.conn)
	for {
		s, err := r.ReadString('\r')
		if err != nil {
			close(fm.cmds)
			return
		}
		fm.cmds <- strings.TrimSuffix(s, "\r")
	}
}

// expect waits for the next command and checks it.
func (fm *fakeModule) expect(want string) {
	fm.t.Helper()
	select {
	case got, ok := <-fm.cmds:
		if !ok {
			fm.t.Fatalf("port closed while waiting for %q", want)
		}
		if got != want {
			fm.t.Fatalf("module received %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		fm.t.Fatalf("module never received %q", want)
	}
}

// send writes raw bytes to the session (blocks until the reader takes them).
func (fm *fakeModule) send(raw string) {
	fm.t.Helper()
	if _, err := fm.conn.Write([]byte(raw)); err != nil {
		fm.t.Fatalf("module write: %v", err)
	}
}

// sendBytewise writes raw one byte per write.
func (fm *fakeModule) sendBytewise(raw string) {
	fm.t.Helper()
	for i := 0; i < len(raw); i++ {
		fm.send(raw[i : i+1])
	}
}

// frame frames lines as the module does: "\r\n<line>\r\n" each.
func frame(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\r\n" + l + "\r\n")
	}
	return b.String()
}

type cmdResult struct {
	lines []string
	err   error
}

// run starts a command in the background.
func run(s *Session, ctx context.Context, cmd string, opts ...CmdOption) <-chan cmdResult {
	ch := make(chan cmdResult, 1)
	go func() {
		l, err := s.Command(ctx, cmd, opts...)
		ch <- cmdResult{l, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan cmdResult) cmdResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("command never returned")
		return cmdResult{}
	}
}

func nextLine(t *testing.T, sub *Subscription) Line {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("waiting for a line: %v", err)
	}
	return l
}
