package upgrade

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"airfleet/device"
	"airfleet/device/sim"
)

func TestSentenceIn(t *testing.T) {
	n := msgWaitBack.With(msgWhyDownload.With(), "3m0s")
	if got := n.In("en"); got != "unplugged during the download: waiting up to 3m0s for it to come back" {
		t.Errorf("en: %q", got)
	}
	if got := n.In("zh"); got != "下载中被拔出:最多等待 3m0s 让它回来" {
		t.Errorf("zh: %q", got)
	}
	if got := MsgCode.With(25).In("zh"); !strings.HasPrefix(got, "平台代码 25(未找到项目)") {
		t.Errorf("code in zh: %q", got)
	}
	if got := msgHeldPaused.With(2, 4, 50.0).In("zh"); !strings.Contains(got, "4 个模块中已有 2 个失败") || !strings.Contains(got, "50%") {
		t.Errorf("indexed arguments: %q", got)
	}
	f := failure{modErr: -1004, http: 400, code: 25, progress: -1}
	if got := msgRequestFailed.With(failureText(f)).In("zh"); got != "请求失败:模块错误 -1004,HTTP 400,平台代码 25" {
		t.Errorf("failure in zh: %q", got)
	}
	f.progress = 40
	if got := failureText(f).String(); got != "module error -1004, HTTP 400, platform code 25, after 40 %" {
		t.Errorf("failure in en: %q", got)
	}
}

// SIM states an operator meets are said in words, with what the module
// answered; READY is said in words; unknown answers stay as read.
func TestSIMNote(t *testing.T) {
	for _, tc := range []struct{ state, en, zh string }{
		{"+CME ERROR: 10", "not inserted (+CME ERROR: 10)", "未插卡(+CME ERROR: 10)"},
		{"SIM PIN", "locked by a PIN (SIM PIN)", "需要 PIN 码(SIM PIN)"},
		{"READY", "ready", "就绪"},
		{"+CME ERROR: 99", "+CME ERROR: 99", "+CME ERROR: 99"},
	} {
		n := msgWaitNetwork.With(simSentence(tc.state), "x", "1s")
		if got := n.In("en"); !strings.HasPrefix(got, "SIM "+tc.en+", network") {
			t.Errorf("%s in English: %q", tc.state, got)
		}
		if got := n.In("zh"); !strings.HasPrefix(got, "SIM "+tc.zh+",网络") {
			t.Errorf("%s in Chinese: %q", tc.state, got)
		}
	}
}

// What an operator can fix at the station is said with its fix in
// Chinese, found through the identification's error of each port; in
// English the driver's sentence stays as it was.
func TestErrNote(t *testing.T) {
	perm := device.ClassifyPortError("/dev/ttyACM2", syscall.EACCES)
	busy := device.ClassifyPortError("/dev/ttyACM5", syscall.EBUSY)
	ident := &identifyError{slot: "1-1.2", errs: []error{fmt.Errorf("open: %w", perm), busy}}
	for _, tc := range []struct {
		err    error
		zh     []string
		enSame bool
	}{
		{ident, []string{"没有权限打开 /dev/ttyACM2", "dialout"}, true},
		{&identifyError{slot: "1-1.3", errs: []error{busy}}, []string{"/dev/ttyACM5 被其他程序占用", "ModemManager"}, true},
		{&downloadModeError{slot: "1-1.4"}, []string{"槽位 1-1.4 的模块处于下载(boot)模式", "数据线"}, true},
		{fmt.Errorf("%w: /f/1-1.5 holds if04 only", device.ErrNoATPort), []string{"找不到 AT 端口", "if06"}, true},
		{&device.InUseError{Slot: "1-1.6", PID: 4242, Lock: "/run/lock/airfleet/x.lock"}, []string{"槽位 1-1.6 的模块正被另一个 airfleet(PID 4242)使用", "退出"}, true},
		{&device.InUseError{Slot: "1-1.7"}, []string{"槽位 1-1.7 的模块正被另一个 airfleet 使用"}, true},
		{errors.New("identify: ATI answered nothing"), []string{"出错:identify: ATI answered nothing"}, true},
	} {
		n := errSentence(tc.err)
		if en := n.In("en"); en != tc.err.Error() {
			t.Errorf("%v in English: %q", tc.err, en)
		}
		zh := n.In("zh")
		for _, w := range tc.zh {
			if !strings.Contains(zh, w) {
				t.Errorf("%v in Chinese: %q lacks %q", tc.err, zh, w)
			}
		}
		if strings.Contains(zh, "%!") {
			t.Errorf("%v in Chinese: bad format: %q", tc.err, zh)
		}
	}
	if got := ident.Error(); !strings.HasPrefix(got, "module 1-1.2: open: permission denied on /dev/ttyACM2") || !strings.Contains(got, "; /dev/ttyACM5 is busy") {
		t.Errorf("identification error: %q", got)
	}
}

// The engine's events say what the module and the settings hold in words,
// never as read (the mode "iot", the SIM's "READY"): the console and the
// log show them as they are said.
func TestEventsSayValuesInWords(t *testing.T) {
	var mu sync.Mutex
	var said []string
	e, _, _ := fleetSim(t, sim.Config{Modules: 1, Scenario: "happy"}, newMemLog(), func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		said = append(said, ev.Sentence.In("zh"))
	})
	runBatch(t, e, Config{Mode: ModeIoT})
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(said, "\n")
	for _, bad := range []string{"READY", "模式 iot", "模式:iot"} {
		if strings.Contains(all, bad) {
			t.Errorf("an event says %q:\n%s", bad, all)
		}
	}
	for _, want := range []string{"模式:IoT平台", "SIM 就绪"} {
		if !strings.Contains(all, want) {
			t.Errorf("no event says %q:\n%s", want, all)
		}
	}
}

// A key or URL that must not reach an AT command line is said in both
// languages: in English exactly as the driver's error, in Chinese with the
// character it names in words; every reason of device has its entry.
func TestValueErrorsInBothLanguages(t *testing.T) {
	for r := range device.ReasonEnglish {
		if _, ok := valueReasons[r]; !ok {
			t.Errorf("device reason %d has no entry in the catalogue", r)
		}
	}
	for _, tc := range []struct {
		err error
		zh  string
	}{
		{device.ValidateKey(""), "项目 key 为空"},
		{device.ValidateKey("abc\"def"), "第 4 个字符是双引号"},
		{device.ValidateKey(strings.Repeat("k", 65)), "长 65 个字符"},
		{device.ValidateURL("http://h/a b.bin"), "第 11 个字符是空格,无法放进 AT 命令:请把它编码为 %20"},
		{device.ValidateURL("http://h/a\x07.bin"), "字节 0x07"},
		{device.ValidateURL("ftp://h/a.bin"), "必须以 http:// 或 https:// 开头"},
		{device.ValidateURL("http:///a.bin"), "没有主机名"},
	} {
		if tc.err == nil {
			t.Fatalf("%s: accepted", tc.zh)
		}
		s := valueSentence(tc.err)
		if got := s.String(); got != tc.err.Error() {
			t.Errorf("in English %q, the driver says %q", got, tc.err.Error())
		}
		if got := s.In("zh"); !strings.Contains(got, tc.zh) || strings.Contains(got, "%!") {
			t.Errorf("in Chinese %q, want %q in it", got, tc.zh)
		}
	}
	err := Config{Mode: ModeKey, Key: "ab\"c"}.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Error() != `--key: project key "…" has a double quote at position 3: a key holds only letters and digits; copy it again from the IoT platform` {
		t.Errorf("the CLI's sentence changed: %v", err)
	}
	if got := fe.In("zh", "项目 key"); got != `项目 key:项目 key "…" 第 3 个字符是双引号:key 只含字母和数字;请从 IoT 平台重新复制` {
		t.Errorf("in the form, in Chinese: %q", got)
	}
}

// An error the engine makes from the catalogue reaches the row and the log
// as its own sentence, said in the operator's language; before, a stuck
// download said "出错:the download made no progress …" in the Chinese
// console.
func TestEngineErrorsAreSentences(t *testing.T) {
	err := msgFailedStuck.With(40*time.Second, 37, "state 1").Err()
	s := errSentence(fmt.Errorf("request: %w", err))
	if !s.Is(msgFailedStuck) {
		t.Fatalf("errSentence gave %s, want the stuck download's own sentence", s.Key())
	}
	if zh := s.In("zh"); !hasHan(zh) || strings.Contains(zh, "made no progress") {
		t.Errorf("said in Chinese as %q", zh)
	}
	h := msgFailedHandoff.With("key", "…hl0o", msgHandoffReadback.With("…abcd").Err())
	if zh := h.In("zh"); strings.Contains(zh, "reads back") || !strings.Contains(zh, "模块读回的是 …abcd") {
		t.Errorf("an error inside a sentence is not said in its language: %q", zh)
	}
}

// The driver's two commonest failures, a module that does not answer and
// one that answers ERROR, are said with what to do in Chinese, keeping
// the driver's own words.
func TestDriverErrorsSaidInChinese(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("1-1.2 if06: AT+CPIN?: %w", device.ErrTimeout),
		&device.CommandError{Port: "1-1.2 if06", Cmd: "AT+UPGRADE?", Final: "ERROR"},
		&device.CMEError{Port: "1-1.2 if06", Cmd: "AT+CGSN", Code: 100},
	} {
		s := errSentence(err)
		if zh := s.In("zh"); s.Is(msgFailedError) || !hasHan(zh) || !strings.Contains(zh, err.Error()) {
			t.Errorf("%v: said %s in Chinese as %q", err, s.Key(), zh)
		}
		if en := s.In("en"); en != err.Error() {
			t.Errorf("%v: the English changed to %q", err, en)
		}
	}
}

// A busy or refused port is said with the fix of the station's system in
// Chinese too: on Windows it is Luatools or a serial terminal that holds a
// COM port, not ModemManager (the Chinese gave the Linux fix there).
func TestPortFixesFollowTheSystem(t *testing.T) {
	defer func(old string) { hostOS = old }(hostOS)
	busy := &device.PortError{Kind: device.PortBusy, Path: "COM11", Err: errors.New("access denied")}
	denied := &device.PortError{Kind: device.PortPermissionDenied, Path: "COM11", Err: errors.New("access denied")}
	for _, c := range []struct {
		os        string
		err       error
		want, not string
	}{
		{"windows", busy, "Luatools", "ModemManager"},
		{"windows", denied, "Luatools", "dialout"},
		{"linux", busy, "ModemManager", "Luatools"},
		{"linux", denied, "dialout", "Luatools"},
	} {
		hostOS = c.os
		if zh := errSentence(c.err).In("zh"); !strings.Contains(zh, c.want) || strings.Contains(zh, c.not) || !strings.Contains(zh, "COM11") {
			t.Errorf("%s, %v: %q", c.os, c.err, zh)
		}
		for _, lang := range []string{"en", "zh"} {
			// scan's table says the same fix once for every module.
			if _, fix := Problem(device.Found{Err: c.err}, lang); !strings.Contains(fix, c.want) || strings.Contains(fix, c.not) {
				t.Errorf("%s, %v, scan in %s: %q", c.os, c.err, lang, fix)
			}
		}
	}
	for os, want := range map[string]string{"windows": "Device Manager", "linux": "dialout"} {
		hostOS = os
		if none := MsgScanNone().In("en"); !strings.Contains(none, want) {
			t.Errorf("%s: no module says %q", os, none)
		}
	}
}
