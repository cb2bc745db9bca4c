//go:build !windows

package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"airfleet/store"
)

var (
	flagSpeed = flag.Float64("speed", 4, "simulator `X`: every simulated delay is divided by X")
	flagBin   = flag.String("airfleet", "", "airfleet binary `PATH` to use instead of building one")
)

// seed makes every run's IMEIs and delays the same.
const seed = 1

// TestMain removes the binary built for the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// airfleetBin builds the airfleet command once per test binary, or returns
// the -airfleet flag's binary.
func airfleetBin(tb testing.TB) string {
	tb.Helper()
	built.once.Do(func() {
		if *flagBin != "" {
			built.path, built.err = filepath.Abs(*flagBin)
			return
		}
		built.dir, built.err = os.MkdirTemp("", "airfleet-bench-bin-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "airfleet")
		cmd := exec.Command("go", "build", "-o", built.path, "airfleet")
		cmd.Dir = ".." // the module root
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build -o %s airfleet: %v\n%s", built.path, err, out)
		}
	})
	if built.err != nil {
		tb.Fatal(built.err)
	}
	return built.path
}

// needPTYs skips the benchmark when the kernel cannot give the simulator
// three ptys per module.
func needPTYs(tb testing.TB, modules int) {
	tb.Helper()
	maxN, err1 := readInt("/proc/sys/kernel/pty/max")
	used, err2 := readInt("/proc/sys/kernel/pty/nr")
	if err1 != nil || err2 != nil {
		return // not Linux, or no /proc: let the simulator say
	}
	if free := maxN - used; free < int64(3*modules+16) {
		tb.Skipf("%d modules need %d ptys; the kernel allows %d and %d are in use (raise /proc/sys/kernel/pty/max)", modules, 3*modules, maxN, used)
	}
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// simProc is `airfleet sim` running in its own process.
type simProc struct {
	cmd      *exec.Cmd
	dir      string
	stderr   bytes.Buffer
	done     chan struct{}
	stopOnce sync.Once
}

// startSim starts a simulated fleet of n modules in a new directory under
// tmp and returns once its table is printed, i.e. every module is up.
func startSim(tb testing.TB, bin, tmp string, n int, scenario string, speed float64) *simProc {
	tb.Helper()
	needPTYs(tb, n)
	s := &simProc{dir: filepath.Join(tmp, "fleet"), done: make(chan struct{})}
	s.cmd = exec.Command(bin, "sim", "--dir", s.dir, "--modules", strconv.Itoa(n),
		"--scenario", scenario, "--speed", strconv.FormatFloat(speed, 'g', -1, 64), "--seed", strconv.Itoa(seed))
	s.cmd.Stderr = &s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.stop) // also when the benchmark fails half-way
	ready := make(chan error, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(out)
		rows := -1
		for sc.Scan() {
			switch {
			case strings.HasPrefix(sc.Text(), "SLOT"):
				rows = 0
			case rows >= 0 && strings.TrimSpace(sc.Text()) != "":
				if rows++; rows == n {
					ready <- nil
				}
			}
		}
		ready <- errors.New("the simulator ended before listing its modules")
		io.Copy(io.Discard, out)
	}()
	select {
	case err = <-ready:
	case <-time.After(2 * time.Minute):
		err = errors.New("the simulator did not list its modules within 2 minutes")
	}
	if err != nil {
		s.stop()
		tb.Fatalf("airfleet sim --modules %d: %v\n%s", n, err, s.stderr.String())
	}
	return s
}

// stop ends the simulator: SIGTERM (its ports vanish cleanly), SIGKILL
// after 30 s. Only the first call does anything.
func (s *simProc) stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		_ = s.cmd.Wait()
	})
}

// moduleJSON and summaryJSON are the lines of `airfleet upgrade --json`.
type moduleJSON struct {
	Slot    string  `json:"slot"`
	Result  string  `json:"result"`
	Seconds float64 `json:"seconds"`
	Message string  `json:"message"`
}

type summaryJSON struct {
	Summary  bool    `json:"summary"`
	Total    int     `json:"total"`
	Upgraded int     `json:"upgraded"`
	Seconds  float64 `json:"seconds"`
}

// cpuSample is the console's CPU time (user+system) at one moment.
type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

// batchRun is one `airfleet upgrade` child, timed from start to exit.
type batchRun struct {
	wall     time.Duration
	cpu      time.Duration // user + system, from rusage
	maxRSSKB int64
	modules  []moduleJSON
	sum      summaryJSON
	samples  []cpuSample // /proc/PID/stat every 20 ms
	db       string
}

// runUpgrade runs `airfleet upgrade --mode iot --json` (or the mode given
// in mode) on the fleet in dir with a new log at db and waits for it to
// exit.
func runUpgrade(tb testing.TB, bin, dir, db string, speed float64, mode ...string) batchRun {
	tb.Helper()
	retry := time.Duration(float64(90*time.Second) / speed).Round(time.Millisecond)
	if len(mode) == 0 {
		mode = []string{"--mode", "iot"}
	}
	args := append([]string{"upgrade", "--ports", dir}, mode...)
	cmd := exec.Command(bin, append(args, "--json", "--db", db,
		"--reboot-timeout", "180s", "--retry-after", retry.String(), "--station", "bench", "--operator", "bench")...)
	// Every run upgrades the same IMEIs (seed): a registry of logs of its
	// own keeps the earlier runs' requests out of its budget.
	cmd.Env = append(os.Environ(), "AIRFLEET_REGISTRY="+filepath.Join(tb.TempDir(), "logs.txt"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := batchRun{db: db}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stopSampling := make(chan struct{})
	sampled := make(chan []cpuSample)
	go func() { sampled <- sampleCPU(cmd.Process.Pid, stopSampling) }()
	err := cmd.Wait()
	r.wall = time.Since(start)
	close(stopSampling)
	r.samples = <-sampled
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		// Status 1 means some module failed: check reports which.
		tb.Fatalf("airfleet upgrade: %v\n%s\n%s", err, stderr.String(), tail(stdout.String(), 2000))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.maxRSSKB = ru.Maxrss // kilobytes on Linux
	}
	for _, line := range bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n")) {
		if bytes.Contains(line, []byte(`"summary":true`)) {
			if err := json.Unmarshal(line, &r.sum); err != nil {
				tb.Fatalf("summary %q: %v", line, err)
			}
			continue
		}
		var m moduleJSON
		if err := json.Unmarshal(line, &m); err != nil {
			tb.Fatalf("result line %q: %v", line, err)
		}
		r.modules = append(r.modules, m)
	}
	return r
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// sampleCPU reads the process's utime+stime every 20 ms until stop.
func sampleCPU(pid int, stop <-chan struct{}) []cpuSample {
	path := fmt.Sprintf("/proc/%d/stat", pid)
	var out []cpuSample
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if cpu, err := procCPU(path); err == nil {
			out = append(out, cpuSample{at: time.Now(), cpu: cpu})
		}
		select {
		case <-stop:
			return out
		case <-t.C:
		}
	}
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// procCPU reads utime and stime (fields 14 and 15) of /proc/PID/stat.
func procCPU(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 {
		return 0, errors.New("bad stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad stat fields")
	}
	return time.Duration(ut+st) * clockTick, nil
}

// peakCPU is the most CPU time spent in any window w, as a share of one
// core (1 = one core busy).
func peakCPU(s []cpuSample, w time.Duration) float64 {
	var peak float64
	for _, x := range s {
		if x.at.Add(w).After(s[len(s)-1].at) {
			break
		}
		peak = max(peak, float64(cpuBetween(s, x.at, x.at.Add(w)))/float64(w))
	}
	return peak
}

// meanCPU is the CPU time over the samples' span, as a share of one core.
func meanCPU(s []cpuSample) float64 {
	if len(s) < 2 {
		return 0
	}
	return float64(s[len(s)-1].cpu-s[0].cpu) / float64(s[len(s)-1].at.Sub(s[0].at))
}

// cpuBetween is the CPU time spent between from and to, interpolated
// between samples.
func cpuBetween(s []cpuSample, from, to time.Time) time.Duration {
	return cpuAt(s, to) - cpuAt(s, from)
}

func cpuAt(s []cpuSample, t time.Time) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i, _ := slices.BinarySearchFunc(s, t, func(x cpuSample, t time.Time) int { return x.at.Compare(t) })
	switch {
	case i == 0:
		return s[0].cpu
	case i == len(s):
		return s[len(s)-1].cpu
	}
	a, b := s[i-1], s[i]
	f := float64(t.Sub(a.at)) / float64(b.at.Sub(a.at))
	return a.cpu + time.Duration(f*float64(b.cpu-a.cpu))
}

// logFacts is what the batch's log says about it.
type logFacts struct {
	dlFrom, dlTo time.Time // first download progress, last end of a download
	lines        int       // transcript lines of the batch's attempts
	peakLinesSec int       // the most transcript lines in one second
}

// readLog reads the download window and the transcript volume from db.
func readLog(tb testing.TB, db string) logFacts {
	tb.Helper()
	r, err := store.OpenReadOnly(db)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	atts, err := r.Attempts(store.AttemptFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	var f logFacts
	perSec := map[int64]int{}
	for _, a := range atts {
		evs, err := r.Events(a.ID)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range evs {
			switch e.Step {
			case "downloading", "writing":
				if f.dlFrom.IsZero() || e.Time.Before(f.dlFrom) {
					f.dlFrom = e.Time
				}
			case "rebooting", "applying":
				if e.Time.After(f.dlTo) {
					f.dlTo = e.Time
				}
			}
		}
		lines, err := r.TranscriptOf(a.ID)
		if err != nil {
			tb.Fatal(err)
		}
		f.lines += len(lines)
		for _, l := range lines {
			perSec[l.Time.Unix()]++
		}
	}
	for _, n := range perSec {
		f.peakLinesSec = max(f.peakLinesSec, n)
	}
	return f
}

// median of xs (xs is sorted in place).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// percentile p (0…100) of durations, in milliseconds (ds is sorted in place).
func percentileMS(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds)-1)*p/100 + 0.5)
	return float64(ds[i]) / float64(time.Millisecond)
}

func meanMS(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return float64(sum) / float64(len(ds)) / float64(time.Millisecond)
}
