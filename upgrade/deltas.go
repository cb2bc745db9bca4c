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
	Path string // "" for a template
	Line int
	Msg  string
}

// Error says "deltas.json line 4: …".
func (e *DeltaMapError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	if e.Line == 0 {
		return e.Path + ": " + e.Msg
	}
	return fmt.Sprintf("%s line %d: %s", e.Path, e.Line, e.Msg)
}

// ReadDeltaMap reads and checks the delta map in the file at path.
func ReadDeltaMap(path string) (*DeltaMap, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &DeltaMapError{Path: path, Msg: fmt.Sprintf("cannot read it (%v): give the path of your delta map (JSON)", unwrapPathErr(err))}
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
	fail := func(off int64, format string, a ...any) error {
		return &DeltaMapError{Path: name, Line: lineAt(b, off), Msg: fmt.Sprintf(format, a...)}
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
			return fail(se.Offset, "not JSON (%v): fix the syntax; a map looks like %s", se, deltaMapExample)
		case errors.As(err, &te):
			return fail(base+te.Offset, "field %q holds a %s: give %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return fail(int64(len(b)), "the JSON ends early: close every brace and bracket; a map looks like %s", deltaMapExample)
		}
		return fail(dec.InputOffset(), "%v", err)
	}
	expect := func(want json.Delim) error {
		off := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return syntax(err, 0)
		}
		if d, ok := t.(json.Delim); !ok || d != want {
			return fail(off, "found %v where %q belongs: a map looks like %s", t, string(want), deltaMapExample)
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
			return nil, fail(off, "unknown field %v: the map holds only \"deltas\", a list; a map looks like %s", t, deltaMapExample)
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
					return nil, fail(start, "%s: an entry has firmware, from, to, url and file", strings.TrimPrefix(err.Error(), "json: "))
				}
				return nil, syntax(err, start)
			}
			e.Line = lineAt(b, start)
			if err := m.add(e); err != nil {
				return nil, &DeltaMapError{Path: name, Line: e.Line, Msg: err.Error()}
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
		return nil, fail(dec.InputOffset(), "text after the map's closing brace: remove it")
	}
	if !seen || len(m.entries) == 0 {
		return nil, &DeltaMapError{Path: name, Msg: "lists no delta: add entries such as " + deltaMapExample}
	}
	return m, nil
}

// jsonKind names what a Go kind is in JSON.
func jsonKind(k string) string {
	switch k {
	case "int":
		return "a whole number such as 1007"
	case "string":
		return "a string in double quotes"
	}
	return "a " + k
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

// add checks one entry and indexes it.
func (m *DeltaMap) add(e DeltaEntry) error {
	switch {
	case e.Firmware == "":
		return errors.New(`"firmware" is missing: give the firmware name as the module reports it without "_V<core>", e.g. AirM2M_780EP_LTE_AT`)
	case strings.ContainsFunc(e.Firmware, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}):
		return fmt.Errorf(`"firmware" %q: give the firmware name as the module reports it without "_V<core>", e.g. AirM2M_780EP_LTE_AT`, e.Firmware)
	case e.From <= 0 || e.From > 99999:
		return fmt.Errorf(`"from" %d: give the core version the delta was made from, e.g. 1006`, e.From)
	case e.To <= e.From || e.To > 99999:
		// A delta goes up (FOTA does not downgrade): so the map has no cycle.
		return fmt.Errorf(`"to" %d: give the core version the delta leads to, higher than "from" %d (FOTA does not downgrade)`, e.To, e.From)
	case e.URL == "" && e.File == "":
		return errors.New(`the entry has neither "url" nor "file": give the delta's URL on your server (or its file, relative to this map)`)
	}
	if e.URL != "" {
		if err := device.ValidateURL(e.URL); err != nil {
			return fmt.Errorf(`"url": %v`, err)
		}
	}
	if e.File != "" && filepath.IsAbs(e.File) {
		return fmt.Errorf(`"file" %q: give a path relative to the map file`, e.File)
	}
	k := deltaKey{e.Firmware, e.From}
	if old, ok := m.entries[k]; ok {
		return fmt.Errorf("a second delta for %s from %d (the first is on line %d): a module at one version takes one delta; remove one", e.Firmware, e.From, old.Line)
	}
	m.entries[k] = e
	return nil
}

// DeltaTemplate makes a map from a URL template: {firmware}, {from} and
// {to} are replaced by the module's firmware name, its core version and
// target. {from} must be in it: a delta fits one base version.
func DeltaTemplate(t string, target int) (*DeltaMap, error) {
	fail := func(format string, a ...any) error {
		return &DeltaMapError{Msg: fmt.Sprintf(format, a...)}
	}
	if target <= 0 {
		return nil, fail("needs --target: the template's {to} is the core version wanted, e.g. --target 1007")
	}
	rest := t
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fail("%q has a { with no }: use {firmware}, {from} and {to}", t)
		}
		if p := rest[i : i+j+1]; p != "{firmware}" && p != "{from}" && p != "{to}" {
			return nil, fail("%q names %s: use {firmware}, {from} and {to}", t, p)
		}
		rest = rest[i+j+1:]
	}
	if !strings.Contains(t, "{from}") {
		return nil, fail("%q has no {from}: a delta fits one base version, so each base needs its own file; put {from} (and {firmware}) in the path", t)
	}
	m := &DeltaMap{Template: t, Target: target}
	if err := device.ValidateURL(m.expand("AirM2M_780EP_LTE_AT", 1006)); err != nil {
		return nil, fail("%v", err)
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
			bad = &DeltaMapError{Path: m.Path, Line: e.Line, Msg: fmt.Sprintf(`"file" %q cannot be read (%v): give the delta's path relative to the map, or a "url" this host can fetch`, e.File, unwrapPathErr(err))}
		case !fi.Mode().IsRegular():
			bad = &DeltaMapError{Path: m.Path, Line: e.Line, Msg: fmt.Sprintf(`"file" %q is not a regular file: give the delta file's path relative to the map`, e.File)}
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
