package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"airfleet/upgrade"
)

// seen returns a program filter and a channel closed when a message of
// type T has reached the model.
func seen[T any]() (tea.ProgramOption, <-chan struct{}) {
	f, ch := seenFilter[T](nil)
	return tea.WithFilter(f), ch
}

// seenFilter is seen's filter, after next (nil: none): filters chain.
func seenFilter[T any](next func(tea.Model, tea.Msg) tea.Msg) (func(tea.Model, tea.Msg) tea.Msg, <-chan struct{}) {
	ch := make(chan struct{})
	var once sync.Once
	return func(m tea.Model, msg tea.Msg) tea.Msg {
		if next != nil {
			msg = next(m, msg)
		}
		if _, ok := msg.(T); ok {
			once.Do(func() { close(ch) })
		}
		return msg
	}, ch
}

func TestRunEndToEnd(t *testing.T) {
	b := NewFakeBackend(testPlan, 64)
	// The window's size reaches the program from a goroutine of its own:
	// a "q" taken before it would quit a console that never had a size
	// to draw in (3 runs in 300 under load).
	sizedFilter, sized := seenFilter[tea.WindowSizeMsg](nil)
	closedFilter, closed := seenFilter[eventsClosedMsg](sizedFilter)
	filter := tea.WithFilter(closedFilter)
	in, typing := io.Pipe()
	defer typing.Close()
	var out bytes.Buffer
	opts := Options{Lang: "en", ProgramOptions: []tea.ProgramOption{
		tea.WithInput(in), tea.WithOutput(&out), tea.WithWindowSize(100, 24),
		tea.WithoutSignals(), filter,
	}}
	errc := make(chan error, 1)
	go func() { errc <- Run(context.Background(), b, opts) }()

	b.Emit(discovered(0, "1-1.2", imeiN(2), "Air780E", 2004), discovered(0, "1-1.1", imeiN(1), "Air780E", 2004))
	for _, s := range []upgrade.State{upgrade.StateRequesting, upgrade.StateDownloading, upgrade.StatePassed} {
		b.Emit(ev(1, "1-1.1", s))
	}
	b.Emit(ev(2, "1-1.2", upgrade.StateFailed))
	b.Close()
	<-closed
	<-sized
	if _, err := typing.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	s := ansi.Strip(out.String())
	for _, w := range []string{"1-1.1", "1-1.2", "passed", "failed", "engine stopped"} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func TestRunStopsWithContext(t *testing.T) {
	b := NewFakeBackend(testPlan, 0)
	filter, planned := seen[planMsg]()
	ctx, cancel := context.WithCancel(context.Background())
	in, typing := io.Pipe()
	defer typing.Close()
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, b, Options{ProgramOptions: []tea.ProgramOption{
			tea.WithInput(in), tea.WithOutput(io.Discard), tea.WithWindowSize(80, 24),
			tea.WithoutSignals(), filter,
		}})
	}()
	<-planned
	cancel()
	if err := <-errc; !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v", err)
	}
}
