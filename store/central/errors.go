package central

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Kinds of error, for errors.Is.
var (
	// ErrBadURL: the central URL cannot be parsed, or comes from an
	// unsafe place.
	ErrBadURL = errors.New("bad central URL")
	// ErrAuth: the server refused the user or password.
	ErrAuth = errors.New("central database refused the login")
	// ErrUnreachable: no server answered, or the connection broke.
	ErrUnreachable = errors.New("central database unreachable")
	// ErrTLS: the TLS the URL asks for (sslmode) could not be set up.
	ErrTLS = errors.New("central database TLS failed")
	// ErrNewerSchema: the central database was migrated by a newer airfleet.
	ErrNewerSchema = errors.New("central schema newer than this airfleet")
	// ErrNoSchema: the central database has no airfleet schema (or an
	// older one) and this command does not migrate.
	ErrNoSchema = errors.New("central database not set up by this airfleet")
)

// Fault says which fact an *Error reports: the edges (package main, the
// console) say it to the operator in their language from the catalogue
// (upgrade/messages_central.go); this package holds no sentence of
// theirs.
type Fault int

// The faults, each with the fields of Error it fills.
const (
	FaultNone           Fault = iota
	FaultFileMissing          // Where: the file; Detail: the cause (os.Stat)
	FaultFileOpen             // Where: the file; Mode: its permissions (others can read it)
	FaultFileRead             // Where: the file; Detail: the cause
	FaultFileEmpty            // Where: the file
	FaultURLEmpty             // Where: the masked URL
	FaultURLNotPostgres       // Where: the masked URL
	FaultURLUnreadable        // Where: the masked URL; Detail: the parser's reason, masked
	FaultLogin                // Where: the masked URL; Detail: the server's message
	FaultNoDatabase           // Where: the masked URL; Detail: the server's message
	FaultPermission           // Where: the masked URL; Detail: the server's message
	FaultTLS                  // Where: the masked URL; Detail: the driver's reason
	FaultUnreachable          // Where: the masked URL; Detail: the driver's reason
	FaultNewerSchema          // Where: the masked URL; Schema: the centre's; Known: this one's
	FaultNoSchema             // Where: the masked URL; Schema: the centre's; Known: the one needed
)

// Error is what went wrong with the central log, as facts: its kind (for
// errors.Is), which fault, and the fault's details. It never holds a
// password: Where is masked. Error() is a terse English text for logs
// and wrapping; the operator's sentence is said at the edges.
type Error struct {
	Kind   error
	Fault  Fault
	Where  string      // the masked URL, or the central file's name
	Detail string      // the server's, the driver's or the system's reason
	Mode   os.FileMode // FaultFileOpen: the file's permissions
	Schema int         // FaultNewerSchema, FaultNoSchema: the centre's schema
	Known  int         // FaultNewerSchema, FaultNoSchema: the schema this airfleet knows or needs
	Cause  error
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Where != "" {
		s += " " + e.Where
	}
	switch e.Fault {
	case FaultFileOpen:
		s += fmt.Sprintf(": mode %o (chmod 600)", e.Mode)
	case FaultNewerSchema, FaultNoSchema:
		s += fmt.Sprintf(": central schema %d, this airfleet %d", e.Schema, e.Known)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap gives the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// classify turns an error met talking to the server at masked (a URL with
// its password hidden) into an *Error that says the fix.
func classify(err error, masked string) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return &Error{Kind: ErrAuth, Fault: FaultLogin, Where: masked, Detail: pe.Message, Cause: err}
		case "3D000":
			return &Error{Kind: ErrAuth, Fault: FaultNoDatabase, Where: masked, Detail: pe.Message, Cause: err}
		case "42501":
			return &Error{Kind: ErrAuth, Fault: FaultPermission, Where: masked, Detail: pe.Message, Cause: err}
		}
		return fmt.Errorf("central database %s: %w", masked, err)
	}
	if strings.Contains(strings.ToLower(errText(err)), "tls") || strings.Contains(errText(err), "x509") {
		return &Error{Kind: ErrTLS, Fault: FaultTLS, Where: masked, Detail: errText(err), Cause: err}
	}
	var ne net.Error
	if pgconn.SafeToRetry(err) || errors.As(err, &ne) || isConnectError(err) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: ErrUnreachable, Fault: FaultUnreachable, Where: masked, Detail: errText(err), Cause: err}
	}
	return fmt.Errorf("central database %s: %w", masked, err)
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.Timeout(err)
}

// errText is err's text; pgx never puts the password in it.
func errText(err error) string {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errors.Unwrap(ce).Error()
	}
	return err.Error()
}
