package upgrade

// The delta map of own-server mode: which file each module downloads. A
// delta made with Luat's differential tool fits exactly one base version,
// so a batch of modules at several versions needs one URL per (firmware
// name, base version); a module sent a delta for another base downloads it
// in full and refuses it (-1003).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"airfleet/device"
)

// DeltaEntry is one delta of a map: the firmware name (the firmware string
// without "_V<core>", e.g. AirM2M_780EP_LTE_AT), its base and target core
// versions, and where it is: a URL the module downloads, a file (relative
// to the map file, for a later local mode), or both.
type DeltaEntry struct {
	Firmware string `json:"firmware"`
	From     int    `json:"from"`
	To       int    `json:"to"`
	URL      string `json:"url,omitempty"`
	File     string `json:"file,omitempty"`

	Line int `json:"-"` // where the entry starts in its file; 0 for a template
}

// DeltaMap says which delta each module downloads in own-server mode: an
// operator's list of deltas (ReadDeltaMap), or a URL template with the
// batch's target (DeltaTemplate).
type DeltaMap struct {
	Path     string // the file it was read from
	Template string // "http://h/{firmware}_{from}_{to}.bin"
	Target   int    // the template's {to}
	entries  map[deltaKey]DeltaEntry
}

type deltaKey struct {
	firmware string
	from     int
}

// DeltaMapError is what is wrong with a delta map: where (file and line,
// or the template) and what to do about it.
type DeltaMapError struct {
	Path   string // "" for a template
	Line   int
	Reason Sentence // what is wrong and what to do
}

// Error says "deltas.json line 4: …" in English.
func (e *DeltaMapError) Error() string { return e.In("en") }

// In says the error in lang: "deltas.json line 4: …" / "deltas.json 第 4 行:…".
func (e *DeltaMapError) In(lang string) string {
	switch {
	case e.Path == "":
		return e.Reason.In(lang)
	case e.Line == 0:
		return msgMapAt.In(lang, e.Path, e.Reason)
	}
	return msgMapAtLine.In(lang, e.Path, e.Line, e.Reason)
}

// ReadDeltaMap reads and checks the delta map in the file at path.
func ReadDeltaMap(path string) (*DeltaMap, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &DeltaMapError{Path: path, Reason: msgMapUnreadable.With(unwrapPathErr(err))}
	}
	return ParseDeltaMap(path, b)
}

func unwrapPathErr(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// deltaMapExample is shown when the shape of a map is wrong.
const deltaMapExample = `{"deltas": [{"firmware": "AirM2M_780EP_LTE_AT", "from": 1006, "to": 1007, "url": "http://…/780ep_1006_1007.bin"}]}`

// ParseDeltaMap parses and checks a delta map; name is its file's path,
// said in errors and the base of relative "file" paths.
func ParseDeltaMap(name string, b []byte) (*DeltaMap, error) {
	fail := func(off int64, m *Message, a ...any) error {
		return &DeltaMapError{Path: name, Line: lineAt(b, off), Reason: m.With(a...)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	// base is where the value being decoded starts: a type error's
	// offset counts from there, a syntax error's from the file's start.
	syntax := func(err error, base int64) error {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fail(se.Offset, msgMapSyntax, se, deltaMapExample)
		case errors.As(err, &te):
			return fail(base+te.Offset, msgMapType, te.Field, te.Value, jsonKind(te.Type.Kind().String()))
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return fail(int64(len(b)), msgMapEarly, deltaMapExample)
		}
		return fail(dec.InputOffset(), msgVerbatim, err)
	}
	expect := func(want json.Delim) error {
		off := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return syntax(err, 0)
		}
		if d, ok := t.(json.Delim); !ok || d != want {
			return fail(off, msgMapFound, t, string(want), deltaMapExample)
		}
		return nil
	}
	m := &DeltaMap{Path: name, entries: map[deltaKey]DeltaEntry{}}
	if err := expect('{'); err != nil {
		return nil, err
	}
	seen := false
	for dec.More() {
		off := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return nil, syntax(err, 0)
		}
		if t != "deltas" {
			return nil, fail(off, msgMapUnknownTop, t, deltaMapExample)
		}
		seen = true
		if err := expect('['); err != nil {
			return nil, err
		}
		for dec.More() {
			var e DeltaEntry
			start := dec.InputOffset()
			if err := dec.Decode(&e); err != nil {
				if strings.Contains(err.Error(), "unknown field") {
					return nil, fail(start, msgMapUnknownField, strings.TrimPrefix(err.Error(), "json: "))
				}
				return nil, syntax(err, start)
			}
			e.Line = lineAt(b, start)
			if why := m.add(e); !why.IsZero() {
				return nil, &DeltaMapError{Path: name, Line: e.Line, Reason: why}
			}
		}
		if err := expect(']'); err != nil {
			return nil, err
		}
	}
	if err := expect('}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(dec.InputOffset(), msgMapTrailing)
	}
	if !seen || len(m.entries) == 0 {
		return nil, &DeltaMapError{Path: name, Reason: msgMapEmpty.With(deltaMapExample)}
	}
	return m, nil
}

// jsonKind names what a Go kind is in JSON.
func jsonKind(k string) Sentence {
	switch k {
	case "int":
		return msgJSONInt.With()
	case "string":
		return msgJSONString.With()
	}
	return msgJSONOther.With(k)
}

// lineAt is the line (from 1) of the first non-blank byte at or after off,
// skipping the comma between two values (the decoder's offset before a
// list's next value is at that comma, or at the value).
func lineAt(b []byte, off int64) int {
	i := int(min(max(off, 0), int64(len(b))))
	for i < len(b) && strings.IndexByte(" \t\r\n,", b[i]) >= 0 {
		i++
	}
	return 1 + bytes.Count(b[:i], []byte("\n"))
}

// add checks one entry and indexes it; it says what is wrong, if anything.
func (m *DeltaMap) add(e DeltaEntry) Sentence {
	switch {
	case e.Firmware == "":
		return msgMapFirmwareMissing.With()
	case strings.ContainsFunc(e.Firmware, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}):
		return msgMapFirmwareBad.With(e.Firmware)
	case e.From <= 0 || e.From > 99999:
		return msgMapFrom.With(e.From)
	case e.To <= e.From || e.To > 99999:
		// A delta goes up (FOTA does not downgrade): so the map has no cycle.
		return msgMapTo.With(e.To, e.From)
	case e.URL == "" && e.File == "":
		return msgMapNowhere.With()
	}
	if e.URL != "" {
		if err := device.ValidateURL(e.URL); err != nil {
			return msgMapURL.With(valueSentence(err))
		}
	}
	if e.File != "" && filepath.IsAbs(e.File) {
		return msgMapFileAbs.With(e.File)
	}
	k := deltaKey{e.Firmware, e.From}
	if old, ok := m.entries[k]; ok {
		return msgMapSecond.With(e.Firmware, e.From, old.Line)
	}
	m.entries[k] = e
	return Sentence{}
}

// DeltaTemplate makes a map from a URL template: {firmware}, {from} and
// {to} are replaced by the module's firmware name, its core version and
// target. {from} must be in it: a delta fits one base version.
func DeltaTemplate(t string, target int) (*DeltaMap, error) {
	fail := func(m *Message, a ...any) error {
		return &DeltaMapError{Reason: m.With(a...)}
	}
	if target <= 0 {
		return nil, fail(msgTplTarget)
	}
	rest := t
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fail(msgTplBrace, t)
		}
		if p := rest[i : i+j+1]; p != "{firmware}" && p != "{from}" && p != "{to}" {
			return nil, fail(msgTplName, t, p)
		}
		rest = rest[i+j+1:]
	}
	if !strings.Contains(t, "{from}") {
		return nil, fail(msgTplNoFrom, t)
	}
	m := &DeltaMap{Template: t, Target: target}
	if err := device.ValidateURL(m.expand("AirM2M_780EP_LTE_AT", 1006)); err != nil {
		return nil, fail(msgVerbatim, valueSentence(err))
	}
	return m, nil
}

func (m *DeltaMap) expand(firmware string, from int) string {
	return strings.NewReplacer("{firmware}", firmware, "{from}", strconv.Itoa(from), "{to}", strconv.Itoa(m.Target)).Replace(m.Template)
}

// Lookup returns the delta for a module running firmware at core version
// from, and whether the map has one (an entry may have a file but no URL).
func (m *DeltaMap) Lookup(firmware string, from int) (DeltaEntry, bool) {
	if m == nil {
		return DeltaEntry{}, false
	}
	if m.Template != "" {
		if from >= m.Target {
			return DeltaEntry{}, false
		}
		u := m.expand(firmware, from)
		if device.ValidateURL(u) != nil {
			return DeltaEntry{}, false
		}
		return DeltaEntry{Firmware: firmware, From: from, To: m.Target, URL: u}, true
	}
	e, ok := m.entries[deltaKey{firmware, from}]
	return e, ok
}

// Chain returns the deltas that take firmware from from to target, one
// step after another (1006→1007, 1007→1009), or, with no target, the one
// delta from from. It returns the steps found and false when the map
// breaks the chain: no delta from a version on the way, or one that
// leads past the target. Deltas only go up, so a chain always ends.
func (m *DeltaMap) Chain(firmware string, from, target int) ([]DeltaEntry, bool) {
	var steps []DeltaEntry
	for v := from; target == 0 && len(steps) == 0 || v < target; {
		e, ok := m.Lookup(firmware, v)
		if !ok || target > 0 && e.To > target {
			return steps, false
		}
		steps = append(steps, e)
		v = e.To
	}
	return steps, true
}

// checkFiles refuses, by its line, the first entry whose delta only a file
// holds (no url) when that file cannot be read: local mode would hold
// every module that needs it, a mistake known before the batch starts.
func (m *DeltaMap) checkFiles() error {
	if m == nil || m.Template != "" {
		return nil
	}
	var bad *DeltaMapError
	for _, e := range m.entries {
		if e.File == "" || e.URL != "" || bad != nil && bad.Line < e.Line {
			continue
		}
		path := (*localDeltas)(nil).path(m, e)
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			bad = &DeltaMapError{Path: m.Path, Line: e.Line, Reason: msgMapFileUnreadable.With(e.File, unwrapPathErr(err))}
		case !fi.Mode().IsRegular():
			bad = &DeltaMapError{Path: m.Path, Line: e.Line, Reason: msgMapFileIrregular.With(e.File)}
		}
	}
	if bad != nil {
		return bad
	}
	return nil
}

// Len is the number of deltas listed (0 for a template).
func (m *DeltaMap) Len() int { return len(m.entries) }

// String names the map in the log: its file, or its template.
func (m *DeltaMap) String() string {
	if m == nil {
		return ""
	}
	if m.Template != "" {
		return m.Template
	}
	return "deltas:" + m.Path
}

// where says where an entry comes from: "deltas.json line 4", or the
// template.
func (m *DeltaMap) where(e DeltaEntry) string {
	if m == nil || m.Template != "" || e.Line == 0 {
		return "--url-template " + device.MaskURL(m.String())
	}
	return fmt.Sprintf("%s line %d", m.Path, e.Line)
}

// flag names the option that gave the map: deltas or url-template.
func (m *DeltaMap) flag() string {
	if m.Template != "" {
		return "url-template"
	}
	return "deltas"
}

// said names the map in a sentence: its file, or the template.
func (m *DeltaMap) said() string {
	if m.Template != "" {
		return "--url-template " + device.MaskURL(m.Template)
	}
	return m.Path
}
