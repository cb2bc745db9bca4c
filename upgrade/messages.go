package upgrade

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"airfleet/device"
)

// Message is one entry of the bilingual catalogue: a sentence for the
// operator with its English and its Chinese side by side, as fmt formats
// that take the same arguments. A package-level variable holding it is
// its key, which the compiler checks:
//
//	msgHeldCanary = msg("held.canary", "held: a canary … (canary of %d)", "暂停:… (先行 %d 个)")
//
// The engine's words are declared with msg (this file and
// doctor_messages.go), the console's and the CLI's with NewMessage in
// their own packages; one test over the catalogue checks every one of
// them (their verbs agree, no language is missing, Key is unique).
type Message struct {
	Key string // a stable name, for tests and reports; never looked up by the engine
	EN  string
	ZH  string
	// Short is a short English form where the console has too little
	// room for EN (a state's name in its column); Chinese has one form.
	Short string
	// compose builds the few sentences that are code, not a format
	// (a list of phrases, a code's explanation from the code catalogue).
	compose func(lang string, args []any) string
}

// declared is every message of the catalogue, in order of declaration.
var declared []*Message

// NewMessage declares a message of the catalogue: its stable key, its
// English and its Chinese. Call it only to initialise a package-level
// variable.
func NewMessage(key, en, zh string) *Message {
	m := &Message{Key: key, EN: en, ZH: zh}
	declared = append(declared, m)
	return m
}

// msg is NewMessage for the engine's own table.
func msg(key, en, zh string) *Message { return NewMessage(key, en, zh) }

// composed declares a message that code composes from its arguments.
func composed(key string, say func(lang string, args []any) string) *Message {
	m := &Message{Key: key, compose: say}
	declared = append(declared, m)
	return m
}

// Catalogue returns every message declared so far (every package that
// declares messages and is linked in has declared them before main runs).
func Catalogue() []*Message { return append([]*Message(nil), declared...) }

// Composed reports whether the message is built by code rather than a
// pair of formats (the parity test skips its formats).
func (m *Message) Composed() bool { return m.compose != nil }

// With gives the message its arguments: the sentence that events and
// results carry, said in a language only at the edges (the screen, the
// CLI, the log writer). An argument may itself be a Sentence (a phrase
// inside a sentence), or an error that can say itself (ErrorIn): it is
// said in the same language.
func (m *Message) With(args ...any) Sentence { return Sentence{Msg: m, Args: args} }

// In says the message with args in lang ("zh" or "en"; anything else is English).
func (m *Message) In(lang string, args ...any) string { return m.With(args...).In(lang) }

// Format returns the message's format in lang.
func (m *Message) Format(lang string) string {
	if lang == "zh" {
		return m.ZH
	}
	return m.EN
}

// Sentence is a message of the catalogue with its arguments: what an
// Event or a Result carries for the operator. The zero Sentence says
// nothing.
type Sentence struct {
	Msg  *Message
	Args []any
}

// IsZero reports whether s says nothing.
func (s Sentence) IsZero() bool { return s.Msg == nil }

// Is reports whether s is message m.
func (s Sentence) Is(m *Message) bool { return s.Msg == m }

// Key is the stable key of the sentence's message ("" for none): for
// tests and tallies, never to find a message by.
func (s Sentence) Key() string {
	if s.Msg == nil {
		return ""
	}
	return s.Msg.Key
}

// String is the sentence in English.
func (s Sentence) String() string { return s.In("en") }

// In says the sentence in lang ("zh" or "en"; anything else is English).
func (s Sentence) In(lang string) string {
	if s.Msg == nil {
		return ""
	}
	args := make([]any, len(s.Args))
	for i, a := range s.Args {
		switch x := a.(type) {
		case Sentence:
			a = x.In(lang) // a phrase inside a sentence
		case error:
			a = ErrorIn(x, lang) // an error that can say itself
		}
		args[i] = a
	}
	if s.Msg.compose != nil {
		return s.Msg.compose(lang, args)
	}
	return fmt.Sprintf(s.Msg.Format(lang), args...)
}

// Err is the sentence as an error: its Error is the English, and ErrorIn
// says it in the operator's language.
func (s Sentence) Err() error { return sentenceError{s} }

type sentenceError struct{ s Sentence }

func (e sentenceError) Error() string         { return e.s.String() }
func (e sentenceError) In(lang string) string { return e.s.In(lang) }

// ErrorIn says err in lang ("zh" or "en"): the first error of its chain
// that can say itself in a language (an In(lang string) string method:
// a Sentence's Err, *DeltaMapError, the central log's errors), else its
// text. What the engine refuses reaches the console this way.
func ErrorIn(err error, lang string) string {
	if err == nil {
		return ""
	}
	var said interface{ In(lang string) string }
	if errors.As(err, &said) {
		return said.In(lang)
	}
	return err.Error()
}

// Verbatim is a sentence said as it is in both languages: what a driver
// or a server said, with nothing of ours to translate.
func Verbatim(s string) Sentence { return msgVerbatim.With(s) }

var (
	msgVerbatim = msg("verbatim", "%s", "%s")

	// msgList joins phrases: "a, b" / "a,b".
	msgList = composed("list", func(lang string, args []any) string {
		sep := ", "
		if lang == "zh" {
			sep = ","
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = fmt.Sprint(a)
		}
		return strings.Join(parts, sep)
	})

	// MsgCode explains a platform code or module error from the code catalogue.
	// msgInterrupted is what the log says of an attempt a crash left open
	// (store.Options.Interrupted).
	msgInterrupted = msg("log.interrupted",
		"interrupted: airfleet stopped before this attempt finished; the module's state is unknown",
		"已中断:本次升级结束前 airfleet 已停止;模块状态未知")

	MsgCode = composed("code", func(lang string, args []any) string { return codeNote(args[0], lang) })

	// msgCodeTitle names a code by its family, number and title.
	msgCodeTitle = composed("codetitle", func(lang string, args []any) string { return codeTitle(args[0], lang) })
)

// codeNote explains a platform code or module error from the catalogue.
func codeNote(arg any, lang string) string {
	code, _ := arg.(int)
	info, ok := Lookup(code)
	if !ok {
		return msgCodeUnknown.In(lang, code)
	}
	t := info.Text(lang)
	return msgCodeExplained.In(lang, codeFamily(info), code, t.Title, t.Remedy)
}

// codeTitle names a code by its family, number and the catalogue's title:
// "platform code 40 (loop upgrade, banned)", 平台代码 40(循环升级,已禁止).
func codeTitle(arg any, lang string) string {
	code, _ := arg.(int)
	info, ok := Lookup(code)
	if !ok {
		return msgCodeBare.In(lang, code)
	}
	return msgCodeTitled.In(lang, codeFamily(info), code, info.Text(lang).Title)
}

// codeFamily names the family of a code: the platform's or the module's.
func codeFamily(info CodeInfo) Sentence {
	if info.IsPlatform() {
		return msgFamilyPlatform.With()
	}
	return msgFamilyModule.With()
}

// The words of a code's explanation (MsgCode, msgCodeTitle), and the
// head of each entry that airfleet codes prints.
var (
	MsgCodesPlatform  = msg("codes.platform", "%d  (platform code, log text 「%s」; policy: %s)", "%d  (平台代码,日志文字「%s」;策略:%s)")
	MsgCodesModule    = msg("codes.module", "%d  (module error; policy: %s)", "%d  (模块错误;策略:%s)")
	msgCodeUnknown    = msg("code.unknown", "unknown result %d: escalate with the transcript", "未知结果 %d:请带着 AT 记录上报")
	msgCodeExplained  = msg("code.explained", "%s %d (%s): %s", "%s %d(%s):%s")
	msgCodeTitled     = msg("code.titled", "%s %d (%s)", "%s %d(%s)")
	msgCodeBare       = msg("code.bare", "code %d", "代码 %d")
	msgFamilyPlatform = msg("code.family.platform", "platform code", "平台代码")
	msgFamilyModule   = msg("code.family.module", "module error", "模块错误")
)

// The engine's sentences, English then Chinese.
var (
	// results
	msgCurrentAlready = msg("current.already",
		"already on V%d: nothing to do, no request sent",
		"已是 V%d:无需升级,未发送请求")
	msgHeldNewer = msg("held.newer",
		"on V%d, newer than the target V%d: FOTA does not downgrade; check the target",
		"当前 V%d 比目标 V%d 新:FOTA 不能降级,请检查目标版本")
	msgFailedNosim = msg("failed.nosim",
		"no usable SIM (%s): insert or check the SIM card; FOTA needs a data connection",
		"SIM 卡不可用(%s):请插好或检查 SIM 卡,FOTA 需要数据连接")
	msgFailedNonet = msg("failed.nonet",
		"not registered on the network (%s) after %s: check the antenna, the SIM's data plan and AT+CEREG?",
		"网络未注册(%s),已等待 %s:请检查天线、SIM 卡流量和 AT+CEREG?")
	msgHeldBudgeterr = msg("held.budgeterr",
		"cannot count this IMEI's requests in the log (%v): held to protect it from the platform's ban",
		"无法从日志统计该 IMEI 的请求次数(%v):为免被平台封禁,暂不升级")
	msgHeldBudget = msg("held.budget",
		"%d upgrade requests in the last 24 h (budget %d): the platform bans an IMEI after about six a day (code 40); wait, or force this run",
		"24 小时内已请求 %d 次(上限 %d):平台一天约六次就会封禁该 IMEI(代码 40);请等待,或本次强制升级")
	msgFailedHandoff = msg("failed.handoff",
		"upgraded, but the hand-off did not take: %s %s: %s; set it by hand (AT+UPGRADE) or upgrade it again",
		"已升级,但交付设置未生效:%s %s:%s;请手动设置(AT+UPGRADE)或重新升级")
	msgHeldKey = msg("held.key",
		"the module keeps the project key %q and this firmware does not clear it: the request would go to that key's project, not the account's default one; upgrade it in key mode with that key",
		"模块保存着项目 key %q,且此固件无法清除:请求会发往该 key 的项目而不是账户默认项目;请用 key 模式并填写该 key 升级")
	msgHeldURL = msg("held.url",
		"the module keeps the URL %q from earlier work and this firmware does not clear it: it would download from there, not from the platform; clear it by hand (AT+UPGRADE=\"URL\",\"\") or upgrade in URL mode",
		"模块保存着以前的 URL %q,且此固件无法清除:它会从那里下载而不是从平台;请手动清除(AT+UPGRADE=\"URL\",\"\")或改用 URL 模式")
	msgFailedReadback = msg("failed.readback",
		"%s read back as %q, not %q: the module did not take the setting",
		"%s 回读为 %q 而不是 %q:模块没有接受该设置")
	msgFailedBanned = msg("failed.banned",
		"platform code 40: this IMEI is banned for asking too often; lift the ban in the platform's device list, then find what made it fail. Not retried.",
		"平台代码 40:该 IMEI 请求过于频繁已被封禁;请在平台设备列表中解除禁止,再查明失败原因。不再重试。")
	msgFailedNotready = msg("failed.notready",
		"delta not ready: the platform still answered 43 after %d waits; try again later",
		"差分包仍未生成:等待 %d 次后平台仍回复 43;请稍后再试")
	msgFailedToobig = msg("failed.toobig",
		"the delta was downloaded (%d %%) and then refused as invalid (-1003): it is probably too big for the module's FOTA area (about 480 KB); upgrade in smaller version steps",
		"差分包已下载(%d%%)后被判为无效(-1003):很可能超出模块的 FOTA 区(约 480 KB);请分多个小版本逐步升级")
	msgCurrent27target = msg("current.27target",
		"platform code 27: already on V%d",
		"平台代码 27:已是 V%d")
	msgFailed27below = msg("failed.27below",
		"platform code 27 (already latest) but the module is on V%d, below the target V%d: add the IMEI to the platform's upgrade config or enable upgrading",
		"平台代码 27(已是最新),但模块是 V%d,低于目标 V%d:请在平台升级配置中加入该 IMEI 或打开升级")
	msgFailed27peer = msg("failed.27peer",
		"platform code 27 (already latest), yet the module in slot %s with the same firmware (%s) runs V%d, newer than this one's V%d: this IMEI is not in the upgrade config's IMEI list, or upgrading is off for it; add it on the platform",
		"平台代码 27(已是最新),但槽位 %s 中相同固件(%s)的模块已是 V%d,比本模块的 V%d 新:该 IMEI 不在升级配置的 IMEI 列表中或未打开升级;请在平台上添加")
	msgFailed27served = msg("failed.27served",
		"platform code 27 (already latest), yet the platform serves an upgrade of %s V%d to other modules of this batch: this IMEI is not in the upgrade config's IMEI list, or upgrading is off for it; add it on the platform",
		"平台代码 27(已是最新),但平台向本批其他模块提供了 %s V%d 的升级:该 IMEI 不在升级配置的 IMEI 列表中或未打开升级;请在平台上添加")
	msgCurrent27pair = msg("current.27pair",
		"current on V%d: the platform answered code 27 (already latest) for the module in slot %s with the same firmware and version; nothing asked",
		"已是最新 V%d:槽位 %s 中相同固件和版本的模块已得到平台代码 27(已是最新);未发送请求")
	msgCurrentBudget = msg("current.budget",
		"current on V%d: the log's last result left it there and it still runs it; at its request budget (%d of %d in 24 h), nothing asked",
		"已是最新 V%d:日志中上次结果即为此版本,模块仍在运行它;已达请求上限(24 小时内 %d/%d),未发送请求")
	msgCurrent27 = msg("current.27",
		"platform code 27: the platform offers nothing newer than V%d",
		"平台代码 27:平台没有比 V%d 更新的版本")
	msgFailedReboot = msg("failed.reboot",
		"the module did not come back within %s after the download: check its power and USB cable, then scan again",
		"下载后 %s 内模块没有重新出现:请检查供电和 USB 线,然后重新扫描")
	msgFailedOldversion = msg("failed.oldversion",
		"came back on the old version V%d: the apply failed; retry later, and re-flash by cable if it repeats",
		"重启后仍是旧版本 V%d:升级包应用失败;请稍后重试,反复失败请有线重新烧录")
	msgFailedOtherver = msg("failed.otherver",
		"came back on V%d, not the target V%d: the platform offers another version; check its upgrade config",
		"重启后是 V%d,不是目标 V%d:平台提供的是别的版本;请检查升级配置")
	msgFailedWrongbase = msg("failed.wrongbase",
		"the delta was downloaded (%d %%) and then refused as invalid (-1003): its size fits the FOTA area, so it was made for another base than this module's V%d, or the file is damaged; remake %s (%s) from V%[2]d with Luat's differential tool",
		"差分包已下载(%d%%)后被判为无效(-1003):大小在 FOTA 区之内,所以它是为别的基础版本而不是本模块的 V%d 制作的,或文件已损坏;请用合宙差分工具从 V%[2]d 重新制作 %s(%s)")
	msgFailedDeltaver = msg("failed.deltaver",
		"came back on V%d, not V%d that the map's delta from %d leads to: check the delta's versions in the map",
		"重启后是 V%d,不是映射中从 %[3]d 起的差分包应升到的 V%[2]d:请核对映射中的版本")
	msgUpgraded = msg("upgraded",
		"upgraded V%d → V%d",
		"已升级 V%d → V%d")
	msgUpgradedChain = msg("upgraded.chain",
		"upgraded V%d → V%d in %d deltas (%s)",
		"已升级 V%d → V%d,共 %d 个差分包(%s)")
	msgChainStopped = msg("chain.stopped",
		"step %d of %d (V%d → V%d): %s; the module is on V%d",
		"第 %d/%d 步(V%d → V%d):%s;模块现为 V%d")
	msgFailedUnfinished = msg("failed.unfinished",
		"an earlier run of airfleet stopped while this module was upgrading from V%d, and it did not come back within %s: plug it in and check its version (ATI) before asking again",
		"上次 airfleet 在本模块从 V%d 升级时停止,且它在 %s 内没有回来:请插好并核对版本(ATI)后再请求")
	msgFailedNotback = msg("failed.notback",
		"%s and not back within %s: plug it in and retry",
		"%s,%s 内没有回来:请插好后重试")
	msgCancelled = msg("cancelled",
		"cancelled %s; the module is left as it was (AUTO restored)",
		"已取消(%s);模块保持原状(AUTO 已恢复)")
	msgFailedGone = msg("failed.gone",
		"the module went away (%v): plug it back in and retry",
		"模块断开了(%v):请重新插好后重试")
	msgFailedStuck = msg("failed.stuck",
		"the download made no progress for %s (stuck at %d %%, AT+UPGRADE? says %v): power-cycle the module and retry",
		"下载 %s 没有进展(停在 %d %%,AT+UPGRADE? 回答 %v):请给模块断电重启后重试")
	msgFailedStuckSilent = msg("failed.stucksilent",
		"the download made no progress for %s (stuck at %d %%, AT+UPGRADE? did not answer: %v): power-cycle the module and retry",
		"下载 %s 没有进展(停在 %d %%,AT+UPGRADE? 没有回答:%v):请给模块断电重启后重试")
	msgPortMoved = msg("port.moved",
		"module %s: port %s is no longer the module's (it was unplugged after it was listed, and the port may now be another module's): not used; the module is looked for again when it comes back",
		"槽位 %s 的模块:端口 %s 已不属于它(列出后被拔出,该端口可能已分给另一个模块):未使用;模块回来后会重新查找")
	msgFailedNotasked = msg("failed.notasked",
		"no +UPGRADEIND for %s after AT+UPGRADE and AT+UPGRADE? says idle: the module did not ask the server",
		"AT+UPGRADE 之后 %s 没有 +UPGRADEIND,AT+UPGRADE? 回答空闲:模块没有向服务器请求")
	msgFailedNofirmware = msg("failed.nofirmware",
		"verify: ATI answered %s: no firmware string",
		"校验:ATI 回答 %s:其中没有固件版本")
	msgHandoffReadback = msg("handoff.readback",
		"the module reads back %s",
		"模块读回的是 %s")
	msgHeldLogDown = msg("held.logdown",
		"no request sent: the log could not record it (%v), and a request it does not count could get the IMEI banned; free the disk or the log's lock, then retry",
		"未发送请求:日志无法记录它(%v),而日志未计入的请求可能导致 IMEI 被封禁;请释放磁盘空间或日志锁后重试")
	msgFailedError = msg("failed.error",
		"%v",
		"出错:%v")
	msgHeldNodelta = msg("held.nodelta",
		"no delta from %d for %s in %s: nothing sent; add one to the map (or upgrade this module in another batch)",
		"%[3]s 中没有 %[2]s 从 %[1]d 起的差分包:未发送任何请求;请在映射中添加(或另批升级该模块)")
	msgHeldDeltafile = msg("held.deltafile",
		"the delta for %s from %d (%s) has a file but no URL: this mode downloads from your server; add its \"url\"",
		"%s 从 %d 起的差分包(%s)只有 file 没有 URL:此模式从您的服务器下载;请添加 \"url\"")
	msgHeldDeltapast = msg("held.deltapast",
		"the delta from %d leads to %d, past the target %d (%s): FOTA does not come back down; give a delta that stops at the target, or another target",
		"从 %d 起的差分包升到 %d,越过了目标 %d(%s):FOTA 不能回退;请提供止于目标的差分包,或换个目标")
	msgHeldChainbreak = msg("held.chainbreak",
		"no way from V%d to the target V%d: the deltas stop at V%d, and there is no delta from there for %s in %s; nothing sent; add it to the map",
		"从 V%d 到目标 V%d 没有完整的路径:差分包止于 V%d,%s 从那里起的差分包在 %s 中没有;未发送任何请求;请在映射中添加")
	msgHeldUrlerr = msg("held.urlerr",
		"the delta URL %s could not be checked from this host (%v): nothing sent; check the server and the URL",
		"无法从本机检查差分包 URL %s(%v):未发送任何请求;请检查服务器和 URL")
	msgHeldUrlstatus = msg("held.urlstatus",
		"the delta URL %s answers %s: the module would fail (-1004) after asking; nothing sent; check the file's path on your server",
		"差分包 URL %s 返回 %s:模块请求后会失败(-1004);未发送任何请求;请核对服务器上的文件路径")
	msgHeldUrlempty = msg("held.urlempty",
		"the delta URL %s serves an empty file: nothing sent; put the delta there",
		"差分包 URL %s 是空文件:未发送任何请求;请放入差分包")
	msgHeldUrlbig = msg("held.urlbig",
		"the delta at %s is %s, more than the %s FOTA area (%s): the module would download it and refuse it (-1003); nothing sent; make smaller deltas (fewer versions per step)",
		"%s 的差分包有 %s,超过 %s 的 FOTA 区(%s):模块会下载完后拒绝(-1003);未发送任何请求;请制作更小的差分包(每步跨越更少版本)")
	msgHeldCanary = msg("held.canary",
		"held: a canary module failed, so the rest of the batch did not start (canary of %d)",
		"暂停:先行模块失败,本批其余模块未开始(先行 %d 个)")
	msgHeldPaused = msg("held.paused",
		"held: the batch paused after %d of %d modules failed (pause rate %.0f %%); check the failures, then retry",
		"暂停:%[2]d 个模块中已有 %[1]d 个失败(暂停阈值 %.0[3]f%%);请先查看失败原因再重试")
	msgCancelledEarly = msg("cancelled.early",
		"cancelled before it started",
		"开始前已取消")
	msgFailedAbsent = msg("failed.absent",
		"IMEI %s is not attached to this station: check the list, or plug the module in",
		"IMEI %s 不在本工位:请检查列表或插上模块")
	// a listed IMEI that may be a module another airfleet holds
	msgFailedAbsentinuse = msg("failed.absentinuse",
		"IMEI %s is not attached to this station, unless it is the module in slot %s, which another airfleet is driving: check the list, or let that one finish",
		"IMEI %s 不在本工位,除非它就是槽位 %s 中正被另一个 airfleet 使用的模块:请检查列表,或等那个 airfleet 完成")
	// phrases used inside other sentences
	msgWhenNetwork = msg("when.network",
		"while waiting for the network",
		"等待网络时")
	msgWhenConfig = msg("when.config",
		"before configuring",
		"配置前")
	msgWhenRequest = msg("when.request",
		"before the request",
		"请求前")
	msgWhenAnswer = msg("when.answer",
		"while waiting for the platform's answer",
		"等待平台答复时")
	msgWhenDelta = msg("when.delta",
		"while waiting for the platform's delta",
		"等待平台生成差分包时")
	msgWhenCompare = msg("when.compare",
		"while comparing with the other modules",
		"与其他模块比对时")
	msgWhenUnplug = msg("when.unplug",
		"while the module was unplugged",
		"模块拔出期间")
	msgWhenPair = msg("when.pair",
		"while waiting for the first module of its firmware pair",
		"等待同固件的首个模块时")
	msgWhyDownload = msg("why.download",
		"unplugged during the download",
		"下载中被拔出")
	msgWhyPortgone = msg("why.portgone",
		"the module's port went away",
		"模块端口消失")
	// progress
	MsgIdent = msg("ident",
		"%s %s, SIM %s, network %s, signal %s",
		"%s %s,SIM %s,网络 %s,信号 %s")
	msgFailModerr = msg("fail.moderr",
		"module error %d",
		"模块错误 %d")
	msgFailHTTP = msg("fail.http",
		"HTTP %d",
		"HTTP %d")
	msgFailCode = msg("fail.code",
		"platform code %d",
		"平台代码 %d")
	msgFailAfter = msg("fail.after",
		"after %d %%",
		"下载到 %d %% 时")
	msgCLICode = msg("cli.code",
		"code %d",
		"代码 %d")
	msgCLIModerr = msg("cli.moderr",
		"error %d",
		"错误 %d")
	msgCLISummary = msg("cli.summary",
		"%d modules in %.1fs: %d upgraded, %d current, %d failed, %d held, %d cancelled; %d requests to the server",
		"%d 个模块,用时 %.1fs:已升级 %d,无需升级 %d,失败 %d,暂缓 %d,已取消 %d;向服务器请求 %d 次")
	msgCLICancelled = msg("cli.cancelled",
		"the batch was cancelled: %d stopped and left as they were (AUTO restored); %d already downloading followed through their reboot (counted above by how they ended); the log has each module",
		"本批已取消:%d 个模块已停止并保持原状(AUTO 已恢复);%d 个已在下载的模块跟进到重启完成(按其结果计入上面的统计);日志记录了每个模块")
	MsgCLIRecovered = msg("cli.recovered",
		"the log held %d attempts left open by an earlier crash; they are marked interrupted, and a module still upgrading is followed",
		"日志中有 %d 次升级因上次崩溃而未结束,已标为中断;仍在升级的模块会被跟进")
	MsgCLIOtherlogs = msg("cli.otherlogs",
		"the log %s is new, while other logs of this host hold upgrade requests of the last 24 h for these modules (%s): the budget counts them too; use one log per line (--db) so that each module's history stays in one place",
		"日志 %s 是新的,而本机其他日志中有这些模块 24 小时内的升级请求(%s):请求上限也计入它们;请每条产线只用一个日志(--db),让每个模块的记录集中在一处")
	// What the controller refuses to the console's actions.
	msgCtlNoneToStart = msg("ctl.nonetostart",
		"no module to start: every identified module is running, or none is attached",
		"没有可启动的模块：已识别的模块都在升级中，或没有连接模块")
	msgCtlNoneRetryable = msg("ctl.noneretryable",
		"none of the %d failed modules may be retried as they are: each row says why",
		"%d 个失败的模块都不能按原样重试：每行都写明了原因")
	msgCtlNoFailed       = msg("ctl.nofailed", "no failed module to retry", "没有需要重试的失败模块")
	msgCtlNotRunning     = msg("ctl.notrunning", "the station is not running yet", "工位尚未就绪")
	msgCtlClosing        = msg("ctl.closing", "the station is closing: the running modules finish first", "工位正在关闭：正在升级的模块先完成")
	msgCtlNoneRunningOf  = msg("ctl.nonerunningof", "none of the %d selected modules is running", "所选的 %d 个模块都没有在升级")
	msgCtlNothingRunning = msg("ctl.nothingrunning", "nothing is running", "没有正在升级的模块")

	MsgCLILogWarn = msg("cli.logwarn",
		"warning: %v (the upgrades go on; a request is sent only once its record is saved)",
		"警告:%v(升级照常进行;请求要等其记录保存后才发送)")
	MsgCLIDraining = msg("cli.draining",
		"waiting for %d modules to reach a safe state (a module that is downloading is followed through its reboot)…",
		"正在等待 %d 个模块进入安全状态(正在下载的模块会跟进到重启完成)…")
	msgCLICount = msg("cli.count",
		"%d %s",
		"%[2]s %[1]d")
	msgCLIDone = msg("cli.done",
		"%d/%d done",
		"完成 %d/%d")
	msgOutcomeUpgraded = msg("outcome.upgraded",
		"UPGRADED",
		"已升级")
	msgOutcomeCurrent = msg("outcome.current",
		"CURRENT",
		"无需升级")
	msgOutcomeFailed = msg("outcome.failed",
		"FAILED",
		"失败")
	msgOutcomeHeld = msg("outcome.held",
		"HELD",
		"暂缓")
	msgOutcomeCancelled = msg("outcome.cancelled",
		"CANCELLED",
		"已取消")
	msgOutcomeInterrupted = msg("outcome.interrupted",
		"INTERRUPTED",
		"已中断")
	msgOutcomeRunning = msg("outcome.running",
		"RUNNING",
		"进行中")
	MsgHistoryNone = msg("history.none",
		"no attempt in the log %s matches",
		"日志 %s 中没有符合条件的升级记录")
	MsgHistoryCount = msg("history.count",
		"%d attempts",
		"共 %d 次升级")
	MsgHistoryBatch = msg("history.batch",
		"batch %d, station %s",
		"批次 %d,工位 %s")
	MsgReportWrote = msg("report.wrote",
		"%d rows (one per module per batch) written to %s",
		"已写入 %[2]s:%[1]d 行(每批每个模块一行)")
	MsgSlotsNone = msg("slots.none",
		"no slot labels yet: plug modules in one at a time with airfleet slots learn",
		"还没有槽位标签:请用 airfleet slots learn 逐个插入模块")
	MsgSlotsFull = msg("slots.full",
		"every label from %s to %s is given already (%s): give another --last, or edit the file",
		"%s 到 %s 的标签已全部分配(%s):请给出另一个 --last,或编辑该文件")
	MsgSlotsPlug = msg("slots.plug",
		"plug a module into the slot labelled %s (%d slots already in use are left as they are; Ctrl-C stops)",
		"请把模块插入标为 %s 的槽位(已占用的 %d 个槽位保持不变;Ctrl-C 结束)")
	MsgSlotsKnown = msg("slots.known",
		"%s is labelled %s already",
		"%s 已标为 %s")
	MsgSlotsLearnt = msg("slots.learnt",
		"%s ← %s. Now plug a module into %s",
		"%s ← %s。请把下一个模块插入 %s")
	MsgSlotsDone = msg("slots.done",
		"%s ← %s. Every label is given: %d slots in %s",
		"%s ← %s。标签已全部分配:%d 个槽位,保存在 %s")
	MsgSlotsSaved = msg("slots.saved",
		"%d slot labels saved in %s",
		"%d 个槽位标签已保存在 %s")
	MsgBundleWrote = msg("bundle.wrote",
		"support bundle for IMEI %s (%d attempts) written to %s",
		"IMEI %s 的支持包(%d 次升级)已写入 %s")
	msgErrPermission = msg("err.permission",
		"%[1]s",
		"没有权限打开 %[2]s:请把当前用户加入 dialout 组(sudo usermod -aG dialout $USER,然后重新登录)")
	msgErrBusy = msg("err.busy",
		"%[1]s",
		"%[2]s 被其他程序占用:ModemManager 会抢占 Air780 的端口;请为 19d1:0001 添加 udev 规则 ENV{ID_MM_DEVICE_IGNORE}=\"1\",或停止 ModemManager")
	// On Windows a COM port opens in one program at a time: the fixes are
	// Windows' (device/serial_windows.go says the English).
	msgErrPermissionWindows = msg("err.permission.windows",
		"%[1]s",
		"Windows 拒绝打开 %[2]s:请关闭可能占用它的程序(Luatools、串口终端、另一个 airfleet)后重试")
	msgErrBusyWindows = msg("err.busy.windows",
		"%[1]s",
		"%[2]s 已被其他程序打开(拒绝访问):请关闭 Luatools、串口终端或另一个 airfleet 后重试")
	msgErrGone = msg("err.gone",
		"%[1]s",
		"%[2]s 已不存在:模块被拔出或正在重启")
	msgErrNotserial = msg("err.notserial",
		"%[1]s",
		"%[2]s 不是串口设备:请检查路径,应为模块的 USB 串口(ttyACM*),而不是文件")
	msgErrNoat = msg("err.noat",
		"%[1]s",
		"找不到 AT 端口(USB 接口 06 或 02,双端口版本为 00):请把 if06(或 if02)链接到模块的 AT 端口,双端口版本为 if00。(%[1]s)")
	msgErrTimeout = msg("err.timeout",
		"%[1]s",
		"模块没有按时回答:请检查它是否还插着、是否已开机;拔插一次后重试。(%[1]s)")
	msgErrCommand = msg("err.command",
		"%[1]s",
		"模块拒绝了这条命令:它的固件可能不支持;AT 记录在详情里。(%[1]s)")
	msgErrNotnode = msg("err.notnode",
		"%[1]s",
		"舰队目录里的端口不是设备节点:目录中必须是指向设备节点的链接。(%[1]s)")
	msgErrDownload = msg("err.download",
		"%[1]s",
		"槽位 %[2]s 的模块处于下载(boot)模式:无法空中升级;请用数据线重新烧录,或断电重启。")
	msgErrInuse = msg("err.inuse",
		"%[1]s",
		"%[2]s")
	msgInuse = msg("inuse",
		"module in slot %s is in use by airfleet PID %d: only one airfleet may drive a module; let that one finish or quit it, then try again",
		"槽位 %s 的模块正被另一个 airfleet(PID %d)使用:一个模块只能由一个 airfleet 操作;请等它完成或退出它,然后重试")
	msgInuseNopid = msg("inuse.nopid",
		"module in slot %s is in use by another airfleet: only one airfleet may drive a module; let that one finish or quit it, then try again",
		"槽位 %s 的模块正被另一个 airfleet 使用:一个模块只能由一个 airfleet 操作;请等它完成或退出它,然后重试")
	msgSIMState = msg("sim.state",
		"%s (%s)",
		"%s(%s)")
	MsgSIMReady = msg("sim.ready",
		"ready",
		"就绪")
	msgSIMNone = msg("sim.none",
		"not inserted",
		"未插卡")
	msgSIMPin = msg("sim.pin",
		"locked by a PIN",
		"需要 PIN 码")
	msgSIMPuk = msg("sim.puk",
		"locked (PUK)",
		"已锁(需要 PUK 码)")
	msgSIMFailure = msg("sim.failure",
		"failure",
		"故障")
	msgSIMBusy = msg("sim.busy",
		"busy",
		"忙")
	msgSIMWrong = msg("sim.wrong",
		"wrong card",
		"卡不对")
	MsgSigDbm = msg("sig.dbm",
		"%d dBm",
		"%d dBm")
	MsgSigUnknown = msg("sig.unknown",
		"unknown",
		"未知")
	msgWaitNetwork = msg("wait.network",
		"SIM %s, network %s: waiting up to %s",
		"SIM %s,网络 %s:最多等待 %s")
	msgBudgetForced = msg("budget.forced",
		"%d requests in the last 24 h, at the budget of %d: going on because the run is forced",
		"24 小时内已请求 %d 次,已到上限 %d:本次为强制升级,继续")
	msgDeltaCheck = msg("delta.check",
		"delta %d → %d: checking %s from this host",
		"差分包 %d → %d:正在从本机检查 %s")
	msgURLCheck = msg("url.check",
		"checking %s from this host",
		"正在从本机检查 %s")
	msgDeltaChecknext = msg("delta.checknext",
		"step %d of %d, delta %d → %d: checking %s from this host",
		"第 %d/%d 步,差分包 %d → %d:正在从本机检查 %s")
	msgChainNext = msg("chain.next",
		"step %d of %d: delta %d → %d",
		"第 %d/%d 步:差分包 %d → %d")
	msgChainWait = msg("chain.wait",
		"waiting for the module's own check after its reboot to end before the next delta",
		"等待模块重启后自己的检查结束,再下一个差分包")
	msgDeltaNolimit = msg("delta.nolimit",
		"the delta at %s is %s; the FOTA area of %s is unknown, so its size is not checked: the module may refuse it (-1003) after the download",
		"%s 的差分包有 %s;%s 的 FOTA 区大小未知,未检查大小:模块可能下载完后拒绝(-1003)")
	msgDeltaNosize = msg("delta.nosize",
		"the server does not tell the size of %s: not checked against the FOTA area",
		"服务器没有给出 %s 的大小:未按 FOTA 区检查")
	msgConfigMode = msg("config.mode",
		"mode: %s",
		"模式:%s")
	msgModeIot = msg("mode.iot",
		"IoT platform",
		"IoT平台")
	msgModeKey = msg("mode.key",
		"project key",
		"项目密钥")
	msgModeURL = msg("mode.url",
		"own server",
		"自有服务器")
	msgConfigKeyclear = msg("config.keyclear",
		"a project key %q is stored in the module: it would ask that project, not the account's default one; cleared for this upgrade (RAM only, the module keeps it)",
		"模块里保存着项目 key %q:它会请求该项目而不是账户的默认项目;本次升级临时清除(仅内存,模块仍保存它)")
	msgConfigClear = msg("config.clear",
		"a URL from earlier work is stored (%q): clearing it so the module asks the platform",
		"模块里保存着以前的 URL(%q):正在清除,让模块向平台请求")
	msgRequest = msg("request",
		"AT+UPGRADE",
		"AT+UPGRADE")
	msgRequestSent = msg("request.sent",
		"upgrade request sent (counts on the platform)",
		"已发送升级请求(计入平台次数)")
	msgRequestAuto = msg("request.auto",
		"the module's own request after the reboot (counts on the platform)",
		"模块重启后自己发出的请求(计入平台次数)")
	msgRequestBusy = msg("request.busy",
		"AT+UPGRADE answered ERROR while the module is downloading already (%d %%): following that download",
		"AT+UPGRADE 返回 ERROR,模块已在下载(%d%%):跟随这次下载")
	msgRequestUnanswered = msg("request.unanswered",
		"AT+UPGRADE got no answer in time: the request may be out, following what the module does",
		"AT+UPGRADE 未按时应答:请求可能已发出,跟随模块的实际状态")
	msgRequestUnderway = msg("request.underway",
		"the module is downloading already (%d %%; an earlier run or its own check): following it, no new request",
		"模块已在下载(%d%%,之前的运行或模块自检发起):跟随它,不再发送请求")
	msgRetryNever = msg("retry.never",
		"not retried: %s is never retried in bulk. Lift the ban in the platform's device list first; to ask anyway, start this module by itself (S on its row, or --imei)",
		"未重试:%s 不做批量重试。请先在平台设备列表里解除禁止;确要再请求,请单独启动该模块(在该行按 S,或用 --imei)")
	msgRetrySame = msg("retry.same",
		"not retried: %s, and the same mode, key, URL and target would get the same answer: change the settings or fix it on the platform; to ask anyway, start this module by itself (S on its row, or --imei)",
		"未重试:%s,且模式、key、URL、目标版本不变,再请求只会得到同样的答复:请修改设置或在平台上处理;确要再请求,请单独启动该模块(在该行按 S,或用 --imei)")
	msgHandoffDone = msg("handoff.done",
		"hand-off: %s %s saved and read back",
		"交付设置:%s %s 已保存并核对")
	msgRequestHandoff = msg("request.handoff",
		"the module will check by itself within seconds of this hand-off (PERIOD or URL set, AUTO on): counts as a request",
		"交付设置(PERIOD 或 URL,AUTO 开)后模块几秒内会自行检查:计为一次请求")
	msgRequestFailed = msg("request.failed",
		"the request failed: %s",
		"请求失败:%s")
	msgRetryOnce = msg("retry.once",
		"%s — retrying once",
		"%s — 重试一次")
	msgWait43 = msg("wait.43",
		"the platform is making the delta (code 43): asking again in %s",
		"平台正在生成差分包(代码 43):%s 后再次请求")
	msgRebooting = msg("rebooting",
		"download complete: the module applies the delta and reboots (waiting up to %s)",
		"下载完成:模块正在应用升级包并重启(最多等待 %s)")
	msgVerify = msg("verify",
		"ATI",
		"ATI")
	msgWaitUnfinished = msg("wait.unfinished",
		"an earlier run of airfleet stopped while this module was upgrading from V%d: waiting up to %s for it to come back",
		"上次 airfleet 在本模块从 V%d 升级时停止:最多等待 %s 让它回来")
	msgWaitBack = msg("wait.back",
		"%s: waiting up to %s for it to come back",
		"%s:最多等待 %s 让它回来")
	msgMoved = msg("moved",
		"found again in slot %s",
		"在槽位 %s 重新找到")
	msgWaitPilot = msg("wait.pilot",
		"waiting for the module in slot %s (same firmware and version) to get past the platform's delta generation",
		"等待槽位 %s 的模块(相同固件和版本)先通过平台的差分包生成")
	msgRestoreFailed = msg("restore.failed",
		"could not restore AUTO: %v",
		"无法恢复 AUTO:%v")
	msgRestoreOffurl = msg("restore.offurl",
		"AUTO left off until the module's next power-on (NV unchanged): setting the delta URL restarted its auto-check timer, and it would download it again by itself",
		"AUTO 保持关闭直到模块下次上电(NV 未改):设置差分包 URL 重启了自动检查计时,否则它会自行再次下载")
	msgRestoreOff = msg("restore.off",
		"AUTO left off until the module's next power-on (NV unchanged): clearing the old URL restarted its auto-check timer, and it would ask the platform by itself",
		"AUTO 保持关闭直到模块下次上电(NV 未改):清除旧 URL 重启了自动检查计时,否则它会自行向平台请求")
	MsgProgress = msg("progress",
		"%d %%",
		"%d%%")
	msgPort = msg("port",
		"port %s",
		"端口 %s")
	msgGone = msg("gone",
		"the module's ports are gone",
		"模块端口已消失")
	// airfleet scan: its table, and why a module was not identified (a
	// short state for its row; the explanation, the same for every
	// module with that problem, said once below the table)
	MsgScanHeader = msg("scan.header",
		"SLOT\tPORT\tIMEI\tMODEL\tFIRMWARE\tCORE\tSIM\tNETWORK\tSIGNAL",
		"槽位\t端口\tIMEI\t型号\t固件\t内核版本\tSIM\t网络\t信号")
	msgScanNone = msg("scan.none",
		"no modules found on this computer. Likely causes:\n"+
			"  - the hub has no power or a cable is loose: check the hub's power supply and plug the modules in again\n"+
			"  - your user is not in the dialout group: sudo usermod -aG dialout $USER, then log in again\n"+
			"  - ModemManager holds the ports: install udev/99-airfleet.rules (see the README) or sudo systemctl stop ModemManager\n"+
			"run \"airfleet doctor\": it checks this computer for each of these and says the fix",
		"本机未找到模块。可能的原因:\n"+
			"  - USB hub 没有供电或线缆松动:请检查 hub 的电源,重新插好模块\n"+
			"  - 当前用户不在 dialout 组:sudo usermod -aG dialout $USER,然后重新登录\n"+
			"  - ModemManager 占用了端口:安装 udev/99-airfleet.rules(见 README),或 sudo systemctl stop ModemManager\n"+
			"请运行 \"airfleet doctor\":它会逐项检查本机并给出解决办法")
	msgScanNoneWindows = msg("scan.none.windows",
		"no modules found on this computer. Likely causes:\n"+
			"  - the hub has no power or a cable is loose: check the hub's power supply and plug the modules in again\n"+
			"  - Windows does not list them: Device Manager should show a \"USB Serial Device (COMn)\" per port under \"Ports (COM & LPT)\"; a module under \"Other devices\" needs its cable or hub changed\n"+
			"run \"airfleet doctor\": it checks the modules it can see and says the fix",
		"本机未找到模块。可能的原因:\n"+
			"  - USB hub 没有供电或线缆松动:请检查 hub 的电源,重新插好模块\n"+
			"  - Windows 没有列出它们:设备管理器的\"端口 (COM 和 LPT)\"下,每个端口应显示为\"USB 串行设备 (COMn)\";出现在\"其他设备\"下的模块请更换线缆或 hub\n"+
			"请运行 \"airfleet doctor\":它会检查能看到的模块并给出解决办法")
	MsgScanNonedir = msg("scan.nonedir",
		"no modules in the fleet directory %[1]s: each module is a folder %[1]s/<slot>/ holding if06 (or if02), a link to its port; is the simulator (airfleet sim --dir %[1]s) running? "+
			"\"airfleet doctor --ports %[1]s\" checks the directory and this computer",
		"舰队目录 %[1]s 中没有模块:每个模块应是一个文件夹 %[1]s/<槽位>/,其中 if06(或 if02)链接到模块的端口;模拟器(airfleet sim --dir %[1]s)在运行吗?"+
			"\"airfleet doctor --ports %[1]s\" 会检查该目录和本机")
	MsgScanUnidentified = msg("scan.unidentified",
		"%d of %d modules could not be identified:",
		"%[2]d 个模块中有 %[1]d 个无法识别:")
	MsgScanAll = msg("scan.all",
		"all %d modules",
		"全部 %d 个模块")
	msgProblemPermission = msg("problem.permission",
		"permission denied",
		"无权限")
	msgProblemBusy = msg("problem.busy",
		"port busy",
		"端口被占用")
	msgProblemGone = msg("problem.gone",
		"port gone",
		"端口已消失")
	msgProblemNotserial = msg("problem.notserial",
		"not a serial port",
		"不是串口")
	msgProblemNoat = msg("problem.noat",
		"no AT port",
		"无 AT 端口")
	msgProblemDownload = msg("problem.download",
		"download mode",
		"下载模式")
	msgProblemOther = msg("problem.other",
		"not identified",
		"未识别")
	msgProblemPermissionFix = msg("problem.permission.fix",
		"permission denied on the modules' ports: add your user to the dialout group (sudo usermod -aG dialout $USER, then log in again)",
		"没有权限打开模块的端口:请把当前用户加入 dialout 组(sudo usermod -aG dialout $USER,然后重新登录)")
	msgProblemBusyFix = msg("problem.busy.fix",
		"another program holds the port; ModemManager grabs Air780 ports: add a udev rule with ENV{ID_MM_DEVICE_IGNORE}=\"1\" for 19d1:0001 or stop ModemManager",
		"端口被其他程序占用:ModemManager 会抢占 Air780 的端口;请为 19d1:0001 添加 udev 规则 ENV{ID_MM_DEVICE_IGNORE}=\"1\",或停止 ModemManager")
	// On Windows: no groups, no ModemManager; a COM port opens in one
	// program at a time.
	msgProblemPermissionFixWindows = msg("problem.permission.fix.windows",
		"Windows refused the modules' ports: close any program that may hold them (Luatools, a serial terminal, another airfleet) and scan again",
		"Windows 拒绝打开模块的端口:请关闭可能占用它们的程序(Luatools、串口终端、另一个 airfleet)后重新扫描")
	msgProblemBusyFixWindows = msg("problem.busy.fix.windows",
		"another program has the port open (access denied): close Luatools, any serial terminal or other airfleet, then scan again",
		"端口已被其他程序打开(拒绝访问):请关闭 Luatools、串口终端或另一个 airfleet 后重新扫描")
	msgProblemNotserialFixWindows = msg("problem.notserial.fix.windows",
		"a port is not a serial device: check the name; it must be the module's COM port (e.g. COM11), as Device Manager lists it under \"Ports (COM & LPT)\"",
		"端口不是串口设备:请检查名称,应为模块的 COM 端口(例如 COM11),即设备管理器\"端口 (COM 和 LPT)\"下列出的端口")
	msgProblemGoneFix = msg("problem.gone.fix",
		"the port went away: the module was unplugged or is rebooting; plug it in and scan again",
		"端口已不存在:模块被拔出或正在重启;请插好后重新扫描")
	msgProblemNotserialFix = msg("problem.notserial.fix",
		"a port is not a serial device: check the path; it must be the module's USB serial port (ttyACM*), not a file",
		"端口不是串口设备:请检查路径,应为模块的 USB 串口(ttyACM*),而不是文件")
	msgProblemDownloadFix = msg("problem.download.fix",
		"in download (boot) mode: it cannot be upgraded over the air; reflash it by cable or power-cycle it",
		"处于下载(boot)模式:无法空中升级;请用数据线重新烧录,或断电重启")
	// network registration, as AT+CEREG? says it
	MsgRegRegistered = msg("reg.registered",
		"registered",
		"已注册")
	msgRegRoaming = msg("reg.roaming",
		"roaming",
		"漫游")
	msgRegSearching = msg("reg.searching",
		"searching",
		"搜索中")
	msgRegNotRegistered = msg("reg.not registered",
		"not registered",
		"未注册")
	msgRegDenied = msg("reg.denied",
		"denied",
		"被拒绝")
	msgRegUnknown = msg("reg.unknown",
		"unknown",
		"未知")
)

// stateNames name every state once: its long English (the CLI, the log),
// its short English (the console's narrow column) and its Chinese (one
// form for both).
var stateNames = map[State]*Message{
	StateIdle:         stateName("state.idle", "idle", "idle", "空闲"),
	StateIdentifying:  stateName("state.identifying", "identifying", "identify", "识别中"),
	StateWaitNetwork:  stateName("state.waiting-network", "waiting for network", "wait net", "等待网络"),
	StateHeld:         stateName("state.held", "held", "held", "暂缓"),
	StateConfiguring:  stateName("state.configuring", "configuring", "config", "配置中"),
	StateRequesting:   stateName("state.requesting", "requesting", "request", "请求中"),
	StateWaitPlatform: stateName("state.waiting-platform", "waiting for the platform", "wait plat", "等待平台"),
	StateDownloading:  stateName("state.downloading", "downloading", "download", "下载中"),
	StateWriting:      stateName("state.writing", "writing the delta", "write", "写入中"),
	StateApplying:     stateName("state.applying", "applying", "apply", "应用中"),
	StateRebooting:    stateName("state.rebooting", "rebooting", "reboot", "重启中"),
	StateVerifying:    stateName("state.verifying", "verifying", "verify", "校验中"),
	StateRestoring:    stateName("state.restoring", "restoring", "restore", "恢复中"),
	StatePassed:       stateName("state.passed", "passed", "passed", "成功"),
	StateCurrent:      stateName("state.current", "current", "current", "无需升级"),
	StateFailed:       stateName("state.failed", "failed", "failed", "失败"),
	StateCancelled:    stateName("state.cancelled", "cancelled", "cancelled", "已取消"),
	StateDisconnected: stateName("state.disconnected", "unplugged", "unplugged", "已断开"),
}

// stateName declares the name of a state.
func stateName(key, long, short, zh string) *Message {
	m := NewMessage(key, long, zh)
	m.Short = short
	return m
}

// Name is the state's entry in the catalogue: said with In (the long
// form) or ShortIn (the console's column).
func (s State) Name() *Message {
	if m, ok := stateNames[s]; ok {
		return m
	}
	return &Message{Key: "state." + string(s), EN: string(s), ZH: string(s)} // not declared: said as it is
}

// ShortIn says the message's short form in lang: the Chinese, or the
// short English when there is one.
func (m *Message) ShortIn(lang string) string {
	if lang != "zh" && m.Short != "" {
		return m.Short
	}
	return m.In(lang)
}

// failureText describes what AT+UPGRADE? and +UPGRADEIND said, in either
// language.
func failureText(f failure) Sentence {
	var parts []any
	if f.modErr != 0 {
		parts = append(parts, msgFailModerr.With(f.modErr))
	}
	if f.http != 0 {
		parts = append(parts, msgFailHTTP.With(f.http))
	}
	if f.code != 0 {
		parts = append(parts, msgFailCode.With(f.code))
	}
	if f.progress >= 0 {
		parts = append(parts, msgFailAfter.With(f.progress))
	}
	return msgList.With(parts...)
}

// errSentence says an error met with a module in either language. What an
// operator can fix at the station (port permissions, a port another
// program holds, a module another airfleet drives, a fleet directory that
// is wrong, download mode) is said
// with its fix in Chinese too; in English, and for every other error, the
// driver's own sentence.
// hostOS chooses the fixes said for the station's system (runtime.GOOS;
// tests set it).
var hostOS = runtime.GOOS

// onHost is the message for this system: the Windows one there (no udev,
// no dialout group, no ModemManager; COM ports open in one program at a
// time), else the Linux one.
func onHost(linux, windows *Message) *Message {
	if hostOS == "windows" {
		return windows
	}
	return linux
}

// MsgScanNone is what scan and upgrade say when this computer has no
// module, with the likely causes of its system.
func MsgScanNone() *Message { return onHost(msgScanNone, msgScanNoneWindows) }

func errSentence(err error) Sentence {
	var said sentenceError
	if errors.As(err, &said) {
		return said.s // the engine's own, from the catalogue
	}
	if pm, ok := errors.AsType[*portMovedError](err); ok {
		return pm.sentence()
	}
	en := err.Error()
	var pe *device.PortError
	if errors.As(err, &pe) {
		switch pe.Kind {
		case device.PortPermissionDenied:
			return onHost(msgErrPermission, msgErrPermissionWindows).With(en, pe.Path)
		case device.PortBusy:
			return onHost(msgErrBusy, msgErrBusyWindows).With(en, pe.Path)
		case device.PortNotFound:
			return msgErrGone.With(en, pe.Path)
		case device.PortNotSerial:
			return msgErrNotserial.With(en, pe.Path)
		}
	}
	var dm *downloadModeError
	var iu *device.InUseError
	switch {
	case errors.As(err, &iu):
		if iu.PID > 0 {
			return msgErrInuse.With(en, msgInuse.With(iu.Slot, iu.PID))
		}
		return msgErrInuse.With(en, msgInuseNopid.With(iu.Slot))
	case errors.As(err, &dm):
		return msgErrDownload.With(en, dm.slot)
	case errors.Is(err, device.ErrNoATPort):
		return msgErrNoat.With(en)
	case errors.Is(err, device.ErrNotSerial):
		return msgErrNotnode.With(en)
	case errors.Is(err, device.ErrTimeout):
		return msgErrTimeout.With(en)
	case errors.Is(err, device.ErrCommand):
		return msgErrCommand.With(en)
	}
	return msgFailedError.With(en)
}

// identSentence says who a module is and how it reaches the network.
func identSentence(i device.Info) Sentence {
	sig := MsgSigUnknown.With()
	if d := i.Signal.DBm(); d != 0 {
		sig = MsgSigDbm.With(d)
	}
	return MsgIdent.With(i.Model, i.Firmware.Raw, simSentence(i.SIM.State), regSentence(i.Registration), sig)
}

// simWords name the SIM states an operator meets (AT+CPIN? and its
// +CME ERROR codes, 3GPP TS 27.007) in words; others are shown as read.
var simWords = map[string]*Message{
	"SIM PIN": msgSIMPin, "SIM PUK": msgSIMPuk,
	"+CME ERROR: 10": msgSIMNone, "+CME ERROR: SIM not inserted": msgSIMNone,
	"+CME ERROR: 11": msgSIMPin, "+CME ERROR: 12": msgSIMPuk,
	"+CME ERROR: 13": msgSIMFailure, "+CME ERROR: SIM failure": msgSIMFailure,
	"+CME ERROR: 14": msgSIMBusy, "+CME ERROR: 15": msgSIMWrong,
}

// regWords name the registration states of AT+CEREG? in words.
var regWords = map[string]*Message{
	"registered": MsgRegRegistered, "roaming": msgRegRoaming, "searching": msgRegSearching,
	"not registered": msgRegNotRegistered, "denied": msgRegDenied, "unknown": msgRegUnknown,
}

// outcomeWords name each outcome in capitals, for the CLI's and the
// history's tables.
var outcomeWords = map[Outcome]*Message{
	Upgraded: msgOutcomeUpgraded, Current: msgOutcomeCurrent, Failed: msgOutcomeFailed, Held: msgOutcomeHeld,
	Cancelled: msgOutcomeCancelled, "interrupted": msgOutcomeInterrupted, "running": msgOutcomeRunning,
}

// OutcomeWord names an outcome (or the log's interrupted and running) in
// capitals; one the catalogue does not know is said as it is.
func OutcomeWord(o Outcome) *Message {
	if m, ok := outcomeWords[o]; ok {
		return m
	}
	return &Message{Key: "outcome." + string(o), EN: string(o), ZH: string(o)} // not declared: said as it is
}

// Name is the mode's entry in the catalogue.
func (m Mode) Name() *Message {
	if n, ok := modeNames[m]; ok {
		return n
	}
	return &Message{Key: "mode." + string(m), EN: string(m), ZH: string(m)} // not declared: said as it is
}

// modeNames name the upgrade modes.
var modeNames = map[Mode]*Message{ModeIoT: msgModeIot, ModeKey: msgModeKey, ModeURL: msgModeURL, ModeLocal: msgModeLocal}

// simSentence says a SIM state in either language, keeping what the module
// answered when it is not plain READY (ready, 就绪).
func simSentence(state string) any {
	if state == "READY" {
		return MsgSIMReady.With()
	}
	if m, ok := simWords[state]; ok {
		return msgSIMState.With(m.With(), state)
	}
	return state
}

// regSentence says a registration state in either language.
func regSentence(r device.Registration) any {
	if m, ok := regWords[r.String()]; ok {
		return m.With()
	}
	return r.String()
}

// Problem says why a module could not be identified, for a table of
// modules in lang: a short state for its row, and the explanation with
// its fix. A problem met at the station (permissions, a port held by
// another program, download mode …) has the same explanation for every
// module, so a table can say it once for all of them; any other error is
// said as the driver said it, on one line.
func Problem(f device.Found, lang string) (state, explanation string) {
	short, fix := msgProblemOther, (*Message)(nil)
	var pe *device.PortError
	switch {
	case f.Mode == device.ModeDownload:
		short, fix = msgProblemDownload, msgProblemDownloadFix
	case errors.As(f.Err, &pe) && pe.Kind == device.PortPermissionDenied:
		short, fix = msgProblemPermission, onHost(msgProblemPermissionFix, msgProblemPermissionFixWindows)
	case errors.As(f.Err, &pe) && pe.Kind == device.PortBusy:
		short, fix = msgProblemBusy, onHost(msgProblemBusyFix, msgProblemBusyFixWindows)
	case errors.As(f.Err, &pe) && (pe.Kind == device.PortNotFound || pe.Kind == device.PortClosed):
		short, fix = msgProblemGone, msgProblemGoneFix
	case errors.As(f.Err, &pe) && pe.Kind == device.PortNotSerial, errors.Is(f.Err, device.ErrNotSerial):
		short, fix = msgProblemNotserial, onHost(msgProblemNotserialFix, msgProblemNotserialFixWindows)
	case errors.Is(f.Err, device.ErrNoATPort):
		short = msgProblemNoat
	}
	state = short.In(lang)
	if fix != nil {
		return state, fix.In(lang)
	}
	if f.Err == nil {
		return state, ""
	}
	return state, strings.Join(strings.Fields(errSentence(f.Err).In(lang)), " ")
}

// SIMState says a SIM state as AT+CPIN? gave it, in lang: READY as it is,
// the others in words.
func SIMState(state, lang string) string { return say(simSentence(state), lang) }

// RegistrationState says a network registration state in lang.
func RegistrationState(r device.Registration, lang string) string { return say(regSentence(r), lang) }

// say says v, a Sentence or anything else, in lang.
func say(v any, lang string) string {
	if n, ok := v.(Sentence); ok {
		return n.In(lang)
	}
	return fmt.Sprint(v)
}
