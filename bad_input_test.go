package main

// Issue 5's bad-input table: every flag of every command and every field of
// the settings file, given a wrong value, ends with exit status 2 and a
// sentence that names the flag (or field) and the fix, before anything is
// sent to a module; and the log that was already there is left exactly as
// it was.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"airfleet/store"

	_ "github.com/mattn/go-sqlite3"
)

// existingLog writes a log with one finished batch at path, closes it,
// and returns its checksum.
func existingLog(t *testing.T, path string) [32]byte {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.StartBatch(store.Batch{Mode: store.Mode("iot"), Station: "L1"})
	a := s.StartAttempt(store.Attempt{BatchID: b, IMEI: "861234567890123", Slot: "1-1.2", FromVersion: 1006})
	s.EndAttempt(a, store.AttemptResult{Result: store.ResultUpgraded, ToVersion: 1007, Requests: 1})
	s.EndBatch(b, store.BatchDone, time.Time{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return logSum(t, path)
}

// logSum is the checksum of the log and of whatever WAL it has.
func logSum(t *testing.T, path string) [32]byte {
	t.Helper()
	h := sha256.New()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return [32]byte(h.Sum(nil))
}

// newerDB is a log written by a future airfleet (schema version 999).
func newerDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newer.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE x(a); PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	return path
}

// negativeDB is a log whose schema version (PRAGMA user_version) is -1,
// which no airfleet writes.
func negativeDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "negative.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE batches (id INTEGER PRIMARY KEY); PRAGMA user_version = -1"); err != nil {
		t.Fatal(err)
	}
	return path
}

// garbageDB is a file that is not a database.
func garbageDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// badFleet is a fleet directory with one slot whose "port" is a regular
// file and one that holds only the diagnostic interface (a device node,
// /dev/null, standing in for it).
func badFleet(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, slot := range []string{"1-1.4.8", "1-1.4.9"} {
		if err := os.MkdirAll(filepath.Join(dir, slot), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "1-1.4.8", "if06"), []byte("not a tty"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(dir, "1-1.4.9", "if04")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBadInput(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_DATA_HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	defLog := store.DefaultPath()
	if !strings.HasPrefix(defLog, home) {
		t.Fatalf("the default log %s is outside the test's folder", defLog)
	}
	defSum := existingLog(t, defLog)
	own := filepath.Join(t.TempDir(), "own.db")
	ownSum := existingLog(t, own)

	fleet := t.TempDir() // an empty, valid fleet directory
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	bad := badFleet(t)
	settings := func(body string) string {
		p := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := func(body string, mode os.FileMode) string {
		p := filepath.Join(t.TempDir(), "key")
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
		return p
	}
	badStation := func(text string) string {
		p := filepath.Join(t.TempDir(), "station.json")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deltaFile := func(text string) string {
		p := filepath.Join(t.TempDir(), "deltas.json")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	goodDeltas := deltaFile(`{"deltas": [{"firmware": "AirM2M_780EP_LTE_AT", "from": 1006, "to": 1007, "url": "http://h/a.bin"}]}`)
	up := func(extra ...string) []string {
		return append([]string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", own}, extra...)
	}
	console := func(extra ...string) []string {
		return append([]string{"--ports", fleet, "--db", own}, extra...)
	}

	cases := []struct {
		name string
		args []string
		want []string // all of these in stderr
		db   string   // a log that must be untouched besides the two above
	}{
		// The command line itself.
		{"unknown command", []string{"frobnicate"}, []string{"unknown command"}, ""},
		{"unknown flag", []string{"--bogus"}, []string{"-bogus"}, ""},
		{"stray argument", []string{"scan", "--ports", fleet, "extra"}, []string{`unexpected argument "extra"`}, ""},

		// upgrade: every flag.
		{"no mode", []string{"upgrade", "--ports", fleet}, []string{"--mode", "give iot"}, ""},
		{"mode", up("--mode", "cloud"), []string{"--mode", `"cloud"`, "give iot"}, ""},
		{"iot with a key", up("--key", "abcd1234"), []string{"--mode", "give no key"}, ""},
		{"key empty", up("--mode", "key"), []string{"--key", "project key is empty"}, ""},
		{"key quote CR LF", up("--mode", "key", "--key", "abc\"\r\nAT+RESET"), []string{"--key", "letters and digits"}, ""},
		{"key too long", up("--mode", "key", "--key", strings.Repeat("a", 65)), []string{"--key"}, ""},
		{"key non-ASCII", up("--mode", "key", "--key", "密钥abcd"), []string{"--key"}, ""},
		{"key escape sequence", up("--mode", "key", "--key", "abcd\x1b[2J"), []string{"--key", `"…\x1b[2J"`, "the byte 0x1b"}, ""},
		{"key ends with a line feed", up("--mode", "key", "--key", "abcdefgh\n"), []string{"--key", `"…fgh\n"`, "a line feed"}, ""},
		{"key-file missing", up("--mode", "key", "--key-file", filepath.Join(fleet, "nope")), []string{"--key-file", "no such file"}, ""},
		{"key-file a folder", up("--mode", "key", "--key-file", fleet), []string{"--key-file", "folder"}, ""},
		{"key-file world-readable", up("--mode", "key", "--key-file", keyFile("0123456789abcdef0123456789abcdef\n", 0o644)), []string{"--key-file", "other users", "chmod 600"}, ""},
		{"key-file bad key", up("--mode", "key", "--key-file", keyFile("abc\"\r\nAT+RESET\n", 0o600)), []string{"--key-file", "letters and digits"}, ""},
		{"key-file empty", up("--mode", "key", "--key-file", keyFile("\n", 0o600)), []string{"--key-file", "project key is empty"}, ""},
		{"key and key-file", up("--mode", "key", "--key", "abcd1234", "--key-file", keyFile("abcd1234", 0o600)), []string{"--key", "--key-file", "not both"}, ""},
		{"key-file in iot mode", up("--key-file", keyFile("abcd1234", 0o600)), []string{"--mode", "give no key"}, ""},
		{"url empty", up("--mode", "url"), []string{"--url"}, ""},
		{"url quote", up("--mode", "url", "--url", `http://h/x".bin`), []string{"--url", "double quote"}, ""},
		{"url CR LF", up("--mode", "url", "--url", "http://h/x.bin\r\nAT+RESET"), []string{"--url", "carriage return"}, ""},
		{"url scheme", up("--mode", "url", "--url", "ftp://h/x.bin"), []string{"--url", "http://"}, ""},
		{"deltas missing", up("--mode", "url", "--deltas", filepath.Join(fleet, "nope.json")), []string{"--deltas", "nope.json", "no such file"}, ""},
		{"deltas not JSON", up("--mode", "url", "--deltas", deltaFile("{\"deltas\": [\n  {\"firmware\": 1006}\n]}")), []string{"--deltas", "line 2", `"firmware"`, "string"}, ""},
		{"deltas unknown field", up("--mode", "url", "--deltas", deltaFile("{\"deltas\": [\n{\"firmware\": \"AirM2M_780EP_LTE_AT\", \"from\": 1006, \"to\": 1007, \"URL\": \"http://h/a.bin\", \"base\": 1}]}")), []string{"--deltas", "line 2", `unknown field "base"`}, ""},
		{"deltas duplicate", up("--mode", "url", "--deltas", deltaFile("{\"deltas\": [\n{\"firmware\": \"F\", \"from\": 1006, \"to\": 1007, \"url\": \"http://h/a.bin\"},\n{\"firmware\": \"F\", \"from\": 1006, \"to\": 1009, \"url\": \"http://h/b.bin\"}]}")), []string{"--deltas", "line 3", "second delta for F from 1006", "line 2"}, ""},
		{"deltas bad url", up("--mode", "url", "--deltas", deltaFile("{\"deltas\": [{\"firmware\": \"F\", \"from\": 1006, \"to\": 1007, \"url\": \"http://h/a\\r\\nAT+RESET\"}]}")), []string{"--deltas", "line 1", "carriage return"}, ""},
		{"deltas and url", up("--mode", "url", "--url", "http://h/x.bin", "--deltas", goodDeltas), []string{"--deltas", "--url", "not both"}, ""},
		{"deltas in iot mode", up("--deltas", goodDeltas), []string{"--deltas", "--mode url"}, ""},
		{"console deltas not JSON", console("--deltas", deltaFile("{\"deltas\": [\n  {\"firmware\": 1006}\n]}")), []string{"--deltas", "line 2"}, ""},
		{"deltas and template", up("--mode", "url", "--deltas", goodDeltas, "--url-template", "http://h/{from}.bin"), []string{"--deltas", "--url-template", "not both"}, ""},
		{"concurrency 0 in Chinese", up("--concurrency", "0", "--lang", "zh"), []string{"--concurrency 0", "请填 1 或更大"}, ""},
		{"mode in Chinese", up("--mode", "cloud", "--lang", "zh"), []string{"--mode", `"cloud"`, "请填 iot"}, ""},
		{"key in Chinese", up("--mode", "key", "--key", "ab\"cd", "--lang", "zh"), []string{"--key", "双引号"}, ""},
		{"local without a map", up("--mode", "local"), []string{"--deltas", "local mode"}, ""},
		{"local with a url", up("--mode", "local", "--url", "http://h/x.bin", "--deltas", goodDeltas), []string{"--url", "not --url"}, ""},
		{"local file missing", up("--mode", "local", "--deltas", deltaFile("{\"deltas\": [\n{\"firmware\": \"F\", \"from\": 1160, \"to\": 1161, \"file\": \"d/1160.bin\"}]}")), []string{"--deltas", "line 2", `"d/1160.bin"`, "no such file"}, ""},
		{"local file absolute", up("--mode", "local", "--deltas", deltaFile("{\"deltas\": [{\"firmware\": \"F\", \"from\": 1160, \"to\": 1161, \"file\": \"/etc/passwd\"}]}")), []string{"--deltas", "line 1", "relative to the map"}, ""},
		{"apply-timeout 0", up("--mode", "local", "--deltas", goodDeltas, "--apply-timeout", "0s"), []string{"--apply-timeout 0s", "positive duration"}, ""},
		{"url-template no target", up("--mode", "url", "--url-template", "http://h/{firmware}_{from}_{to}.bin"), []string{"--url-template", "needs --target"}, ""},
		{"url-template no from", up("--mode", "url", "--target", "1007", "--url-template", "http://h/{firmware}_{to}.bin"), []string{"--url-template", "no {from}"}, ""},
		{"url-template placeholder", up("--mode", "url", "--target", "1007", "--url-template", "http://h/{base}.bin"), []string{"--url-template", "{base}", "{firmware}, {from} and {to}"}, ""},
		{"url-template quote", up("--mode", "url", "--target", "1007", "--url-template", `http://h/{from}".bin`), []string{"--url-template", "double quote"}, ""},
		{"target negative", up("--target", "-1"), []string{"--target -1", "core version"}, ""},
		{"target huge", up("--target", "1000000"), []string{"--target 1000000"}, ""},
		{"target text", up("--target", "V1007"), []string{"-target", "invalid value"}, ""},
		{"concurrency -1", up("--concurrency", "-1"), []string{"--concurrency -1", "give 1 or more"}, ""},
		{"concurrency 0", up("--concurrency", "0"), []string{"--concurrency 0", "give 1 or more"}, ""},
		{"canary negative", up("--canary", "-2"), []string{"--canary -2"}, ""},
		{"retry-after 0", up("--retry-after", "0s"), []string{"--retry-after 0s", "positive duration"}, ""},
		{"retry-after negative", up("--retry-after", "-5s"), []string{"--retry-after -5s"}, ""},
		{"retry-after no unit", up("--retry-after", "90"), []string{"-retry-after", "invalid value"}, ""},
		{"reboot-timeout 0", up("--reboot-timeout", "0s"), []string{"--reboot-timeout 0s"}, ""},
		{"budget 0", up("--budget", "0"), []string{"--budget 0", "give 1 or more"}, ""},
		{"budget negative", up("--budget", "-1"), []string{"--budget -1"}, ""},
		{"budget over the ban", up("--budget", "6"), []string{"--budget 6", "about six", "--force"}, ""},
		{"force not bool", up("--force=maybe"), []string{"-force", "invalid"}, ""},
		{"station control", up("--station", "L1\x1b[2J"), []string{"--station", "control character"}, ""},
		{"operator too long", up("--operator", strings.Repeat("x", 65)), []string{"--operator", "longer than 64"}, ""},
		{"imei short", up("--imei", "12345"), []string{"--imei", "15-digit"}, ""},
		{"imei letters", up("--imei", "86123456789012x"), []string{"--imei", "15-digit"}, ""},
		{"imei and retry-failed", up("--imei", "861234567890123", "--retry-failed"), []string{"--imei or --retry-failed"}, ""},
		{"json not bool", up("--json=2"), []string{"-json", "invalid"}, ""},
		{"upgrade lang", up("--lang", "fr"), []string{"--lang", `"fr"`, "give zh"}, ""},
		{"ports missing", []string{"upgrade", "--mode", "iot", "--db", own, "--ports", filepath.Join(fleet, "nope")}, []string{"--ports", "no such file"}, ""},
		{"ports a file", []string{"upgrade", "--mode", "iot", "--db", own, "--ports", file}, []string{"--ports", "not a directory"}, ""},
		{"port a regular file", []string{"upgrade", "--mode", "iot", "--db", own, "--ports", bad},
			[]string{"--ports", "1-1.4.8/if06 is not a serial device (it is a regular file)", "nothing was sent"}, ""},
		{"module without if06 or if02", []string{"upgrade", "--mode", "iot", "--db", own, "--ports", bad},
			[]string{"1-1.4.9 holds if04 only", "link if06 (or if02)"}, ""},
		{"usb-ids", []string{"upgrade", "--mode", "iot", "--db", own, "--usb-ids", "19d1"}, []string{"--usb-ids"}, ""},

		// The log.
		{"db newer schema", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", newerDB(t)}, []string{"--db", "newer airfleet"}, "arg"},
		{"db corrupt", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", garbageDB(t)}, []string{"--db", "move it aside"}, "arg"},
		{"db negative schema", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", negativeDB(t)}, []string{"--db", "schema version -1", "move it aside"}, "arg"},
		{"db under a file", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", filepath.Join(file, "a.db")}, []string{"--db", "--db to choose another file"}, ""},
		{"db a folder", []string{"upgrade", "--mode", "iot", "--ports", fleet, "--db", fleet}, []string{"--db", "folder"}, ""},
		{"scan db corrupt", []string{"scan", "--ports", fleet, "--db", garbageDB(t)}, []string{"--db"}, "arg"},
		{"console db newer", []string{"--ports", fleet, "--db", newerDB(t)}, []string{"--db", "newer airfleet"}, "arg"},

		// scan.
		{"scan ports missing", []string{"scan", "--ports", filepath.Join(fleet, "nope")}, []string{"--ports"}, ""},
		{"scan port a regular file", []string{"scan", "--ports", bad}, []string{"--ports", "not a serial device"}, ""},
		{"scan usb-ids", []string{"scan", "--usb-ids", "19d1:xyz1"}, []string{"--usb-ids"}, ""},
		{"scan timeout 0", []string{"scan", "--ports", fleet, "--timeout", "0s"}, []string{"--timeout 0s", "positive"}, ""},
		{"scan json not bool", []string{"scan", "--json=yes"}, []string{"-json", "invalid"}, ""},
		{"scan lang", []string{"scan", "--ports", fleet, "--lang", "fr"}, []string{"--lang", `"fr"`, "give zh"}, ""},

		// The console and its settings file.
		{"console ports", []string{"console", "--ports", filepath.Join(fleet, "nope")}, []string{"--ports"}, ""},
		{"console lang", console("--lang", "fr"), []string{"--lang", `"fr"`, "give zh"}, ""},
		{"settings not JSON", console("--settings", settings("{\n  \"mode\": iot\n}")), []string{"--settings", "line 2", "fix the file or delete it"}, ""},
		{"settings not JSON in Chinese", console("--lang", "zh", "--settings", settings("{\n  \"mode\": iot\n}")), []string{"--settings", "line 2", "请修改或删除该文件"}, ""},
		{"settings cut short", console("--settings", settings(`{"mode": "key", "key": "ab`)), []string{"--settings", "cut short"}, ""},
		{"settings unknown field", console("--settings", settings(`{"mode": "iot", "concurency": 3}`)), []string{"--settings", `unknown field "concurency"`}, ""},
		{"settings mode", console("--settings", settings(`{"mode": "cloud"}`)), []string{`field "mode"`}, ""},
		{"settings key", console("--settings", settings(`{"mode": "key", "key": "ab\"\r\nAT"}`)), []string{`field "key"`, "letters and digits"}, ""},
		{"settings url", console("--settings", settings(`{"mode": "url", "url": "http://h/\"x"}`)), []string{`field "url"`, "double quote"}, ""},
		{"settings target", console("--settings", settings(`{"mode": "iot", "target": -7}`)), []string{`field "target" -7`}, ""},
		{"settings concurrency", console("--settings", settings(`{"mode": "iot", "concurrency": -1}`)), []string{`field "concurrency" -1`}, ""},
		{"settings canary", console("--settings", settings(`{"mode": "iot", "canary": -1}`)), []string{`field "canary" -1`}, ""},
		{"settings auto_start", console("--settings", settings(`{"mode": "iot", "auto_start": "on"}`)), []string{`field "auto_start" wants a bool`}, ""},
		{"settings bell", console("--settings", settings(`{"mode": "iot", "bell": "off"}`)), []string{`field "bell" wants a bool`}, ""},
		{"settings lang", console("--settings", settings(`{"mode": "iot", "lang": "de"}`)), []string{`field "lang"`, "give zh"}, ""},
		{"settings a folder", console("--settings", fleet), []string{"--settings", fleet}, ""},

		// demo.
		{"demo modules", []string{"demo", "--modules", "0"}, []string{"--modules 0"}, ""},
		{"demo speed", []string{"demo", "--speed", "0.5"}, []string{"--speed 0.5"}, ""},
		{"demo scenario", []string{"demo", "--scenario", "nope"}, []string{"--scenario", "unknown"}, ""},
		{"demo url scenario", []string{"demo", "--scenario", "url"}, []string{"--scenario", "airfleet upgrade --mode url"}, ""},
		{"demo lang", []string{"demo", "--lang", "xx"}, []string{"--lang"}, ""},

		// sim.
		{"sim no dir", []string{"sim", "--modules", "4"}, []string{"--dir"}, ""},
		{"sim dir a file", []string{"sim", "--dir", file}, []string{"--dir", "is a file"}, ""},
		{"sim modules", []string{"sim", "--dir", fleet, "--modules", "0"}, []string{"--modules 0"}, ""},
		{"sim scenario", []string{"sim", "--dir", fleet, "--scenario", "nope"}, []string{"unknown"}, ""},
		{"sim speed", []string{"sim", "--dir", fleet, "--speed", "0"}, []string{"--speed"}, ""},
		{"sim seed", []string{"sim", "--dir", fleet, "--seed", "-1"}, []string{"-seed", "invalid"}, ""},
		{"sim transport", []string{"sim", "--dir", fleet, "--transport", "serial"}, []string{"--transport", "tcp"}, ""},

		// doctor.
		{"doctor lang", []string{"doctor", "--ports", fleet, "--lang", "fr"}, []string{"--lang", `"fr"`, "give zh"}, ""},
		{"doctor timeout 0", []string{"doctor", "--ports", fleet, "--timeout", "0s"}, []string{"--timeout 0s", "positive"}, ""},
		{"doctor timeout no unit", []string{"doctor", "--timeout", "20"}, []string{"-timeout", "invalid value"}, ""},
		{"doctor json not bool", []string{"doctor", "--json=yes"}, []string{"-json", "invalid"}, ""},
		{"doctor ports missing", []string{"doctor", "--ports", filepath.Join(fleet, "nope")}, []string{"--ports", "no such file"}, ""},
		{"doctor ports a file", []string{"doctor", "--ports", file}, []string{"--ports", "not a directory"}, ""},
		{"doctor usb-ids", []string{"doctor", "--usb-ids", "19d1"}, []string{"--usb-ids"}, ""},
		{"doctor stray argument", []string{"doctor", "extra"}, []string{`unexpected argument "extra"`}, ""},

		// codes.
		{"codes unknown", []string{"codes", "99"}, []string{"no code"}, ""},
		{"codes text", []string{"codes", "forty"}, []string{"no code"}, ""},
		{"codes negative unknown", []string{"codes", "-1007"}, []string{"no code", "-1000 … -1006"}, ""},
		{"codes lang", []string{"codes", "--lang", "fr", "43"}, []string{"--lang", `"fr"`, "give zh"}, ""},
		{"codes json not bool", []string{"codes", "--json=yes"}, []string{"-json", "invalid"}, ""},

		// upgrade's hand-off.
		{"handoff key value", up("--handoff-key", "maybe"), []string{"--handoff-key", "keep or clear"}, ""},
		{"handoff key keep in iot", up("--handoff-key", "keep"), []string{"--handoff-key", "only key mode"}, ""},
		{"handoff url keep in iot", up("--handoff-url", "keep"), []string{"--handoff-url", "only URL mode"}, ""},
		{"handoff auto", up("--handoff-auto", "yes"), []string{"--handoff-auto", "on or off"}, ""},
		{"handoff period", up("--handoff-period", "30"), []string{"--handoff-period", "60 …"}, ""},
		{"handoff period text", up("--handoff-period", "daily"), []string{"-handoff-period", "invalid"}, ""},

		// the station file and slots.
		{"station file not json", up("--station-file", badStation("{")), []string{"--station-file", "does not read as a station file"}, ""},
		{"station file unknown field", up("--station-file", badStation(`{"stations": "x"}`)), []string{"--station-file", "unknown field"}, ""},
		{"station file label twice", console("--station-file", badStation(`{"labels": {"1-1.1": "A1", "1-1.2": "A1"}}`)), []string{"--station-file", `"A1" is given to two slots`}, ""},
		{"station file handoff", up("--station-file", badStation(`{"handoff": {"key": "maybe"}}`)), []string{"--station-file", "handoff", "keep or clear"}, ""},
		{"station file label space", []string{"scan", "--ports", fleet, "--station-file", badStation(`{"labels": {"1-1.1": "A 1"}}`)}, []string{"--station-file", "space"}, ""},
		{"slots learn first", []string{"slots", "learn", "--ports", fleet, "--station-file", filepath.Join(t.TempDir(), "s.json"), "--first", "1A"}, []string{"--first", "row letter"}, ""},
		{"slots learn last before first", []string{"slots", "learn", "--ports", fleet, "--station-file", filepath.Join(t.TempDir(), "s.json"), "--first", "C1", "--last", "B8"}, []string{"--last", "before --first"}, ""},
		{"slots stray", []string{"slots", "list"}, []string{`unexpected argument "list"`}, ""},

		// history, report, bundle: every flag.
		{"history short imei", []string{"history", "--db", own, "--imei", "123"}, []string{"--imei", "last 4 digits"}, ""},
		{"history imei letters", []string{"history", "--db", own, "--imei", "86446806615454x"}, []string{"--imei", "15-digit"}, ""},
		{"history since", []string{"history", "--db", own, "--since", "tomorrow"}, []string{"--since", "not a time", "yesterday"}, ""},
		{"history until before since", []string{"history", "--db", own, "--since", "today", "--until", "yesterday"}, []string{"--until", "not after --since"}, ""},
		{"history result", []string{"history", "--db", own, "--result", "ok"}, []string{"--result", "upgraded, current"}, ""},
		{"history code text", []string{"history", "--db", own, "--code", "forty"}, []string{"-code", "invalid"}, ""},
		{"history limit", []string{"history", "--db", own, "--limit", "-1"}, []string{"--limit", "0 (all)"}, ""},
		{"history lang", []string{"history", "--db", own, "--lang", "fr"}, []string{"--lang", "give zh"}, ""},
		{"history no log", []string{"history", "--db", filepath.Join(t.TempDir(), "none.db")}, []string{"no log at", "--db"}, ""},
		{"report no period", []string{"report", "--db", own}, []string{"--since", "--batch"}, ""},
		{"report format", []string{"report", "--db", own, "--since", "today", "--format", "xlsx"}, []string{"--format", "csv or jsonl"}, ""},
		{"report since", []string{"report", "--db", own, "--since", "soon"}, []string{"--since", "not a time"}, ""},
		{"report batch", []string{"report", "--db", own, "--batch", "-3"}, []string{"--batch", "1 or more"}, ""},
		{"report out folder", []string{"report", "--db", own, "--since", "today", "--out", filepath.Join(t.TempDir(), "no", "such", "r.csv")}, []string{"--out", "cannot write there"}, ""},
		{"sync no central", []string{"sync", "--db", own}, []string{"--to", "AIRFLEET_CENTRAL"}, "arg"},
		{"sync not postgres", []string{"sync", "--db", own, "--to", "mysql://u:Pw-9x@h/db"}, []string{"not a PostgreSQL URL", "u:***@h"}, "arg"},
		{"sync bad port", []string{"sync", "--db", own, "--to", "postgres://u:Pw-9x@h:port/db"}, []string{"cannot be read", "postgres://"}, "arg"},
		{"sync chunk", []string{"sync", "--db", own, "--to", "postgres://h/db", "--chunk", "0"}, []string{"--chunk", "1 or more"}, "arg"},
		{"sync no log", []string{"sync", "--db", filepath.Join(t.TempDir(), "none.db"), "--to", "postgres://h/db"}, []string{"--db", "no log there"}, ""},
		{"sync central-file readable", []string{"sync", "--db", own, "--central-file", keyFile("postgres://u:Pw-9x@h/db\n", 0o644)}, []string{"central file", "chmod 600"}, "arg"},
		{"sync central-file readable zh", []string{"sync", "--lang", "zh", "--db", own, "--central-file", keyFile("postgres://u:Pw-9x@h/db\n", 0o644)}, []string{"中央配置文件", "chmod 600"}, "arg"},
		{"console central-file missing zh", console("--lang", "zh", "--central-file", filepath.Join(t.TempDir(), "none")), []string{"中央配置文件", "请指定"}, ""},
		{"history central-file empty zh", []string{"history", "--lang", "zh", "--central-file", keyFile("# nothing\n", 0o600), "--imei", "123456"}, []string{"没有 URL"}, ""},
		{"sync central-file empty", []string{"sync", "--db", own, "--central-file", keyFile("# nothing\n", 0o600)}, []string{"holds no URL"}, "arg"},
		{"stats no central", []string{"stats"}, []string{"--central", "AIRFLEET_CENTRAL"}, ""},
		{"stats by", []string{"stats", "--central", "postgres://h/db", "--by", "hour"}, []string{"--by", "station, model, code or day"}, ""},
		{"stats since", []string{"stats", "--central", "postgres://h/db", "--since", "soon"}, []string{"--since", "not a time"}, ""},
		{"history central url", []string{"history", "--central", "http://u:Pw-9x@h/db", "--imei", "123456"}, []string{"not a PostgreSQL URL"}, ""},
		{"report station without central", []string{"report", "--db", own, "--since", "today", "--station", "line 1"}, []string{"--station needs --central"}, ""},
		{"upgrade central url", up("--central", "mysql://u:Pw-9x@h/db"), []string{"not a PostgreSQL URL"}, ""},
		{"console central url", console("--central", "mysql://u:Pw-9x@h/db"), []string{"not a PostgreSQL URL"}, ""},
		{"bundle no imei", []string{"bundle", "--db", own}, []string{"--imei", "15-digit IMEI"}, ""},
		{"bundle short imei", []string{"bundle", "--db", own, "--imei", "154547"}, []string{"--imei", "airfleet history"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sum [32]byte
			if c.db == "arg" {
				for i, a := range c.args {
					if a == "--db" {
						c.db = c.args[i+1]
					}
				}
				sum = logSum(t, c.db)
			}
			// A case that wrongly passed would start a batch or the
			// console: the deadline ends it, and the test fails on the
			// exit status.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			code := run(ctx, c.args, &out, &errb)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errb.String())
			}
			for _, w := range c.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q does not say %q", errb.String(), w)
				}
			}
			if strings.Contains(errb.String(), "Pw-9x") {
				t.Errorf("stderr %q shows the central URL's password", errb.String())
			}
			if strings.Contains(c.name, "key") && strings.Contains(errb.String(), "AT+RESET") {
				t.Errorf("stderr %q repeats the rejected key", errb.String())
			}
			if strings.ContainsFunc(errb.String(), func(r rune) bool { return r < ' ' && r != '\n' || r == 0x7f }) {
				t.Errorf("stderr %q holds a control character: it would reach the terminal", errb.String())
			}
			if strings.Count(errb.String(), "\n") > 12 {
				t.Errorf("a usage error should be a few lines, got:\n%s", errb.String())
			}
			if logSum(t, defLog) != defSum || logSum(t, own) != ownSum {
				t.Error("the existing log was changed")
			}
			if c.db != "" && logSum(t, c.db) != sum {
				t.Errorf("%s was changed", c.db)
			}
		})
	}
}

// A log that this user may not write: a read-only file, a read-only
// folder. Root may write anything, so as root the command runs as nobody.
func TestBadInputReadOnlyLog(t *testing.T) {
	bin := buildAirfleet(t)
	open := func(t *testing.T) string { // a folder anyone may enter
		d := t.TempDir()
		for p := d; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
			if filepath.Dir(p) == os.TempDir() {
				break
			}
		}
		return d
	}
	binDir := open(t)
	exe := filepath.Join(binDir, "airfleet")
	if b, err := os.ReadFile(bin); err != nil || os.WriteFile(exe, b, 0o755) != nil {
		t.Fatal("copy the binary", err)
	}
	fleet := open(t)

	roFileDir := open(t)
	roFile := filepath.Join(roFileDir, "ro.db")
	roFileSum := existingLog(t, roFile)
	if err := os.Chmod(roFile, 0o444); err != nil {
		t.Fatal(err)
	}
	roDir := open(t)
	inRoDir := filepath.Join(roDir, "log.db")
	inRoDirSum := existingLog(t, inRoDir)
	if err := os.Chmod(inRoDir, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(roDir, 0o555); err != nil {
		t.Fatal(err)
	}
	newInRoDir := filepath.Join(roDir, "new", "log.db")

	for _, c := range []struct {
		name, db string
		sum      *[32]byte
		want     string
	}{
		{"read-only file", roFile, &roFileSum, "--db"},
		{"log in a read-only folder", inRoDir, &inRoDirSum, "--db"},
		{"new log in a read-only folder", newInRoDir, nil, "--db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(exe, "upgrade", "--mode", "iot", "--ports", fleet, "--db", c.db)
			cmd.Env = append(os.Environ(), "HOME="+fleet, "XDG_DATA_HOME="+fleet)
			if os.Geteuid() == 0 {
				asNobody(cmd)
			}
			var errb bytes.Buffer
			cmd.Stderr = &errb
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			if code != 2 {
				t.Fatalf("exit %d (%v), want 2; stderr %q", code, err, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("stderr %q does not say %q", errb.String(), c.want)
			}
			t.Logf("stderr: %s", errb.String())
			if c.sum != nil && logSum(t, c.db) != *c.sum {
				t.Errorf("%s was changed", c.db)
			}
			if c.sum == nil {
				if _, err := os.Stat(c.db); err == nil {
					t.Errorf("%s was created", c.db)
				}
			}
		})
	}
}
