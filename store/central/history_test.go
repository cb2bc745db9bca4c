package central

import (
	"strings"
	"testing"
)

// The console's history with a centre: an IMEI upgraded at two stations
// shows both attempts, each naming its station; the other station's
// events and transcript come from the centre; with the centre gone, this
// station's own attempts still show.
func TestHistoryLooksUpTheCentre(t *testing.T) {
	url := newCentral(t)
	db := open(t, url)
	a, b := openStation(t, "a"), openStation(t, "b")
	shared := "864536079999321"
	a.batch(t, "line 1", 1, shared)
	b.batch(t, "line 2", 1, shared)
	push(t, db, a, PushOptions{})
	push(t, db, b, PushOptions{})
	a.batch(t, "line 1", 1, shared) // not yet sent: shows from the log

	h := NewHistory(a.s, a.s.StationID(), url)
	defer h.Close()
	rows, err := h.History(shared)
	if err != nil || len(rows) != 3 {
		t.Fatalf("History(%s) = %d rows, %v; want 3 (two here, one at line 2)", shared, len(rows), err)
	}
	var other int64
	for _, r := range rows {
		if r.Station == "line 2" {
			other = r.ID
		}
	}
	if other >= 0 {
		t.Fatalf("line 2's attempt has ID %d, want a negative one: %+v", other, rows)
	}
	evs, err := h.Events(other)
	if err != nil || len(evs) != 1 || evs[0].IMEI != shared || evs[0].Step != "requesting" {
		t.Errorf("Events of line 2's attempt: %+v, %v", evs, err)
	}
	lines, err := h.TranscriptOf(other)
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0].Text, "AT+UPGRADE") {
		t.Errorf("TranscriptOf line 2's attempt: %+v, %v", lines, err)
	}

	gone := NewHistory(a.s, a.s.StationID(), "postgres://airfleet@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")
	rows, err = gone.History(shared)
	if err != nil || len(rows) != 2 {
		t.Errorf("with the centre unreachable: %d rows, %v; want this station's 2", len(rows), err)
	}
}
