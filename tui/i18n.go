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
		"st.notfound":  "IMEI %s is not in this batch.",
		"st.found":     "IMEI %s is in slot %s.",
		"st.done":      "Batch finished: %d passed, %d failed.",
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
		"st.notfound":  "IMEI %s 不在本批次中。",
		"st.found":     "IMEI %s 在槽位 %s。",
		"st.done":      "本批完成：成功 %d 个，失败 %d 个。",
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
	},
}
