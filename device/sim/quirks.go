package sim

import "time"

// StateFormat is how a module prints AT+UPGRADE? (the spec leaves the real
// format unknown, so the simulator produces each of these).
type StateFormat int

// The AT+UPGRADE? formats, shown for state 2 after platform code 43:
const (
	StatePlain     StateFormat = iota // +UPGRADE: 2,-1003,400,43
	StateBracketed                    // +UPGRADE: 2, [-1003, 400, 43]
	StateNoSpace                      // +UPGRADE:2,-1003,400,43
	StateEmpty                        // +UPGRADE: 2,-1003,,43 (HTTP status and zero fields left empty)
	StateTrailing                     // +UPGRADE: 2,-1003,400,43 / 2,-1003,200 / 2,-1001 (zero trailing fields dropped)
	numStateFormats
)

// TagFormat is how a module prints a tag read, AT+UPGRADE="KEY".
type TagFormat int

// The tag-read formats, shown for the key ABC:
const (
	TagQuoted      TagFormat = iota // +UPGRADE:"KEY","ABC"
	TagQuotedSpace                  // +UPGRADE: "KEY","ABC"
	TagBare                         // +UPGRADE: KEY,ABC
	TagValueQuoted                  // +UPGRADE:KEY,"ABC"
	numTagFormats
)

// Quirks are a module's harmless oddities: a driver must cope with every
// one. Scenarios draw them from the seed unless Config.NoQuirks is set.
type Quirks struct {
	// LineEnding frames every line: "\r\n" (the default when empty), "\n"
	// or a lone "\r".
	LineEnding string
	// Chunked splits every write into 1–3 byte pieces with tiny gaps.
	Chunked bool
	// BlankLines adds extra empty lines between lines now and then.
	BlankLines bool
	// DoubleRDY prints RDY twice at boot.
	DoubleRDY bool
	// URCInCommand injects an unrelated URC (+CGEV: ME PDN ACT 1,
	// ^MODE: 17,17, …) between a command's echo and its answer now and then.
	URCInCommand bool
	// ATIExtra makes ATI print extra lines (EigenComm, the model,
	// Manufacturer: AirM2M, OPENLUAT) before the firmware string.
	ATIExtra bool
	// State is the format of AT+UPGRADE?.
	State StateFormat
	// Tag is the format of a tag read such as AT+UPGRADE="KEY".
	Tag TagFormat
	// URLQuery makes URL mode append the platform's query parameters
	// (?imei=…&project_key=…) to the stored URL.
	URLQuery bool
	// ClearWithEmpty makes AT+UPGRADE="KEY","" and ="URL","" clear the
	// value; without it they are refused (ERROR, +CME ERROR: 1000 for URL).
	ClearWithEmpty bool
	// PostRebootIND prints +UPGRADEIND: -1004 for the code 27 that the
	// automatic request after an upgrade's reboot gets.
	PostRebootIND bool
	// LegacyURCs prints +UPGRADEDL / +UPGRADEVER lines now and then during a
	// download (inherited from Air72x; a driver must ignore them).
	LegacyURCs bool
	// PDNSuffix prints +CGEV: ME PDN ACT 1,0 instead of +CGEV: ME PDN ACT 1.
	PDNSuffix bool
	// Roaming registers as roaming: +CREG: 0,5.
	Roaming bool
	// BadIMEIParam is a custom firmware that names the request's IMEI
	// parameter IMEI (upper case): the platform answers code 3.
	BadIMEIParam bool
	// UartListing makes AT+UARTUPGRADE=? list its commands as
	// +UARTUPGRADE: (0,1,2,3,4,5) instead of +UARTUPGRADE: (0-5) (the
	// manual does not show the format).
	UartListing bool
	// UartError is how an AT+UARTUPGRADE error is printed.
	UartError UartErrorFormat
	// UartVerifyLater makes verify (AT+UARTUPGRADE=2) work in the
	// background: the first verify after the last write answers
	// XOTA_PS_PKG_UNVERIFIED at once, later ones the same until the check
	// is done (UartVerifyTime), then its result.
	UartVerifyLater bool
	// UartQIND prints +QIND: "FOTA","START", "UPDATING",<n> and "END",0
	// before RDY when the module comes back from an AT+UARTUPGRADE=5 apply.
	UartQIND bool
}

// UartErrorFormat is how a module prints AT+UARTUPGRADE error n.
type UartErrorFormat int

// The AT+UARTUPGRADE error formats, shown for error 5; each is the
// command's one final line, nothing follows it:
const (
	UartErrorManual  UartErrorFormat = iota // +UARTUPGRAE ERROR: 5 (the manual's spelling, sic)
	UartErrorSpelled                        // +UARTUPGRADE ERROR: 5
	UartErrorCME                            // +CME ERROR: 5 (plain ERROR under AT+CMEE=0)
	numUartErrorFormats
)

// eol returns the line ending.
func (q Quirks) eol() string {
	if q.LineEnding == "" {
		return "\r\n"
	}
	return q.LineEnding
}

// drawQuirks draws a module's quirks: most modules are plain, each oddity
// shows on a few.
func drawQuirks(g *rng) Quirks {
	var q Quirks
	switch g.intn(10) {
	case 0:
		q.LineEnding = "\n"
	case 1:
		q.LineEnding = "\r"
	}
	q.Chunked = g.chance(0.2)
	q.BlankLines = g.chance(0.25)
	q.DoubleRDY = g.chance(0.3)
	q.URCInCommand = g.chance(0.25)
	q.ATIExtra = g.chance(0.3)
	q.State = StateFormat(g.intn(int(numStateFormats)))
	q.Tag = TagFormat(g.intn(int(numTagFormats)))
	q.URLQuery = g.chance(0.5)
	q.ClearWithEmpty = g.chance(0.5)
	q.PostRebootIND = g.chance(0.5)
	q.LegacyURCs = g.chance(0.1)
	q.PDNSuffix = g.chance(0.3)
	q.Roaming = g.chance(0.1)
	// Drawn last, so that a seed keeps the quirks it had before these.
	q.UartListing = g.chance(0.3)
	if g.chance(0.4) { // most modules print what the manual shows
		q.UartError = UartErrorFormat(1 + g.intn(int(numUartErrorFormats)-1))
	}
	q.UartVerifyLater = g.chance(0.2)
	q.UartQIND = g.chance(0.3)
	return q
}

// Faults are a module's defects, set by a scenario's role or by tests.
// Durations are simulated time (divided by Config.Speed).
type Faults struct {
	NoSIM     bool // +CPIN: +CME ERROR: 10, does not register until lifted: -1001
	NoNetwork bool // SIM fine, +CREG: 0,2 until lifted: -1001
	NoData    bool // registered (+CREG: 0,1) but no PDN (data) connection: -1001
	// ServerDown: every connection the module makes is refused: -1002.
	ServerDown bool
	// ForceError makes every check fail with this module error: -1000
	// before the request, -1006 after the answer, -1005 halfway through the
	// download.
	ForceError int
	// CorruptDelta damages every downloaded file: -1003 after 100 %.
	CorruptDelta bool
	// FailedApply: the upgrade's reboot comes back on the old version.
	FailedApply bool
	// SlowReboot: the upgrade's reboot takes RebootSlow instead of 32–60 s.
	SlowReboot bool
	// UnplugAt unplugs the module once, when its download reaches this
	// percentage, and plugs it back UnplugFor later.
	UnplugAt  int
	UnplugFor time.Duration
	// StallAt stalls the module once, on the StallAt-th command it
	// receives, for StallFor: it answers nothing meanwhile and then answers
	// the queued commands late.
	StallAt  int
	StallFor time.Duration
	// ProgressStep is the time between two +UPGRADEIND steps of a download
	// (default 60–80 ms): a slow link, so that a download can be caught
	// under way.
	ProgressStep time.Duration
	// LateUpgradeOK delays the OK of a bare AT+UPGRADE by this long: the
	// echo comes at once, the check starts at once (its +UPGRADEIND lines
	// may come before the OK), and the module answers nothing else meanwhile.
	LateUpgradeOK time.Duration
	// GarbageEvery sends a burst of random bytes on the AT ports about this
	// often.
	GarbageEvery time.Duration

	// AT+UARTUPGRADE (local mode) faults.

	// UartUnsupported is a build without AT+UARTUPGRADE: ERROR to every
	// form, =? included (as a core below 1155, another chip family or a
	// build other than _AT and _LPAT).
	UartUnsupported bool
	// UartSegment fails writes of one segment with an error code.
	UartSegment SegmentFault
	// UartEraseFail fails every erase (AT+UARTUPGRADE=0): error 7.
	UartEraseFail bool
	// UartReadFail fails reading the delta's name and version (=3, =4):
	// error 9.
	UartReadFail bool
	// UartVerifyAs makes verify report this state (e.g.
	// "XOTA_PS_PKG_UNDEF") whatever was written; apply then refuses unless
	// it is XOTA_PS_PKG_VERIFIED and the delta really verifies.
	UartVerifyAs string
	// UartUnplugSN unplugs the module once, when the write of segment
	// UartUnplugSN arrives (unanswered), and plugs it back UnplugFor
	// later. 0: never.
	UartUnplugSN int
	// UartApplyCut cuts the power as an apply (=5) starts: the module is
	// unplugged after its OK and plugged back UnplugFor later, on its old
	// version, the delta discarded.
	UartApplyCut bool
	// UartApplyExact, when not zero, is how long every apply (=5) takes
	// until the module is back, instead of a draw between UartApplyMin and
	// UartApplyMax: a fixed device time, for benchmarks of the console.
	UartApplyExact time.Duration
}

// SegmentFault fails the writes of segment SN that pass every other check:
// Code 5 is a segment damaged on the wire (its checksum fails), 8 a flash
// write error. Times is how many writes of it fail (-1: all); 0 is off.
type SegmentFault struct {
	SN, Code, Times int
}

// Simulated (real-world) delays; Config.Speed divides them all.
const (
	RequestDelay   = 3 * time.Second // AT+UPGRADE → the HTTP request (≈3 s in the transcripts)
	ProgressStepLo = 60 * time.Millisecond
	ProgressStepHi = 80 * time.Millisecond
	RebootMin      = 32 * time.Second // +UPGRADEIND: 100 → ports back (32–60 s measured)
	RebootMax      = 60 * time.Second
	RebootSlow     = 150 * time.Second // slow-reboot fault: still inside the vendor's 3 minutes
	ResetDelay     = 8 * time.Second   // AT+RESET → ports back
	PlugDelay      = 3 * time.Second   // power on → ports back
	AutoSoonMin    = 2 * time.Second   // PERIOD or URL set → the auto check (2–30 s)
	AutoSoonMax    = 30 * time.Second
)
