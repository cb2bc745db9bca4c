package store

import (
	"bufio"
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// The registry is a text file that lists the airfleet logs of this host,
// one absolute path a line (Options.Registry). The platform bans an IMEI
// after about six requests a day whichever log recorded them, so the
// budget (Store.RequestsSince) counts the requests of every listed log.
// Writers append under an exclusive flock; readers read under a shared
// one. Lines whose file is gone are dropped when a reader meets them.

// otherBusyTimeout is how long a count waits on another log that is busy
// (a WAL reader is only ever kept waiting briefly, by a recovery).
const otherBusyTimeout = 500 * time.Millisecond

// registryLockWait bounds the wait for another airfleet's hold on the
// registry, which lasts one read or one append.
const registryLockWait = 5 * time.Second

// register adds the log at path to the registry file reg, unless it is
// listed already.
func register(reg, path string) error {
	if strings.ContainsAny(path, "\n\r") {
		return registryError(reg, fmt.Errorf("the log's path %q holds a line break", path),
			"use --db to choose a path without one")
	}
	if err := os.MkdirAll(filepath.Dir(reg), 0o755); err != nil {
		return registryError(reg, err, "check the permissions of its folder, or set AIRFLEET_REGISTRY to another file")
	}
	f, err := openRegistry(reg, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lockFile(f, true, registryLockWait); err != nil {
		return registryError(reg, err, "another airfleet holds it: try again")
	}
	paths, err := readRegistry(f)
	if err != nil {
		return registryError(reg, err, "check its permissions")
	}
	if slices.Contains(paths, path) {
		return nil
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return registryError(reg, err, "check the free space and permissions of its folder")
	}
	if _, err := f.WriteString(path + "\n"); err != nil {
		return registryError(reg, err, "check the free space and permissions of its folder")
	}
	return nil
}

// openRegistry opens the registry file without following a symbolic link
// and refuses anything but a regular file: it is written to, and a link
// planted there must not make airfleet write somewhere else.
func openRegistry(reg string, flag int) (*os.File, error) {
	f, err := os.OpenFile(reg, flag|oNoFollow, 0o644)
	if err != nil {
		if isSymlink(reg) {
			return nil, registryError(reg, errors.New("it is a symbolic link"), "replace it with a plain file (or remove it), or set AIRFLEET_REGISTRY to another file")
		}
		return nil, registryError(reg, err, "check its permissions, or set AIRFLEET_REGISTRY to another file")
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("it is not a regular file (%s)", st.Mode().Type())
	}
	if err != nil {
		f.Close()
		return nil, registryError(reg, err, "replace it with a plain file (or remove it), or set AIRFLEET_REGISTRY to another file")
	}
	return f, nil
}

func isSymlink(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&fs.ModeSymlink != 0
}

func readRegistry(f *os.File) ([]string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var paths []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p != "" && filepath.IsAbs(p) && !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths, sc.Err()
}

func registryError(reg string, err error, fix string) error {
	return &openError{
		msg:   fmt.Sprintf("the list of this host's airfleet logs at %s: %v: %s", reg, err, fix),
		kind:  ErrRegistry,
		cause: err,
	}
}

// otherLogs reads the other logs the registry lists, read-only. Their
// handles stay open for the life of the Store, so that a batch of many
// modules does not reopen files for every budget check. Safe for
// concurrent use.
type otherLogs struct {
	reg  string
	self os.FileInfo // the Store's own log, skipped under any of its names

	mu      sync.Mutex
	stamp   os.FileInfo // the registry as last read
	listed  []string    // its paths
	open    map[string]*otherLog
	retired []*sql.DB // handles of files replaced or gone, closed with the Store
}

type otherLog struct {
	path string
	info os.FileInfo
	db   *sql.DB
}

func newOtherLogs(reg string, self os.FileInfo) *otherLogs {
	return &otherLogs{reg: reg, self: self, open: map[string]*otherLog{}}
}

// requestsSince counts the request events of imei since the given time in
// the other logs. A log that is busy past otherBusyTimeout is skipped; one
// that cannot be read at all fails the count, so that the engine holds the
// module rather than guess.
func (o *otherLogs) requestsSince(imei string, since time.Time) (int, error) {
	logs, err := o.current()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, l := range logs {
		var n int
		err := l.db.QueryRow("SELECT count(*) FROM events WHERE kind = 'request' AND imei = ? AND time >= ?",
			imei, ms(since)).Scan(&n)
		if busy(err) {
			continue
		}
		if err != nil {
			return 0, o.unreadable(l.path, err)
		}
		total += n
	}
	return total, nil
}

// withRequests returns the other logs that hold requests since the given
// time for any of imeis.
func (o *otherLogs) withRequests(imeis []string, since time.Time) ([]string, error) {
	if len(imeis) == 0 {
		return nil, nil
	}
	logs, err := o.current()
	if err != nil {
		return nil, err
	}
	q := "SELECT EXISTS (SELECT 1 FROM events WHERE kind = 'request' AND time >= ? AND imei IN (?" +
		strings.Repeat(",?", len(imeis)-1) + "))"
	args := []any{ms(since)}
	for _, i := range imeis {
		args = append(args, i)
	}
	var out []string
	for _, l := range logs {
		var found bool
		err := l.db.QueryRow(q, args...).Scan(&found)
		if busy(err) {
			continue
		}
		if err != nil {
			return nil, o.unreadable(l.path, err)
		}
		if found {
			out = append(out, l.path)
		}
	}
	return out, nil
}

func busy(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.ErrBusy || c == sqlite3.ErrLocked
}

func (o *otherLogs) unreadable(path string, err error) error {
	return fmt.Errorf("the log at %s, listed in %s, cannot be read to count its requests: %v: "+
		"fix its permissions, or if it is no airfleet log remove its line from %s", path, o.reg, err, o.reg)
}

// current returns the other logs to count. The queries run outside mu,
// so that budget checks of many modules do not wait on each other; a
// handle that refresh replaces stays open until close.
func (o *otherLogs) current() ([]*otherLog, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refresh()
}

// refresh rereads the registry if it changed, opens the logs it lists
// that are not open yet (or whose file was replaced), and returns them.
// Call with mu held.
func (o *otherLogs) refresh() ([]*otherLog, error) {
	st, err := os.Lstat(o.reg)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		o.listed = nil
		o.stamp = nil
	case err != nil:
		return nil, registryError(o.reg, err, "check its permissions, or set AIRFLEET_REGISTRY to another file")
	case !sameStamp(o.stamp, st):
		f, err := openRegistry(o.reg, os.O_RDONLY)
		if err != nil {
			return nil, err
		}
		paths, err := lockedRead(f)
		f.Close()
		if err != nil {
			return nil, registryError(o.reg, err, "check its permissions, or set AIRFLEET_REGISTRY to another file")
		}
		o.listed, o.stamp = paths, st
	}
	var logs []*otherLog
	var infos []os.FileInfo
	gone := false
	for _, p := range o.listed {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			gone = true
			o.retire(p)
			continue
		}
		if err != nil {
			return nil, o.unreadable(p, err)
		}
		if os.SameFile(st, o.self) || slices.ContainsFunc(infos, func(i os.FileInfo) bool { return os.SameFile(i, st) }) {
			continue
		}
		infos = append(infos, st)
		l := o.open[p]
		if l == nil || !os.SameFile(l.info, st) {
			o.retire(p)
			db, err := sql.Open("sqlite3", dsn(p, fmt.Sprintf("mode=ro&_query_only=1&_busy_timeout=%d", otherBusyTimeout.Milliseconds())))
			if err != nil {
				return nil, o.unreadable(p, err)
			}
			db.SetMaxOpenConns(2)
			l = &otherLog{path: p, info: st, db: db}
			o.open[p] = l
		}
		logs = append(logs, l)
	}
	if gone {
		o.forgetGone()
	}
	return logs, nil
}

// sameStamp reports whether the registry is unchanged since it was read.
func sameStamp(old, cur os.FileInfo) bool {
	return old != nil && os.SameFile(old, cur) && old.Size() == cur.Size() && old.ModTime().Equal(cur.ModTime())
}

// lockedRead reads the registry under a shared lock.
func lockedRead(f *os.File) ([]string, error) {
	if err := lockFile(f, false, registryLockWait); err != nil {
		return nil, err
	}
	return readRegistry(f)
}

func (o *otherLogs) retire(path string) {
	if l := o.open[path]; l != nil {
		o.retired = append(o.retired, l.db)
		delete(o.open, path)
	}
}

// forgetGone drops from the registry the lines whose file no longer
// exists. It is housekeeping: a failure leaves the lines for next time.
func (o *otherLogs) forgetGone() {
	f, err := openRegistry(o.reg, os.O_RDWR)
	if err != nil {
		return
	}
	defer f.Close()
	if lockFile(f, true, registryLockWait) != nil {
		return
	}
	paths, err := readRegistry(f)
	if err != nil {
		return
	}
	var keep bytes.Buffer
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			keep.WriteString(p + "\n")
		}
	}
	if err := f.Truncate(0); err != nil {
		return
	}
	_, _ = f.WriteAt(keep.Bytes(), 0)
}

// close closes every handle.
func (o *otherLogs) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.open {
		l.db.Close()
	}
	for _, db := range o.retired {
		db.Close()
	}
	o.open, o.retired = map[string]*otherLog{}, nil
}
