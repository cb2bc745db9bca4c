package device

import "unicode/utf8"

// MaxLineLen caps one received line. A module that streams bytes without a
// line ending (a diagnostic port opened by mistake, a stuck UART) produces
// lines of at most this length; the rest of such a line is counted and
// dropped, so memory stays bounded.
const MaxLineLen = 4096

// splitter cuts a byte stream into lines. "\r\n", "\n" and a lone "\r" all
// end a line, a "\n" that directly follows a "\r" is part of the same ending,
// and empty lines are skipped. It keeps its state between calls, so a line or
// a "\r\n" split across reads (one byte at a time, even) is joined.
type splitter struct {
	max     int
	buf     []byte
	afterCR bool
	dropped int // bytes dropped from the current over-long line
}

// piece is one line cut by the splitter.
type piece struct {
	text    string
	dropped int  // bytes of this line beyond the cap, not in text
	partial bool // text was cut at the cap; more of this line follows as dropped bytes
}

func newSplitter(max int) *splitter {
	if max <= 0 {
		max = MaxLineLen
	}
	return &splitter{max: max, buf: make([]byte, 0, 256)}
}

// feed consumes p and calls emit for every line completed by it.
func (s *splitter) feed(p []byte, emit func(piece)) {
	for _, b := range p {
		if b == '\n' && s.afterCR {
			s.afterCR = false
			continue
		}
		s.afterCR = b == '\r'
		if b == '\r' || b == '\n' {
			s.end(emit)
			continue
		}
		if len(s.buf) < s.max {
			s.buf = append(s.buf, b)
			if len(s.buf) == s.max {
				// Hand the capped prefix on now: an endless line must not
				// hold back everything behind it until its end arrives.
				emit(piece{text: string(s.buf), partial: true})
			}
			continue
		}
		s.dropped++
	}
}

func (s *splitter) end(emit func(piece)) {
	switch {
	case len(s.buf) == s.max:
		if s.dropped > 0 {
			emit(piece{dropped: s.dropped})
		}
	case len(s.buf) > 0:
		emit(piece{text: string(s.buf)})
	}
	s.buf = s.buf[:0]
	s.dropped = 0
}

// printable reports whether a line holds only printable text (any UTF-8
// letter, space or tab). Binary noise is not printable.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
