// Command headline turns BenchmarkBatch output into the README's speed
// table: for each scenario and module count, the median wall time of the
// runs, its ratio to one module's, and the same batch done one module at a
// time (N × t₁) and eight at a time (⌈N/8⌉ × t₁), the ways a line works
// today; then the console's CPU and memory at the largest N.
//
//	go test ./bench/ -run '^$' -bench 'Batch/happy/' -benchtime 1x -count 3 -timeout 90m -args -speed 1 | tee batch1.txt
//	go run ./bench/headline batch1.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// run is one BenchmarkBatch result line.
type run struct {
	scenario string
	n        int
	metrics  map[string]float64 // unit → value; "s" is the wall time
}

var (
	nameRE = regexp.MustCompile(`^BenchmarkBatch/([^/]+)/N=(\d+)(-\d+)?$`)
	// The harness logs "happy N=256 speed 1: wall …" after each run.
	speedRE = regexp.MustCompile(`batch_test\.go:\d+: (\S+) N=\d+ speed ([0-9.]+):`)
)

// speeds maps a scenario to the -speed its runs used, from the log lines.
var speeds = map[string]string{}

func parse(r io.Reader) ([]run, error) {
	var out []run
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := speedRE.FindStringSubmatch(sc.Text()); m != nil {
			speeds[m[1]] = m[2]
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		m := nameRE.FindStringSubmatch(f[0])
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		x := run{scenario: m[1], n: n, metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			if f[i+1] == "ns/op" {
				x.metrics["s"] = v / 1e9
				continue
			}
			x.metrics[f[i+1]] = v
		}
		out = append(out, x)
	}
	return out, sc.Err()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// span is "min–max" of v, or the one value.
func span(v []float64, format string) string {
	lo, hi := slices.Min(v), slices.Max(v)
	if lo == hi {
		return fmt.Sprintf(format, lo)
	}
	return fmt.Sprintf(format+"–"+format, lo, hi)
}

func duration(s float64) string {
	switch {
	case s < 120:
		return fmt.Sprintf("%.1f s", s)
	case s < 7200:
		return fmt.Sprintf("%.1f min", s/60)
	}
	return fmt.Sprintf("%.1f h", s/3600)
}

func write(w io.Writer, runs []run) error {
	byKey := map[string]map[int][]run{}
	var scenarios []string
	for _, r := range runs {
		if byKey[r.scenario] == nil {
			byKey[r.scenario] = map[int][]run{}
			scenarios = append(scenarios, r.scenario)
		}
		byKey[r.scenario][r.n] = append(byKey[r.scenario][r.n], r)
	}
	if len(scenarios) == 0 {
		return fmt.Errorf("no BenchmarkBatch results in the input")
	}
	for _, sc := range scenarios {
		ns := byKey[sc]
		one, ok := ns[1]
		if !ok {
			return fmt.Errorf("scenario %s: no N=1 runs, so no single-module time to compare with", sc)
		}
		t1 := median(values(one, "s"))
		speed := "speed not logged"
		if x, ok := speeds[sc]; ok {
			speed = "`-speed " + x + "`"
			if x == "1" {
				speed += ", real device timings"
			}
		}
		fmt.Fprintf(w, "Scenario `%s` (%s), %s of one module, t₁ = %s (median wall time of `airfleet upgrade`).\n\n", sc, speed, plural(len(one), "run"), duration(t1))
		fmt.Fprintln(w, "| modules | airfleet, all at once (median) | × one module | eight at a time | one at a time |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		keys := make([]int, 0, len(ns))
		for n := range ns {
			keys = append(keys, n)
		}
		slices.Sort(keys)
		for _, n := range keys {
			wall := median(values(ns[n], "s"))
			fmt.Fprintf(w, "| %d | %s (%s: %s s) | %.3f | %s | %s |\n", n, duration(wall), plural(len(ns[n]), "run"),
				span(values(ns[n], "s"), "%.1f"), wall/t1, duration(math.Ceil(float64(n)/8)*t1), duration(float64(n)*t1))
		}
		big := keys[len(keys)-1]
		rs := ns[big]
		fmt.Fprintf(w, "\nAt %d modules the console (`airfleet upgrade`, its own process) used %s ms of CPU per module, %s %% of a core while the modules downloaded, and %s MiB peak RSS.\n\n",
			big, span(values(rs, "cpu-ms/module"), "%.1f"), span(values(rs, "dl-cpu-%core"), "%.1f"), span(values(rs, "peak-MiB"), "%.0f"))
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func values(rs []run, unit string) []float64 {
	var v []float64
	for _, r := range rs {
		if x, ok := r.metrics[unit]; ok {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return []float64{math.NaN()}
	}
	return v
}

func main() {
	in := io.Reader(os.Stdin)
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "headline:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	runs, err := parse(in)
	if err == nil {
		err = write(os.Stdout, runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "headline:", err)
		os.Exit(1)
	}
}
