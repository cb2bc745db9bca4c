package upgrade

import (
	"os"
	"regexp"
	"testing"
)

// Every message of device.Diagnose is in the table, in both languages
// (TestMessages checks the languages).
func TestDoctorMessages(t *testing.T) {
	b, err := os.ReadFile("../device/doctor.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`"(doctor\.[a-z.]+[a-z])"`).FindAllStringSubmatch(string(b), -1)
	if len(keys) < 20 {
		t.Fatalf("only %d message keys in device/doctor.go", len(keys))
	}
	for _, k := range keys {
		if _, ok := messages[k[1]]; !ok {
			t.Errorf("device/doctor.go uses %q, which is not in the message table", k[1])
		}
	}
}
