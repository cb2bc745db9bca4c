package main

import (
	"strings"
	"testing"
)

func TestHeadline(t *testing.T) {
	in := `goos: linux
BenchmarkBatch/happy/N=1-2   1  50000000000 ns/op  49.5 batch-s  90 cpu-ms/module  1.0 dl-cpu-%core  15 peak-MiB
BenchmarkBatch/happy/N=1-2   1  54000000000 ns/op  53.5 batch-s  95 cpu-ms/module  1.1 dl-cpu-%core  15 peak-MiB
BenchmarkBatch/happy/N=1-2   1  52000000000 ns/op  51.5 batch-s  99 cpu-ms/module  0.9 dl-cpu-%core  15 peak-MiB
BenchmarkBatch/happy/N=20-2  1  53000000000 ns/op  52.5 batch-s  20 cpu-ms/module  5.0 dl-cpu-%core  20 peak-MiB
--- BENCH: BenchmarkBatch/happy/N=20-2
    batch_test.go:143: happy N=20 speed 1: wall 53.00s, summary 52.50s
PASS
`
	runs, err := parse(strings.NewReader(in))
	if err != nil || len(runs) != 4 {
		t.Fatalf("parse: %d runs, %v", len(runs), err)
	}
	var b strings.Builder
	if err := write(&b, runs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Scenario `happy` (`-speed 1`, real device timings), 3 runs of one module, t₁ = 52.0 s",
		"| 1 | 52.0 s (3 runs: 50.0–54.0 s) | 1.000 | 52.0 s | 52.0 s |",
		"| 20 | 53.0 s (1 run: 53.0 s) | 1.019 | 2.6 min | 17.3 min |", // ⌈20/8⌉ = 3 × 52 s; 20 × 52 s
		"At 20 modules the console (`airfleet upgrade`, its own process) used 20.0 ms of CPU per module, 5.0 % of a core while the modules downloaded, and 20 MiB peak RSS.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if err := write(&b, runs[3:]); err == nil || !strings.Contains(err.Error(), "no N=1 runs") {
		t.Errorf("without N=1: %v", err)
	}
}
