package sim

import "slices"

// Mode is how a console is meant to run a scenario.
type Mode string

// Console modes.
const (
	ModePlatform Mode = "platform" // the IoT platform, no key (the account's default project)
	ModeURL      Mode = "url"      // own server: AT+UPGRADE="URL" with a file from platform.json
	// ModeLocal writes the delta through the AT port (AT+UARTUPGRADE)
	// from the files of the delta map DIR/deltas.json: no SIM, no network.
	ModeLocal Mode = "local"
)

// scenario describes a fleet: models and roles by module index.
type scenario struct {
	name, desc string
	mode       Mode
	minModules int
	// natural: deltas are generated on first request (code 43 first);
	// otherwise every delta is ready at once.
	natural bool
	model   func(i int) string
	role    func(i int) string
	// named reports whether module i names its interfaces; nil: none do.
	named func(i int) bool
	// base, if set, is module i's core version at start (before its role),
	// and target the version every module is offered, instead of the
	// model's.
	base   func(i int) int
	target int
}

func allEP(int) string { return "Air780EP" }

func every(role string) func(int) string { return func(int) string { return role } }

// single builds a scenario where every module plays one role.
func single(name, role, desc string) scenario {
	return scenario{name: name, desc: desc, mode: ModePlatform, model: allEP, role: every(role)}
}

// mixedRoles are the fixed roles of the mixed scenario by module index.
var mixedRoles = map[int]string{
	1: "wrong-key", 2: "too-big", 3: "not-listed", 4: "unplug",
	5: "banned", 6: "slow-reboot", 7: "failed-apply",
}

// mixedModel is the model of module i in the mixed scenario: mostly
// Air780EP, an Air780E every fourth slot, one Air780EPS, one Air780ET.
func mixedModel(i int) string {
	switch {
	case i == 0:
		return "Air780EPS"
	case i == 11:
		return "Air780ET"
	case i%4 == 2:
		return "Air780E"
	}
	return "Air780EP"
}

// localModels are the EC618 models of the local scenarios, in turn.
var localModels = []string{"Air780E", "Air780EG", "Air780EX", "Air700E"}

// localRoles are the fixed roles of the local scenario by module index.
var localRoles = map[int]string{4: "uart-no-delta", 5: "uart-unsupported"}

// scenarios, in the order of the table in the package documentation.
var scenarios = []scenario{
	{name: "happy", desc: "every module upgrades 1006→1007 through the default project; deltas ready",
		mode: ModePlatform, model: allEP, role: every("ok")},
	{name: "mixed", desc: "a realistic fleet (Air780EP/E/EPS/ET): 43 first per pair, then a stored key held, -1003 too big, 27, unplug, 40, slow reboot, failed apply",
		mode: ModePlatform, minModules: 8, natural: true, model: mixedModel,
		role: func(i int) string {
			if r, ok := mixedRoles[i]; ok {
				return r
			}
			return "ok"
		}},
	single("code-3", "bad-imei", "custom firmware sends IMEI= (upper case): platform code 3"),
	single("code-17", "other-account", "NV holds another account's project key that the build cannot clear: held before asking (code 17 if asked)"),
	single("code-21", "not-allowed", "the base may not jump to the target: code 21"),
	single("code-25", "wrong-key", "a mistyped key in NV that the build cannot clear: held before asking (code 25 if asked)"),
	single("code-26", "no-firmware", "the account's project holds another variant only: code 26"),
	{name: "code-27", desc: "even modules already on the target (current), odd ones not in the IMEI list (failed 27)",
		mode: ModePlatform, model: allEP, role: func(i int) string {
			if i%2 == 0 {
				return "latest"
			}
			return "not-listed"
		}},
	single("code-40", "banned", "every IMEI banned before the run: code 40"),
	single("code-43", "never-ready", "the delta is never generated: code 43 (-1003) on every request"),
	single("code-44", "base-missing", "the modules' base version is not uploaded: code 44"),
	single("err-1000", "url-rejected", "the module rejects the request URL: -1000"),
	single("err-1001", "no-data", "registered, but no data connection: -1001"),
	single("err-1002", "server-down", "connection refused: -1002"),
	single("err-1003", "corrupt", "damaged download: -1003 after 100 %"),
	{name: "err-1004", desc: "own server, but the listed delta files are gone (404): -1004 if asked; held by a console that checks the URL",
		mode: ModeURL, model: allEP, role: every("missing-file")},
	single("err-1005", "flash-error", "flash write fails halfway: -1005"),
	single("err-1006", "other-error", "other module error after the answer: -1006"),
	single("too-big", "too-big", "550 KB deltas, 480 KB FOTA area: -1003 after 100 %, no reboot"),
	single("unplug", "unplug", "each module unplugged at 50 % once, back 20 s later; upgrades on retry"),
	single("slow-reboot", "slow-reboot", "every upgrade reboot takes 150 s"),
	single("failed-apply", "failed-apply", "every apply fails: modules come back on the old version"),
	single("stall", "stall", "each module stalls 20 s at its 3rd command, then answers late"),
	single("garbage", "garbage", "random bytes on the AT ports every few seconds; all upgrade"),
	single("no-sim", "no-sim", "no SIM card: +CME ERROR: 10 (AT+UPGRADE: -1001); failed, no code"),
	single("no-network", "no-network", "never registers: +CREG: 0,2 (AT+UPGRADE: -1001); failed, no code"),
	{name: "url", desc: "own-server mode: platform.json lists a delta URL per (firmware, base); all upgrade",
		mode: ModeURL, model: allEP, role: every("ok")},
	{name: "lsat", desc: "two-port Air780E _LTE_LSAT builds (if00 AT, if02 binary log); even modules name them (if00-at, if02-log); all upgrade 1183→1184",
		mode: ModePlatform, model: func(int) string { return "Air780E_LSAT" }, role: every("ok"),
		named: func(i int) bool { return i%2 == 0 }},
	{name: "local", desc: "no SIM cards: Air780E/EG/EX/700E on 1160 or 1161 (chains 1160→1161→1162) upgraded to 1162 through AT+UARTUPGRADE from DIR/deltas.json; 4 has no delta (held), 5 a build without the command (held)",
		mode: ModeLocal, target: 1162,
		model: func(i int) string { return localModels[i%len(localModels)] },
		base:  func(i int) int { return 1160 + (i+1)%2 },
		role: func(i int) string {
			if r, ok := localRoles[i]; ok {
				return r
			}
			return "ok"
		}},
	{name: "local-one", desc: "no SIM cards: Air780E modules on 1161 upgraded to 1162 through AT+UARTUPGRADE, one delta each, every apply exactly 120 s (the benchmark's)",
		mode: ModeLocal, target: 1162, model: func(int) string { return "Air780E" },
		base: func(int) int { return 1161 }, role: every("uart-fixed-apply")},
	{name: "local-chain", desc: "no SIM cards: Air780E modules on 1159 upgraded to 1162 through AT+UARTUPGRADE, three deltas in a chain",
		mode: ModeLocal, target: 1162, model: func(int) string { return "Air780E" },
		base: func(int) int { return 1159 }, role: every("ok")},
}

func findScenario(name string) (scenario, bool) {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
	if i < 0 {
		return scenario{}, false
	}
	return scenarios[i], true
}

// Scenarios returns the scenario names in table order.
func Scenarios() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

// ScenarioInfo returns the one-line description of a scenario, or "".
func ScenarioInfo(name string) string {
	s, _ := findScenario(name)
	return s.desc
}

// ScenarioMode returns the console mode a scenario is meant for.
func ScenarioMode(name string) Mode {
	s, _ := findScenario(name)
	return s.mode
}
