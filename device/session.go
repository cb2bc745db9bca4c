package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Direction says whether a transcript record went to the module or came from it.
type Direction uint8

// Directions of transcript records.
const (
	In   Direction = iota // from the module
	Out                   // to the module
	Note                  // the session's own remark (a resync, dropped bytes)
)

func (d Direction) String() string {
	switch d {
	case In:
		return "<"
	case Out:
		return ">"
	default:
		return "#"
	}
}

// Record is one entry of a session's transcript.
type Record struct {
	Time time.Time
	Dir  Direction
	Text string
}

// Line is one line received from a module, stamped when its last byte arrived.
type Line struct {
	Time time.Time
	Text string
}

// DefaultURCPrefixes are the unsolicited result codes of the Air780 AT
// firmware that may arrive at any moment, during a command or between
// commands (spec §3, §4). A line that starts with one of them is never part of
// a command's answer, unless the command declares that prefix as its own.
var DefaultURCPrefixes = []string{
	"+UPGRADEIND:", "+UPGRADEDL:", "+UPGRADEVER:",
	"RDY", "^MODE:", "+E_UTRAN", "+CGEV:", "+NITZ:", "+QIND:", "^boot",
}

// Options tune a session. The zero value is usable.
type Options struct {
	// Name identifies the module in errors: its slot and port, e.g.
	// "1-1.4.2 (/dev/ttyACM5)".
	Name string
	// Transcript receives every line in and out, in order, from the
	// goroutine that read or wrote it. It must not block.
	Transcript func(Record)
	// URCPrefixes replaces DefaultURCPrefixes when not nil.
	URCPrefixes []string
	// CommandTimeout bounds a command when its context has no deadline
	// (default 10 s).
	CommandTimeout time.Duration
	// ResyncGrace is how long a resync waits, after its probe's answer, for a
	// late answer still on its way (default 300 ms).
	ResyncGrace time.Duration
	// QueueCap caps each subscription's backlog (default 4096 lines); when a
	// reader falls that far behind, the oldest lines are dropped and counted.
	QueueCap int
}

// Session owns one AT port. One goroutine reads it; commands are serialised.
type Session struct {
	rw   io.ReadWriteCloser
	opts Options
	sem  chan struct{} // one command at a time
	done chan struct{} // closed when the reader has ended

	mu      sync.Mutex
	pending *pending
	stale   bool // a timed-out command may still send its final result
	subs    []*Subscription
	unsol   *Subscription
	err     error // why the session ended
	echoed  bool  // the last command answered had its echo
}

// pending is the command waiting for its final result.
type pending struct {
	cmd      string
	prefixes []string // lines with these prefixes belong to the answer
	finals   []final
	echoSeen bool
	lines    []string
	result   chan error   // buffered 1
	probe    bool         // a resync probe: takes a final result, keeps nothing
	sent     func() error // called once, just before the command is written; an error keeps it unsent
	shown    string       // what the transcript records for cmd and its echo, when not ""
}

// said is the command as errors and the transcript name it: its shown
// form when it has one (a segment write's payload abbreviated).
func (p *pending) said() string {
	if p.shown != "" {
		return p.shown
	}
	return p.cmd
}

type final struct {
	prefix string
	isErr  bool
}

// NewSession starts a session on rw (an open serial port, or any stream in
// tests) and its reader goroutine. Close ends both.
func NewSession(rw io.ReadWriteCloser, opts Options) *Session {
	if opts.URCPrefixes == nil {
		opts.URCPrefixes = DefaultURCPrefixes
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 10 * time.Second
	}
	if opts.ResyncGrace <= 0 {
		opts.ResyncGrace = 300 * time.Millisecond
	}
	if opts.QueueCap <= 0 {
		opts.QueueCap = 4096
	}
	if opts.Name == "" {
		opts.Name = "module"
	}
	s := &Session{rw: rw, opts: opts, sem: make(chan struct{}, 1), done: make(chan struct{})}
	s.unsol = newSubscription(s, nil, opts.QueueCap)
	go s.readLoop()
	return s
}

// Echoed reports whether the last command answered came back with its
// echo: whether the module echoes (ATE1, the default) or not (ATE0).
func (s *Session) Echoed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.echoed
}

// Name is the name given in Options.
func (s *Session) Name() string { return s.opts.Name }

// Done is closed when the port is gone.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended (wraps ErrClosed), or nil while it runs.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close closes the port and ends every waiter with ErrClosed.
func (s *Session) Close() error {
	err := s.rw.Close()
	<-s.done
	return err
}

// Unsolicited is the stream of lines that arrived while no command waited
// and that no subscription took, late answers of timed-out commands, and
// binary noise. Nothing the module sends is lost between here, the
// subscriptions, the answers and the transcript.
func (s *Session) Unsolicited() *Subscription { return s.unsol }

// Subscribe routes every line that starts with one of prefixes to the new
// subscription, in arrival order, during commands and between them. The
// prefixes count as URC prefixes from now on.
func (s *Session) Subscribe(prefixes ...string) *Subscription {
	sub := newSubscription(s, prefixes, s.opts.QueueCap)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		sub.end()
		return sub
	}
	s.subs = append(s.subs, sub)
	return sub
}

func (s *Session) unsubscribe(sub *Subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.subs {
		if x == sub {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			return
		}
	}
}

// CmdOption tunes one command.
type CmdOption func(*pending, *time.Duration)

// WithPrefix declares the prefixes of the command's own information lines,
// e.g. "+CREG:" for AT+CREG?. Such lines go to the answer even when a
// subscription or the URC list names the same prefix.
func WithPrefix(prefixes ...string) CmdOption {
	return func(p *pending, _ *time.Duration) { p.prefixes = append(p.prefixes, prefixes...) }
}

// WithFinal adds a final result for this command: a line starting with
// prefix ends it, as an error when isErr (e.g. "+CMS ERROR:", "NO CARRIER"),
// or as success with the line kept as the last information line.
func WithFinal(prefix string, isErr bool) CmdOption {
	return func(p *pending, _ *time.Duration) { p.finals = append(p.finals, final{prefix, isErr}) }
}

// WhenSent calls f (in the caller's goroutine) just before the command's
// bytes are written to the port, and only then: a command that never left
// (the session was closed, the context ended while it queued, a resync
// failed) does not call it. A caller that must count what reached the
// module (an upgrade request costs the platform's daily budget) counts
// here, whatever the answer turns out to be.
func WhenSent(f func()) CmdOption {
	return BeforeSend(func() error { f(); return nil })
}

// BeforeSend is WhenSent whose f may keep the command from leaving: when f
// returns an error, nothing is written (nor recorded as sent) and Command
// returns an error wrapping it. A request that must be on record before it
// costs anything (the upgrade request, whose count must survive a crash)
// is recorded here, and not sent when it cannot be.
func BeforeSend(f func() error) CmdOption {
	return func(p *pending, _ *time.Duration) { p.sent = f }
}

// RecordAs makes the transcript record shown instead of the command line,
// for the line sent and for its echo: a segment write's 2 KB of hex is kept
// abbreviated. The command itself is sent in full.
func RecordAs(shown string) CmdOption {
	return func(p *pending, _ *time.Duration) { p.shown = shown }
}

// WithTimeout bounds the command when ctx has no earlier deadline.
func WithTimeout(d time.Duration) CmdOption {
	return func(_ *pending, t *time.Duration) { *t = d }
}

// Command sends cmd (without "\r") and waits for its final result. It returns
// the information lines of the answer: no echo, no URC, no blank line. An
// error final result is a *CommandError or *CMEError (both wrap ErrCommand);
// a port that goes away yields ErrClosed, no answer in time ErrTimeout. After
// a timeout the session resynchronises before the next command, so a late
// answer is never taken for the next command's.
func (s *Session) Command(ctx context.Context, cmd string, opts ...CmdOption) ([]string, error) {
	if strings.ContainsAny(cmd, "\r\n") {
		return nil, fmt.Errorf("%s: command %q holds a line break: refused", s.opts.Name, cmd)
	}
	p := &pending{cmd: cmd, result: make(chan error, 1)}
	timeout := s.opts.CommandTimeout
	for _, o := range opts {
		o(p, &timeout)
	}
	said := p.said()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, s.ctxErr(said, ctx)
	case <-s.done:
		return nil, s.closedErr(said)
	}
	defer func() { <-s.sem }()

	if err := s.resync(ctx); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", s.opts.Name, said, err)
	}
	return s.exchange(ctx, p)
}

// exchange sends p.cmd and waits for its final result. The caller holds sem.
func (s *Session) exchange(ctx context.Context, p *pending) ([]string, error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return nil, s.closedErr(p.said())
	}
	s.pending = p
	s.mu.Unlock()

	if p.sent != nil {
		if err := p.sent(); err != nil {
			s.mu.Lock()
			if s.pending == p {
				s.pending = nil
			}
			s.mu.Unlock()
			return nil, fmt.Errorf("%s: %s: not sent: %w", s.opts.Name, p.said(), err)
		}
	}
	if p.shown != "" {
		s.record(Out, p.shown)
	} else {
		s.record(Out, p.cmd)
	}
	if _, err := io.WriteString(s.rw, p.cmd+"\r"); err != nil {
		s.mu.Lock()
		if s.pending == p {
			s.pending = nil
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: %s: write: %w (%w)", s.opts.Name, p.said(), ErrClosed, err)
	}

	select {
	case err := <-p.result:
		return p.lines, err
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case err := <-p.result: // the answer won the race
			return p.lines, err
		default:
		}
		s.pending = nil
		s.stale = true
		return nil, s.ctxErr(p.said(), ctx)
	}
}

// resync makes sure no timed-out command can still answer. If one might, it
// sends a bare AT and takes every final result that arrives up to that
// probe's answer and for a short grace period after it.
func (s *Session) resync(ctx context.Context) error {
	s.mu.Lock()
	stale := s.stale
	s.mu.Unlock()
	if !stale {
		return nil
	}
	s.note("resync: the last command timed out; sending AT to flush its late answer")
	p := &pending{cmd: "AT", result: make(chan error, 1), probe: true}
	if _, err := s.exchange(ctx, p); err != nil {
		return fmt.Errorf("resync after a timeout: %w", err)
	}
	// A module works through commands in order: if the stale command's
	// final was the one just counted, the probe's own OK is on its way.
	grace := time.NewTimer(s.opts.ResyncGrace)
	defer grace.Stop()
	s.mu.Lock()
	p.result = make(chan error, 1)
	s.pending = p
	s.mu.Unlock()
	select {
	case <-p.result:
	case <-grace.C:
	case <-ctx.Done():
	case <-s.done:
	}
	s.mu.Lock()
	if s.pending == p {
		s.pending = nil
	}
	s.stale = false
	s.mu.Unlock()
	return nil
}

func (s *Session) ctxErr(cmd string, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%s: %s: %w", s.opts.Name, cmd, ctx.Err())
	}
	return fmt.Errorf("%s: %s: %w", s.opts.Name, cmd, ErrTimeout)
}

func (s *Session) closedErr(cmd string) error {
	s.mu.Lock()
	cause := s.err
	s.mu.Unlock()
	if cause == nil {
		cause = ErrClosed
	}
	return fmt.Errorf("%s: %s: %w", s.opts.Name, cmd, cause)
}

func (s *Session) record(d Direction, text string) {
	if s.opts.Transcript != nil {
		s.opts.Transcript(Record{Time: time.Now(), Dir: d, Text: text})
	}
}

func (s *Session) note(text string) { s.record(Note, text) }

// readLoop is the only reader of the port.
func (s *Session) readLoop() {
	sp := newSplitter(MaxLineLen)
	buf := make([]byte, 4096)
	var cause error
	for {
		n, err := s.rw.Read(buf)
		if n > 0 {
			now := time.Now()
			sp.feed(buf[:n], func(pc piece) { s.handle(now, pc) })
		}
		if err != nil {
			cause = err
			break
		}
	}
	s.finish(cause)
}

func (s *Session) finish(cause error) {
	s.mu.Lock()
	if cause == nil || errors.Is(cause, io.EOF) {
		s.err = ErrClosed
	} else {
		s.err = fmt.Errorf("%w (%v)", ErrClosed, cause)
	}
	p := s.pending
	s.pending = nil
	subs := s.subs
	s.subs = nil
	s.mu.Unlock()
	s.note("port closed: " + s.err.Error())
	// Done closes before any waiter wakes: a caller that saw ErrClosed
	// and asks Done (is this session alive?) must never hear "yes".
	close(s.done)
	if p != nil {
		p.result <- s.err
	}
	for _, sub := range subs {
		sub.end()
	}
	s.unsol.end()
}

// handle routes one received line. It runs on the reader goroutine.
func (s *Session) handle(t time.Time, pc piece) {
	if pc.text == "" {
		s.note(strconv.Itoa(pc.dropped) + " more bytes of an over-long line dropped")
		return
	}
	text := strings.TrimSpace(pc.text)
	s.record(In, s.shownEcho(pc.text, text))
	line := Line{Time: t, Text: pc.text}
	if text == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !printable(text) || pc.partial {
		s.unsol.push(line) // noise never joins an answer
		return
	}
	if p := s.pending; p != nil {
		if s.answer(p, text) {
			return
		}
	} else if s.stale {
		if _, ok := finalOf(nil, text); ok {
			s.stale = false // the late final result: nothing is owed any more
		}
	}
	for _, sub := range s.subs {
		if sub.matches(text) {
			sub.push(line)
			return
		}
	}
	s.unsol.push(line)
}

// shownEcho is what the transcript records for a received line: the
// pending command's shown form when the line is its echo, else raw.
func (s *Session) shownEcho(raw, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pending; p != nil && p.shown != "" && !p.echoSeen && strings.EqualFold(text, p.cmd) {
		return p.shown
	}
	return raw
}

// answer takes text into the pending command's answer when it belongs there
// and reports whether it did. The caller holds mu.
func (s *Session) answer(p *pending, text string) bool {
	if !p.echoSeen && len(p.lines) == 0 && strings.EqualFold(text, p.cmd) {
		p.echoSeen = true
		return true
	}
	if f, ok := finalOf(p.finals, text); ok {
		if p.probe {
			// Whichever command this final belongs to, the stale one or
			// the probe, it is consumed here and reaches no caller.
			s.pending = nil
			p.result <- nil
			return true
		}
		s.pending = nil
		s.echoed = p.echoSeen
		p.result <- s.finalErr(p, f, text)
		return true
	}
	if p.probe {
		return false // a stale command's late lines: unsolicited
	}
	for _, pre := range p.prefixes {
		if strings.HasPrefix(text, pre) {
			p.lines = append(p.lines, text)
			return true
		}
	}
	if s.isURC(text) {
		return false
	}
	p.lines = append(p.lines, text)
	return true
}

func (s *Session) isURC(text string) bool {
	for _, pre := range s.opts.URCPrefixes {
		if strings.HasPrefix(text, pre) {
			return true
		}
	}
	for _, sub := range s.subs {
		if sub.matches(text) {
			return true
		}
	}
	return false
}

// finalOf reports whether text is a final result: OK, ERROR, +CME ERROR:,
// +CMS ERROR:, or one declared by the command.
func finalOf(extra []final, text string) (final, bool) {
	switch {
	case text == "OK":
		return final{prefix: "OK"}, true
	case text == "ERROR":
		return final{prefix: "ERROR", isErr: true}, true
	case strings.HasPrefix(text, "+CME ERROR:"):
		return final{prefix: "+CME ERROR:", isErr: true}, true
	case strings.HasPrefix(text, "+CMS ERROR:"):
		return final{prefix: "+CMS ERROR:", isErr: true}, true
	}
	for _, f := range extra {
		if strings.HasPrefix(text, f.prefix) {
			return f, true
		}
	}
	return final{}, false
}

func (s *Session) finalErr(p *pending, f final, text string) error {
	switch {
	case f.prefix == "+CME ERROR:":
		v := strings.TrimSpace(strings.TrimPrefix(text, "+CME ERROR:"))
		if n, err := strconv.Atoi(v); err == nil {
			return &CMEError{Port: s.opts.Name, Cmd: p.said(), Code: n}
		}
		return &CMEError{Port: s.opts.Name, Cmd: p.said(), Code: -1, Text: v}
	case f.isErr:
		return &CommandError{Port: s.opts.Name, Cmd: p.said(), Final: text}
	case f.prefix != "OK":
		p.lines = append(p.lines, text)
	}
	return nil
}
