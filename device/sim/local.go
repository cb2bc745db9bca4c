package sim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"airfleet/device/sim/delta"
	"airfleet/device/sim/platform"
)

// The delta map of the local scenarios: the files a console writes into
// the modules with AT+UARTUPGRADE, and the map that lists them, in the
// engine's format ({"deltas":[{"firmware","from","to","file"}]}, "file"
// relative to the map).

const (
	// LocalMapFile is the delta map of a local scenario, in the fleet
	// directory (a file at the top: never taken for a slot).
	LocalMapFile = "deltas.json"
	// LocalDeltaDir holds the delta files, in the fleet directory (a name
	// starting with "." is never taken for a slot).
	LocalDeltaDir = ".deltas"
)

// DeltaMap returns the path of the fleet's delta map (DIR/deltas.json) in
// a local-mode scenario, else "".
func (f *Fleet) DeltaMap() string {
	if f.sc.mode != ModeLocal {
		return ""
	}
	return filepath.Join(f.cfg.Dir, LocalMapFile)
}

// localEntry is one entry of the map.
type localEntry struct {
	Firmware string `json:"firmware"`
	From     int    `json:"from"`
	To       int    `json:"to"`
	File     string `json:"file"`
}

// writeLocal writes the delta files and the map of a local scenario: for
// each module (but NoDelta ones) one delta per version step from its base
// to its target, so that a module two versions behind goes through a
// chain. A step shared by several modules is one file; a MapBase module's
// first step is a file made for another base (it wins over a good one).
func (f *Fleet) writeLocal(specs []ModuleSpec) error {
	dir := filepath.Join(f.cfg.Dir, LocalDeltaDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sim: cannot create %s: %w", dir, err)
	}
	type key struct {
		fw   string
		from int
	}
	type plan struct {
		d    delta.Delta
		name string
	}
	plans := map[key]plan{}
	for _, s := range specs {
		if s.NoDelta {
			continue
		}
		fw := models[s.Model].FirmwareName()
		for v := s.Version; v < s.Target; v++ {
			d := delta.Delta{FirmwareName: fw, Base: v, Target: v + 1, Size: platform.DefaultDeltaSize}
			bad := v == s.Version && s.MapBase != 0
			if bad {
				d.Base = s.MapBase
			}
			if v == s.Version && s.DeltaSize > 0 {
				d.Size = s.DeltaSize
			}
			k := key{fw, v}
			if _, seen := plans[k]; seen && !bad {
				continue
			}
			plans[k] = plan{d: d, name: deltaFileName(fw, v, v+1)}
		}
	}
	var entries []localEntry
	for k, p := range plans {
		if err := writeBinary(filepath.Join(dir, p.name), delta.Make(p.d, f.cfg.Seed)); err != nil {
			return err
		}
		entries = append(entries, localEntry{Firmware: k.fw, From: k.from, To: k.from + 1,
			File: filepath.ToSlash(filepath.Join(LocalDeltaDir, p.name))})
	}
	slices.SortFunc(entries, func(a, b localEntry) int {
		return cmp.Or(cmp.Compare(a.Firmware, b.Firmware), cmp.Compare(a.From, b.From))
	})
	b, err := json.MarshalIndent(struct {
		Deltas []localEntry `json:"deltas"`
	}{entries}, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(f.cfg.Dir, LocalMapFile), b)
}

// writeBinary writes b to path exactly (writeAtomic adds a newline),
// through a temporary file and a rename.
func writeBinary(path string, b []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("sim: cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sim: cannot write %s: %w", path, err)
	}
	return nil
}
