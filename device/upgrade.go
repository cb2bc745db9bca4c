package device

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Upgrade tags of AT+UPGRADE="<tag>",<value>[,<savetoNV>] (spec §3).
const (
	TagKey    = "KEY"
	TagURL    = "URL"
	TagPeriod = "PERIOD"
	TagAuto   = "AUTO"
)

// Period bounds of AT+UPGRADE="PERIOD" in seconds.
const (
	MinPeriod = 60
	MaxPeriod = 1 << 32
)

// Persist says whether an AT+UPGRADE setting goes to NV (survives power-off)
// or lives in RAM until the next reboot. On the wire the flag is inverted:
// savetoNV 0 means save, 1 means do not save.
type Persist bool

// Persistence choices for the AT+UPGRADE settings.
const (
	SaveToNV Persist = true
	RAMOnly  Persist = false
)

func (p Persist) suffix() string {
	if p == RAMOnly {
		return ",1"
	}
	return ""
}

// SetKey stores the IoT-platform project key (spec §3). The key is checked
// by ValidateKey before anything is sent.
func SetKey(ctx context.Context, s *Session, key string, p Persist) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("%s: set key: %w", s.Name(), err)
	}
	_, err := s.Command(ctx, `AT+UPGRADE="KEY","`+key+`"`+p.suffix())
	return err
}

// SetURL stores the own-server URL. The URL is checked by ValidateURL before
// anything is sent.
func SetURL(ctx context.Context, s *Session, url string, p Persist) error {
	if err := ValidateURL(url); err != nil {
		return fmt.Errorf("%s: set URL: %w", s.Name(), err)
	}
	_, err := s.Command(ctx, `AT+UPGRADE="URL","`+url+`"`+p.suffix())
	return err
}

// SetPeriod sets the auto-check period in seconds (60 … 2^32).
func SetPeriod(ctx context.Context, s *Session, seconds int64, p Persist) error {
	if seconds < MinPeriod || seconds > MaxPeriod {
		return fmt.Errorf("%s: set period: %d s is outside %d … %d s", s.Name(), seconds, MinPeriod, int64(MaxPeriod))
	}
	_, err := s.Command(ctx, `AT+UPGRADE="PERIOD",`+strconv.FormatInt(seconds, 10)+p.suffix())
	return err
}

// SetAuto switches the module's own periodic upgrade check on or off.
func SetAuto(ctx context.Context, s *Session, on bool, p Persist) error {
	v := "0"
	if on {
		v = "1"
	}
	_, err := s.Command(ctx, `AT+UPGRADE="AUTO",`+v+p.suffix())
	return err
}

// ReadTag reads one setting back: AT+UPGRADE="<tag>" answers
// +UPGRADE:<tag>,<value> in a spacing and quoting nobody has published, so
// every plausible form is accepted.
func ReadTag(ctx context.Context, s *Session, tag string) (string, error) {
	switch tag {
	case TagKey, TagURL, TagPeriod, TagAuto:
	default:
		return "", fmt.Errorf("%s: read tag: unknown tag %q", s.Name(), tag)
	}
	lines, err := s.Command(ctx, `AT+UPGRADE="`+tag+`"`, WithPrefix("+UPGRADE:"))
	if err != nil {
		return "", err
	}
	for _, l := range lines {
		if t, v, ok := ParseTagLine(l); ok && strings.EqualFold(t, tag) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s: AT+UPGRADE=%q answered %q: no %s value in it", s.Name(), tag, strings.Join(lines, " | "), tag)
}

// ParseTagLine reads "+UPGRADE:<tag>,<value>" in any spacing and quoting,
// e.g. `+UPGRADE: "KEY","abc"` or `+UPGRADE:URL,http://h/x,y`. The value
// is everything after the first comma (a URL may hold commas).
func ParseTagLine(line string) (tag, value string, ok bool) {
	v, ok := afterPrefix(line, "+UPGRADE:")
	if !ok {
		return "", "", false
	}
	t, rest, ok := strings.Cut(v, ",")
	if !ok {
		return "", "", false
	}
	tag = unquote(t)
	if tag == "" || allDigits(tag) || strings.HasPrefix(tag, "-") {
		return "", "", false // a state line such as "+UPGRADE: 2,-1004,…"
	}
	return tag, unquote(rest), true
}

// Trigger sends AT+UPGRADE: the module answers OK at once, then asks the
// server and reports through +UPGRADEIND. sent (may be nil) is called just
// before the command is written: from then on the module may be asking the
// server, whatever the answer (a late OK, an ERROR, a port gone) says. An
// error from sent keeps the command unsent (see BeforeSend).
func Trigger(ctx context.Context, s *Session, sent func() error) error {
	var opts []CmdOption
	if sent != nil {
		opts = append(opts, BeforeSend(sent))
	}
	_, err := s.Command(ctx, "AT+UPGRADE", opts...)
	return err
}

// UpgradeState is AT+UPGRADE?'s answer. Zero fields were absent.
type UpgradeState struct {
	State       int // 0 idle, 1 downloading, 2 finished with a result
	Percent     int // state 1
	ModuleError int // state 2: -1000 … -1006, 0 when none
	HTTPStatus  int // state 2: the server's HTTP status, 0 when none
	Code        int // state 2: the platform's response code, 0 when none
}

func (u UpgradeState) String() string {
	switch u.State {
	case 1:
		return fmt.Sprintf("downloading %d%%", u.Percent)
	case 2:
		return fmt.Sprintf("finished: module error %d, HTTP %d, platform code %d", u.ModuleError, u.HTTPStatus, u.Code)
	}
	return "idle"
}

// QueryUpgrade asks AT+UPGRADE? for the state of the last upgrade.
func QueryUpgrade(ctx context.Context, s *Session) (UpgradeState, error) {
	lines, err := s.Command(ctx, "AT+UPGRADE?", WithPrefix("+UPGRADE:"))
	if err != nil {
		return UpgradeState{}, err
	}
	for _, l := range lines {
		if st, ok := ParseUpgradeState(l); ok {
			return st, nil
		}
	}
	return UpgradeState{}, fmt.Errorf("%s: AT+UPGRADE? answered %q: no state in it", s.Name(), strings.Join(lines, " | "))
}

// ParseUpgradeState reads every variant of AT+UPGRADE?'s line that the spec
// leaves open: "+UPGRADE: 0", "+UPGRADE: 1,40", "+UPGRADE: 2,-1004,400,27",
// "+UPGRADE:2, [-1004, 400, 27]", "+UPGRADE: 2,-1003,,43", fields missing at
// the end, quotes around fields.
func ParseUpgradeState(line string) (UpgradeState, bool) {
	v, ok := afterPrefix(line, "+UPGRADE:")
	if !ok {
		return UpgradeState{}, false
	}
	f := splitFields(v)
	num := func(i int) (int, bool) {
		if i >= len(f) || f[i] == "" {
			return 0, true
		}
		n, err := strconv.Atoi(f[i])
		return n, err == nil
	}
	st, ok := num(0)
	if !ok || f[0] == "" || st < 0 || st > 2 {
		return UpgradeState{}, false
	}
	u := UpgradeState{State: st}
	switch st {
	case 1:
		if u.Percent, ok = num(1); !ok || u.Percent < 0 || u.Percent > 100 {
			return UpgradeState{}, false
		}
	case 2:
		for i, p := range []*int{&u.ModuleError, &u.HTTPStatus, &u.Code} {
			if *p, ok = num(i + 1); !ok {
				return UpgradeState{}, false
			}
		}
		if len(f) > 4 {
			return UpgradeState{}, false
		}
	}
	return u, true
}

// ClearKey tries to remove a stored project key with AT+UPGRADE="KEY",""
// (in RAM only when p is RAMOnly, so NV keeps the owner's key). Like
// clearing a URL, it is not documented: some builds refuse it; the caller
// reads the key back to know.
func ClearKey(ctx context.Context, s *Session, p Persist) error {
	_, err := s.Command(ctx, `AT+UPGRADE="KEY",""`+p.suffix())
	return err
}

// ClearURL tries to remove a stored own-server URL with
// AT+UPGRADE="URL","" (saved to NV). The spec marks clearing as unknown:
// some builds refuse it; the caller reads the URL back to know.
func ClearURL(ctx context.Context, s *Session) error {
	_, err := s.Command(ctx, `AT+UPGRADE="URL",""`)
	return err
}
