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
// # AT+UARTUPGRADE (local mode)
//
// EC618 models (Air780E, Air780EG, Air780EX, Air700E) on a standard AT or
// LPAT build at core 1155 or later also answer AT+UARTUPGRADE, the delta
// written into the FOTA area through the AT port (the vendor's AT manual,
// "串口升级"); every other model, build or core, and a module with the
// UartUnsupported fault, answers ERROR to every form, =? included.
//
//	AT+UARTUPGRADE=?   +UARTUPGRADE: (0-5), OK (quirk: (0,1,2,3,4,5))
//	=0                 erase: OK after 1.5 s; starts a write sequence
//	=1,sn,n,hex,xx     write a segment: sn from 0 up by one, n 4…1024 and a
//	                   multiple of 4, 2n hex characters (either case), xx the
//	                   XOR of its bytes; OK after 4 ms + 12 µs per byte
//	=2                 verify: +UARTUPGRADE: <n>, XOTA_PS_PKG_<state>, OK (1 s)
//	=3, =4             the delta's firmware name ("AirM2M_780E_LTE_AT"), its
//	                   base and target (1160,1161): formats invented
//	=5                 apply a VERIFIED delta: OK, ports gone, back 110–130 s
//	                   later on the target (ATI shows it)
//
// An error is one final line, +UARTUPGRAE ERROR: <n> as the manual spells
// it (quirks: +UARTUPGRADE ERROR: <n>, or +CME ERROR: <n>, plain ERROR
// under AT+CMEE=0). A write is checked in this order: parameters (1), an
// erase in this power-on (6), the sequence (4), the checksum (5), room in
// the area, FOTAArea + 4 KB for the header (3), the flash (8); a failed
// write leaves the sequence where it was, so the same segment can be sent
// again. <cmd> above 5 is 2; erase failure 7, read failure 9; =3, =4 and =5
// with nothing (verified) in the area: 10 (for =5 the simulator's choice).
//
// Verify parses what was written with delta.Parse (the header gives the
// length; up to 3 trailing zero bytes are the last segment's padding) and
// wants the module's firmware name, its core as the base, a higher target
// and a payload within FOTAArea. States (only 6 is published; the other
// numbers are invented): 1 UNFOUND (nothing written, or writing under
// way), 2 UNVERIFIED (quirk UartVerifyLater: checked in the background, 1
// s), 3 VERIFAILED, 4 UPGRADED (applied, nothing written since), 5 PARTIAL
// (an incomplete delta left by an earlier power-on), 6 VERIFIED, 7 UNDEF
// (an apply that failed; or the UartVerifyAs fault). Writing after a verify
// makes it unverified again.
//
// The area is flash: it keeps what was written across reboots and
// unplugging, but the write sequence belongs to the power-on that erased,
// so a write after a reboot without a new erase gets error 6. A power cut
// during the apply (unplugged in its reboot) discards the delta: the
// module comes back on its old version with the area empty. With the
// quirk UartQIND the module prints +QIND: "FOTA","START", "UPDATING",50,
// "UPDATING",100 and "END",0 before RDY after an apply. Module.UartCounts
// counts the commands received, errors, bytes acknowledged and applies
// accepted; Module.UartState says what verify would report.
//
// A local scenario (mode "local") writes the delta map the console reads,
// DIR/deltas.json ({"deltas":[{"firmware","from","to","file"}]}), and the
// delta files (delta.Make, 200 KB payloads) in DIR/.deltas/, one per
// version step, so a module two versions behind takes a chain; neither is
// taken for a slot. Its modules have no SIM. Expect.Code is then the
// AT+UARTUPGRADE error code; Reason "unsupported" and "no delta" (held),
// "checksum", "write", "erase", "too big", "verify", "apply" (failed).
//
// Quirks (drawn from the seed unless Config.NoQuirks) vary the framing and
// formats where the spec is unsure: line endings, writes in 1–3 byte
// pieces, blank lines, RDY twice, URCs between echo and OK, extra ATI
// lines, five AT+UPGRADE? formats, four tag-read formats, query parameters
// on URLs, whether an empty KEY/URL clears, whether the post-reboot 27 is
// printed, +UPGRADEDL/+UPGRADEVER lines, the AT+UARTUPGRADE listing and
// error spelling, verify in the background, +QIND after an apply. Faults
// come from roles or from
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
// platform.json; mode "local" means AT+UARTUPGRADE with the files of
// DIR/deltas.json.
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
//	local         local     modules without SIM, Air780E/EG/EX/700E in turn, on 1161 (even) or 1160
//	                        (odd: a chain 1160→1161→1162), all to 1162 from DIR/deltas.json; fixed
//	                        roles in fleets of 5 or more: 4 uart-no-delta (1157, held), 5 uart-unsupported (held)
//	local-one     local     Air780E modules without SIM on 1161, to 1162 through one delta; every
//	                        apply takes exactly 120 s (role uart-fixed-apply; benchmarks)
//	local-chain   local     Air780E modules without SIM on 1159, to 1162 through three deltas
//
// Local roles (use them with Config.Roles, e.g. in local-chain): uart-checksum-once
// (segment 1 damaged once: error 5, the resend passes; upgrades),
// uart-checksum-always (failed 5), uart-write-fail (segment 2: failed 8),
// uart-erase-fail (failed 7), uart-unsupported and uart-old-core (core
// 1150) (held), uart-no-delta (held), uart-wrong-base (the map's delta
// from its base was made for another: VERIFAILED, failed), uart-too-big
// (550 KB: error 3 at the segment past the area, failed 3),
// uart-verify-undef (failed), uart-unplug (gone when segment 20 arrives,
// back 20 s later; upgrades from a new erase), uart-power-cut (power lost
// as the apply starts: back on the old version, failed); failed-apply
// works here too.
//
// Custom fleets: Config.Roles and Config.Models override the scenario per
// module, Config.Tweak edits each ModuleSpec (quirks, faults, NV, platform
// placement); Roles lists the roles.
package sim
