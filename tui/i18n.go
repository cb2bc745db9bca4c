package tui

import (
	"fmt"
	"strings"
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

// T returns the text for key, in English when l lacks it, or the key itself.
func (l lang) T(key string) string {
	if s, ok := messages[l][key]; ok {
		return s
	}
	if s, ok := messages[english][key]; ok {
		return s
	}
	return key
}

// F formats the text for key with args.
func (l lang) F(key string, args ...any) string {
	return fmt.Sprintf(l.T(key), args...)
}

// messages holds every word the console itself produces. A test checks that
// both languages have the same keys.
var messages = map[lang]map[string]string{
	english: {
		"app.title":       "airfleet",
		"hdr.mode":        "mode",
		"mode.iot":        "IoT platform",
		"mode.key":        "project key",
		"mode.url":        "own server",
		"hdr.target":      "target",
		"hdr.latest":      "latest",
		"hdr.concurrency": "parallel",
		"hdr.all":         "all",
		"hdr.station":     "station",
		"hdr.total":       "modules",
		"hdr.elapsed":     "elapsed",

		"count.idle":         "idle",
		"count.running":      "running",
		"count.waiting":      "waiting",
		"count.held":         "held",
		"count.passed":       "passed",
		"count.failed":       "failed",
		"count.cancelled":    "cancelled",
		"count.disconnected": "unplugged",

		"col.slot":     "slot",
		"col.imei":     "IMEI",
		"col.model":    "model",
		"col.fw":       "fw",
		"col.target":   "target",
		"col.state":    "state",
		"col.progress": "progress",
		"col.code":     "code",
		"col.message":  "message",

		"state.idle":             "idle",
		"state.identifying":      "identify",
		"state.waiting-network":  "wait net",
		"state.held":             "held",
		"state.configuring":      "config",
		"state.requesting":       "request",
		"state.waiting-platform": "wait plat",
		"state.downloading":      "download",
		"state.rebooting":        "reboot",
		"state.verifying":        "verify",
		"state.restoring":        "restore",
		"state.passed":           "passed",
		"state.current":          "current",
		"state.failed":           "failed",
		"state.cancelled":        "cancelled",
		"state.disconnected":     "unplugged",

		"fleet.empty":     "No modules yet: plug modules into the hub.",
		"fleet.nomatch":   "No module matches %q.",
		"fleet.unplugged": "unplugged",
		"fleet.selected":  "%d selected",

		"find.prompt":      "find: ",
		"find.placeholder": "IMEI, slot, state or code",
		"find.active":      "filter %q: %d of %d",

		"st.startall":  "Starting all idle modules.",
		"st.start":     "Starting %d module(s).",
		"st.retry":     "Retrying the failed modules.",
		"st.cancel":    "Cancelling %d module(s).",
		"st.cancelall": "Cancelling every running upgrade.",
		"st.error":     "%s did not work: %v",
		"st.closed":    "The upgrade engine stopped; the results stay on screen.",
		"st.logfail":   "⚠ The log cannot be written (%d records wait in memory; upgrades go on): %v. Free disk space, or close what holds the file.",
		"st.logok":     "The log is written again; no record was lost.",
		"st.notfound":  "IMEI %s is not in this batch.",
		"st.found":     "IMEI %s is in slot %s.",
		"st.done":      "Batch finished: %d passed, %d failed.",
		"st.doneheld":  "Batch finished: %d passed, %d failed, %d held.",
		"st.nothing":   "No module to act on.",

		"confirm.cancelall": "Cancel every running upgrade? y/n",
		"confirm.quit":      "Upgrades are still running. Quit anyway? y/n",

		"key.up":        "up",
		"key.down":      "down",
		"key.pgup":      "page up",
		"key.pgdown":    "page down",
		"key.home":      "first",
		"key.end":       "last",
		"key.select":    "select",
		"key.selectall": "select all",
		"key.detail":    "details",
		"key.back":      "back",
		"key.startall":  "start all",
		"key.start":     "start",
		"key.retry":     "retry failed",
		"key.cancel":    "cancel",
		"key.cancelall": "cancel all",
		"key.find":      "find",
		"key.apply":     "apply",
		"key.clear":     "clear",
		"key.yes":       "yes",
		"key.no":        "no",
		"key.lang":      "中文",
		"key.help":      "keys",
		"key.quit":      "quit",

		"help.title": "Keys",

		"det.title":        "Module in slot %s",
		"det.slot":         "slot",
		"det.imei":         "IMEI",
		"det.model":        "model",
		"det.firmware":     "firmware",
		"det.target":       "target",
		"det.state":        "state",
		"det.code":         "platform code",
		"det.moderr":       "module error",
		"det.http":         "HTTP",
		"det.requests":     "requests",
		"det.retries":      "retries",
		"det.explain":      "What it means",
		"det.remedy":       "What to do",
		"det.events":       "Events",
		"det.transcript":   "AT transcript",
		"det.notranscript": "(no transcript yet)",
		"det.none":         "No module selected.",
		"det.unknown":      "-",

		"key.settings":         "settings",
		"key.history":          "history",
		"key.fieldup":          "previous",
		"key.fielddown":        "next",
		"key.toggle":           "change",
		"key.clearfield":       "clear field",
		"key.filterimei":       "IMEI",
		"key.filtercode":       "code",
		"key.range":            "dates",
		"key.switch":           "batches/attempts",
		"key.tobatches":        "batches",
		"key.toattempts":       "attempts",
		"key.export":           "export CSV",
		"key.discard":          "discard",
		"key.open":             "open",
		"key.scrollevents":     "scroll events",
		"key.scrolltranscript": "scroll transcript",
		"key.totranscript":     "transcript",
		"key.toevents":         "events",

		"hdr.today":      "modules today here:",
		"hdr.todayshort": "modules today",

		"set.title":       "Settings",
		"set.reading":     "Reading the current settings…",
		"set.mode":        "Mode",
		"set.key":         "Project key",
		"set.url":         "Server URL",
		"set.target":      "Target version",
		"set.concurrency": "Parallel",
		"set.canary":      "Canary",
		"set.autostart":   "Auto-start",
		"set.lang":        "Language",
		"set.bell":        "Bell",

		"set.hint.mode":        "Where modules get firmware: the IoT platform's default project, your project key, or your own server.",
		"set.hint.key":         "The key from the project's page on the IoT platform. Typing replaces it and shows *; only its last four characters are ever shown.",
		"set.hint.url":         "The http(s) address of the delta file on your server.",
		"set.hint.target":      "The core version to reach, such as 2010. Empty: the latest the platform offers.",
		"set.hint.concurrency": "How many modules upgrade at once. 0: all of them.",
		"set.hint.canary":      "The first N modules must pass before the rest start. 0: no canary.",
		"set.hint.autostart":   "Start upgrading a module as soon as it is plugged in and identified.",
		"set.hint.lang":        "The language of the console.",
		"set.hint.bell":        "Ring the terminal bell on a failure and at the end of a batch.",

		"set.notnumber": "%q is not a whole number",
		"set.langname":  "English",
		"set.on":        "on",
		"set.off":       "off",
		"set.unused":    "not used in this mode",
		"set.none":      "none",
		"set.all":       "all",
		"set.nocanary":  "no canary",
		"set.nosave":    "Settings apply to the batches started from now on, until airfleet stops.",
		"set.savedin":   "Settings apply to the batches started from now on and are remembered in %s.",

		"hist.title":         "History",
		"hist.nolog":         "The log is not available, so there is no history: start airfleet with its log (--db) to see past batches.",
		"hist.error":         "The log could not be read: %v",
		"hist.nobatches":     "No batch in the log yet.",
		"hist.loading":       "Reading the log…",
		"hist.none":          "No attempt matches these filters.",
		"hist.attempts":      "attempts",
		"hist.batches":       "batches",
		"hist.nbatches":      "%d batches",
		"hist.attempt":       "attempt %d",
		"hist.nattempts":     "%d attempts",
		"hist.newest":        "newest %d shown",
		"hist.imei":          "IMEI",
		"hist.code":          "code",
		"hist.date":          "date",
		"hist.batch":         "batch",
		"hist.any":           "any",
		"hist.latestbatches": "the latest %d batches; enter lists a batch's attempts",
		"hist.week":          "7 days",
		"hist.today":         "today",
		"hist.all":           "all",
		"hist.col.started":   "started",
		"hist.col.fw":        "from→to",
		"hist.col.result":    "result",
		"hist.col.batch":     "batch",
		"hist.col.status":    "status",
		"hist.ended":         "ended",
		"hist.noevents":      "(no events)",
		"hist.imeiprompt":    "IMEI: ",
		"hist.imeiholder":    "scan or type 15 digits; empty: any",
		"hist.codeprompt":    "code: ",
		"hist.codeholder":    "platform code or module error, e.g. 26 or -1004; empty: any",

		"res.upgraded":    "upgraded",
		"res.current":     "current",
		"res.failed":      "failed",
		"res.held":        "held",
		"res.cancelled":   "cancelled",
		"res.interrupted": "interrupted",
		"res.running":     "running",

		"bst.running":     "running",
		"bst.done":        "done",
		"bst.cancelled":   "cancelled",
		"bst.interrupted": "interrupted",

		"det.log":     "From the log",
		"det.nolog":   "No earlier attempt in the log.",
		"det.logmore": "… and %d older (h: history)",

		"st.invalid":         "Some settings are not valid: see the messages in red.",
		"st.applied":         "Settings applied to the batches started from now on.",
		"st.saved":           "Settings applied and saved in %s.",
		"st.notsaved":        "Settings applied, but they could not be saved in %s: %v",
		"st.settingsbad":     "The settings file %s cannot be used (%v); the default settings are in force and the file is left as it is.",
		"st.settingsrefused": "The settings in %s were not applied: %v",
		"st.settingsloaded":  "Settings read from %s.",
		"st.exporting":       "Exporting…",
		"st.exported":        "Exported to %s",
		"st.exportfail":      "The export did not work: %v",
		"st.badimei":         "%q is not an IMEI: an IMEI has 15 digits.",
		"st.badcode":         "%q is not a code: give a number such as 26 or -1004.",
	},
	chinese: {
		"app.title":       "airfleet 批量升级",
		"hdr.mode":        "模式",
		"mode.iot":        "IoT平台",
		"mode.key":        "项目密钥",
		"mode.url":        "自有服务器",
		"hdr.target":      "目标",
		"hdr.latest":      "最新",
		"hdr.concurrency": "并发",
		"hdr.all":         "全部",
		"hdr.station":     "工位",
		"hdr.total":       "模块",
		"hdr.elapsed":     "用时",

		"count.idle":         "空闲",
		"count.running":      "进行中",
		"count.waiting":      "等待",
		"count.held":         "暂缓",
		"count.passed":       "成功",
		"count.failed":       "失败",
		"count.cancelled":    "已取消",
		"count.disconnected": "已断开",

		"col.slot":     "槽位",
		"col.imei":     "IMEI",
		"col.model":    "型号",
		"col.fw":       "固件",
		"col.target":   "目标",
		"col.state":    "状态",
		"col.progress": "进度",
		"col.code":     "代码",
		"col.message":  "信息",

		"state.idle":             "空闲",
		"state.identifying":      "识别中",
		"state.waiting-network":  "等待网络",
		"state.held":             "暂缓",
		"state.configuring":      "配置中",
		"state.requesting":       "请求中",
		"state.waiting-platform": "等待平台",
		"state.downloading":      "下载中",
		"state.rebooting":        "重启中",
		"state.verifying":        "校验中",
		"state.restoring":        "恢复中",
		"state.passed":           "成功",
		"state.current":          "无需升级",
		"state.failed":           "失败",
		"state.cancelled":        "已取消",
		"state.disconnected":     "已断开",

		"fleet.empty":     "尚未发现模块：请把模块插入 USB 集线器。",
		"fleet.nomatch":   "没有与 %q 匹配的模块。",
		"fleet.unplugged": "已拔出",
		"fleet.selected":  "已选 %d 个",

		"find.prompt":      "查找：",
		"find.placeholder": "IMEI、槽位、状态或代码",
		"find.active":      "筛选 %q：%d / %d",

		"st.startall":  "正在开始全部空闲模块。",
		"st.start":     "正在开始 %d 个模块。",
		"st.retry":     "正在重试失败的模块。",
		"st.cancel":    "正在取消 %d 个模块。",
		"st.cancelall": "正在取消全部升级。",
		"st.error":     "%s 未成功：%v",
		"st.closed":    "升级引擎已停止，结果保留在屏幕上。",
		"st.logfail":   "⚠ 日志无法写入(%d 条记录在内存中等待,升级照常进行):%v。请释放磁盘空间,或关闭占用该文件的程序。",
		"st.logok":     "日志已恢复写入,没有丢失记录。",
		"st.notfound":  "IMEI %s 不在本批次中。",
		"st.found":     "IMEI %s 在槽位 %s。",
		"st.done":      "本批完成：成功 %d 个，失败 %d 个。",
		"st.doneheld":  "本批完成：成功 %d 个，失败 %d 个，暂缓 %d 个。",
		"st.nothing":   "没有可操作的模块。",

		"confirm.cancelall": "取消全部正在进行的升级？y/n",
		"confirm.quit":      "升级仍在进行，确定退出？y/n",

		"key.up":        "上移",
		"key.down":      "下移",
		"key.pgup":      "上一页",
		"key.pgdown":    "下一页",
		"key.home":      "首行",
		"key.end":       "末行",
		"key.select":    "选择",
		"key.selectall": "全选",
		"key.detail":    "详情",
		"key.back":      "返回",
		"key.startall":  "全部开始",
		"key.start":     "开始",
		"key.retry":     "重试失败",
		"key.cancel":    "取消",
		"key.cancelall": "全部取消",
		"key.find":      "查找",
		"key.apply":     "确定",
		"key.clear":     "清除",
		"key.yes":       "是",
		"key.no":        "否",
		"key.lang":      "English",
		"key.help":      "按键",
		"key.quit":      "退出",

		"help.title": "按键",

		"det.title":        "槽位 %s 的模块",
		"det.slot":         "槽位",
		"det.imei":         "IMEI",
		"det.model":        "型号",
		"det.firmware":     "固件",
		"det.target":       "目标",
		"det.state":        "状态",
		"det.code":         "平台代码",
		"det.moderr":       "模块错误",
		"det.http":         "HTTP",
		"det.requests":     "请求次数",
		"det.retries":      "重试次数",
		"det.explain":      "含义",
		"det.remedy":       "处理办法",
		"det.events":       "事件",
		"det.transcript":   "AT 记录",
		"det.notranscript": "（暂无记录）",
		"det.none":         "未选中模块。",
		"det.unknown":      "-",

		"key.settings":         "设置",
		"key.history":          "历史",
		"key.fieldup":          "上一项",
		"key.fielddown":        "下一项",
		"key.toggle":           "切换",
		"key.clearfield":       "清空",
		"key.filterimei":       "IMEI",
		"key.filtercode":       "代码",
		"key.range":            "日期",
		"key.switch":           "批次/记录",
		"key.tobatches":        "批次",
		"key.toattempts":       "记录",
		"key.export":           "导出 CSV",
		"key.discard":          "放弃",
		"key.open":             "打开",
		"key.scrollevents":     "滚动事件",
		"key.scrolltranscript": "滚动 AT 记录",
		"key.totranscript":     "AT 记录",
		"key.toevents":         "事件",

		"hdr.today":      "本工位今日模块",
		"hdr.todayshort": "今日模块",

		"set.title":       "设置",
		"set.reading":     "正在读取当前设置…",
		"set.mode":        "模式",
		"set.key":         "项目密钥",
		"set.url":         "服务器地址",
		"set.target":      "目标版本",
		"set.concurrency": "并发",
		"set.canary":      "金丝雀",
		"set.autostart":   "插入即升级",
		"set.lang":        "语言",
		"set.bell":        "提示音",

		"set.hint.mode":        "模块从哪里获取固件：IoT 平台默认项目、您的项目密钥，或您自己的服务器。",
		"set.hint.key":         "IoT 平台项目页面上的密钥。输入会替换原密钥并显示为 *；任何时候只显示最后四位。",
		"set.hint.url":         "您服务器上差分包的 http(s) 地址。",
		"set.hint.target":      "要升级到的内核版本，例如 2010。留空：平台提供的最新版本。",
		"set.hint.concurrency": "同时升级的模块数。0：全部同时。",
		"set.hint.canary":      "前 N 个模块成功后其余模块才开始。0：不使用金丝雀。",
		"set.hint.autostart":   "模块插入并识别后立即开始升级。",
		"set.hint.lang":        "控制台的语言。",
		"set.hint.bell":        "失败时和一批结束时响铃。",

		"set.notnumber": "%q 不是整数",
		"set.langname":  "中文",
		"set.on":        "开",
		"set.off":       "关",
		"set.unused":    "此模式不使用",
		"set.none":      "无",
		"set.all":       "全部",
		"set.nocanary":  "不使用金丝雀",
		"set.nosave":    "设置对此后开始的批次生效，直到 airfleet 退出。",
		"set.savedin":   "设置对此后开始的批次生效，并保存在 %s。",

		"hist.title":         "历史",
		"hist.nolog":         "日志不可用，因此没有历史记录：请带日志（--db）启动 airfleet 以查看以往批次。",
		"hist.error":         "无法读取日志：%v",
		"hist.nobatches":     "日志中还没有批次。",
		"hist.loading":       "正在读取日志…",
		"hist.none":          "没有符合筛选条件的记录。",
		"hist.attempts":      "升级记录",
		"hist.batches":       "批次",
		"hist.nbatches":      "%d 个批次",
		"hist.attempt":       "记录 %d",
		"hist.nattempts":     "%d 条记录",
		"hist.newest":        "显示最新 %d 条",
		"hist.imei":          "IMEI",
		"hist.code":          "代码",
		"hist.date":          "日期",
		"hist.batch":         "批次",
		"hist.any":           "全部",
		"hist.latestbatches": "最近 %d 个批次；回车查看该批次的记录",
		"hist.week":          "7 天",
		"hist.today":         "今天",
		"hist.all":           "全部",
		"hist.col.started":   "开始",
		"hist.col.fw":        "版本",
		"hist.col.result":    "结果",
		"hist.col.batch":     "批次",
		"hist.col.status":    "状态",
		"hist.ended":         "结束",
		"hist.noevents":      "（无事件）",
		"hist.imeiprompt":    "IMEI：",
		"hist.imeiholder":    "扫码或输入 15 位数字；留空：全部",
		"hist.codeprompt":    "代码：",
		"hist.codeholder":    "平台代码或模块错误，如 26 或 -1004；留空：全部",

		"res.upgraded":    "已升级",
		"res.current":     "无需升级",
		"res.failed":      "失败",
		"res.held":        "暂缓",
		"res.cancelled":   "已取消",
		"res.interrupted": "中断",
		"res.running":     "进行中",

		"bst.running":     "进行中",
		"bst.done":        "完成",
		"bst.cancelled":   "已取消",
		"bst.interrupted": "中断",

		"det.log":     "日志记录",
		"det.nolog":   "日志中没有更早的记录。",
		"det.logmore": "… 另有 %d 条更早记录（h：历史）",

		"st.invalid":         "部分设置无效：请看红色提示。",
		"st.applied":         "设置已应用于此后开始的批次。",
		"st.saved":           "设置已应用并保存在 %s。",
		"st.notsaved":        "设置已应用，但无法保存到 %s：%v",
		"st.settingsbad":     "设置文件 %s 无法使用（%v）；已使用默认设置，文件保持原样。",
		"st.settingsrefused": "%s 中的设置未被应用：%v",
		"st.settingsloaded":  "已读取设置：%s。",
		"st.exporting":       "正在导出…",
		"st.exported":        "已导出到 %s",
		"st.exportfail":      "导出失败：%v",
		"st.badimei":         "%q 不是 IMEI：IMEI 为 15 位数字。",
		"st.badcode":         "%q 不是代码：请输入数字，如 26 或 -1004。",
	},
}
