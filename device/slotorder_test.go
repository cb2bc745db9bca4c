package device

import (
	"slices"
	"testing"
)

func TestCompareSlots(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1-1.2", "1-1.10", -1},
		{"1-1.10", "1-1.2", 1},
		{"1-1.2", "1-1.2", 0},
		{"1-1", "1-1.1", -1},
		{"2-1", "1-1.10", 1},
		{"1-1.2.3", "1-1.2.10", -1},
		{"01", "1", -1},
		{"a", "b", -1},
		{"", "1", -1},
		{"1-1.99999999999999999999", "1-1.100000000000000000000", -1},
	} {
		if got := CompareSlots(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareSlots(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	slots := []string{"1-1.10", "2-1", "1-1.2", "1-1.1", "1-1.4.2", "1-1.4.10", "1-1.4"}
	slices.SortFunc(slots, CompareSlots)
	want := []string{"1-1.1", "1-1.2", "1-1.4", "1-1.4.2", "1-1.4.10", "1-1.10", "2-1"}
	if !slices.Equal(slots, want) {
		t.Errorf("sorted %v, want %v", slots, want)
	}
}

func FuzzCompareSlots(f *testing.F) {
	f.Add("1-1.2", "1-1.10")
	f.Add("01", "1")
	f.Add("", "a")
	f.Fuzz(func(t *testing.T, a, b string) {
		if x, y := CompareSlots(a, b), CompareSlots(b, a); x != -y {
			t.Errorf("not antisymmetric: %q %q: %d %d", a, b, x, y)
		}
		if (CompareSlots(a, b) == 0) != (a == b) {
			t.Errorf("zero for different strings %q %q", a, b)
		}
	})
}
