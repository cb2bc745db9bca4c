package upgrade

import (
	"errors"
	"os"
	"time"
	"unicode"
	"unicode/utf8"

	"airfleet/device"
)

// Config is what an operator decides for a batch.
type Config struct {
	Mode Mode
	Key  string // project key (ModeKey)
	URL  string // delta URL on the customer's server (ModeURL), one for every module
	// Deltas, instead of URL, gives each module the delta for its own
	// firmware and base version (a delta fits one base): its URL in URL
	// mode, its file (or URL, fetched once by the host) in local mode.
	// Other modes leave it alone: a console keeps the station's map while
	// the operator switches modes; the command line refuses --deltas
	// outside --mode url and local.
	Deltas *DeltaMap
	Target int // core version wanted; 0 = whatever the platform offers

	Concurrency int // modules upgrading at once; 0 = all
	Canary      int // the first Canary modules must pass before the rest start
	// PauseRate pauses the batch when this share of the finished modules
	// failed (at least PauseMin of them): the modules not started yet are
	// held, so a bad key or firmware does not spend every module's request.
	// 0 = never.
	PauseRate float64
	PauseMin  int // default 4

	RetryAfter       time.Duration // first wait after code 43 (default 90 s); each next wait is 1.5× longer
	RetryMaxWait     time.Duration // cap of one wait (default 4 × RetryAfter)
	MaxPlatformWaits int           // code-43 waits before failing as "delta not ready" (default 3)
	RebootTimeout    time.Duration // from +UPGRADEIND: 100 to the module back with its IMEI (default 180 s)
	ProgressTimeout  time.Duration // silence after a request before AT+UPGRADE? is asked (default 60 s)
	NetworkTimeout   time.Duration // how long preflight waits for registration (default 60 s)
	CommandTimeout   time.Duration // one AT command (default 10 s)
	// ApplyTimeout bounds local mode's apply: from AT+UARTUPGRADE=5 to
	// the module back with its IMEI (default 300 s; the manual says about
	// two minutes).
	ApplyTimeout time.Duration

	Budget int  // upgrade requests per IMEI per rolling 24 h (default 4; above MaxBudget only with Force)
	Force  bool // ignore the budget for this run

	// Handoff is what each module keeps when it leaves the line (the zero
	// value: what the mode implies).
	Handoff Handoff

	Station, Operator, Host string
}

// Defaults fills the zero fields with the documented defaults.
func (c Config) Defaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RetryAfter, 90*time.Second)
	def(&c.RetryMaxWait, 4*c.RetryAfter)
	def(&c.RebootTimeout, 180*time.Second)
	def(&c.ProgressTimeout, 60*time.Second)
	def(&c.NetworkTimeout, 60*time.Second)
	def(&c.CommandTimeout, 10*time.Second)
	def(&c.ApplyTimeout, 300*time.Second)
	if c.MaxPlatformWaits <= 0 {
		// 90 + 135 + 203 s of waiting, four requests: well past the
		// platform's one to three minutes, and within the default budget.
		c.MaxPlatformWaits = 3
	}
	if c.Budget <= 0 {
		c.Budget = 4
	}
	if c.PauseMin <= 0 {
		c.PauseMin = 4
	}
	return c
}

// StationName is the station's name in the log: the configured one, else
// the host name.
func (c Config) StationName() string {
	if c.Station != "" {
		return c.Station
	}
	if c.Host != "" {
		return c.Host
	}
	h, _ := os.Hostname()
	return h
}

// FieldError is one wrong value in a Config: the field, as its command
// line flag and settings file field are named ("key", "concurrency"), and
// what is wrong with it and what to give instead, a sentence of the
// catalogue said after the field's name. Each edge names the field as it
// shows it: the CLI as a flag (Error), the settings file as a field, the
// console's form by its label (In).
type FieldError struct {
	Field  string
	Reason Sentence // after the name: " -1: give 1 or more", ": project key is empty"
}

// Error names the field as a flag, in English: "--concurrency -1: give 1 or more".
func (e *FieldError) Error() string { return "--" + e.Field + e.Reason.String() }

// In says the error in lang after name, the field as it is shown where it
// is said ("--key", "项目 key").
func (e *FieldError) In(lang, name string) string { return name + e.Reason.In(lang) }

func fieldErr(field string, m *Message, a ...any) *FieldError {
	return &FieldError{Field: field, Reason: m.With(a...)}
}

// MaxBudget is the highest request budget allowed without Force: the
// platform bans an IMEI that asks about six times a day (code 40).
const MaxBudget = 5

// maxNameLen bounds a station or operator name.
const maxNameLen = 64

// Validate checks the config before anything is sent to a module. Every
// error it joins is a *FieldError.
func (c Config) Validate() error {
	var errs []error
	switch c.Mode {
	case ModeIoT:
		if c.Key != "" || c.URL != "" {
			errs = append(errs, fieldErr("mode", msgFieldIoTKey))
		}
	case ModeKey:
		if err := device.ValidateKey(c.Key); err != nil {
			errs = append(errs, fieldErr("key", msgFieldValue, valueSentence(err)))
		}
	case ModeURL:
		errs = append(errs, c.validateDeltas()...)
	case ModeLocal:
		switch {
		case c.Deltas == nil:
			errs = append(errs, fieldErr("deltas", msgFieldLocalNoMap))
		case c.URL != "":
			errs = append(errs, fieldErr("url", msgFieldLocalURL, c.Deltas.flag()))
		default:
			if err := c.Deltas.checkFiles(); err != nil {
				errs = append(errs, fieldErr("deltas", msgFieldValue, err))
			}
		}
		if c.Key != "" {
			errs = append(errs, fieldErr("mode", msgFieldLocalKey))
		}
	default:
		errs = append(errs, fieldErr("mode", msgFieldMode, c.Mode))
	}
	errs = append(errs, c.Handoff.validate()...)
	if c.Target < 0 || c.Target > 99999 {
		errs = append(errs, fieldErr("target", msgFieldTarget, c.Target))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fieldErr("concurrency", msgFieldConcurrency, c.Concurrency))
	}
	if c.Canary < 0 {
		errs = append(errs, fieldErr("canary", msgFieldCanary, c.Canary))
	}
	if c.PauseRate < 0 || c.PauseRate > 1 {
		errs = append(errs, fieldErr("pause-rate", msgFieldPauseRate, c.PauseRate))
	}
	if c.Budget < 0 {
		errs = append(errs, fieldErr("budget", msgFieldBudget, c.Budget))
	}
	if c.Budget > MaxBudget && !c.Force {
		errs = append(errs, fieldErr("budget", msgFieldBudgetMax, c.Budget, MaxBudget))
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"retry-after", c.RetryAfter}, {"reboot-timeout", c.RebootTimeout}, {"apply-timeout", c.ApplyTimeout}} {
		if d.d < 0 {
			errs = append(errs, fieldErr(d.name, msgFieldDuration, d.d))
		}
	}
	for _, n := range []struct{ name, v string }{{"station", c.Station}, {"operator", c.Operator}} {
		if why := checkName(n.v); !why.IsZero() {
			errs = append(errs, fieldErr(n.name, msgFieldName, n.v, why))
		}
	}
	return errors.Join(errs...)
}

// validateDeltas checks the URL or the delta map of URL mode.
func (c Config) validateDeltas() []error {
	if c.Deltas == nil {
		if err := device.ValidateURL(c.URL); err != nil {
			return []error{fieldErr("url", msgFieldURL, valueSentence(err))}
		}
		return nil
	}
	name := c.Deltas.flag()
	var errs []error
	if c.URL != "" {
		errs = append(errs, fieldErr(name, msgFieldDeltasBoth, name))
	}
	if c.Deltas.Template != "" && c.Deltas.Target != c.Target {
		errs = append(errs, fieldErr(name, msgFieldDeltasTarget, c.Deltas.Target, c.Target))
	}
	if c.Handoff.URL == KeepIt {
		errs = append(errs, fieldErr("handoff-url", msgFieldHandoffURLKeep))
	}
	return errs
}

// checkName accepts a station or operator name: printable, at most
// maxNameLen characters. It is shown on screens and in exported CSV. It
// says what is wrong, or nothing.
func checkName(s string) Sentence {
	if utf8.RuneCountInString(s) > maxNameLen {
		return msgNameLong.With(maxNameLen)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			return msgNameControl.With(r)
		}
	}
	return Sentence{}
}

// urlLabel is the batch's URL as the log keeps it: the one URL, or the
// delta map's file or template.
func (c Config) urlLabel() string {
	if (c.Mode == ModeURL || c.Mode == ModeLocal) && c.Deltas != nil {
		return c.Deltas.String()
	}
	return c.URL
}

// platform reports whether the mode asks the IoT platform (which makes
// deltas on demand and bans eager IMEIs), not the customer's own server.
func (c Config) platform() bool { return c.Mode == ModeIoT || c.Mode == ModeKey }

// DeltaMapFieldError is a delta map that could not be read (ReadDeltaMap's
// error) as the setting "deltas" it came from, for a form to show beside
// that setting.
func DeltaMapFieldError(err error) *FieldError {
	if me, ok := errors.AsType[*DeltaMapError](err); ok {
		return fieldErr("deltas", msgFieldDeltaMap, me.Path, me.Line, me.Reason)
	}
	return fieldErr("deltas", msgFieldValue, err)
}
