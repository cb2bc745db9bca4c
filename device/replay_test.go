package device

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// step is one line of a spec transcript (testdata/transcripts, copied from
// shared/spec/transcripts): "> cmd", "< line" or "! unplug|plug".
type step struct {
	kind byte
	text string
}

func loadTranscript(t *testing.T, path string) []step {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []step
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if len(l) < 2 || (l[0] != '>' && l[0] != '<' && l[0] != '!') {
			continue
		}
		steps = append(steps, step{l[0], strings.TrimSpace(l[2:])})
	}
	return steps
}

// TestReplayTranscripts plays every real session of the spec against the
// session: each command's answer must be exactly the module's lines between
// the echo and the final result, and every other line must reach the
// +UPGRADEIND subscription or the unsolicited stream, in order.
func TestReplayTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/transcripts/*.txt")
	if len(files) < 6 {
		t.Fatalf("found %d transcripts, want the spec's 6", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			steps := loadTranscript(t, path)
			s, fm := newFake(t, Options{})
			ind := s.Subscribe("+UPGRADEIND:")
			var lastFW Firmware
			for i := 0; i < len(steps); i++ {
				st := steps[i]
				switch st.kind {
				case '!':
					if st.text == "unplug" {
						fm.conn.Close()
						if _, err := ind.Next(context.Background()); !errors.Is(err, ErrClosed) {
							t.Fatalf("after unplug: %v", err)
						}
					} else {
						s, fm = newFake(t, Options{})
						ind = s.Subscribe("+UPGRADEIND:")
					}
				case '<':
					fm.send(frame(st.text))
					sub := s.Unsolicited()
					if strings.HasPrefix(st.text, "+UPGRADEIND:") {
						sub = ind
					}
					if got := nextLine(t, sub); got.Text != st.text {
						t.Fatalf("line %q arrived as %q", st.text, got.Text)
					}
				case '>':
					ch := run(s, context.Background(), st.text)
					fm.expect(st.text)
					var want []string
					for i+1 < len(steps) && steps[i+1].kind == '<' {
						i++
						l := steps[i].text
						fm.send(frame(l))
						if l == "OK" || l == "ERROR" {
							break
						}
						if l != st.text {
							want = append(want, l)
						}
					}
					r := wait(t, ch)
					if r.err != nil || !slices.Equal(r.lines, want) {
						t.Fatalf("%s: got %q, %v; want %q", st.text, r.lines, r.err, want)
					}
					if st.text == "ATI" {
						fw, ok := lastFirmware(r.lines)
						if !ok {
							t.Fatalf("ATI answer %q holds no firmware", r.lines)
						}
						lastFW = fw
					}
				}
			}
			if lastFW.Core == 0 {
				t.Fatal("the transcript ends without a firmware version")
			}
		})
	}
}
