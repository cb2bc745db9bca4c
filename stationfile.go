package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"airfleet/device"
	"airfleet/upgrade"
)

// stationFile is what a station knows of itself, kept beside the settings:
// its name in the log, and the labels printed on its fixture by USB slot.
// Unlike the settings (an operator's choices), it describes the bench.
type stationFile struct {
	Station string            `json:"station,omitempty"` // the station's name in the log; empty: the host name
	Labels  map[string]string `json:"labels,omitempty"`  // slot (USB path or fleet folder) → label
	// Handoff is the station's policy for what modules keep when they
	// leave the line (a "keep" applies in its own mode only); upgrade's
	// --handoff-* flags override it for one run.
	Handoff upgrade.Handoff `json:"handoff,omitzero"`
}

// defaultStationFile is $XDG_CONFIG_HOME/airfleet/station.json (or the
// platform's config folder).
func defaultStationFile() string {
	dir, err := os.UserConfigDir()
	if err != nil || dir == "" {
		return "airfleet-station.json"
	}
	return filepath.Join(dir, "airfleet", "station.json")
}

// maxLabel bounds a label: it stands in a table column and on a sticker.
const maxLabel = 16

// loadStationFile reads path; a file that does not exist is an empty
// station. One that does not parse, names a field airfleet does not know,
// or holds a bad label is an error naming the file and the fix.
func loadStationFile(path string) (stationFile, error) {
	var s stationFile
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("%s: %v", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("%s does not read as a station file (%v): fix it, or move it aside and label the slots again with airfleet slots learn", path, err)
	}
	if err := s.check(); err != nil {
		return s, fmt.Errorf("%s: %v", path, err)
	}
	return s, nil
}

// check refuses a hand-off policy with a value airfleet does not know, and
// labels that would mislead: empty, too long, with spaces or control
// characters, used twice, or equal to another slot's path.
func (s stationFile) check() error {
	if err := s.Handoff.Check(); err != nil {
		return fmt.Errorf("handoff: %v", strings.ReplaceAll(err.Error(), "--handoff-", ""))
	}
	seen := map[string]string{}
	for slot, lab := range s.Labels {
		switch {
		case lab == "" || len(lab) > maxLabel:
			return fmt.Errorf("slot %s: label %q must be 1 to %d characters", slot, lab, maxLabel)
		case strings.ContainsFunc(lab, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }):
			return fmt.Errorf("slot %s: label %q holds a space or a control character", slot, lab)
		case seen[lab] != "":
			return fmt.Errorf("label %q is given to two slots, %s and %s: each label names one slot", lab, seen[lab], slot)
		}
		seen[lab] = slot
	}
	for slot := range s.Labels {
		if other, ok := seen[slot]; ok && other != slot {
			return fmt.Errorf("label %q of slot %s is also the path of another slot: choose another label", slot, other)
		}
	}
	return nil
}

// save writes the station file whole: a temporary file renamed into
// place, so a crash never leaves half a file.
func (s stationFile) save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the folder for %s: %w", path, err)
	}
	_, _, err = writeWhole(path, func(w io.Writer) (int, error) {
		n, err := w.Write(append(b, '\n'))
		return n, err
	})
	return err
}

// byLabel lists the labels in fixture order (A1, A2, … A10, B1).
func (s stationFile) byLabel() []string {
	labs := make([]string, 0, len(s.Labels))
	for _, lab := range s.Labels {
		labs = append(labs, lab)
	}
	slices.SortFunc(labs, device.CompareSlots)
	return labs
}

// stationFlag adds --station-file to fs and returns its reader.
func stationFlag(fs *flag.FlagSet) func() (stationFile, error) {
	path := fs.String("station-file", defaultStationFile(), "the station `FILE`: its name in the log and the fixture's slot labels (airfleet slots learn writes it)")
	return func() (stationFile, error) {
		s, err := loadStationFile(*path)
		if err != nil {
			return s, usageErr("--station-file %v", err)
		}
		return s, nil
	}
}

// label shows src's slots by the station's labels, where it has any.
func (s stationFile) label(src device.Source) device.Source {
	if len(s.Labels) == 0 {
		return src
	}
	return device.Labelled{Source: src, Labels: s.Labels}
}
