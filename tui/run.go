package tui

import (
	"context"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// Run shows the console over b until the operator quits or ctx is done. One
// goroutine forwards b.Events() into the program for as long as it runs;
// after Run returns, nobody reads that channel any more.
func Run(ctx context.Context, b Backend, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	popts := append([]tea.ProgramOption{tea.WithContext(ctx)}, opts.ProgramOptions...)
	p := tea.NewProgram(New(b, opts), popts...)

	var wg sync.WaitGroup
	wg.Go(func() { forward(ctx, b.Events(), p.Send) })
	_, err := p.Run()
	cancel()
	wg.Wait()
	return err
}
