// Package upgrade runs the over-the-air upgrade of Air780 modules: one
// module's upgrade as an explicit state machine, the batch that runs many at
// once, the station that finds and holds the modules, the response-code
// catalogue, and the retry and request-budget policy. It speaks to modules
// through package device, keeps its memory through the Log interface (the
// SQLite log of package store, StoreLog), and reports every transition as an
// Event; it knows nothing of the console.
//
// Where things are:
//
//	machine.go, configure.go, request.go, reboot.go   one module's upgrade, step by step
//	handoff.go                                        what a module keeps when it leaves the line
//	batch.go, retry.go                                a batch, its pair gate, what a retry may ask again
//	station.go, module.go, identify.go, idlewatch.go, slotlocks.go, tail.go
//	                                                  the modules on the station (Sessions), their locks and transcripts
//	codes.go                                          the response-code catalogue: each code's words and what the engine does
//	messages.go, messages_validate.go, doctor_messages.go, lang.go
//	                                                  the bilingual catalogue: Message (both languages, one entry),
//	                                                  Sentence (a message and its arguments), every sentence the
//	                                                  engine and the CLI say, a setting's errors, the operator's language
//	engine.go, controller.go                          the engine, and the controller the console drives
//	log.go, storelog.go                               the Log the engine writes, and its SQLite implementation
//	event.go, config.go, report.go                    events and results, a batch's settings, CLI reports
package upgrade
