// Package bench holds airfleet's performance benchmarks: the promises of
// issue 5 measured end to end, with the simulator in its own process.
//
// It has no code of its own outside its _test.go files, and no Test
// functions that do heavy work: a plain `go test ./...` compiles it and runs
// nothing. (bench/headline is a small command that turns BenchmarkBatch
// output into the README's table.) The benchmarks run only with -bench:
//
//	go test ./bench/ -run '^$' -bench 'Batch/' -benchtime 1x -count 5 -timeout 120m
//	go test ./bench/ -run '^$' -bench KeyToFrame256 -benchtime 1x -count 5
//	go test ./bench/ -run '^$' -bench LogThroughput -benchtime 500000x -count 5
//	go test ./bench/ -run '^$' -bench EventToDisk -benchtime 200x -count 5
//	go test ./bench/ -run '^$' -bench Line32 -benchtime 1x -count 2
//	go test ./bench/ -run '^$' -bench WatchStill256 -benchtime 5x -count 6
//
// BenchmarkBatch builds the airfleet binary once (go build -o), starts
// `airfleet sim` as one process and times `airfleet upgrade --json` as
// another, from start to exit; the console's CPU time and peak RSS come from
// the child's rusage. BenchmarkKeyToFrame256 runs the console (engine and
// Bubble Tea program) in this process over a 256-module simulator process
// and times key presses from the input pipe to the frame on the output.
// BenchmarkLogThroughput and BenchmarkEventToDisk measure the SQLite log
// through the engine's StoreLog. BenchmarkConsoleInProcess256 runs what
// `airfleet upgrade` runs in this process, for -cpuprofile. BenchmarkLine32
// runs a line of 32 slots with auto-start, the simulator in this process,
// plugging and pulling modules as an operator does. BenchmarkWatchStill256
// measures the device watcher's own CPU over a still 256-module station,
// polling against inotify. The View() time of a 256-row screen is
// tui's own BenchmarkView256. BENCHMARKS.md at the repository root has the
// commands and this machine's numbers.
//
// Flags (after -args): -speed X divides every simulated delay (default 4);
// -airfleet PATH uses a binary built beforehand; -trail D logs the messages
// behind every key press slower than D; -dlprofile FILE profiles the
// download window of BenchmarkConsoleInProcess256.
package bench
