package store

import "testing"

func TestDataDirFor(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		goos string
		env  map[string]string
		home string
		want string
	}{
		{"linux", nil, "/home/op", "/home/op/.local/share/airfleet"},
		{"linux", map[string]string{"XDG_DATA_HOME": "/srv/data"}, "/home/op", "/srv/data/airfleet"},
		{"linux", map[string]string{"XDG_DATA_HOME": "relative"}, "/home/op", "/home/op/.local/share/airfleet"},
		{"linux", map[string]string{"LocalAppData": `C:\Users\op\AppData\Local`}, "/home/op", "/home/op/.local/share/airfleet"},
		{"linux", nil, "", ""},
		{"windows", map[string]string{"LocalAppData": `C:\Users\op\AppData\Local`}, `C:\Users\op`, `C:\Users\op\AppData\Local\airfleet`},
		{"windows", map[string]string{"LocalAppData": `C:\Users\op\AppData\Local`, "XDG_DATA_HOME": `D:\data`}, `C:\Users\op`, `D:\data\airfleet`},
		{"windows", map[string]string{"LocalAppData": `AppData`}, `C:\Users\op`, `C:\Users\op\.local\share\airfleet`},
		{"windows", map[string]string{"LocalAppData": `\\fs\profiles\op`}, `C:\Users\op`, `\\fs\profiles\op\airfleet`},
		{"windows", nil, "", ""},
	} {
		if got := dataDirFor(c.goos, env(c.env), c.home); got != c.want {
			t.Errorf("dataDirFor(%s, %v, %q) = %q, want %q", c.goos, c.env, c.home, got, c.want)
		}
	}
}
