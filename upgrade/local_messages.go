package upgrade

// The sentences of local mode (AT+UARTUPGRADE), English then Chinese.

var (
	msgModeLocal = msg("mode.local",
		"local (AT port)",
		"串口升级")
	msgLocalCheck = msg("local.check",
		"delta %d → %d from %s, checked on this host",
		"差分包 %d → %d(%s),已在本机检查")
	msgLocalNolimit = msg("local.nolimit",
		"the delta %s is %s; the FOTA area of %s is unknown, so its size is not checked: the module may refuse it at verification",
		"差分包 %s 有 %s;%s 的 FOTA 区大小未知,未检查大小:模块可能在校验时拒绝")
	msgLocalOthersim = msg("local.othersim",
		"upgrade it over the air instead (mode iot, key or url: it has a SIM)",
		"请改用空中升级(iot、key 或 url 模式:它有 SIM 卡)")
	msgLocalOthernosim = msg("local.othernosim",
		"upgrade it over the air instead (mode iot, key or url) once it has a SIM card and a network, or with Luatools over USB",
		"请在插入 SIM 卡并注册网络后改用空中升级(iot、key 或 url 模式),或用 Luatools 通过 USB 下载")
	msgLocalErase = msg("local.erase",
		"erasing the FOTA area for a %s delta (AT+UARTUPGRADE=0)",
		"擦除 FOTA 区,准备写入 %s 的差分包(AT+UARTUPGRADE=0)")
	msgLocalProgress = msg("local.progress",
		"written: %d%% (%s of %s)",
		"已写入 %d%%(%s / %s)")
	msgLocalResend = msg("local.resend",
		"segment %d refused (error %d: %s): sending it once more",
		"第 %d 段被拒绝(错误 %d:%s):重发一次")
	msgLocalRestart = msg("local.restart",
		"AT+UARTUPGRADE=%d failed (error %d: %s): starting again from the erase",
		"AT+UARTUPGRADE=%d 失败(错误 %d:%s):从擦除开始重来")
	msgLocalRestarttimeout = msg("local.restarttimeout",
		"no answer in time (%s): starting again from the erase",
		"未及时答复(%s):从擦除开始重来")
	msgLocalVerify = msg("local.verify",
		"delta written: the module verifies it (AT+UARTUPGRADE=2)",
		"差分包已写入:模块正在校验(AT+UARTUPGRADE=2)")
	msgLocalApplying = msg("local.applying",
		"verified: the module applies the delta and reboots, about two minutes (waiting up to %s)",
		"校验通过:模块正在应用差分包并重启,约两分钟(最多等待 %s)")
	msgLocalApplyunsure = msg("local.applyunsure",
		"the apply command got no clear answer (%s): following the module as if it applies",
		"应用命令没有明确答复(%s):按正在升级继续跟踪模块")
	msgFailedLocalverify = msg("failed.localverify",
		"the module did not accept the delta: verification says %s (%s); nothing applied, the module runs its old firmware",
		"模块不接受该差分包:校验结果 %s(%s);未应用,模块仍运行旧固件")
	msgFailedLocalstay = msg("failed.localstay",
		"the module was told to apply its delta but had not rebooted after %s: power-cycle it and scan again; its version decides",
		"已让模块应用差分包,但 %s 后仍未重启:请给模块断电重启后重新扫描,以其版本为准")
	msgFailedUart = msg("failed.uart",
		"AT+UARTUPGRADE=%d failed with error %d: %s",
		"AT+UARTUPGRADE=%d 失败,错误 %d:%s")
	msgHeldNouart = msg("held.nouart",
		"this build (%s) cannot be written through its AT port (AT+UARTUPGRADE: EC618 modules, standard AT and LPAT builds from core 1155): nothing written; %s",
		"此固件(%s)不支持通过 AT 口写入(AT+UARTUPGRADE:EC618 模块,标准 AT 和 LPAT 固件,1155 版起):未写入任何内容;%s")
	msgHeldLocalbig = msg("held.localbig",
		"the delta %s is %s, more than the %s FOTA area (%s): the module would refuse it; nothing written; make smaller deltas (fewer versions per step)",
		"差分包 %s 有 %s,超过 %s 的 FOTA 区(%s):模块会拒绝;未写入任何内容;请制作更小的差分包(每步跨越更少版本)")
	msgHeldLocalsize = msg("held.localsize",
		"the delta (%s) cannot be cut into AT+UARTUPGRADE segments (%s): nothing more written",
		"差分包(%s)无法切分为 AT+UARTUPGRADE 分段(%s):不再写入")
	msgHeldLocalfile = msg("held.localfile",
		"the delta file %s cannot be read (%v): nothing written; check the map's \"file\" (relative to the map)",
		"无法读取差分包文件 %s(%v):未写入任何内容;请核对映射中的 \"file\"(相对于映射文件)")
	msgHeldLocalempty = msg("held.localempty",
		"the delta file %s is empty: nothing written; put the delta there",
		"差分包文件 %s 是空的:未写入任何内容;请放入差分包")
	msgHeldLocalhuge = msg("held.localhuge",
		"%s is bigger than %s: not a delta (a FOTA area holds about 480 KB); nothing written; check the map",
		"%s 大于 %s:不是差分包(FOTA 区约 480 KB);未写入任何内容;请核对映射")
	msgHeldLocalstatus = msg("held.localstatus",
		"the delta URL %s answers %s: nothing written; check the file's path on your server",
		"差分包 URL %s 返回 %s:未写入任何内容;请核对服务器上的文件路径")
	msgCancelledLocal = msg("cancelled.local",
		"cancelled %s; nothing applied: the module runs its old firmware",
		"已取消(%s);未应用:模块仍运行旧固件")
	msgWhenWrite = msg("when.write",
		"while writing the delta",
		"写入差分包时")
)
