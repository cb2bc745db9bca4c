// Package sim simulates a fleet of 合宙 (Luat) Air780-family 4G modules
// running the AT firmware, as the console sees them over USB, and the IoT
// platform they upgrade from. It is a second, independent reading of
// shared/spec/air780-at-fota.md: it imports nothing from the driver
// (airfleet/device) and shares no parsing or formatting with it.
//
// # Directory layout
//
// Start makes, under Config.Dir:
//
//	DIR/<slot>/if02   symlink to the pty slave of interface 02 (AT, URCs)
//	DIR/<slot>/if04   interface 04: binary diagnostic noise, never text
//	DIR/<slot>/if06   interface 06: the documented AT port
//	DIR/platform.json the platform's Describe(): base URL, projects, keys, delta file URLs
//	DIR/fleet.json    FleetFile: per module slot, IMEI, ICCID, model, firmware,
//	                  core and target version, role, expected outcome, online,
//	                  ptys, its log interface, whether its links are named
//
// That is the three-port layout of the _AT and _LPAT builds. A two-port
// build (_LSAT, _AUAT; the model Air780E_LSAT) has two interfaces (spec
// §6):
//
//	DIR/<slot>/if00   interface 00: the AT port (AT, URCs)
//	DIR/<slot>/if02   interface 02: binary diagnostic noise, never text
//
// A module that names its interfaces in its USB descriptors
// (ModuleSpec.NamedPorts) adds the name to each link: if00-at, if02-log
// (if02-at, if04-log, if06-at on a three-port build, a guess: the spec has
// seen names on a two-port module only). A log port answers nothing; the
// module counts every byte a console writes there (Module.LogBytesIn),
// which a console must never do.
//
// A slot is a USB physical path (module i: 1-1.<i/4+1>.<i%4+1>, deeper hubs
// beyond 28 modules). When a module reboots or is unplugged its links are
// removed (the slot directory stays) and its pty masters closed, so a
// console's reads fail; when it comes back it has new ptys and the links
// reappear, the documented AT port last (if02, if04, then if06; if02, then
// if00), each made as a temporary link renamed into place. Both JSON files are written atomically; fleet.json is
// rewritten whenever a module goes or comes back.
//
// # Transports
//
// Config.Transport chooses what an entry is. TransportPTY (the default on
// Linux): a symlink to a pty slave, as above. TransportTCP (the default
// where ptys do not exist, Windows): a regular file whose one line is
// socket://127.0.0.1:PORT, a listener of the module's (a serial server such
// as ser2net offers ports so); a reboot closes the listener and its
// connection and writes the entry again with a new port. Over TCP the
// newest connection owns a port, and the 4 KB a pty keeps for a console
// not yet reading are kept for the next connection. Module.LinesRead is
// exact on ptys only: over TCP, what was sent on a connection counts as
// read.
//
// # Modules
//
// Each module answers AT, ATI, AT+CGMR, AT+CGMM, AT+CGMI, AT+CGSN, AT*I,
// AT+ICCID, AT+CIMI, AT+CPIN?, AT+CREG?, AT+CEREG?, AT+CSQ, ATE0/ATE1,
// AT+CMEE, AT+RESET and the AT+UPGRADE family of spec §3 (KEY, URL, PERIOD,
// AUTO with savetoNV; tag reads; AT+UPGRADE? states 0, 1 and 2). A trigger
// answers OK, asks the server about 3 s later over real HTTP, prints
// +UPGRADEIND progress and results, checks the delta (delta.Parse, firmware
// name, base version, the model's 480 KB FOTA area) and reboots into the new
// version after 32–60 s; after such a reboot it asks the server once more
// by itself (code 27). With AUTO=1 (the default) it also checks at a random
// moment in every PERIOD, and 2–30 s after PERIOD or URL is set. NV survives
// reboots and unplugging; savetoNV=1 values do not.
//
// Quirks (drawn from the seed unless Config.NoQuirks) vary the framing and
// formats where the spec is unsure: line endings, writes in 1–3 byte
// pieces, blank lines, RDY twice, URCs between echo and OK, extra ATI
// lines, five AT+UPGRADE? formats, four tag-read formats, query parameters
// on URLs, whether an empty KEY/URL clears, whether the post-reboot 27 is
// printed, +UPGRADEDL/+UPGRADEVER lines. Faults come from roles or from
// Module.SetFaults, Unplug, Plug, Stall and Garbage.
//
// Every delay is simulated time divided by Config.Speed; durations given to
// Stall are wall time.
//
// # Scenarios
//
// A scenario gives every module a model and a role; fleet.json records the
// outcome a console run in the scenario's mode should report (Expect). An
// Expect without a code (no SIM, no network, a failed apply) accepts any
// code: a careful console stops before AT+UPGRADE there.
// Mode "platform" means AT+UPGRADE with no key (the account's default
// project); mode "url" means AT+UPGRADE="URL" with a file listed in
// platform.json.
//
//	scenario      mode      modules show
//	happy         platform  every module upgrades 1006→1007; deltas ready (no 43)
//	mixed         platform  ≥ 8 modules, fixed roles by index: 0 Air780EPS ok, 1 wrong-key (held),
//	                        2 too-big Air780E 1138 (-1003 after 100 %), 3 not-listed (27),
//	                        4 unplug at 50 % (upgrades on retry), 5 banned (40),
//	                        6 slow-reboot Air780E, 7 failed-apply; the rest ok (Air780E
//	                        every 4th from 2, Air780ET at 11). Deltas are generated on
//	                        first request: the first request of each (firmware, base) gets 43
//	code-3        platform  custom firmware sends IMEI= (upper case): 3
//	code-17       platform  NV holds another account's project key, not clearable: held (17 if asked)
//	code-21       platform  base 1003 may not jump to the target: 21
//	code-25       platform  a mistyped key in NV, not clearable: held (25 if asked)
//	code-26       platform  the account's project holds only _LTE_LSAT builds: 26
//	code-27       platform  even modules already on 1007 (current), odd ones not in the IMEI list (27)
//	code-40       platform  every IMEI banned before the run: 40
//	code-43       platform  the delta is never generated: 43 (printed -1003) every time
//	code-44       platform  base 1005 is not uploaded: 44
//	err-1000      platform  the module rejects the request URL: -1000
//	err-1001      platform  registered (+CREG: 0,1) but no data connection (no +CGEV PDN line): -1001
//	err-1002      platform  connection refused: -1002
//	err-1003      platform  the download arrives damaged: -1003 after 100 %
//	err-1004      url       the delta file listed in platform.json is gone (404): -1004 if
//	                        a module asks; airfleet checks the URL first and holds them
//	err-1005      platform  flash write fails at 50 %: -1005
//	err-1006      platform  other module error after the answer: -1006
//	too-big       platform  550 KB deltas, 480 KB FOTA area: -1003 after 100 %, no reboot
//	unplug        platform  unplugged at 50 % of the first download, back 20 s later; upgrades on retry
//	slow-reboot   platform  the upgrade's reboot takes 150 s; upgrades
//	failed-apply  platform  every apply fails: back on 1006 after the reboot
//	stall         platform  silent for 20 s at the 3rd command, then answers late; upgrades
//	garbage       platform  random bytes on the AT ports every ~5 s; upgrades
//	no-sim        platform  no SIM (+CPIN?: +CME ERROR: 10, +CREG: 0,0): -1001; expected failed, no code
//	no-network    platform  no network (+CREG: 0,2): -1001; expected failed, no code
//	url           url       own server: one delta URL per (firmware, base) in platform.json; upgrades
//	lsat          platform  two-port Air780E _LTE_LSAT builds (if00 AT, if02 log), even modules name
//	                        their interfaces (if00-at, if02-log), odd ones do not; upgrade 1183→1184
//
// Custom fleets: Config.Roles and Config.Models override the scenario per
// module, Config.Tweak edits each ModuleSpec (quirks, faults, NV, platform
// placement); Roles lists the roles.
package sim
