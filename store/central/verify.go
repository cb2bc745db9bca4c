package central

import (
	"context"
	"fmt"
	"strings"

	"airfleet/store"
)

// Mismatch is what Verify found wrong in one table.
type Mismatch struct {
	Table   string
	Missing int    // station rows the centre lacks, or holds at another revision
	Extra   int    // centre rows of this station that its log does not hold
	Example string // the key of one such row
}

// Verify compares, row by row, what the centre holds of the station's log
// s with the log itself, for the tables of o. It reads every row of the
// station on both sides: a check for an operator or a test, not for every
// sync.
func (db *DB) Verify(ctx context.Context, s *store.Reader, o PushOptions) ([]Mismatch, error) {
	station, err := s.StationID(ctx)
	if err != nil {
		return nil, err
	}
	var out []Mismatch
	for _, t := range o.Tables() {
		rows, _, err := s.Changed(ctx, t, -1, 1<<62)
		if err != nil {
			return nil, err
		}
		want := make(map[string]int, len(rows))
		for _, r := range rows {
			want[rowText(r)]++
		}
		q := fmt.Sprintf("SELECT %s FROM %s WHERE station_id = $1", strings.Join(t.Cols, ", "), t.Name)
		rs, err := db.pool.Query(ctx, q, station)
		if err != nil {
			return nil, classify(err, db.masked)
		}
		m := Mismatch{Table: t.Name}
		for rs.Next() {
			vals, err := rs.Values()
			if err != nil {
				rs.Close()
				return nil, err
			}
			k := rowText(vals)
			if want[k] > 0 {
				want[k]--
				continue
			}
			m.Extra++
			m.Example = fmt.Sprintf("%s %v", t.Key, vals[0])
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, classify(err, db.masked)
		}
		for k, n := range want {
			if n > 0 {
				m.Missing += n
				m.Example = t.Key + " " + strings.SplitN(k, "|", 3)[1]
			}
		}
		if m.Missing > 0 || m.Extra > 0 {
			out = append(out, m)
		}
	}
	return out, nil
}

func rowText(r []any) string {
	var b strings.Builder
	for _, v := range r {
		fmt.Fprintf(&b, "|%v", v)
	}
	return b.String()
}
