package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Options tune a Store. The zero value is the production setting.
type Options struct {
	// FlushInterval is the longest a written row waits before its
	// transaction starts (default 50 ms).
	FlushInterval time.Duration
	// BatchRows starts a transaction early once this many rows wait
	// (default 4096).
	BatchRows int
	// BusyTimeout is how long SQLite waits for a lock (default 5 s).
	BusyTimeout time.Duration
	// CloseTimeout bounds how long Close keeps retrying a failing disk
	// before it gives up on the rows still queued (default 10 s).
	CloseTimeout time.Duration
	// OnCommit, if set, is called by the writer goroutine after each commit
	// with the number of writes committed so far (every write method call
	// counts one, each line of TranscriptBatch one). All writes up to that
	// number are durable. It must return quickly.
	OnCommit func(committed int64)
	// Registry is the file that lists this host's airfleet logs, one
	// absolute path a line. Open adds the log to it, and RequestsSince
	// counts the requests recorded in every log it lists, so that the
	// platform's daily limit is kept whichever log a run used. Empty: no
	// registry, the budget counts this log only.
	Registry string
	// Interrupted is the message, in English and Chinese, that an attempt
	// left open by a crash gets when Open marks it interrupted (empty: no
	// message). The words are the caller's: upgrade.LogOptions gives the
	// catalogue's.
	Interrupted [2]string
}

func (o Options) withDefaults() Options {
	if o.FlushInterval <= 0 {
		o.FlushInterval = 50 * time.Millisecond
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 4096
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 10 * time.Second
	}
	return o
}

// Reader answers queries on a log. OpenReadOnly returns one; a Store
// embeds one.
type Reader struct {
	db   *sql.DB
	path string
}

// Store is an open, writable log: a Reader plus the single writer.
type Store struct {
	*Reader
	opts      Options
	lock      *os.File
	recovered Recovery
	created   bool       // the file was new (or empty) when Open came
	stationID string     // the log's station ID (schema 4)
	others    *otherLogs // the registry's other logs; nil without one

	batchID   atomic.Int64 // last allocated batch ID
	attemptID atomic.Int64 // last allocated attempt ID

	w *writer

	closeOnce sync.Once
	closeErr  error
}

// DefaultPath is where the log lives unless --db says otherwise:
// airfleet.db in the data folder (dataDir: $XDG_DATA_HOME/airfleet, else
// ~/.local/share/airfleet; %LocalAppData%\airfleet on Windows), else
// airfleet.db in the working directory.
func DefaultPath() string {
	if d := dataDir(); d != "" {
		return filepath.Join(d, "airfleet.db")
	}
	if wd, err := os.Getwd(); err == nil {
		return filepath.Join(wd, "airfleet.db")
	}
	return "airfleet.db"
}

// RegistryEnv names the environment variable that chooses the list of
// this host's logs (see Options.Registry).
const RegistryEnv = "AIRFLEET_REGISTRY"

// DefaultRegistryPath is where the list of this host's logs lives:
// $AIRFLEET_REGISTRY if set, else beside the default log, logs.txt in the
// data folder (dataDir); "" when there is no home to keep it in.
func DefaultRegistryPath() string {
	if p := os.Getenv(RegistryEnv); p != "" {
		return p
	}
	if d := dataDir(); d != "" {
		return filepath.Join(d, "logs.txt")
	}
	return ""
}

// Open opens the log at path for writing, creating it and its folder if
// needed, migrating it to SchemaVersion, and marking attempts and batches
// left open by a crash as interrupted (see Recovered). An empty path means
// DefaultPath(). A log from a newer airfleet, a file that is not a log, and
// an unwritable place are refused with an error that says what to do; the
// file is then left as it was.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	path = cleanPath(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &openError{
			msg:   fmt.Sprintf("cannot create the folder for the log at %s: %v: use --db to choose another file", path, err),
			kind:  ErrUnwritable,
			cause: err,
		}
	}
	if heldHere(path) {
		return nil, inUse(path, fmt.Sprintf("pid %d", os.Getpid()))
	}
	exists, err := checkFile(path, true)
	if err != nil {
		return nil, err
	}
	lock, err := lockLog(path)
	if err != nil {
		return nil, err
	}
	created := !exists || fileSize(path) == 0
	s, err := open(path, opts, lock)
	if err != nil {
		unlockLog(lock)
		return nil, openFailed(path, err)
	}
	s.created = created
	if opts.Registry != "" {
		if err := s.joinRegistry(opts.Registry); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// joinRegistry lists the log in the registry and prepares the reading of
// the other logs listed there.
func (s *Store) joinRegistry(reg string) error {
	reg = cleanPath(reg)
	if err := register(reg, s.path); err != nil {
		return err
	}
	self, err := os.Stat(s.path)
	if err != nil {
		return unwritable(s.path, err)
	}
	s.others = newOtherLogs(reg, self)
	return nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func open(path string, opts Options, lock *os.File) (*Store, error) {
	db, err := sql.Open("sqlite3", dsn(path, fmt.Sprintf(
		"_journal_mode=WAL&_busy_timeout=%d&_synchronous=NORMAL&_foreign_keys=on&_txlock=immediate",
		opts.BusyTimeout.Milliseconds())))
	if err != nil {
		return nil, err
	}
	s := &Store{Reader: &Reader{db: db, path: path}, opts: opts, lock: lock}
	ctx := context.Background()
	if err := s.start(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) start(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return err
	}
	if err := migrate(ctx, s.db, s.path); err != nil {
		return err
	}
	rec, err := recoverOpen(ctx, s.db, s.opts.Interrupted)
	if err != nil {
		return err
	}
	s.recovered = rec
	var maxBatch, maxAttempt int64
	if err := s.db.QueryRowContext(ctx,
		"SELECT (SELECT COALESCE(MAX(id), 0) FROM batches), (SELECT COALESCE(MAX(id), 0) FROM attempts)").
		Scan(&maxBatch, &maxAttempt); err != nil {
		return err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT id FROM station").Scan(&s.stationID); err != nil {
		return fmt.Errorf("reading the station ID: %w", err)
	}
	s.batchID.Store(maxBatch)
	s.attemptID.Store(maxAttempt)
	w, err := newWriter(ctx, s)
	if err != nil {
		return err
	}
	s.w = w
	go w.run()
	return nil
}

// OpenReadOnly opens an existing log for queries only, as the headless
// commands do. It never writes the file, and works while a console writes
// the same log.
func OpenReadOnly(path string) (*Reader, error) {
	path = cleanPath(path)
	exists, err := checkFile(path, false)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, &openError{
			msg:  fmt.Sprintf("there is no log at %s yet: run an upgrade first, or use --db to name the log to read", path),
			kind: ErrNoLog,
		}
	}
	db, err := sql.Open("sqlite3", dsn(path, "mode=ro&_query_only=1&_busy_timeout=5000"))
	if err != nil {
		return nil, err
	}
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		db.Close()
		return nil, openFailed(path, err)
	}
	switch {
	case v > SchemaVersion:
		db.Close()
		return nil, newerSchema(path, v)
	case v < 0:
		db.Close()
		return nil, badSchema(path, v)
	case v < SchemaVersion:
		db.Close()
		return nil, &openError{
			msg: fmt.Sprintf("the log at %s is from an older airfleet (schema %d, this one knows %d): open it once with the console to bring it up to date",
				path, v, SchemaVersion),
			kind: ErrOlderSchema,
		}
	}
	return &Reader{db: db, path: path}, nil
}

// Path is the log's file.
func (r *Reader) Path() string { return r.path }

// Close closes a read-only log.
func (r *Reader) Close() error { return r.db.Close() }

// Created reports whether this Open started a new log (the file did not
// exist, or was empty).
func (s *Store) Created() bool { return s.created }

// Recovered tells how many attempts and batches a crash had left open and
// Open marked interrupted.
func (s *Store) Recovered() Recovery { return s.recovered }

// Close writes everything still queued, then closes the log. If the disk
// keeps failing for Options.CloseTimeout, it gives up and says how many
// writes were lost.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.w.close()
		if err := s.db.Close(); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
		unlockLog(s.lock)
		if s.others != nil {
			s.others.close()
		}
	})
	return s.closeErr
}

func cleanPath(p string) string {
	if p == "" {
		p = DefaultPath()
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

// dsn builds a go-sqlite3 URI; characters that URIs give a meaning are escaped.
func dsn(path, params string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + esc.Replace(path) + "?" + params
}

const sqliteMagic = "SQLite format 3\x00"

// checkFile looks at an existing file before SQLite does, so that a file
// that is not a log, or a log from a newer airfleet, is refused without
// being touched (opening it read-write in WAL mode could rewrite its header).
func checkFile(path string, forWrite bool) (exists bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, unwritable(path, err)
	}
	if st.IsDir() {
		return true, notDatabase(path, errors.New("it is a folder"))
	}
	if st.Size() > 0 {
		f, err := os.Open(path)
		if err != nil {
			return true, unwritable(path, err)
		}
		hdr := make([]byte, 100)
		_, err = io.ReadFull(f, hdr)
		f.Close()
		if err != nil || string(hdr[:len(sqliteMagic)]) != sqliteMagic {
			return true, notDatabase(path, errors.New("no SQLite header"))
		}
		v := int(int32(binary.BigEndian.Uint32(hdr[60:64])))
		if v > SchemaVersion {
			return true, newerSchema(path, v)
		}
		if v < 0 {
			return true, badSchema(path, v)
		}
		// A schema cookie (offset 40) says tables were made; without our
		// user_version they belong to some other program.
		if v == 0 && binary.BigEndian.Uint32(hdr[40:44]) != 0 {
			return true, foreignDatabase(path)
		}
	}
	if forWrite {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return true, unwritable(path, err)
		}
		f.Close()
	}
	return true, nil
}

func inUse(path, who string) error {
	return &openError{
		msg:  fmt.Sprintf("the log at %s is in use by another airfleet (%s): close that one or use --db to choose another file", path, who),
		kind: ErrInUse,
	}
}

func notDatabase(path string, cause error) error {
	return &openError{
		msg:   fmt.Sprintf("the file at %s is not an airfleet log (not a SQLite database, or damaged: %v): move it aside; airfleet will start a new log", path, cause),
		kind:  ErrNotDatabase,
		cause: cause,
	}
}

// badSchema is a log whose schema version no airfleet writes.
func badSchema(path string, v int) error {
	return notDatabase(path, fmt.Errorf("schema version %d, which no airfleet writes", v))
}

func foreignDatabase(path string) error {
	return notDatabase(path, errors.New("it is a SQLite database of another program"))
}

func unwritable(path string, cause error) error {
	return &openError{
		msg:   fmt.Sprintf("cannot write the log at %s: %v: check the permissions and free space of its folder, or use --db to choose another file", path, cause),
		kind:  ErrUnwritable,
		cause: cause,
	}
}

// openFailed turns an error met while opening into one for the screen.
func openFailed(path string, err error) error {
	var oe *openError
	if errors.As(err, &oe) {
		return err
	}
	switch sqliteCode(err) {
	case sqlite3.ErrNotADB, sqlite3.ErrCorrupt:
		return notDatabase(path, err)
	case sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrPerm, sqlite3.ErrFull, sqlite3.ErrIoErr:
		return unwritable(path, err)
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return &openError{
			msg:   fmt.Sprintf("the log at %s is locked by another program: %v: close it (a sqlite3 shell?) and try again", path, err),
			kind:  ErrInUse,
			cause: err,
		}
	}
	return fmt.Errorf("opening the log at %s: %w", path, err)
}
