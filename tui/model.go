package tui

import (
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Explainer returns what the response-code catalogue says about a platform
// code or a module error, in lang ("zh" or "en"). Empty strings mean it
// knows nothing. It is called while rendering, so it must be cheap and must
// not block.
type Explainer func(code, moduleErr int, lang string) (title, explanation, remedy string)

// Options configure the console.
type Options struct {
	Lang           string           // "zh" or "en"; empty: from LC_ALL, LC_MESSAGES or LANG
	Bell           bool             // ring the terminal bell on a failure and at the end of a batch
	Explain        Explainer        // the code catalogue; nil explains nothing
	Now            func() time.Time // the clock; nil is time.Now
	ProgramOptions []tea.ProgramOption
}

// confirmKind is the question waiting for y/n, if any.
type confirmKind int

const (
	confirmNone confirmKind = iota
	confirmCancelAll
	confirmQuit
)

// headerHeight and footerHeight are the fixed lines around the body.
const (
	headerHeight = 2
	footerHeight = 2
)

// Model is the console's root model: it routes messages to the fleet table,
// the header, the detail pane and the finder, and runs actions as commands.
type Model struct {
	c       *common
	backend Backend
	bell    bool
	now     func() time.Time

	fleet  *fleet
	header *header
	detail *detail
	find   *finder
	help   help.Model

	width, height int
	showDetail    bool
	showHelp      bool
	confirm       confirmKind
	status        func(lang) string // the status line's message, nil for none
	statusTone    tone
	busy          bool // some module was working after the last events
	ticking       bool // a tickMsg is on its way
	ticker        func(now func() time.Time) tea.Cmd
	footer        string // the short help, rendered when the keys change
}

// The parts of the console.
var (
	_ component = (*fleet)(nil)
	_ component = (*header)(nil)
	_ component = (*detail)(nil)
	_ component = (*finder)(nil)
)

// New builds the console's model over b.
func New(b Backend, opts Options) *Model {
	c := &common{styles: DefaultStyles(true), keys: DefaultKeyMap(), explain: opts.Explain}
	if c.explain == nil {
		c.explain = func(int, int, string) (string, string, string) { return "", "", "" }
	}
	l := parseLang(opts.Lang)
	if opts.Lang == "" {
		l = langFromEnv(os.Getenv)
	}
	c.setLang(l)
	m := &Model{c: c, backend: b, bell: opts.Bell, now: opts.Now,
		fleet: newFleet(c), header: &header{c: c}, detail: newDetail(c), find: newFinder(c), help: help.New()}
	if m.now == nil {
		m.now = time.Now
	}
	m.ticker = tick
	m.help.Styles = c.styles.Help
	m.syncKeys()
	m.footer = m.help.View(m.c.keys)
	return m
}

// Init asks for the plan and the terminal's background colour.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(loadPlan(m.backend), tea.RequestBackgroundColor)
}

// Update dispatches each message to its handler; it does no I/O.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.handleResize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		m.handleBackground(msg.IsDark())
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case tea.PasteMsg:
		if m.find.active {
			cmd = m.handleFindInput(msg)
		}
	case planMsg:
		cmd = m.header.Update(msg)
	case eventsMsg:
		cmd = m.handleEvents(msg.Events)
	case eventsClosedMsg:
		m.setStatus(toneWarn, "st.closed")
	case transcriptMsg:
		cmd = m.detail.gotTranscript(m.backend, msg)
	case actionDoneMsg:
		m.handleActionDone(msg)
	case tickMsg:
		cmd = m.handleTick(msg)
	}
	m.syncKeys()
	m.footer = m.help.View(m.c.keys)
	return m, cmd
}

// View renders the whole screen in the alternate screen.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = m.c.lang.T("app.title")
	if m.width <= 0 || m.height <= 0 {
		return v
	}
	lines := fit(m.header.View(), m.width, headerHeight)
	switch {
	case m.showHelp:
		lines = append(lines, fit(m.helpView(), m.width, m.bodyHeight())...)
	case m.showDetail:
		lines = append(lines, fit(m.detail.View(), m.width, m.bodyHeight())...)
	default: // the table keeps to the width itself
		lines = append(lines, fitHeight(m.fleet.View(), m.bodyHeight())...)
	}
	lines = append(lines, fit(m.statusLine()+"\n"+m.footer, m.width, footerHeight)...)
	v.SetContent(strings.Join(lines, "\n"))
	return v
}

// bodyHeight is the height between the header and the footer.
func (m *Model) bodyHeight() int { return max(1, m.height-headerHeight-footerHeight) }

// statusLine is the question, the finder, or the status and filter.
func (m *Model) statusLine() string {
	s, l := m.c.styles, m.c.lang
	switch {
	case m.confirm == confirmCancelAll:
		return s.Prompt.Render(l.T("confirm.cancelall"))
	case m.confirm == confirmQuit:
		return s.Prompt.Render(l.T("confirm.quit"))
	case m.find.active:
		return m.find.View()
	}
	var info []string
	if q := m.fleet.query; q != "" {
		info = append(info, l.F("find.active", q, len(m.fleet.view), len(m.fleet.rows)))
	}
	if n := m.fleet.selectedShown(); n > 0 {
		info = append(info, l.F("fleet.selected", n))
	}
	right := s.Label.Render(strings.Join(info, "  "))
	left := s.Tone[m.statusTone].Render(m.statusText())
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 2 {
		return left + "  " + right
	}
	return left + spaces(gap) + right
}

// helpView is the full key list, every key of the console.
func (m *Model) helpView() string {
	all := DefaultKeyMap()
	all.localize(m.c.lang)
	h := m.help
	h.ShowAll = true
	return m.c.styles.Section.Render(m.c.lang.T("help.title")) + "\n\n" + h.View(all)
}
