package upgrade

import (
	"fmt"
	"testing"

	"airfleet/device"
)

// The station opens a module's AT ports only, best first, by its layout:
// never a two-port build's log port 02 (spec §6).
func TestCandidatePortsByLayout(t *testing.T) {
	for _, tt := range []struct {
		ports map[int]string
		want  []string
	}{
		{map[int]string{2: "if02", 4: "if04", 6: "if06"}, []string{"if06", "if02"}},
		{map[int]string{2: "if02", 4: "if04"}, []string{"if02"}},
		{map[int]string{0: "if00", 2: "if02"}, []string{"if00"}},
		{map[int]string{2: "if02"}, nil},
	} {
		got := candidatePorts(device.Candidate{Slot: "m", Ports: tt.ports})
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ports %v: candidatePorts = %v, want %v", tt.ports, got, tt.want)
		}
	}
}
