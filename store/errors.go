package store

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// Errors that Open, OpenReadOnly and the queries wrap; test with errors.Is.
var (
	// ErrNewerSchema: the log was written by a newer airfleet.
	ErrNewerSchema = errors.New("log written by a newer airfleet")
	// ErrOlderSchema: a read-only open found a log that needs migrating.
	ErrOlderSchema = errors.New("log written by an older airfleet")
	// ErrNotDatabase: the file is not a SQLite database, or is damaged.
	ErrNotDatabase = errors.New("not an airfleet log")
	// ErrUnwritable: the log or its folder cannot be written.
	ErrUnwritable = errors.New("log not writable")
	// ErrInUse: another airfleet process is writing the same log.
	ErrInUse = errors.New("log in use by another airfleet")
	// ErrNoLog: a read-only open found no log at the path.
	ErrNoLog = errors.New("no log yet")
	// ErrNotFound: the asked-for batch, attempt or module is not in the log.
	ErrNotFound = errors.New("not found in the log")
	// ErrRegistry: the list of this host's logs (Options.Registry) cannot
	// be read or written.
	ErrRegistry = errors.New("list of this host's logs unusable")
	// ErrClosed: the store was used after Close.
	ErrClosed = errors.New("log closed")
)

// openError is an error meant for the person at the screen: its text says
// what is wrong and what to do; it still unwraps to a sentinel and the cause.
type openError struct {
	msg   string
	kind  error
	cause error
}

func (e *openError) Error() string { return e.msg }

func (e *openError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// sqliteCode returns the primary SQLite result code of err, or 0.
func sqliteCode(err error) sqlite3.ErrNo {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// permanent reports whether err is about the row itself, so that retrying
// the same row can never succeed.
func permanent(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.ErrConstraint, sqlite3.ErrMismatch, sqlite3.ErrTooBig, sqlite3.ErrRange:
		return true
	}
	return false
}
