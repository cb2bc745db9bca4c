package tui

import (
	"strings"

	"airfleet/upgrade"
)

// lang is a language of the console's own words.
type lang string

// Languages the console speaks.
const (
	english lang = "en"
	chinese lang = "zh"
)

// parseLang maps a setting such as "zh", "zh_CN.UTF-8" or "en" to a lang;
// anything that does not start with "zh" is English.
func parseLang(s string) lang {
	if strings.HasPrefix(strings.ToLower(s), "zh") {
		return chinese
	}
	return english
}

// langFromEnv picks the language from the locale variables, in POSIX order
// of precedence (LC_ALL, LC_MESSAGES, LANG).
func langFromEnv(getenv func(string) string) lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			return parseLang(s)
		}
	}
	return english
}

// Language is "zh" or "en": s when given (as --lang takes it), else the
// locale's (LC_ALL, LC_MESSAGES, LANG). The CLI speaks it too.
func Language(s string, getenv func(string) string) string {
	if s != "" {
		return string(parseLang(s))
	}
	return string(langFromEnv(getenv))
}

// other is the language that L switches to.
func (l lang) other() lang {
	if l == chinese {
		return english
	}
	return chinese
}

// T says message m in l, as it is (a format is not formatted).
func (l lang) T(m *upgrade.Message) string { return m.Format(string(l)) }

// F formats message m in l with args; a Sentence or an error that can
// say itself among them is said in l too (upgrade.Message.In).
func (l lang) F(m *upgrade.Message, args ...any) string { return m.In(string(l), args...) }

// The console's own words, English then Chinese, in the one catalogue
// (upgrade.Message: TestEveryMessage in the root package checks them with
// the engine's). The names of states, modes and the SIM's READY are the
// engine's (State.Name, Mode.Name, upgrade.MsgSIMReady).
var (
	msgAppTitle       = upgrade.NewMessage("app.title", "airfleet", "airfleet 批量升级")
	msgHdrMode        = upgrade.NewMessage("hdr.mode", "mode", "模式")
	msgHdrTarget      = upgrade.NewMessage("hdr.target", "target", "目标")
	msgHdrLatest      = upgrade.NewMessage("hdr.latest", "latest", "最新")
	msgHdrConcurrency = upgrade.NewMessage("hdr.concurrency", "parallel", "并发")
	msgHdrAll         = upgrade.NewMessage("hdr.all", "all", "全部")
	msgHdrStation     = upgrade.NewMessage("hdr.station", "station", "工位")
	msgHdrOperator    = upgrade.NewMessage("hdr.operator", "operator", "操作员")
	msgHdrTotal       = upgrade.NewMessage("hdr.total", "modules", "模块")
	msgHdrElapsed     = upgrade.NewMessage("hdr.elapsed", "elapsed", "用时")
	msgHdrAuto        = upgrade.NewMessage("hdr.auto", "▶ auto-start", "▶ 插入即升级")

	msgCountIdle         = upgrade.NewMessage("count.idle", "idle", "空闲")
	msgCountRunning      = upgrade.NewMessage("count.running", "running", "进行中")
	msgCountWaiting      = upgrade.NewMessage("count.waiting", "waiting", "等待")
	msgCountHeld         = upgrade.NewMessage("count.held", "held", "暂缓")
	msgCountPassed       = upgrade.NewMessage("count.passed", "passed", "成功")
	msgCountFailed       = upgrade.NewMessage("count.failed", "failed", "失败")
	msgCountCancelled    = upgrade.NewMessage("count.cancelled", "cancelled", "已取消")
	msgCountDisconnected = upgrade.NewMessage("count.disconnected", "unplugged", "已断开")

	msgColSlot     = upgrade.NewMessage("col.slot", "slot", "槽位")
	msgColIMEI     = upgrade.NewMessage("col.imei", "IMEI", "IMEI")
	msgColModel    = upgrade.NewMessage("col.model", "model", "型号")
	msgColFw       = upgrade.NewMessage("col.fw", "fw", "固件")
	msgColTarget   = upgrade.NewMessage("col.target", "target", "目标")
	msgColState    = upgrade.NewMessage("col.state", "state", "状态")
	msgColProgress = upgrade.NewMessage("col.progress", "progress", "进度")
	msgColCode     = upgrade.NewMessage("col.code", "code", "代码")
	msgColMessage  = upgrade.NewMessage("col.message", "message", "信息")

	msgFleetEmpty     = upgrade.NewMessage("fleet.empty", "No modules yet: plug them into the hub (none appear? run airfleet doctor).", "尚未发现模块：请把模块插入 USB 集线器；若仍未出现，请运行 airfleet doctor。")
	msgFleetNomatch   = upgrade.NewMessage("fleet.nomatch", "No module matches %q.", "没有与 %q 匹配的模块。")
	msgFleetUnplugged = upgrade.NewMessage("fleet.unplugged", "unplugged", "已拔出")
	msgFleetSelected  = upgrade.NewMessage("fleet.selected", "%d selected", "已选 %d 个")

	msgFindPrompt      = upgrade.NewMessage("find.prompt", "find: ", "查找：")
	msgFindPlaceholder = upgrade.NewMessage("find.placeholder", "IMEI, slot, state or code", "IMEI、槽位、状态或代码")
	msgFindActive      = upgrade.NewMessage("find.active", "filter %q: %d of %d", "筛选 %q：%d / %d")

	msgStStartall      = upgrade.NewMessage("st.startall", "Starting all idle modules.", "正在开始全部空闲模块。")
	msgStPlan          = upgrade.NewMessage("st.plan", "Starting: %s.", "正在开始:%s。")
	msgStStart         = upgrade.NewMessage("st.start", "Starting %d module(s).", "正在开始 %d 个模块。")
	msgStRetry         = upgrade.NewMessage("st.retry", "Retrying the failed modules.", "正在重试失败的模块。")
	msgStCancel        = upgrade.NewMessage("st.cancel", "Cancelling %d module(s).", "正在取消 %d 个模块。")
	msgStCancelall     = upgrade.NewMessage("st.cancelall", "Cancelling every running upgrade.", "正在取消全部升级。")
	msgStError         = upgrade.NewMessage("st.error", "%s did not work: %v", "%s 未成功：%v")
	msgStClosed        = upgrade.NewMessage("st.closed", "The upgrade engine stopped; the results stay on screen.", "升级引擎已停止，结果保留在屏幕上。")
	msgStRecovered     = upgrade.NewMessage("st.recovered", "An earlier airfleet stopped with %d attempts under way: they are marked interrupted in the log (h shows them); modules still upgrading are followed when a batch starts.", "上次 airfleet 停止时有 %d 次升级未完成：日志中已标为中断（按 h 查看）；开始批次时会跟进仍在升级的模块。")
	msgStLogfail       = upgrade.NewMessage("st.logfail", "⚠ The log cannot be written (%d records wait in memory; upgrades go on, new requests wait): %v. Free disk space, or close what holds the file.", "⚠ 日志无法写入(%d 条记录在内存中等待,升级照常进行,新的请求需等待):%v。请释放磁盘空间,或关闭占用该文件的程序。")
	msgStLogok         = upgrade.NewMessage("st.logok", "The log is written again; no record was lost.", "日志已恢复写入,没有丢失记录。")
	msgStNotfound      = upgrade.NewMessage("st.notfound", "IMEI %s is not in this batch.", "IMEI %s 不在本批次中。")
	msgStFound         = upgrade.NewMessage("st.found", "IMEI %s is in slot %s.", "IMEI %s 在槽位 %s。")
	msgStDone          = upgrade.NewMessage("st.done", "Batch finished: %d passed, %d failed.", "本批完成：成功 %d 个，失败 %d 个。")
	msgStDoneheld      = upgrade.NewMessage("st.doneheld", "Batch finished: %d passed, %d failed, %d held.", "本批完成：成功 %d 个，失败 %d 个，暂缓 %d 个。")
	msgStNothing       = upgrade.NewMessage("st.nothing", "No module to act on.", "没有可操作的模块。")
	msgStNostart       = upgrade.NewMessage("st.nostart", "Nothing to start: the chosen modules have finished or are running; r retries the failed ones, and a module plugged in again starts afresh.", "没有可开始的模块：所选模块已完成或正在进行；按 r 重试失败的模块，重新插入的模块会重新开始。")
	msgStNoretry       = upgrade.NewMessage("st.noretry", "No failed module to retry: %d held module(s) wait for what held them (enter shows why).", "没有失败的模块可重试：%d 个暂缓的模块在等待暂缓的原因解除（按 enter 查看原因）。")
	msgFleetAbove      = upgrade.NewMessage("fleet.above", "↑ %d above", "↑ 上方 %d 个")
	msgFleetIdent      = upgrade.NewMessage("fleet.ident", "SIM %v, network %v, signal %v", "SIM %v，网络 %v，信号 %v")
	msgFleetIdentLocal = upgrade.NewMessage("fleet.identlocal",
		"ready for local mode, which needs no SIM or network (SIM %v, network %v, signal %v)",
		"可用串口升级，无需 SIM 卡和网络（SIM %v，网络 %v，信号 %v）")
	msgFleetBelow = upgrade.NewMessage("fleet.below", "↓ %d more", "↓ 还有 %d 个")

	msgConfirmCancel    = upgrade.NewMessage("confirm.cancel", "Cancel the upgrade of %d module(s)? y/n", "取消 %d 个模块的升级？y/n")
	msgConfirmCancelall = upgrade.NewMessage("confirm.cancelall", "Cancel every running upgrade? y/n", "取消全部正在进行的升级？y/n")
	msgConfirmQuit      = upgrade.NewMessage("confirm.quit", "Quit? Downloads under way finish their reboot first; the rest stop. y/n", "确定退出？正在下载的模块先完成重启，其余就地停止。y/n")

	msgKeyUp        = upgrade.NewMessage("key.up", "up", "上移")
	msgKeyDown      = upgrade.NewMessage("key.down", "down", "下移")
	msgKeyPgup      = upgrade.NewMessage("key.pgup", "page up", "上一页")
	msgKeyPgdown    = upgrade.NewMessage("key.pgdown", "page down", "下一页")
	msgKeyHome      = upgrade.NewMessage("key.home", "first", "首行")
	msgKeyEnd       = upgrade.NewMessage("key.end", "last", "末行")
	msgKeySelect    = upgrade.NewMessage("key.select", "select", "选择")
	msgKeySelectall = upgrade.NewMessage("key.selectall", "select all", "全选")
	msgKeyDetail    = upgrade.NewMessage("key.detail", "details", "详情")
	msgKeyBack      = upgrade.NewMessage("key.back", "back", "返回")
	msgKeyStartall  = upgrade.NewMessage("key.startall", "start all", "全部开始")
	msgKeyStart     = upgrade.NewMessage("key.start", "start", "开始")
	msgKeyRetry     = upgrade.NewMessage("key.retry", "retry failed", "重试失败")
	msgKeyCancel    = upgrade.NewMessage("key.cancel", "cancel", "取消")
	msgKeyCancelall = upgrade.NewMessage("key.cancelall", "cancel all", "全部取消")
	msgKeyFind      = upgrade.NewMessage("key.find", "find", "查找")
	msgKeyApply     = upgrade.NewMessage("key.apply", "apply", "确定")
	msgKeyClear     = upgrade.NewMessage("key.clear", "clear", "清除")
	msgKeyYes       = upgrade.NewMessage("key.yes", "yes", "是")
	msgKeyNo        = upgrade.NewMessage("key.no", "no", "否")
	msgKeyLang      = upgrade.NewMessage("key.lang", "中文", "English")
	msgKeyHelp      = upgrade.NewMessage("key.help", "keys", "按键")
	msgKeyQuit      = upgrade.NewMessage("key.quit", "quit", "退出")

	msgHelpTitle = upgrade.NewMessage("help.title", "Keys", "按键")

	msgDetTitle        = upgrade.NewMessage("det.title", "Module in slot %s", "槽位 %s 的模块")
	msgDetSlot         = upgrade.NewMessage("det.slot", "slot", "槽位")
	msgDetIMEI         = upgrade.NewMessage("det.imei", "IMEI", "IMEI")
	msgDetModel        = upgrade.NewMessage("det.model", "model", "型号")
	msgDetFirmware     = upgrade.NewMessage("det.firmware", "firmware", "固件")
	msgDetTarget       = upgrade.NewMessage("det.target", "target", "目标")
	msgDetState        = upgrade.NewMessage("det.state", "state", "状态")
	msgDetCode         = upgrade.NewMessage("det.code", "platform code", "平台代码")
	msgDetModerr       = upgrade.NewMessage("det.moderr", "module error", "模块错误")
	msgDetHttp         = upgrade.NewMessage("det.http", "HTTP", "HTTP")
	msgDetRequests     = upgrade.NewMessage("det.requests", "requests", "请求次数")
	msgDetRetries      = upgrade.NewMessage("det.retries", "retries", "重试次数")
	msgDetExplain      = upgrade.NewMessage("det.explain", "What it means", "含义")
	msgDetRemedy       = upgrade.NewMessage("det.remedy", "What to do", "处理办法")
	msgDetEvents       = upgrade.NewMessage("det.events", "Events", "事件")
	msgDetTranscript   = upgrade.NewMessage("det.transcript", "AT transcript", "AT 记录")
	msgDetNotranscript = upgrade.NewMessage("det.notranscript", "(no transcript yet)", "（暂无记录）")

	msgKeySettings         = upgrade.NewMessage("key.settings", "settings", "设置")
	msgKeyHistory          = upgrade.NewMessage("key.history", "history", "历史")
	msgKeyFieldup          = upgrade.NewMessage("key.fieldup", "previous", "上一项")
	msgKeyFielddown        = upgrade.NewMessage("key.fielddown", "next", "下一项")
	msgKeyToggle           = upgrade.NewMessage("key.toggle", "change", "切换")
	msgKeyClearfield       = upgrade.NewMessage("key.clearfield", "clear field", "清空")
	msgKeyFilterimei       = upgrade.NewMessage("key.filterimei", "IMEI", "IMEI")
	msgKeyFiltercode       = upgrade.NewMessage("key.filtercode", "code", "代码")
	msgKeyRange            = upgrade.NewMessage("key.range", "dates", "日期")
	msgKeySwitch           = upgrade.NewMessage("key.switch", "batches/attempts", "批次/记录")
	msgKeyTobatches        = upgrade.NewMessage("key.tobatches", "batches", "批次")
	msgKeyToattempts       = upgrade.NewMessage("key.toattempts", "attempts", "记录")
	msgKeyExport           = upgrade.NewMessage("key.export", "export CSV", "导出 CSV")
	msgKeyDiscard          = upgrade.NewMessage("key.discard", "discard", "放弃")
	msgKeyOpen             = upgrade.NewMessage("key.open", "open", "打开")
	msgKeyScrollevents     = upgrade.NewMessage("key.scrollevents", "scroll events", "滚动事件")
	msgKeyScrolltranscript = upgrade.NewMessage("key.scrolltranscript", "scroll transcript", "滚动 AT 记录")
	msgKeyTotranscript     = upgrade.NewMessage("key.totranscript", "transcript", "AT 记录")
	msgKeyToevents         = upgrade.NewMessage("key.toevents", "events", "事件")

	msgHdrToday      = upgrade.NewMessage("hdr.today", "modules today here:", "本工位今日模块")
	msgHdrTodayshort = upgrade.NewMessage("hdr.todayshort", "modules today", "今日模块")

	msgSetTitle       = upgrade.NewMessage("set.title", "Settings", "设置")
	msgSetReading     = upgrade.NewMessage("set.reading", "Reading the current settings…", "正在读取当前设置…")
	msgSetMode        = upgrade.NewMessage("set.mode", "Mode", "模式")
	msgSetKey         = upgrade.NewMessage("set.key", "Project key", "项目密钥")
	msgSetURL         = upgrade.NewMessage("set.url", "Server URL", "服务器地址")
	msgSetDeltas      = upgrade.NewMessage("set.deltas", "Delta map", "差分包映射")
	msgSetTarget      = upgrade.NewMessage("set.target", "Target version", "目标版本")
	msgSetConcurrency = upgrade.NewMessage("set.concurrency", "Parallel", "并发")
	msgSetCanary      = upgrade.NewMessage("set.canary", "Try first", "先试几个")
	msgSetOperator    = upgrade.NewMessage("set.operator", "Operator", "操作员")
	msgSetCentral     = upgrade.NewMessage("set.central", "Central log", "中央日志")
	msgSetAutostart   = upgrade.NewMessage("set.autostart", "Auto-start", "插入即升级")
	msgSetLang        = upgrade.NewMessage("set.lang", "Language", "语言")
	msgSetBell        = upgrade.NewMessage("set.bell", "Bell", "提示音")

	msgSetHintMode   = upgrade.NewMessage("set.hint.mode", "Where modules get firmware: the IoT platform's default project, your project key, or your own server.", "模块从哪里获取固件：IoT 平台默认项目、您的项目密钥，或您自己的服务器。")
	msgSetHintKey    = upgrade.NewMessage("set.hint.key", "The key from the project's page on the IoT platform. Typing replaces it; only its last four characters are ever shown.", "IoT 平台项目页面上的密钥。输入会替换原密钥；任何时候只显示最后四位。")
	msgSetHintURL    = upgrade.NewMessage("set.hint.url", "The http(s) address of the delta file on your server.", "您服务器上差分包的 http(s) 地址。")
	msgSetHintDeltas = upgrade.NewMessage("set.hint.deltas",
		"A delta map: the JSON file listing each delta's firmware, from, to and url (own server) or file (local mode). Each module gets the delta for its own base version. Empty: the station's map, if it has one.",
		"差分包映射:列出每个差分包的 firmware、from、to 以及 url(自有服务器)或 file(串口升级)的 JSON 文件。每个模块取其基础版本对应的差分包。留空:沿用本工位的映射(如有)。")
	msgSetHintTarget      = upgrade.NewMessage("set.hint.target", "The core version to reach, such as 2010. Empty: the latest the platform offers.", "要升级到的内核版本，例如 2010。留空：平台提供的最新版本。")
	msgSetHintConcurrency = upgrade.NewMessage("set.hint.concurrency", "How many modules upgrade at once. Empty: all of them.", "同时升级的模块数。留空：全部同时。")
	msgSetHintCanary      = upgrade.NewMessage("set.hint.canary", "Try N modules first: the rest start only once they have passed. 0: all start together.", "先试 N 个模块：它们成功后其余模块才开始。0：全部同时开始。")
	msgSetHintOperator    = upgrade.NewMessage("set.hint.operator", "Who works this station: recorded with every batch and shown in the header.", "本工位的操作员：记录在每个批次中，并显示在顶栏。")
	msgSetHintCentral     = upgrade.NewMessage("set.hint.central",
		"The factory's central PostgreSQL log, postgres://user:password@host/db: every attempt is sent there in the background, and the history looks an IMEI up at every station. Empty: this station's log only. The password is never shown.",
		"工厂的中央 PostgreSQL 日志，postgres://用户:密码@主机/数据库：每次升级记录都会在后台发送过去，历史记录可查询各工位的同一 IMEI。留空：只用本工位的日志。密码不会显示。")
	msgSetHintAutostart = upgrade.NewMessage("set.hint.autostart", "Start upgrading a module as soon as it is plugged in and identified.", "模块插入并识别后立即开始升级。")
	msgSetHintLang      = upgrade.NewMessage("set.hint.lang", "The language of the console.", "控制台的语言。")
	msgSetHintBell      = upgrade.NewMessage("set.hint.bell", "Ring the terminal bell on a failure and at the end of a batch.", "失败时和一批结束时响铃。")

	msgSetErr            = upgrade.NewMessage("set.err", "%s: %s", "%s：%s")
	msgSetErrKeyempty    = upgrade.NewMessage("set.err.keyempty", "empty: copy the key from the project's page on the IoT platform", "为空：请从 IoT 平台的项目页面复制密钥")
	msgSetErrKeylong     = upgrade.NewMessage("set.err.keylong", "%d characters long (at most 64; platform keys have 32): copy it again from the IoT platform", "有 %d 个字符（最多 64 个，平台的密钥为 32 个）：请从 IoT 平台重新复制")
	msgSetErrKeychar     = upgrade.NewMessage("set.err.keychar", "character %d is %s: a key holds only letters and digits; copy it again from the IoT platform", "第 %d 个字符是 %s：密钥只含字母和数字，请从 IoT 平台重新复制")
	msgSetErrUrlempty    = upgrade.NewMessage("set.err.urlempty", "empty: give the http(s) address of the delta file on your server", "为空：请填写您服务器上差分包的 http(s) 地址")
	msgSetErrUrllong     = upgrade.NewMessage("set.err.urllong", "%d characters long; modules take at most 255", "有 %d 个字符，模块最多接受 255 个")
	msgSetErrUrlchar     = upgrade.NewMessage("set.err.urlchar", "character %d is %s, which cannot be sent to a module: percent-encode it (%s) or rename the file", "第 %d 个字符是 %s，无法发送给模块：请进行百分号编码（写作 %s）或重命名文件")
	msgSetErrUrlscheme   = upgrade.NewMessage("set.err.urlscheme", "must start with http:// or https:// (HTTPS works only on newer firmware)", "必须以 http:// 或 https:// 开头（HTTPS 仅新版固件支持）")
	msgSetErrUrlhost     = upgrade.NewMessage("set.err.urlhost", "names no server after http://", "http:// 后面没有服务器地址")
	msgSetErrTarget      = upgrade.NewMessage("set.err.target", "%d is not a version: give a core version such as 2010, or leave it empty for the latest", "%d 不是版本号：请填写内核版本，例如 2010；留空表示最新版本")
	msgSetErrConcurrency = upgrade.NewMessage("set.err.concurrency", "%d: give 1 or more, or leave it empty for all at once", "%d：请填写 1 或更大的数；留空表示全部同时")
	msgSetErrCanary      = upgrade.NewMessage("set.err.canary", "%d: give 0 (all start together) or more", "%d：请填写 0（全部同时开始）或更大的数")
	msgSetErrCanarymax   = upgrade.NewMessage("set.err.canarymax", "%d is more than the %d modules connected: give at most %d", "%d 超过已连接的 %d 个模块：最多填写 %d")
	msgSetCharSpace      = upgrade.NewMessage("set.char.space", "a space", "空格")
	msgSetCharControl    = upgrade.NewMessage("set.char.control", "a control character (%s)", "控制字符（%s）")
	msgSetNotnumber      = upgrade.NewMessage("set.notnumber", "%q is not a whole number", "%q 不是整数")
	msgSetLangname       = upgrade.NewMessage("set.langname", "English", "中文")
	msgSetOn             = upgrade.NewMessage("set.on", "on", "开")
	msgSetOff            = upgrade.NewMessage("set.off", "off", "关")
	msgSetUnused         = upgrade.NewMessage("set.unused", "not used in this mode", "此模式不使用")
	msgSetNone           = upgrade.NewMessage("set.none", "none", "无")
	msgSetAll            = upgrade.NewMessage("set.all", "all", "全部")
	msgSetNocentral      = upgrade.NewMessage("set.nocentral", "none: this station's log only", "无：只用本工位日志")
	msgSetNocanary       = upgrade.NewMessage("set.nocanary", "all together", "全部同时开始")
	msgSetNosave         = upgrade.NewMessage("set.nosave", "Settings apply to the batches started from now on, until airfleet stops.", "设置对此后开始的批次生效，直到 airfleet 退出。")
	msgSetSavedin        = upgrade.NewMessage("set.savedin", "Settings apply to the batches started from now on and are remembered in %s.", "设置对此后开始的批次生效，并保存在 %s。")

	msgHistTitle         = upgrade.NewMessage("hist.title", "History", "历史")
	msgHistNolog         = upgrade.NewMessage("hist.nolog", "The log is not available, so there is no history: start airfleet with its log (--db) to see past batches.", "日志不可用，因此没有历史记录：请带日志（--db）启动 airfleet 以查看以往批次。")
	msgHistError         = upgrade.NewMessage("hist.error", "The log could not be read: %v", "无法读取日志：%v")
	msgHistNobatches     = upgrade.NewMessage("hist.nobatches", "No batch in the log yet.", "日志中还没有批次。")
	msgHistLoading       = upgrade.NewMessage("hist.loading", "Reading the log…", "正在读取日志…")
	msgHistNone          = upgrade.NewMessage("hist.none", "No attempt matches these filters.", "没有符合筛选条件的记录。")
	msgHistAttempts      = upgrade.NewMessage("hist.attempts", "attempts", "升级记录")
	msgHistBatches       = upgrade.NewMessage("hist.batches", "batches", "批次")
	msgHistNbatches      = upgrade.NewMessage("hist.nbatches", "%d batches", "%d 个批次")
	msgHistAttempt       = upgrade.NewMessage("hist.attempt", "attempt %d", "记录 %d")
	msgHistAttemptAt     = upgrade.NewMessage("hist.attemptat", "attempt at station %s", "工位 %s 的记录")
	msgHistNattempts     = upgrade.NewMessage("hist.nattempts", "%d attempts", "%d 条记录")
	msgHistNattempt      = upgrade.NewMessage("hist.nattempt", "%d attempt", "%d 条记录")
	msgHistYesterday     = upgrade.NewMessage("hist.yesterday", "yesterday", "昨天")
	msgHistBadimei       = upgrade.NewMessage("hist.badimei", "give at least 4 digits of the IMEI, its first or last ones", "请输入 IMEI 的前几位或后几位，至少 4 位数字")
	msgHistBadcode       = upgrade.NewMessage("hist.badcode", "give a number such as 26 or -1004", "请输入数字，如 26 或 -1004")
	msgHistNewest        = upgrade.NewMessage("hist.newest", "newest %d shown", "显示最新 %d 条")
	msgHistIMEI          = upgrade.NewMessage("hist.imei", "IMEI", "IMEI")
	msgHistCode          = upgrade.NewMessage("hist.code", "code", "代码")
	msgHistDate          = upgrade.NewMessage("hist.date", "date", "日期")
	msgHistBatch         = upgrade.NewMessage("hist.batch", "batch", "批次")
	msgHistAny           = upgrade.NewMessage("hist.any", "any", "全部")
	msgHistLatestbatches = upgrade.NewMessage("hist.latestbatches", "the latest %d batches; enter lists a batch's attempts", "最近 %d 个批次；回车查看该批次的记录")
	msgHistWeek          = upgrade.NewMessage("hist.week", "7 days", "7 天")
	msgHistToday         = upgrade.NewMessage("hist.today", "today", "今天")
	msgHistAll           = upgrade.NewMessage("hist.all", "all", "全部")
	msgHistColStarted    = upgrade.NewMessage("hist.col.started", "started", "开始")
	msgHistColFw         = upgrade.NewMessage("hist.col.fw", "from→to", "版本")
	msgHistColResult     = upgrade.NewMessage("hist.col.result", "result", "结果")
	msgHistColBatch      = upgrade.NewMessage("hist.col.batch", "batch", "批次")
	msgHistColStatus     = upgrade.NewMessage("hist.col.status", "status", "状态")
	msgHistEnded         = upgrade.NewMessage("hist.ended", "ended", "结束")
	msgHistNoevents      = upgrade.NewMessage("hist.noevents", "(no events)", "（无事件）")
	msgHistImeiprompt    = upgrade.NewMessage("hist.imeiprompt", "IMEI: ", "IMEI：")
	msgHistImeiholder    = upgrade.NewMessage("hist.imeiholder", "scan, or type its first or last 4+ digits; empty: any", "扫码，或输入前几位或后几位（至少 4 位）；留空：全部")
	msgHistCodeprompt    = upgrade.NewMessage("hist.codeprompt", "code: ", "代码：")
	msgHistCodeholder    = upgrade.NewMessage("hist.codeholder", "platform code or module error, e.g. 26 or -1004; empty: any", "平台代码或模块错误，如 26 或 -1004；留空：全部")

	msgResUpgraded    = upgrade.NewMessage("res.upgraded", "upgraded", "已升级")
	msgResCurrent     = upgrade.NewMessage("res.current", "current", "无需升级")
	msgResFailed      = upgrade.NewMessage("res.failed", "failed", "失败")
	msgResHeld        = upgrade.NewMessage("res.held", "held", "暂缓")
	msgResCancelled   = upgrade.NewMessage("res.cancelled", "cancelled", "已取消")
	msgResInterrupted = upgrade.NewMessage("res.interrupted", "interrupted", "中断")
	msgResRunning     = upgrade.NewMessage("res.running", "running", "进行中")

	msgBstRunning     = upgrade.NewMessage("bst.running", "running", "进行中")
	msgBstDone        = upgrade.NewMessage("bst.done", "done", "完成")
	msgBstCancelled   = upgrade.NewMessage("bst.cancelled", "cancelled", "已取消")
	msgBstInterrupted = upgrade.NewMessage("bst.interrupted", "interrupted", "中断")

	msgDetLog     = upgrade.NewMessage("det.log", "From the log", "日志记录")
	msgDetNolog   = upgrade.NewMessage("det.nolog", "No earlier attempt in the log.", "日志中没有更早的记录。")
	msgDetLogmore = upgrade.NewMessage("det.logmore", "… and %d older (h: history)", "… 另有 %d 条更早记录（h：历史）")

	msgStInvalid         = upgrade.NewMessage("st.invalid", "Some settings are not valid: see the messages in red.", "部分设置无效：请看红色提示。")
	msgStApplied         = upgrade.NewMessage("st.applied", "Settings applied to the batches started from now on.", "设置已应用于此后开始的批次。")
	msgStSaved           = upgrade.NewMessage("st.saved", "Settings applied and saved in %s.", "设置已应用并保存在 %s。")
	msgStNotsaved        = upgrade.NewMessage("st.notsaved", "Settings applied, but they could not be saved in %s: %v", "设置已应用，但无法保存到 %s：%v")
	msgStSettingsbad     = upgrade.NewMessage("st.settingsbad", "The settings file %s cannot be used (%v); the default settings are in force and the file is left as it is.", "设置文件 %s 无法使用（%v）；已使用默认设置，文件保持原样。")
	msgStSettingsrefused = upgrade.NewMessage("st.settingsrefused", "The settings in %s were not applied: %v", "%s 中的设置未被应用：%v")
	msgStSettingsloaded  = upgrade.NewMessage("st.settingsloaded", "Settings read from %s.", "已读取设置：%s。")
	msgStExporting       = upgrade.NewMessage("st.exporting", "Exporting…", "正在导出…")
	msgStExported        = upgrade.NewMessage("st.exported", "Exported to %s", "已导出到 %s")
	msgStExportfail      = upgrade.NewMessage("st.exportfail", "The export did not work: %v", "导出失败：%v")
	msgStBadimei         = upgrade.NewMessage("st.badimei", "%q finds no IMEI: give its 15 digits, or at least its first or last 4.", "%q 无法查找 IMEI：请输入 15 位数字，或至少前 4 位或后 4 位。")
	msgStBadcode         = upgrade.NewMessage("st.badcode", "%q is not a code: give a number such as 26 or -1004.", "%q 不是代码：请输入数字，如 26 或 -1004。")
)
