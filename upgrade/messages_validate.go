package upgrade

import (
	"errors"

	"airfleet/device"
)

// What is wrong with a setting, said after the setting's name (the CLI's
// flag, the settings file's field, the console's label): FieldError.
// English first, then Chinese; a leading space or colon joins the name.
var (
	// What the command line says of a flag given as zero or less.
	MsgFixConcurrency = msg("fix.concurrency",
		"give 1 or more, or leave it out to upgrade every module at once",
		"请填 1 或更大,或不填以同时升级全部模块")
	MsgFixBudget = msg("fix.budget",
		"give 1 or more requests per IMEI per 24 h (the platform bans at about six)",
		"请填每个 IMEI 每 24 小时 1 次或更多请求(平台约在六次时封禁)")
	MsgFixDuration = msg("fix.duration",
		"give a positive duration such as %s",
		"请填正的时长,如 %s")

	msgFieldIoTKey = msg("field.iotkey",
		" iot uses the default project: give no key and no URL (use mode key or mode url)",
		" iot 使用默认项目:不要填写 key 和 URL(请改用 key 模式或 url 模式)")
	msgFieldMode = msg("field.mode",
		" %q: give iot (the IoT platform's default project), key (your project key), url (your own server) or local (the delta written through the AT port)",
		" %q:请填 iot(IoT 平台的默认项目)、key(您的项目 key)、url(您自己的服务器)或 local(通过 AT 口写入差分包)")
	msgFieldLocalNoMap = msg("field.local.nomap",
		": local mode writes each module the delta for its own base: give --deltas FILE, a delta map whose entries have a \"file\" (or a \"url\" the host fetches)",
		":串口升级为每个模块写入其基础版本的差分包:请给 --deltas FILE,映射中的条目要有 \"file\"(或本机可下载的 \"url\")")
	msgFieldLocalURL = msg("field.local.url",
		": local mode takes its deltas from --%s, not --url",
		":串口升级的差分包来自 --%s,不用 --url")
	msgFieldLocalKey = msg("field.local.key",
		" local asks no platform: give no key",
		" local 不访问平台:不要填写 key")
	msgFieldValue = msg("field.value", ": %s", ":%s")
	msgFieldURL   = msg("field.url",
		": %s (or give --deltas FILE, a delta per base version)",
		":%s(或用 --deltas FILE,为每个基础版本给一个差分包)")
	msgFieldTarget = msg("field.target",
		" %d: give a core version such as 1007, or 0 for whatever the platform offers",
		" %d:请填内核版本号(如 1007),或填 0 表示由平台决定")
	msgFieldConcurrency = msg("field.concurrency",
		" %d: give 1 or more (0 = all at once)",
		" %d:请填 1 或更大(0 = 全部同时)")
	msgFieldCanary = msg("field.canary",
		" %d: give 0 (no canary) or more",
		" %d:请填 0(不用先行模块)或更大")
	msgFieldPauseRate = msg("field.pauserate",
		" %v: give a share between 0 (never pause) and 1",
		" %v:请填 0(从不暂停)到 1 之间的比例")
	msgFieldBudget = msg("field.budget",
		" %d: give 1 or more",
		" %d:请填 1 或更大")
	msgFieldBudgetMax = msg("field.budgetmax",
		" %d: the platform bans an IMEI that asks about six times a day (code 40); give %d or less, or add --force to allow it for this run",
		" %d:一天请求约六次的 IMEI 会被平台封禁(代码 40);请填 %d 或更小,或加 --force 仅本次允许")
	msgFieldDuration = msg("field.duration",
		" %v: give a positive duration such as 90s",
		" %v:请填正的时长,如 90s")
	msgFieldName = msg("field.name", " %q: %s", " %q:%s")
	msgNameLong  = msg("field.name.long",
		"longer than %d characters: give a shorter name",
		"超过 %d 个字符:请用更短的名字")
	msgNameControl = msg("field.name.control",
		"holds the control character %U: give letters, digits and spaces",
		"含有控制字符 %U:请只用字母、数字和空格")
	msgFieldDeltasBoth = msg("field.deltas.both",
		": give --url (one delta for every module) or --%s (a delta per base version), not both",
		":请给 --url(所有模块一个差分包)或 --%s(每个基础版本一个差分包),不要两个都给")
	msgFieldDeltasTarget = msg("field.deltas.target",
		": made for target %d, the batch's is %d: give --target %[1]d",
		":它是为目标 %d 制作的,本批的目标是 %d:请给 --target %[1]d")
	msgFieldHandoffURLKeep = msg("field.handoffurl.keep",
		" keep: a delta fits one base version, so a URL kept in a module fails at its next check once it is upgraded (-1003 after a full download); give clear, or nothing",
		" keep:差分包只适用于一个基础版本,模块里保留的 URL 会在升级后的下次检查时失败(完整下载后 -1003);请填 clear,或不填")
	msgFieldKeepClear = msg("field.keepclear", " %q: give keep or clear", " %q:请填 keep 或 clear")
	msgFieldOnOff     = msg("field.onoff",
		" %q: give on or off (or nothing: as the module came)",
		" %q:请填 on 或 off(或不填:保持模块原样)")
	msgFieldPeriod = msg("field.period",
		" %d: give %d … %d seconds (86400 is a day), or 0 to leave it",
		" %d:请填 %d … %d 秒(86400 为一天),或填 0 不改")
)

// valueReasons say device's ValueError reasons (a key or a URL that must
// not reach an AT command line) in both languages. The English is
// device's own (device.ReasonEnglish), so the driver's errors and the
// catalogue cannot drift apart.
var valueReasons = map[device.Reason]*Message{
	device.KeyEmpty:    msg("value.key.empty", device.ReasonEnglish[device.KeyEmpty], "项目 key 为空:请从 IoT 平台的项目页面复制"),
	device.KeyTooLong:  msg("value.key.long", device.ReasonEnglish[device.KeyTooLong], "项目 key %q 长 %d 个字符(最多 64;平台的 key 为 32 个):请从 IoT 平台重新复制"),
	device.KeyBadChar:  msg("value.key.char", device.ReasonEnglish[device.KeyBadChar], "项目 key %[1]q 第 %[3]d 个字符是%[2]s:key 只含字母和数字;请从 IoT 平台重新复制"),
	device.URLEmpty:    msg("value.url.empty", device.ReasonEnglish[device.URLEmpty], "URL 为空:请填写差分包文件在您服务器上的 http(s) 地址"),
	device.URLTooLong:  msg("value.url.long", device.ReasonEnglish[device.URLTooLong], "URL 长 %d 个字符;模块最多接受 255 个"),
	device.URLBadChar:  msg("value.url.char", device.ReasonEnglish[device.URLBadChar], "URL %[1]q 第 %[3]d 个字符是%[2]s,无法放进 AT 命令:请把它编码为 %%%02[4]X,或重命名文件"),
	device.URLUnparsed: msg("value.url.parse", device.ReasonEnglish[device.URLUnparsed], "URL %q 无法解析"),
	device.URLScheme:   msg("value.url.scheme", device.ReasonEnglish[device.URLScheme], "URL %q 必须以 http:// 或 https:// 开头(只有较新的固件支持 HTTPS)"),
	device.URLNoHost:   msg("value.url.host", device.ReasonEnglish[device.URLNoHost], "URL %q 没有主机名"),
}

// Characters a ValueError names, in both languages.
var (
	msgCharQuote = msg("char.quote", "a double quote", "双引号")
	msgCharCR    = msg("char.cr", "a carriage return", "回车符")
	msgCharLF    = msg("char.lf", "a line feed", "换行符")
	msgCharSpace = msg("char.space", "a space", "空格")
	msgCharByte  = msg("char.byte", "the byte 0x%02x", "字节 0x%02x")
	msgCharOther = msg("char.other", "%q", "字符 %q")
)

// charSentence names a character as device.Char does, in either language.
func charSentence(c device.Char) Sentence {
	switch b := byte(c); {
	case b == '"':
		return msgCharQuote.With()
	case b == '\r':
		return msgCharCR.With()
	case b == '\n':
		return msgCharLF.With()
	case b == ' ':
		return msgCharSpace.With()
	case b < ' ' || b >= 0x7f:
		return msgCharByte.With(b)
	default:
		return msgCharOther.With(string(rune(b)))
	}
}

// valueSentence says err in either language: a device.ValueError through
// the catalogue, any other error as it is.
func valueSentence(err error) Sentence {
	var ve *device.ValueError
	if !errors.As(err, &ve) {
		return Verbatim(err.Error())
	}
	m, ok := valueReasons[ve.Reason]
	if !ok {
		return Verbatim(err.Error())
	}
	args := make([]any, len(ve.Args))
	for i, a := range ve.Args {
		if c, ok := a.(device.Char); ok {
			a = charSentence(c)
		}
		args[i] = a
	}
	return m.With(args...)
}
