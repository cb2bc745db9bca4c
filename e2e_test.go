package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"airfleet/upgrade"
)

// The end-to-end test runs the real binary's demo in a detached tmux session
// and drives it as an operator would: wait for the fleet, start the batch,
// read the result off the screen, open a failed module, quit. It waits on
// the screen (tmux capture-pane, polled) and never sleeps a fixed time.

const (
	e2eDeadline = 90 * time.Second       // for any one thing to appear on the screen
	e2ePoll     = 200 * time.Millisecond // between two looks at the screen
	e2eModules  = 24                     // the demo's fleet
	e2ePassed   = 19                     // scenario mixed: who upgrades…
	e2eFailed   = 4                      // …and who fails with an explained code…
	e2eHeld     = 1                      // …and who is held before any request: a key in NV its build cannot clear
)

// e2eWords are the console's words in one language, as the test reads them.
type e2eWords struct {
	lang                          string
	total, idle, passed, failed   string // the counts line's labels
	finished                      *regexp.Regexp
	failedState                   string // the state column of a failed module
	detailTitle, explain, confirm string
}

var e2eLanguages = []e2eWords{
	{
		lang: "en", total: "modules", idle: "idle", passed: "passed", failed: "failed",
		finished:    regexp.MustCompile(`Batch finished: (\d+) passed, (\d+) failed(?:, (\d+) held)?\.`),
		failedState: "failed", detailTitle: "Module in slot %s", explain: "What it means",
		confirm: "Quit? Downloads under way finish their reboot first; the rest stop. y/n",
	},
	{
		lang: "zh", total: "模块", idle: "空闲", passed: "成功", failed: "失败",
		finished:    regexp.MustCompile(`本批完成：成功 (\d+) 个，失败 (\d+) 个(?:，暂缓 (\d+) 个)?。`),
		failedState: "失败", detailTitle: "槽位 %s 的模块", explain: "含义",
		confirm: "确定退出？正在下载的模块先完成重启，其余就地停止。y/n",
	},
}

func TestDemoInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run of the demo in tmux: skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed, so the end-to-end run cannot drive the console (.ci/run installs it: apt-get install tmux)")
	}
	bin := buildAirfleet(t)
	for _, w := range e2eLanguages {
		t.Run(w.lang, func(t *testing.T) { runDemo(t, bin, w) })
	}
}

// buildAirfleet builds the command once, into a temporary directory.
func buildAirfleet(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build airfleet with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "airfleet")
	cmd := exec.CommandContext(t.Context(), gocmd, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runDemo plays one operator's session with the demo in language w.
func runDemo(t *testing.T, bin string, w e2eWords) {
	dir := t.TempDir()
	status := filepath.Join(dir, "status")
	stderr := filepath.Join(dir, "stderr")
	cmd := fmt.Sprintf("%s demo --speed 20 --lang %s --db %s 2>%s; echo $? >%s",
		shellQuote(bin), w.lang, shellQuote(filepath.Join(dir, "airfleet.db")), shellQuote(stderr), shellQuote(status))
	s := startTmux(t, w.lang, dir, cmd)
	exitInfo := func() string {
		code, _ := os.ReadFile(status)
		errs, _ := os.ReadFile(stderr)
		return fmt.Sprintf("exit status %q, stderr %q", strings.TrimSpace(string(code)), errs)
	}
	s.onFail = exitInfo

	// The whole fleet found and identified.
	ready := regexp.MustCompile(fmt.Sprintf(`%s %d\s+%s %d\b`, w.total, e2eModules, w.idle, e2eModules))
	s.waitFor("the fleet of 24 idle modules", func(screen string) bool { return ready.MatchString(countsLine(screen)) })

	// Start all, wait for the end of the batch, read the result.
	s.keys("s")
	var done []string
	screen := s.waitFor("the batch to finish", func(screen string) bool {
		done = w.finished.FindStringSubmatch(screen)
		return done != nil
	})
	if done[1] != strconv.Itoa(e2ePassed) || done[2] != strconv.Itoa(e2eFailed) || done[3] != strconv.Itoa(e2eHeld) {
		t.Errorf("status line %q, want %d passed, %d failed and %d held", done[0], e2ePassed, e2eFailed, e2eHeld)
	}
	counts := countsLine(screen)
	total, passed, failed := count(counts, w.total), count(counts, w.passed), count(counts, w.failed)
	if total != e2eModules || passed != e2ePassed || failed != e2eFailed {
		t.Errorf("counts line %q: %d modules, %d passed, %d failed; want %d, %d, %d\n%s",
			counts, total, passed, failed, e2eModules, e2ePassed, e2eFailed, screen)
	}

	checkFailedDetail(t, s, w, screen)

	// Quit: y if it asks, then the process ends and with it the session.
	s.keys("q")
	s.waitFor("the console to end or ask", func(screen string) bool {
		return s.gone() || strings.Contains(screen, w.confirm)
	})
	if !s.gone() {
		s.keys("y")
	}
	s.waitFor("the console to end", func(string) bool { return s.gone() })
	if code, err := os.ReadFile(status); err != nil || strings.TrimSpace(string(code)) != "0" {
		t.Errorf("airfleet demo did not exit cleanly: %s", exitInfo())
	}
}

// checkFailedDetail moves the cursor to the first failed module that shows
// a code, opens its detail pane and checks the explanation and transcript.
func checkFailedDetail(t *testing.T, s *tmuxSession, w e2eWords, screen string) {
	t.Helper()
	failedRow := regexp.MustCompile(`^[> ] (\S+) .*` + regexp.QuoteMeta(w.failedState) + `\s{2,}(-?\d+)\s`)
	lines := strings.Split(screen, "\n")
	cursor, target := -1, -1
	var slot string
	var code int
	for i, l := range lines {
		if strings.HasPrefix(l, "> ") && cursor < 0 {
			cursor = i
		}
		if m := failedRow.FindStringSubmatch(l); m != nil && target < 0 {
			target, slot = i, m[1]
			code, _ = strconv.Atoi(m[2])
		}
	}
	if cursor < 0 || target < 0 {
		t.Fatalf("no cursor row or no failed row with a code on the screen:\n%s", screen)
	}
	for range target - cursor {
		s.keys("j")
	}
	s.waitFor("the cursor on the failed module in "+slot, func(screen string) bool {
		return strings.Contains(screen, "\n> "+slot+" ")
	})
	s.keys("Enter")
	title, _, _, ok := upgrade.Explain(code, 0, w.lang)
	if !ok {
		t.Fatalf("the catalogue does not know code %d that the failed row %s shows", code, slot)
	}
	pane := s.waitFor("the detail pane of "+slot+" with its transcript", func(screen string) bool {
		return strings.Contains(screen, fmt.Sprintf(w.detailTitle, slot)) && strings.Contains(screen, "> AT+UPGRADE")
	})
	if !strings.Contains(pane, w.explain+" "+title) {
		t.Errorf("the detail pane of %s lacks %q:\n%s", slot, w.explain+" "+title, pane)
	}
}

// countsLine is the header's second line.
func countsLine(screen string) string {
	lines := strings.SplitN(screen, "\n", 3)
	if len(lines) < 2 {
		return ""
	}
	return lines[1]
}

// count reads the number after label on the counts line, 0 when absent.
func count(line, label string) int {
	m := regexp.MustCompile(`(?:^|\s)` + regexp.QuoteMeta(label) + ` (\d+)`).FindStringSubmatch(line)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// tmuxSession is one detached session on the test's own tmux server.
type tmuxSession struct {
	t       *testing.T
	socket  string
	sockDir string // TMUX_TMPDIR: the socket goes away with the test's files
	name    string
	onFail  func() string // more to say when a wait fails
	lastErr error
}

// startTmux starts cmd in a detached 160×48 session on a server of its own
// whose socket lives in dir, killed when the test ends (before dir goes).
func startTmux(t *testing.T, name, dir, cmd string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("airfleet-e2e-%d-%s", os.Getpid(), name), sockDir: dir, name: name}
	t.Cleanup(func() { _ = s.tmux("kill-server") })
	if err := s.tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "48", cmd); err != nil {
		t.Fatalf("tmux new-session: %v", err)
	}
	return s
}

// tmux runs a tmux command on the session's server.
func (s *tmuxSession) tmux(args ...string) error {
	_, err := s.output(args...)
	return err
}

func (s *tmuxSession) output(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-u", "-L", s.socket}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=", "TMUX_TMPDIR="+s.sockDir) // TMUX=: even when the tests run inside tmux
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return string(out), err
}

// keys types keys (tmux key names: "j", "Enter", …) into the session.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	if err := s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...); err != nil {
		s.t.Fatalf("tmux send-keys %v: %v", keys, err)
	}
}

// screen is what the session shows now, "" once it has ended.
func (s *tmuxSession) screen() string {
	out, err := s.output("capture-pane", "-p", "-t", s.name)
	s.lastErr = err
	return out
}

// gone reports whether the session has ended.
func (s *tmuxSession) gone() bool { return s.tmux("has-session", "-t", s.name) != nil }

// waitFor polls the screen until cond holds and returns that screen.
func (s *tmuxSession) waitFor(what string, cond func(screen string) bool) string {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(e2eDeadline); time.Now().Before(deadline); time.Sleep(e2ePoll) {
		if screen = s.screen(); cond(screen) {
			return screen
		}
		if s.lastErr != nil && s.gone() && !cond(screen) {
			break // the console ended: nothing more will come
		}
	}
	var more string
	if s.onFail != nil {
		more = s.onFail()
	}
	s.t.Fatalf("waiting for %s: not seen (last tmux error %v; %s); last screen:\n%s", what, s.lastErr, more, screen)
	return ""
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
