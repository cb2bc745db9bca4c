package delta

import (
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	want := Delta{FirmwareName: "AirM2M_780EP_LTE_AT", Base: 1006, Target: 1007, Size: 4096}
	b := Make(want, 1)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestCorruption(t *testing.T) {
	b := Make(Delta{FirmwareName: "AirM2M_780E_LTE_AT", Base: 1138, Target: 1147, Size: 100}, 2)
	cases := map[string][]byte{
		"flipped byte": func() []byte { c := append([]byte(nil), b...); c[len(c)-1] ^= 1; return c }(),
		"truncated":    b[:len(b)-1],
		"extra":        append(append([]byte(nil), b...), 0),
		"empty":        nil,
		"html":         []byte("<html>404</html>\n"),
	}
	for name, c := range cases {
		if _, err := Parse(c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Make(Delta{FirmwareName: "X", Base: 1, Target: 2, Size: 3}, 0))
	f.Add([]byte("LUATDFOTA1 name=a base=1 target=2 size=0 crc32=00000000\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err == nil && d.FirmwareName == "" {
			t.Fatal("accepted a delta without a name")
		}
	})
}

func TestHeader(t *testing.T) {
	want := Delta{FirmwareName: "AirM2M_780E_LTE_AT", Base: 1160, Target: 1161, Size: 1000}
	b := Make(want, 3)
	if d, n, err := Header(b[:100]); err != nil || n != len(b) || d != want {
		t.Fatalf("Header(header and a bit) = %+v, %d, %v; want %+v, %d", d, n, err, want, len(b))
	}
	for _, bad := range [][]byte{nil, b[:10], []byte("LUATDFOTA1 name=a base=1 target=2 size=x crc32=0\n"), []byte("hello\n"),
		[]byte("LUATDFOTA1 name= base=1 target=2 size=3 crc32=0\n")} {
		if _, _, err := Header(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Header(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}
