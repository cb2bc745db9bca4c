package store

import (
	"os"
	"path/filepath"
	"runtime"
)

// dataDir is airfleet's data folder, where the log and the list of logs
// live: $XDG_DATA_HOME/airfleet where set (absolute), else on Windows
// %LocalAppData%\airfleet (the machine's own, not roaming: a log of
// hundreds of MB has no place in a roaming profile), else
// ~/.local/share/airfleet; "" when there is no home.
func dataDir() string {
	home, _ := os.UserHomeDir()
	return dataDirFor(runtime.GOOS, os.Getenv, home)
}

// dataDirFor is dataDir for a system, an environment and a home folder.
func dataDirFor(goos string, getenv func(string) string, home string) string {
	join := filepath.Join
	if goos == "windows" {
		join = func(elem ...string) string { return windowsJoin(elem...) }
	}
	if d := getenv("XDG_DATA_HOME"); d != "" && isAbs(goos, d) {
		return join(d, "airfleet")
	}
	if goos == "windows" {
		if d := getenv("LocalAppData"); d != "" && isAbs(goos, d) {
			return join(d, "airfleet")
		}
	}
	if home == "" {
		return ""
	}
	return join(home, ".local", "share", "airfleet")
}

// isAbs is filepath.IsAbs for goos: on Windows a drive and a backslash
// (C:\…) or a UNC path (\\server\share).
func isAbs(goos, p string) bool {
	if goos != "windows" {
		return filepath.IsAbs(p)
	}
	if len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') {
		return true
	}
	return len(p) >= 2 && p[0] == '\\' && p[1] == '\\'
}

// windowsJoin joins with backslashes, so the table test of dataDirFor reads
// the same on every system; on Windows it is what filepath.Join gives.
func windowsJoin(elem ...string) string {
	out := ""
	for _, e := range elem {
		switch {
		case out == "":
			out = e
		case len(out) > 0 && (out[len(out)-1] == '\\' || out[len(out)-1] == '/'):
			out += e
		default:
			out += `\` + e
		}
	}
	return out
}
