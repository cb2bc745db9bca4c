package tui

import (
	"os"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
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

	// History is the log: the history screen, the detail pane's earlier
	// attempts and today's tallies in the header. Nil: the history screen
	// says that there is no log.
	History History
	// SettingsPath is the settings file (see DefaultSettingsPath). When
	// set, the console reads it at start and applies it over the
	// backend's settings (its language only when Lang is empty), and
	// writes it whenever the operator applies new settings. Empty: the
	// settings are neither read nor remembered.
	SettingsPath string
	// ExportDir is where the history screen's CSV exports go; empty: the
	// working directory.
	ExportDir string
	// LogHealth, when set, is read every 2 s: while the log cannot be
	// written, the status line says why.
	LogHealth LogHealth
	// Central, when set, is the link to the factory's central log: its
	// status is read every 2 s for the status line, and the settings
	// form shows and changes its URL.
	Central Central
	// Recovered is how many attempts an earlier airfleet left open when it
	// stopped (the log marked them interrupted as it opened): the status
	// line says so at start, as the CLI does.
	Recovered int
}

// screenID is the console's screen, below the help and the detail pane.
type screenID int

const (
	screenFleet screenID = iota
	screenSettings
	screenHistory
)

// logDelay is how long after a module's final state the console reads the
// log again: long enough for the log's writer to have committed it, and to
// fold a burst of final states into one query.
const logDelay = 300 * time.Millisecond

// confirmKind is the question waiting for y/n, if any.
type confirmKind int

const (
	confirmNone confirmKind = iota
	confirmCancel
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

	fleet    *fleet
	header   *header
	detail   *detail
	find     *finder
	settings *settingsForm
	history  *historyScreen
	help     help.Model

	hist         History
	settingsPath string
	exportDir    string
	langGiven    bool // Options.Lang was set: the settings file does not change it
	screen       screenID
	logDue       bool          // a logChangedMsg is on its way
	logDelay     time.Duration // see logDelay; 0 in tests
	todayBusy    bool          // a today query is on its way
	todayStale   bool          // ask again when it arrives

	width, height int
	showDetail    bool
	showHelp      bool
	confirm       confirmKind
	status        func(lang) string // the status line's message, nil for none
	statusTone    tone
	busy          bool // some module was working after the last events
	batches       int  // the batches that ended so far
	ticking       bool // a tickMsg is on its way
	ticker        func(now func() time.Time) tea.Cmd
	footer        string // the short help, rendered when the keys change

	logHealth  LogHealth
	logErr     error // why the log cannot be written now, nil if it can
	logPending int64 // records waiting for the disk

	central        Central
	centralText    string // the latest reading ("" none yet)
	centralFailing bool
}

// The parts of the console.
var (
	_ component = (*fleet)(nil)
	_ component = (*header)(nil)
	_ component = (*detail)(nil)
	_ component = (*finder)(nil)
	_ component = (*settingsForm)(nil)
	_ component = (*historyScreen)(nil)
)

// New builds the console's model over b.
func New(b Backend, opts Options) *Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	c := &common{styles: DefaultStyles(true), keys: DefaultKeyMap(), explain: opts.Explain, now: now}
	if c.explain == nil {
		c.explain = func(int, int, string) (string, string, string) { return "", "", "" }
	}
	l := parseLang(opts.Lang)
	if opts.Lang == "" {
		l = langFromEnv(os.Getenv)
	}
	c.setLang(l)
	m := &Model{c: c, backend: b, bell: opts.Bell, now: now,
		fleet: newFleet(c), header: &header{c: c}, detail: newDetail(c, opts.History != nil), find: newFinder(c),
		settings: newSettingsForm(c, opts.SettingsPath), history: newHistoryScreen(c, opts.History), help: help.New(),
		hist: opts.History, settingsPath: opts.SettingsPath, exportDir: opts.ExportDir, langGiven: opts.Lang != "",
		logDelay: logDelay, logHealth: opts.LogHealth, central: opts.Central}
	m.ticker = tick
	if opts.Recovered > 0 {
		m.setStatus(toneWarn, msgStRecovered, opts.Recovered)
	}
	m.help.Styles = c.styles.Help
	m.syncKeys()
	m.footer = m.footerView()
	return m
}

// Init asks for the plan, the terminal's background colour and the
// settings file.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{loadPlan(m.backend), tea.RequestBackgroundColor}
	if m.settingsPath != "" {
		cmds = append(cmds, loadSettingsFile(m.settingsPath))
	}
	if m.logHealth != nil {
		cmds = append(cmds, checkLogHealth(m.logHealth, logHealthEvery))
	}
	if m.central != nil {
		cmds = append(cmds, checkCentral(m.central, string(m.c.lang), 0))
	}
	return tea.Batch(cmds...)
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
		cmd = m.handlePaste(msg)
	case planMsg:
		m.header.Update(msg)
		m.c.planTarget, m.c.planMode = msg.Plan.Target, msg.Plan.Mode
		cmd = m.refreshToday()
	case eventsMsg:
		cmd = m.handleEvents(msg.Events)
	case eventsClosedMsg:
		m.setStatus(toneWarn, msgStClosed)
	case transcriptMsg:
		cmd = m.detail.gotTranscript(m.backend, msg)
	case actionDoneMsg:
		m.handleActionDone(msg)
	case tickMsg:
		cmd = m.handleTick(msg)
	default:
		cmd = m.handleReply(msg)
	}
	m.syncKeys()
	m.footer = m.footerView()
	return m, cmd
}

// handleReply routes the replies of the commands the console ran: the
// settings read, applied, loaded and saved, the log's queries, the export.
func (m *Model) handleReply(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case logHealthMsg:
		return m.handleLogHealth(msg)
	case centralMsg:
		return m.handleCentral(msg)
	case settingsReadMsg:
		m.settings.load(msg)
	case settingsFileMsg:
		return m.handleSettingsFile(msg)
	case settingsAppliedMsg:
		return m.handleSettingsApplied(msg)
	case settingsSavedMsg:
		m.handleSettingsSaved(msg)
	case todayMsg:
		return m.handleToday(msg)
	case logChangedMsg:
		return m.handleLogChanged()
	case imeiHistoryMsg:
		return m.handleIMEIHistory(msg)
	case attemptsMsg:
		m.history.gotAttempts(msg)
	case batchesMsg:
		m.history.gotBatches(msg)
	case attemptMsg:
		m.history.gotAttempt(msg)
	case exportMsg:
		m.handleExport(msg)
	}
	return nil
}

// View renders the whole screen in the alternate screen.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = m.c.lang.T(msgAppTitle)
	if m.width <= 0 || m.height <= 0 {
		return v
	}
	lines := fit(m.header.View(), m.width, headerHeight)
	switch {
	case m.showHelp:
		lines = append(lines, fit(m.helpView(), m.width, m.bodyHeight())...)
	case m.screen == screenSettings:
		lines = append(lines, fit(m.settings.View(), m.width, m.bodyHeight())...)
	case m.screen == screenHistory:
		lines = append(lines, fit(m.history.View(), m.width, m.bodyHeight())...)
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
	case m.confirm == confirmCancel:
		return s.Prompt.Render(l.F(msgConfirmCancel, len(m.actionTargets(actCancel))))
	case m.confirm == confirmCancelAll:
		return s.Prompt.Render(l.T(msgConfirmCancelall))
	case m.confirm == confirmQuit:
		return s.Prompt.Render(l.T(msgConfirmQuit))
	case m.find.active:
		return m.find.View()
	case m.history.input.active:
		return m.history.input.View()
	case m.logErr != nil: // above any other news: the product's memory is at stake
		return s.Tone[toneFail].Render(l.F(msgStLogfail, m.logPending, rootCause(m.logErr)))
	case m.screen != screenFleet:
		return s.Tone[m.statusTone].Render(m.statusText())
	}
	var info []string
	if q := m.fleet.query; q != "" {
		info = append(info, l.F(msgFindActive, q, len(m.fleet.view), len(m.fleet.rows)))
	}
	if n := m.fleet.selectedShown(); n > 0 {
		info = append(info, l.F(msgFleetSelected, n))
	}
	right := s.Label.Render(strings.Join(info, "  "))
	if c := m.centralView(); c != "" {
		right = strings.TrimLeft(right+"  "+c, " ")
	}
	left := s.Tone[m.statusTone].Render(m.statusText())
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 2 {
		return left + "  " + right
	}
	return left + spaces(gap) + right
}

// helpView is the full key list, every key of the console: its columns
// in rows as wide as the screen, so that none is cut off.
func (m *Model) helpView() string {
	all := DefaultKeyMap()
	all.localize(m.c.lang)
	h := m.help
	h.SetWidth(0)
	var rows []string
	var row [][]key.Binding
	flush := func() {
		if len(row) > 0 {
			rows = append(rows, h.FullHelpView(row))
			row = nil
		}
	}
	for _, col := range all.FullHelp() {
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(append(row, col))) > m.width {
			flush()
		}
		row = append(row, col)
	}
	flush()
	return m.c.styles.Section.Render(m.c.lang.T(msgHelpTitle)) + "\n\n" + strings.Join(rows, "\n\n")
}

// footerView is the footer: the fleet's keys as KeyMap.ShortHelp orders
// them, or the settings' and the history's in their own order, the
// moving keys last.
func (m *Model) footerView() string {
	k := &m.c.keys
	var list []*key.Binding
	switch {
	case m.confirm != confirmNone || m.find.active || m.showHelp:
		return m.help.View(m.c.keys)
	case m.history.input.active:
		list = m.history.input.Keys()
	case m.screen == screenSettings:
		list = m.settings.Keys()
	case m.showDetail:
		// What scrolls first: tab moves the keys to the other part.
		list = []*key.Binding{&k.Up, &k.Switch, &k.Back, &k.StartAll, &k.Start, &k.Retry, &k.Cancel,
			&k.CancelAll, &k.Help, &k.Quit, &k.History, &k.Settings, &k.Lang}
	case m.screen == screenHistory:
		// The filter line shows the filter keys too.
		late := []*key.Binding{&k.FilterIMEI, &k.FilterCode, &k.Range, &k.Lang,
			&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Home, &k.End}
		for _, b := range m.history.Keys() {
			if !slices.Contains(late, b) {
				list = append(list, b)
			}
		}
		list = append(append(list, &k.Help, &k.Quit), late...)
	default:
		return m.help.View(m.c.keys)
	}
	bs := make([]key.Binding, 0, len(list))
	for _, b := range list {
		if b.Enabled() {
			bs = append(bs, *b)
		}
	}
	return m.help.ShortHelpView(bs)
}
