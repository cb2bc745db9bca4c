package upgrade

import (
	"fmt"
	"sort"
)

// Policy is what the console does about a code.
type Policy int

// Policies.
const (
	PolicyFail      Policy = iota // fail the module, explain, no retry
	PolicyWaitRetry               // wait (growing, bounded) and ask again: the platform is busy (43)
	PolicyStop                    // stop at once, no retry: asking again makes it worse (40)
	PolicyRetryOnce               // one more try, then fail
	PolicyCurrent                 // success when the module is at the target, else fail (27)
)

func (p Policy) String() string {
	return [...]string{"fail, no retry", "wait and retry", "stop at once", "retry once", "success if at target"}[p]
}

// RetryRule says whether a bulk retry (the console's r, --retry-failed)
// may ask again after a failure with this code. Starting a module by name
// (S on its row, --imei) always may: that is the operator's decision.
type RetryRule int

// Retry rules.
const (
	RetryFree        RetryRule = iota // the cause can pass by itself: retry
	RetryAfterChange                  // the same mode, key, URL and target get the same answer: retry only after a change
	RetryNever                        // a person must act at the platform first (40): never in bulk
)

// In names the policy in lang ("zh" or "en"; anything else is English).
func (p Policy) In(lang string) string {
	if lang == "zh" {
		return [...]string{"失败,不重试", "等待后重试", "立即停止", "重试一次", "已到目标版本即为成功"}[p]
	}
	return p.String()
}

// Text is one code's words in one language.
type Text struct {
	Title       string // what it is, in a few words
	Explanation string // what it means and why it happens
	Remedy      string // what the operator does
}

// CodeInfo is one entry of the catalogue: a platform response code (3 … 44),
// a module error (-1000 … -1006), or an error of local mode (-2001 … -2020).
type CodeInfo struct {
	Code     int
	Platform string // the platform's own log text (platform codes only)
	Policy   Policy
	Retry    RetryRule
	// Means is, for a module error, the platform code it stands for when
	// it comes before any download and the platform gave no code of its
	// own: the module prints -1003 for 43 (spec §3).
	Means int
	// Ending is the engine's sentence when this code ends a module (nil:
	// the catalogue's explanation, MsgCode.With(Code)).
	Ending *Message
	// AfterDownload is the sentence when the code comes after
	// the download started (-1003: the delta was invalid or too big),
	// given the highest progress seen.
	AfterDownload *Message
	// AfterCheckedDownload is the sentence when the code comes after the
	// download of a delta whose size this host checked against the FOTA
	// area (URL mode): what is left is a delta made for another base, or
	// a damaged file. It takes the progress, the module's version, the
	// URL and where the delta was given.
	AfterCheckedDownload *Message
	ZH, EN               Text
}

// Text returns the entry's words in lang ("zh" or "en"; anything else is English).
func (c CodeInfo) Text(lang string) Text {
	if lang == "zh" {
		return c.ZH
	}
	return c.EN
}

// IsPlatform reports whether the code is the IoT platform's (not the module's).
func (c CodeInfo) IsPlatform() bool { return c.Code > 0 }

var catalogue = map[int]CodeInfo{
	3: {Code: 3, Platform: "无效的设备", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"无效的设备", "请求里没有有效的 IMEI(参数名必须是小写 imei),多见于定制固件。", "把固件字符串(ATI)发给合宙技术支持。"},
		EN: Text{"invalid device", "The request carried no valid IMEI (the parameter must be named imei, lower case); usually custom firmware.", "Contact Luat support with the firmware string (ATI)."}},
	17: {Code: 17, Platform: "无权限", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"无权限", "设备、固件和项目 key 不属于同一个账户:模块登记在别的账户下。", "请合宙技术支持查出该 IMEI 所在账户,核实后迁移设备归属。"},
		EN: Text{"no permission", "The device, the firmware and the project key do not belong to one account: the module is registered under another account.", "Ask Luat support which account holds the IMEI, then have it moved."}},
	21: {Code: 21, Platform: "不允许升级", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"不允许升级", "不允许从当前版本跳到这个版本(例如跨基线)。", "选择允许的升级路径,分步升级。"},
		EN: Text{"not allowed", "This version jump is not allowed (for example across baselines).", "Choose an allowed path; upgrade in steps."}},
	25: {Code: 25, Platform: "未找到项目", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"未找到项目", "项目 key 对不上任何项目,或模块不在该 key 的账户下。", "核对 key(AT+UPGRADE=\"KEY\")是否有拼写错误,核对模块归属;不在本人账户下请联系合宙。"},
		EN: Text{"invalid project", "The project key matches no project, or the module is not in the key's account.", "Check the key (AT+UPGRADE=\"KEY\") for typos and check who owns the module; contact Luat if it is not in your account."}},
	26: {Code: 26, Platform: "找不到固件", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"找不到固件", "项目里没有与模块固件名相同的固件:上传的是别的型号或变体,或文件被改名。", "上传匹配的 *.dfota.bin;对照设备的固件名与平台上的固件名(除版本号外必须完全一致)。"},
		EN: Text{"invalid firmware", "The project has no firmware with the module's firmware name: the upload is another model or variant, or the file was renamed.", "Upload the matching *.dfota.bin; compare the device's firmware name with the platform's (identical apart from the version)."}},
	27: {Code: 27, Platform: "已是最新版本", Policy: PolicyCurrent, Retry: RetryAfterChange,
		ZH: Text{"已是最新版本", "平台没有更新的版本可给:设备版本不低于平台版本,或设备不在升级配置的 IMEI 列表里,或“是否升级”/“升级全部设备”为否。", "模块低于目标版本时:在平台的升级配置里加入该 IMEI 或打开升级开关。"},
		EN: Text{"already latest", "The platform offers nothing newer: the device is at or above the platform's version, or not in the config's IMEI list, or \"allow upgrade\" / \"upgrade all devices\" is off.", "If the module is below the target: add the IMEI to the upgrade config or enable upgrading on the platform."}},
	40: {Code: 40, Platform: "检测到循环升级", Policy: PolicyStop, Retry: RetryNever, Ending: msgFailedBanned,
		ZH: Text{"循环升级,已禁止", "该 IMEI 一天内请求太频繁(约六次),被平台禁止升级。", "在平台设备列表里解除禁止,再查明之前失败的原因;不要反复重试。"},
		EN: Text{"loop upgrade, banned", "The IMEI asked too often (about six times in a day) and the platform banned it.", "Lift the ban in the platform's device list, then fix what made it fail; do not retry in a loop."}},
	43: {Code: 43, Platform: "正在生成版本,请等待", Policy: PolicyWaitRetry, Retry: RetryFree,
		ZH: Text{"正在生成差分包", "平台正在为这个版本对生成差分包,首次请求时出现。", "无需操作:一到三分钟后会自动重试。"},
		EN: Text{"please wait", "The platform is still making the delta for this base → target pair; this happens on the first request.", "Nothing: the console waits 1–3 minutes and asks again."}},
	44: {Code: 44, Platform: "基础CORE版本缺失", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"基础版本缺失", "平台没有模块当前的固件,无法做差分(多为定制或少见的出厂固件)。", "请合宙技术支持添加基础固件(需提供定制固件邮件)。"},
		EN: Text{"base version missing", "The platform does not have the module's current firmware to diff against (custom or unusual factory firmware).", "Ask Luat support to add the base firmware (needs the custom-firmware mail)."}},

	-1000: {Code: -1000, Platform: "", Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"URL 无效", "模块拒绝了这个 URL。", "检查 URL 的协议、长度和字符。"},
		EN: Text{"invalid URL", "The module refused the URL.", "Check the URL's scheme, length and characters."}},
	-1001: {Code: -1001, Platform: "", Policy: PolicyRetryOnce, Retry: RetryFree,
		ZH: Text{"没有数据连接", "模块没有数据连接。", "检查 SIM 卡、天线和 AT+CEREG?;模块注册上网络后可重试。"},
		EN: Text{"no data connection", "The module has no data connection.", "Check the SIM, the antenna and AT+CEREG?; retry once the module is registered."}},
	-1002: {Code: -1002, Platform: "", Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"连不上服务器", "模块连不上服务器。", "检查 URL 的主机和端口、服务器本身、APN 的防火墙。"},
		EN: Text{"server unreachable", "The module cannot connect to the server.", "Check the URL's host and port, the server, and the APN's firewall."}},
	-1003: {Code: -1003, Platform: "", Policy: PolicyFail, Retry: RetryFree, Means: 43, AfterDownload: msgFailedToobig, AfterCheckedDownload: msgFailedWrongbase,
		ZH: Text{"固件无效", "没有任何进度就出现时几乎总是平台码 43(差分包还在生成);下载到 100% 后出现时,差分包无效或超出模块的 FOTA 区(约 480 KB)。", "进度前:等待后重试;100% 后:分多个小版本逐步升级。"},
		EN: Text{"invalid firmware", "Before any progress it is almost always platform code 43 (delta still being made); after 100 % the delta is invalid or too big for the module's FOTA area (about 480 KB).", "Before progress: wait and retry. After 100 %: upgrade in smaller version steps."}},
	-1004: {Code: -1004, Platform: "", Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"HTTP 响应错误", "服务器回了错误:平台码见 AT+UPGRADE?;自建服务器的 404 表示文件路径错。", "按平台码处理;自建服务器请核对文件路径。"},
		EN: Text{"HTTP response error", "The server answered with an error: the platform code is in AT+UPGRADE?; a custom server's 404 means a wrong file path.", "Act on the platform code; on your own server, check the file path."}},
	-1005: {Code: -1005, Platform: "", Policy: PolicyRetryOnce, Retry: RetryFree,
		ZH: Text{"写 flash 失败", "固件无法写入 flash。", "重试一次;再失败则模块需要有线重新烧录。"},
		EN: Text{"flash write failed", "The firmware could not be stored in flash.", "Retry once; if it repeats, the module needs a wired re-flash."}},
	-1006: {Code: -1006, Platform: "", Policy: PolicyRetryOnce, Retry: RetryFree,
		ZH: Text{"其他错误", "未知的模块错误。", "重试一次,再失败请带着 AT 记录上报。"},
		EN: Text{"other error", "Unknown module error.", "Retry once, then escalate with the AT transcript."}},

	// Local mode: AT+UARTUPGRADE's error n is -2000-n (the console's
	// numbering; the module prints "+UARTUPGRAE ERROR: n").
	-2001: {Code: -2001, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:参数错误", "模块认为 AT+UARTUPGRADE 的参数有误。", "重试;再次出现请带着 AT 记录上报(可能是该固件的命令格式不同)。"},
		EN: Text{"local: parameter error", "The module found an AT+UARTUPGRADE parameter wrong.", "Retry; if it repeats, escalate with the AT transcript (this build may expect another format)."}},
	-2002: {Code: -2002, Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"串口升级:命令不支持", "此固件不支持这一步 AT+UARTUPGRADE。", "改用空中升级(iot、key 或 url 模式),或先把模块升级到支持串口升级的版本(EC618,1155 版起)。"},
		EN: Text{"local: not supported", "This build does not support this AT+UARTUPGRADE step.", "Upgrade over the air (mode iot, key or url), or first bring the module to a build that has it (EC618, core 1155 or later)."}},
	-2003: {Code: -2003, Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"串口升级:文件大小不对", "差分包的大小不被接受:多半超出了模块的 FOTA 区。", "制作更小的差分包(每步跨越更少版本),在映射里分步。"},
		EN: Text{"local: wrong file size", "The module does not accept the delta's size: most often it is bigger than its FOTA area.", "Make smaller deltas (fewer versions per step) and chain them in the map."}},
	-2004: {Code: -2004, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:分段编号不连续", "分段编号不是从 0 开始或不连续:写入中途断开过(拔出、重启)。", "重新开始:控制台会先擦除再从第 0 段写起。"},
		EN: Text{"local: segments out of order", "The segment numbers did not start at 0 or skipped one: the transfer was broken (unplugged, rebooted).", "Start again: the console erases and writes from segment 0."}},
	-2005: {Code: -2005, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:校验和错误", "分段的 XOR 校验不符:数据在线路上出错。", "控制台会重发一次;反复出现请检查 USB 线和 Hub。"},
		EN: Text{"local: checksum failed", "A segment's XOR checksum did not match: bytes were damaged on the line.", "The console resends once; if it repeats, check the USB cable and the hub."}},
	-2006: {Code: -2006, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:未擦除", "写入前 FOTA 下载区没有擦除。", "重新开始:控制台会先擦除。"},
		EN: Text{"local: area not erased", "The FOTA download area was not erased before writing.", "Start again: the console erases first."}},
	-2007: {Code: -2007, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:擦除失败", "模块擦除 FOTA 下载区失败。", "重试一次;反复出现则模块的 flash 可能有问题,需有线重新烧录。"},
		EN: Text{"local: erase failed", "The module could not erase its FOTA download area.", "Retry once; if it repeats the module's flash may be failing: re-flash it by wire."}},
	-2008: {Code: -2008, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:写入失败", "差分包写入 flash 失败。", "控制台会重发一次;反复出现则需有线重新烧录。"},
		EN: Text{"local: write failed", "The delta could not be written to flash.", "The console resends once; if it repeats, re-flash the module by wire."}},
	-2009: {Code: -2009, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:读取失败", "模块读取 FOTA 区失败。", "重试;反复出现请带着 AT 记录上报。"},
		EN: Text{"local: read failed", "The module could not read its FOTA area.", "Retry; if it repeats, escalate with the AT transcript."}},
	-2010: {Code: -2010, Policy: PolicyFail, Retry: RetryFree,
		ZH: Text{"串口升级:区中无文件", "FOTA 区里没有找到差分包(写入失败,或校验前被断开)。", "重新开始:控制台会擦除后重写。"},
		EN: Text{"local: no file in the area", "No delta was found in the FOTA area (a write failed, or the module was cut off before verification).", "Start again: the console erases and writes it again."}},
	-2020: {Code: -2020, Policy: PolicyFail, Retry: RetryAfterChange,
		ZH: Text{"串口升级:校验未通过", "模块校验差分包未通过:差分包是为别的基础版本或别的固件制作的,或超出 FOTA 区,或文件已损坏。未应用。", "核对映射中该固件名与起始版本对应的差分包;用差分工具按模块当前版本重新制作。"},
		EN: Text{"local: verification failed", "The module did not verify the delta: it was made for another base version or firmware, is too big for the FOTA area, or is damaged. Nothing was applied.", "Check the map's delta for this firmware name and base version; make it again from the module's current version."}},
}

// Lookup returns the catalogue entry of a platform code or module error.
func Lookup(code int) (CodeInfo, bool) {
	c, ok := catalogue[code]
	return c, ok
}

// Codes returns every entry: platform codes ascending, then module errors
// from -1000 down.
func Codes() []CodeInfo {
	out := make([]CodeInfo, 0, len(catalogue))
	for _, c := range catalogue {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Code, out[j].Code
		if (a > 0) != (b > 0) {
			return a > 0
		}
		if a > 0 {
			return a < b
		}
		return a > b
	})
	return out
}

// Explain returns the words for a result's code in lang: the platform code
// when there is one, else the module error. ok is false when neither is known.
func Explain(code, moduleErr int, lang string) (title, explanation, remedy string, ok bool) {
	for _, c := range []int{code, moduleErr} {
		if info, found := catalogue[c]; found && c != 0 {
			t := info.Text(lang)
			return fmt.Sprintf("%d %s", c, t.Title), t.Explanation, t.Remedy, true
		}
	}
	return "", "", "", false
}
