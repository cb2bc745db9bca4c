package device

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// serve answers every command from answers (echo on; unknown → ERROR) until
// the port closes, and records what it received.
func (fm *fakeModule) serve(answers map[string][]string) <-chan []string {
	got := make(chan []string, 1)
	go func() {
		var seen []string
		for cmd := range fm.cmds {
			seen = append(seen, cmd)
			lines, ok := answers[cmd]
			if !ok {
				lines = []string{"ERROR"}
			}
			if _, err := fm.conn.Write([]byte(cmd + "\r" + frame(lines...))); err != nil {
				break
			}
		}
		got <- seen
	}()
	return got
}

var air780EP = map[string][]string{
	"ATI":       {"EigenComm", "Air780EP", "AirM2M_780EP_V1006_LTE_AT", "OK"},
	"AT+CGSN":   {"861234567890123", "OK"},
	"AT+CGMM":   {`+CGMM: "Air780EP"`, "OK"},
	"AT+CGMR":   {`+CGMR: "AirM2M_780EP_V1006_LTE_AT"`, "OK"},
	"AT+ICCID":  {"+ICCID: 89860412345678901234", "OK"},
	"AT+CPIN?":  {"+CPIN: READY", "OK"},
	"AT+CEREG?": {"^MODE: 17,17", "+CEREG: 0,1", "OK"},
	"AT+CSQ":    {"+CSQ: 24,99", "OK"},
}

func TestIdentify(t *testing.T) {
	s, fm := newFake(t, Options{})
	fm.serve(air780EP)
	info, err := Identify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if info.IMEI != "861234567890123" || info.Model != "Air780EP" || info.Firmware.Core != 1006 ||
		info.Firmware.Name != "AirM2M_780EP_LTE_AT" || info.ICCID != "89860412345678901234" ||
		!info.SIM.Ready || !info.Registration.Registered() || info.Signal.RSSI != 24 || info.Revision != "AirM2M_780EP_V1006_LTE_AT" {
		t.Fatalf("info = %+v", info)
	}
}

// A build without AT+CEREG, AT+ICCID or AT+CGMM is still identified; no SIM
// is reported, not fatal.
func TestIdentifyMinimalBuild(t *testing.T) {
	s, fm := newFake(t, Options{})
	fm.serve(map[string][]string{
		"ATI":      {"AirM2M_780E_V1138_LTE_AT", "OK"},
		"AT+CGSN":  {"869876543210987", "OK"},
		"AT+CPIN?": {"+CME ERROR: 10"},
		"AT+CREG?": {"+CREG: 0,2", "OK"},
		"AT+CSQ":   {"+CSQ: 99,99", "OK"},
	})
	info, err := Identify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if info.Model != "Air780E" || info.SIM.Ready || info.SIM.State != "+CME ERROR: 10" ||
		info.Registration.Registered() || info.Registration.Which != "CREG" || info.Signal.DBm() != 0 {
		t.Fatalf("info = %+v", info)
	}
}

func TestIdentifyNotAnAir780(t *testing.T) {
	s, fm := newFake(t, Options{})
	fm.serve(map[string][]string{"ATI": {"Quectel", "EC20F", "OK"}})
	_, err := Identify(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "no AirM2M firmware string") {
		t.Fatalf("err = %v", err)
	}
}

func TestUpgradeCommands(t *testing.T) {
	s, fm := newFake(t, Options{})
	seen := fm.serve(map[string][]string{
		`AT+UPGRADE="KEY","EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"`: {"OK"},
		`AT+UPGRADE="URL","http://127.0.0.1:9/x.bin",1`:       {"OK"},
		`AT+UPGRADE="AUTO",0,1`:                               {"OK"},
		`AT+UPGRADE="PERIOD",86400`:                           {"OK"},
		`AT+UPGRADE="KEY"`:                                    {`+UPGRADE: "KEY","EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o"`, "OK"},
		`AT+UPGRADE="AUTO"`:                                   {"+UPGRADE:AUTO,0", "OK"},
		"AT+UPGRADE":                                          {"OK"},
		"AT+UPGRADE?":                                         {"+UPGRADEIND: -1004", "+UPGRADE: 2, [-1004, 400, 25]", "OK"},
	})
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ind := s.Subscribe("+UPGRADEIND:")
	must(SetKey(ctx, s, "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o", SaveToNV))
	must(SetURL(ctx, s, "http://127.0.0.1:9/x.bin", RAMOnly))
	must(SetAuto(ctx, s, false, RAMOnly))
	must(SetPeriod(ctx, s, 86400, SaveToNV))
	if v, err := ReadTag(ctx, s, TagKey); err != nil || v != "EE5lLNHKIAuG9tSQSz948NLwYGvrhl0o" {
		t.Fatalf("ReadTag KEY = %q, %v", v, err)
	}
	if v, err := ReadTag(ctx, s, TagAuto); err != nil || v != "0" {
		t.Fatalf("ReadTag AUTO = %q, %v", v, err)
	}
	must(Trigger(ctx, s, nil))
	st, err := QueryUpgrade(ctx, s)
	if err != nil || st != (UpgradeState{State: 2, ModuleError: -1004, HTTPStatus: 400, Code: 25}) {
		t.Fatalf("QueryUpgrade = %+v, %v", st, err)
	}
	if l := nextLine(t, ind); l.Text != "+UPGRADEIND: -1004" {
		t.Fatalf("URC inside AT+UPGRADE? answer went to %q", l.Text)
	}
	// Refused before anything is sent.
	for _, err := range []error{
		SetKey(ctx, s, `abc",1`+"\r"+`AT+RESET`, SaveToNV),
		SetURL(ctx, s, "http://h/\"x", SaveToNV),
		SetPeriod(ctx, s, 10, SaveToNV),
	} {
		if err == nil {
			t.Error("bad value accepted")
		}
	}
	if _, err := ReadTag(ctx, s, `KEY";AT+RESET`); err == nil {
		t.Error("bad tag accepted")
	}
	fm.conn.Close()
	got := <-seen
	if len(got) != 8 {
		t.Fatalf("module received %d commands: %q", len(got), got)
	}
}

func TestCommandOnClosedPort(t *testing.T) {
	s, fm := newFake(t, Options{})
	fm.conn.Close()
	<-s.Done()
	if _, err := Identify(context.Background(), s); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
}
