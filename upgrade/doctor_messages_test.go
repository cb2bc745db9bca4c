package upgrade

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every message of device.Diagnose is in the table, in both languages
// (TestMessages checks the languages).
func TestDoctorMessages(t *testing.T) {
	files, _ := filepath.Glob("../device/doctor*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range regexp.MustCompile(`"(doctor\.[a-z.]+[a-z])"`).FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := doctorMessages[k[1]]; !ok {
				t.Errorf("%s uses %q, which is not in the message table", f, k[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d message keys in device/doctor*.go", n)
	}
}
