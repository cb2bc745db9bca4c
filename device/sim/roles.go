package sim

import (
	"slices"
	"time"
)

// Expect is the outcome a console run in the scenario's intended mode
// should report for a module. Tests compare Result, To and Code; Reason is
// a hint for people.
type Expect struct {
	Result string `json:"result"`           // ResultUpgraded, ResultFailed or ResultCurrent
	To     int    `json:"to,omitempty"`     // the version reached (upgraded, current)
	Code   int    `json:"code,omitempty"`   // platform code (3 … 44) or module error (-1000 … -1006); 0: any or none
	Reason string `json:"reason,omitempty"` // e.g. "apply" for a failed apply
}

// Expect.Result values.
const (
	ResultUpgraded = "upgraded" // the module now runs the target version
	ResultFailed   = "failed"
	ResultCurrent  = "current" // already on the target: nothing to do (code 27)
	ResultHeld     = "held"    // not asked at all: the console holds it with the reason
)

// Accounts on the simulated platform. Every module is sold to AccountMain
// unless its role says otherwise.
const (
	AccountMain  = "13800000000" // the customer's account: default projects for EC618 and EC718
	AccountOther = "13900000000" // another customer: holds the project "远程升级模块"
	// AccountWrongVariant's default projects hold only _LTE_LSAT builds, so
	// an _LTE_AT module there meets code 26.
	AccountWrongVariant = "13700000000"
)

// TooBigSize is the delta payload of the too-big role: 550 KB against a
// 480 KB FOTA area, as in transcript e.
const TooBigSize = 550 * 1024

// ModuleSpec is everything about one module before the fleet starts: the
// scenario's role fills it in, Config.Tweak may change it.
type ModuleSpec struct {
	Model   string // e.g. Air780EP, Air780E_LSAT (a key of ModelNamed)
	Version int    // core version at start
	Role    string
	Quirks  Quirks
	Faults  Faults
	// The AT+UPGRADE settings in NV at start.
	Key    string
	URL    string
	Period int64 // seconds; 0 means 86400
	Auto   bool
	// Unplugged starts the module unplugged (Plug brings it in).
	Unplugged bool
	// NamedPorts: the module names its interfaces in its USB descriptors
	// ("at", "log"), and its links say so: if00-at, if02-log (if02-at,
	// if04-log, if06-at on a three-port build).
	NamedPorts bool
	// Platform side.
	Account     string // account the IMEI was sold to; "" means AccountMain
	NotListed   bool   // left out of its firmware's IMEI list: code 27
	Banned      bool   // banned before the start: code 40
	DeltaSize   int    // payload of its (firmware, base, target) delta; 0: platform default
	NotAllowed  bool   // its base may not jump to the target: code 21
	BaseMissing bool   // its base version is not uploaded: code 44
	NeverReady  bool   // its delta is never generated: code 43 for ever
	MissingFile bool   // URL mode: its delta file is gone from the server (404)
	Expect      Expect
	Target      int // the version the platform offers; 0: the model's Target
	// Local mode (the delta map a local scenario writes).
	NoDelta bool // the map has no delta from its base
	MapBase int  // the map's delta from its base is really made for this base (0: its own)
}

// role is a module's part in a scenario.
type role struct {
	desc  string
	apply func(s *ModuleSpec, seed uint64)
}

func failed(code int) Expect { return Expect{Result: ResultFailed, Code: code} }

// roles are the parts a module can play, by name.
var roles = map[string]role{
	"ok": {"upgrades to the target through its account's default project", func(s *ModuleSpec, _ uint64) {}},
	"latest": {"already on the target: code 27, nothing to do", func(s *ModuleSpec, _ uint64) {
		s.Version = s.Target
		s.Expect = Expect{Result: ResultCurrent, To: s.Target, Code: 27} // a console without a target asks, and hears 27
	}},
	"not-listed": {"left out of the firmware's IMEI list: code 27 below the target", func(s *ModuleSpec, _ uint64) {
		s.NotListed = true
		s.Expect = failed(27)
	}},
	// A key in NV would send a default-project request to that key's
	// project (25 for a mistyped key, 17 for another account's). A console
	// clears it for the request where the build allows; these builds do
	// not (AT+UPGRADE="KEY","" refused), so the console holds them unasked.
	"wrong-key": {"a mistyped project key left in NV, on a build that cannot clear it: held (code 25 if asked)", func(s *ModuleSpec, seed uint64) {
		s.Key = projectKey(seed, "mistyped")
		s.Quirks.ClearWithEmpty = false
		s.Expect = Expect{Result: ResultHeld, Reason: "stored key"}
	}},
	"other-account": {"NV holds the key of another account's project, on a build that cannot clear it: held (code 17 if asked)", func(s *ModuleSpec, seed uint64) {
		s.Key = projectKey(seed, "other-account")
		s.Quirks.ClearWithEmpty = false
		s.Expect = Expect{Result: ResultHeld, Reason: "stored key"}
	}},
	"not-allowed": {"its base may not jump to the target: code 21", func(s *ModuleSpec, _ uint64) {
		s.Version -= 3
		s.NotAllowed = true
		s.Expect = failed(21)
	}},
	"no-firmware": {"its account's project holds another variant only: code 26", func(s *ModuleSpec, _ uint64) {
		s.Account = AccountWrongVariant
		s.Expect = failed(26)
	}},
	"bad-imei": {"custom firmware that sends IMEI= (upper case): code 3", func(s *ModuleSpec, _ uint64) {
		s.Quirks.BadIMEIParam = true
		s.Expect = failed(3)
	}},
	"banned": {"banned on the platform before the run: code 40", func(s *ModuleSpec, _ uint64) {
		s.Banned = true
		s.Expect = failed(40)
	}},
	"never-ready": {"its delta is never generated: code 43 on every request", func(s *ModuleSpec, _ uint64) {
		s.Version -= 4
		s.NeverReady = true
		s.Expect = Expect{Result: ResultFailed, Code: 43, Reason: "delta not ready"}
	}},
	"base-missing": {"its base version is not on the platform: code 44", func(s *ModuleSpec, _ uint64) {
		s.Version--
		s.BaseMissing = true
		s.Expect = failed(44)
	}},
	"url-rejected": {"the module rejects the request URL: -1000", func(s *ModuleSpec, _ uint64) {
		s.Faults.ForceError = -1000
		s.Expect = failed(-1000)
	}},
	"no-network": {"SIM fine, never registers (+CREG: 0,2): -1001", func(s *ModuleSpec, _ uint64) {
		s.Faults.NoNetwork = true
		s.Expect = Expect{Result: ResultFailed, Reason: "no network"} // a console checks AT+CEREG? first: no code
	}},
	"no-data": {"registered (+CREG: 0,1) but no data connection: -1001", func(s *ModuleSpec, _ uint64) {
		s.Faults.NoData = true
		s.Expect = failed(-1001)
	}},
	"no-sim": {"no SIM (+CPIN?: +CME ERROR: 10), never registers: -1001", func(s *ModuleSpec, _ uint64) {
		s.Faults.NoSIM = true
		s.Expect = Expect{Result: ResultFailed, Reason: "no SIM"} // a console checks AT+CPIN? first: no code
	}},
	"server-down": {"every connection is refused: -1002", func(s *ModuleSpec, _ uint64) {
		s.Faults.ServerDown = true
		s.Expect = failed(-1002)
	}},
	"corrupt": {"the downloaded file arrives damaged: -1003 after 100 %", func(s *ModuleSpec, _ uint64) {
		s.Faults.CorruptDelta = true
		s.Expect = failed(-1003)
	}},
	"missing-file": {"URL mode: the listed delta file is gone (404): -1004 if asked; a console that checks the URL first holds it", func(s *ModuleSpec, _ uint64) {
		s.Version -= 2
		s.MissingFile = true
		s.Expect = Expect{Result: ResultHeld, Reason: "404"}
	}},
	"flash-error": {"the delta cannot be written to flash, halfway: -1005", func(s *ModuleSpec, _ uint64) {
		s.Faults.ForceError = -1005
		s.Expect = failed(-1005)
	}},
	"other-error": {"an unexplained module error after the answer: -1006", func(s *ModuleSpec, _ uint64) {
		s.Faults.ForceError = -1006
		s.Expect = failed(-1006)
	}},
	"too-big": {"a 550 KB delta for a 480 KB FOTA area: -1003 after 100 %, no reboot", func(s *ModuleSpec, _ uint64) {
		s.Version -= 5
		s.DeltaSize = TooBigSize
		s.Expect = Expect{Result: ResultFailed, Code: -1003, Reason: "too big"}
	}},
	"unplug": {"unplugged at 50 % of its first download, back 20 s later; upgrades on retry", func(s *ModuleSpec, _ uint64) {
		s.Faults.UnplugAt, s.Faults.UnplugFor = 50, 20*time.Second
	}},
	"slow-reboot": {"the upgrade's reboot takes 150 s", func(s *ModuleSpec, _ uint64) {
		s.Faults.SlowReboot = true
	}},
	"failed-apply": {"every apply fails: back on the old version after the reboot", func(s *ModuleSpec, _ uint64) {
		s.Faults.FailedApply = true
		s.Expect = Expect{Result: ResultFailed, Reason: "apply"}
	}},
	"stall": {"stops answering for 20 s at its 3rd command, then answers late", func(s *ModuleSpec, _ uint64) {
		s.Faults.StallAt, s.Faults.StallFor = 3, 20*time.Second
	}},
	"garbage": {"bursts of random bytes on the AT ports every few seconds", func(s *ModuleSpec, _ uint64) {
		s.Faults.GarbageEvery = 5 * time.Second
	}},

	// Local mode (AT+UARTUPGRADE). Expect.Code is the command's error
	// code (+UARTUPGRAE ERROR: <n>) there.
	"uart-checksum-once": {"local: the first write of segment 1 arrives damaged (error 5); a resend succeeds; upgrades", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartSegment = SegmentFault{SN: 1, Code: UartErrChecksum, Times: 1}
	}},
	"uart-checksum-always": {"local: every write of segment 1 fails its checksum (error 5), after an erase too: failed 5", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartSegment = SegmentFault{SN: 1, Code: UartErrChecksum, Times: -1}
		s.Expect = Expect{Result: ResultFailed, Code: UartErrChecksum, Reason: "checksum"}
	}},
	"uart-write-fail": {"local: every write of segment 2 fails in flash (error 8): failed 8", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartSegment = SegmentFault{SN: 2, Code: UartErrWrite, Times: -1}
		s.Expect = Expect{Result: ResultFailed, Code: UartErrWrite, Reason: "write"}
	}},
	"uart-erase-fail": {"local: every erase fails (error 7): failed 7", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartEraseFail = true
		s.Expect = Expect{Result: ResultFailed, Code: UartErrErase, Reason: "erase"}
	}},
	"uart-unsupported": {"local: a build without AT+UARTUPGRADE (ERROR to every form, =? too): held", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartUnsupported = true
		s.Expect = Expect{Result: ResultHeld, Reason: "unsupported"}
	}},
	"uart-old-core": {"local: core 1150, below 1155: no AT+UARTUPGRADE (ERROR): held", func(s *ModuleSpec, _ uint64) {
		s.Version = UartMinCore - 5
		s.Expect = Expect{Result: ResultHeld, Reason: "unsupported"}
	}},
	"uart-no-delta": {"local: the map has no delta from its base (target-5): held", func(s *ModuleSpec, _ uint64) {
		s.Version = s.Target - 5
		s.NoDelta = true
		s.Expect = Expect{Result: ResultHeld, Reason: "no delta"}
	}},
	"uart-wrong-base": {"local: base target-3, but the map's delta from it was made for another base: XOTA_PS_PKG_VERIFAILED, nothing applied", func(s *ModuleSpec, _ uint64) {
		s.Version = s.Target - 3
		s.MapBase = s.Version - 1
		s.Expect = Expect{Result: ResultFailed, Reason: "verify"}
	}},
	"uart-too-big": {"local: base target-4, its first delta 550 KB against a 480 KB FOTA area: error 3 at the segment that overflows", func(s *ModuleSpec, _ uint64) {
		s.Version = s.Target - 4
		s.DeltaSize = TooBigSize
		s.Expect = Expect{Result: ResultFailed, Code: UartErrSize, Reason: "too big"}
	}},
	"uart-verify-undef": {"local: verify answers XOTA_PS_PKG_UNDEF: failed, nothing applied", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartVerifyAs = PkgUndef
		s.Expect = Expect{Result: ResultFailed, Reason: "verify"}
	}},
	"uart-unplug": {"local: unplugged when segment 20 arrives, back 20 s later (then a write needs a new erase: error 6); upgrades on retry", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartUnplugSN, s.Faults.UnplugFor = 20, 20*time.Second
	}},
	"uart-fixed-apply": {"local: every apply takes exactly 120 s (a fixed device time, for benchmarks); upgrades", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartApplyExact = 120 * time.Second
	}},
	"uart-power-cut": {"local: power lost as the apply starts, back 20 s later on the old version (delta discarded): failed apply", func(s *ModuleSpec, _ uint64) {
		s.Faults.UartApplyCut, s.Faults.UnplugFor = true, 20*time.Second
		s.Expect = Expect{Result: ResultFailed, Reason: "apply"}
	}},
}

// Roles returns the role names, sorted.
func Roles() []string {
	var out []string
	for k := range roles {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// RoleInfo returns the one-line description of a role, or "".
func RoleInfo(name string) string { return roles[name].desc }

// newSpec returns the spec of a fresh module of model (called modelName
// in models) playing role.
func newSpec(modelName string, model Model, roleName string, seed uint64) (ModuleSpec, bool) {
	r, ok := roles[roleName]
	if !ok {
		return ModuleSpec{}, false
	}
	s := ModuleSpec{
		Model: modelName, Version: model.Base, Target: model.Target, Role: roleName,
		Period: 86400, Auto: true,
		Expect: Expect{Result: ResultUpgraded, To: model.Target},
	}
	r.apply(&s, seed)
	return s, true
}
