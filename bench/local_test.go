//go:build !windows

package bench

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLocal times local mode (AT+UARTUPGRADE): the delta written
// through each module's AT port, no network. Scenario local-one: Air780E
// modules without SIM on 1161, one 200 KB delta each to 1162; the
// simulator paces every segment like a USB serial link and a flash write
// (about 16 ms per KB) and the apply like the manual's "about two
// minutes", all divided by -speed. Metrics as BenchmarkBatch's; the
// "download" window there is the transfer here (first segment to the last
// apply). Run it with -benchtime 1x.
func BenchmarkLocal(b *testing.B) {
	for _, n := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("local-one/N=%d", n), func(b *testing.B) { benchBatch(b, "local-one", n) })
	}
}

// modeArgs is the upgrade command's mode for a scenario: local mode with
// the map the simulator wrote for the local scenarios, else none (iot).
func modeArgs(scenario, dir string) []string {
	if !strings.HasPrefix(scenario, "local") {
		return nil
	}
	return []string{"--mode", "local", "--deltas", filepath.Join(dir, "deltas.json"), "--target", "1162", "--apply-timeout", "300s"}
}
