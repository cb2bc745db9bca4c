package store

import (
	"testing"
	"time"
)

func TestReachedAndLastPassed(t *testing.T) {
	s := openTest(t, Options{})
	const fw = "AirM2M_780EP_LTE_AT"
	s.UpsertModule(Module{IMEI: testIMEI, Model: "Air780EP", Firmware: fw, Version: 1006})
	b := s.StartBatch(Batch{Mode: ModeIoT})
	t0 := time.Now().Add(-time.Hour)
	a := s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, FromVersion: 1006, Started: t0})
	s.EndAttempt(a, AttemptResult{Result: ResultUpgraded, ToVersion: 1007, Ended: t0.Add(time.Minute)})
	a = s.StartAttempt(Attempt{BatchID: b, IMEI: testIMEI, FromVersion: 1007, Started: t0.Add(2 * time.Minute)})
	s.EndAttempt(a, AttemptResult{Result: ResultFailed, ToVersion: 1007, Ended: t0.Add(3 * time.Minute)})
	// An attempt names its firmware itself (schema 3): no module row needed.
	const other = "861234567890123"
	a = s.StartAttempt(Attempt{BatchID: b, IMEI: other, Firmware: "AirM2M_780E_LTE_AT", FromVersion: 1138, Started: t0})
	s.EndAttempt(a, AttemptResult{Result: ResultUpgraded, ToVersion: 1147, Ended: t0.Add(time.Minute)})
	flush(t, s)
	if rows, err := s.History(other); err != nil || len(rows) != 1 || rows[0].Firmware != "AirM2M_780E_LTE_AT" {
		t.Errorf("the attempt's firmware did not round-trip: %+v, %v", rows, err)
	}
	if got, err := s.Reached("AirM2M_780E_LTE_AT", 1147); err != nil || !got {
		t.Errorf("Reached by the attempt's own firmware = %v, %v", got, err)
	}
	for _, c := range []struct {
		fw      string
		version int
		want    bool
	}{{fw, 1007, true}, {fw, 1006, false}, {"AirM2M_780E_LTE_AT", 1007, false}} {
		if got, err := s.Reached(c.fw, c.version); err != nil || got != c.want {
			t.Errorf("Reached(%s, %d) = %v, %v; want %v", c.fw, c.version, got, err, c.want)
		}
	}
	if v, ok, err := s.LastPassed(testIMEI); err != nil || !ok || v != 1007 {
		t.Errorf("LastPassed = %d, %v, %v; want 1007 (a later failure does not count)", v, ok, err)
	}
	if _, ok, err := s.LastPassed("861234567890999"); err != nil || ok {
		t.Errorf("LastPassed of an unknown IMEI: ok %v, %v", ok, err)
	}
}
