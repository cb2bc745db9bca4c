package upgrade

import (
	"fmt"

	"airfleet/device"
)

// The findings of `airfleet doctor` (device.Diagnose), in English and
// Chinese: what was seen, and the exact fix.
var (
	MsgDoctorFix = msg("doctor.fix",
		"fix:",
		"解决:")
	MsgDoctorAllwell = msg("doctor.allwell",
		"all is well: nothing found that would keep modules from appearing or answering",
		"一切正常:未发现会妨碍模块出现或响应的问题")
	MsgDoctorProblems = msg("doctor.problems",
		"%d problems: fix them (above) and run airfleet doctor again",
		"发现 %d 个问题:请按上面的方法解决后再运行 airfleet doctor")
)

// The findings, found by the key a device.Finding names.
var doctorFindings = []*Message{
	msg("doctor.driver.ok",
		"the cdc_acm driver is loaded",
		"cdc_acm 驱动已加载"),
	msg("doctor.driver.missing",
		"the cdc_acm driver is not loaded (no /sys/module/cdc_acm): the modules get no /dev/ttyACM* ports",
		"cdc_acm 驱动未加载(没有 /sys/module/cdc_acm):模块不会出现 /dev/ttyACM* 端口"),
	msg("doctor.driver.fix",
		"sudo modprobe cdc_acm (if it is not found: sudo apt-get install linux-modules-extra-$(uname -r))",
		"sudo modprobe cdc_acm(若找不到该模块:sudo apt-get install linux-modules-extra-$(uname -r))"),
	msg("doctor.udev.ok",
		"a udev rule keeps ModemManager off the modules (%s)",
		"udev 规则已让 ModemManager 不碰模块(%s)"),
	msg("doctor.udev.missing",
		"no udev rule sets ENV{ID_MM_DEVICE_IGNORE}=\"1\" for %s (looked in %s): ModemManager may open the modules' AT ports",
		"没有 udev 规则为 %s 设置 ENV{ID_MM_DEVICE_IGNORE}=\"1\"(已查找 %s):ModemManager 可能会打开模块的 AT 端口"),
	msg("doctor.udev.fix",
		"sudo cp udev/99-airfleet.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger (the file is in airfleet's repository)",
		"sudo cp udev/99-airfleet.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger(该文件在 airfleet 代码仓库中)"),
	msg("doctor.groups.root",
		"running as root: every port may be opened",
		"以 root 运行:可以打开所有端口"),
	msg("doctor.groups.ok",
		"user %s is in the %s group",
		"用户 %s 在 %s 组中"),
	msg("doctor.groups.missing",
		"user %s is not in the %s group, which owns the modules' ports: the ports cannot be opened",
		"用户 %s 不在 %s 组中,而模块端口属于该组:无法打开端口"),
	msg("doctor.groups.fix",
		"sudo usermod -aG %s %s, then log out and in again",
		"sudo usermod -aG %s %s,然后注销并重新登录"),
	msg("doctor.groups.relogin",
		"user %s was added to the %s group after this session started: it does not count until the next login",
		"用户 %s 在本次登录之后才加入 %s 组:要到下次登录才生效"),
	msg("doctor.groups.relogin.fix",
		"log out and in again (or run newgrp %s in this terminal)",
		"注销并重新登录(或在本终端运行 newgrp %s)"),
	msg("doctor.mm.none",
		"ModemManager is not running",
		"ModemManager 未运行"),
	msg("doctor.mm.running",
		"ModemManager is running (PID %d) and holds no port of the modules",
		"ModemManager 正在运行(PID %d),未占用模块的端口"),
	msg("doctor.mm.holds",
		"ModemManager (PID %d) holds %s of the module in slot %s: airfleet cannot use it",
		"ModemManager(PID %d)占用了槽位 %[3]s 模块的 %[2]s:airfleet 无法使用"),
	msg("doctor.mm.fix",
		"install the udev rule (sudo cp udev/99-airfleet.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger), then sudo systemctl restart ModemManager; or sudo systemctl stop ModemManager",
		"安装 udev 规则(sudo cp udev/99-airfleet.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger),然后 sudo systemctl restart ModemManager;或 sudo systemctl stop ModemManager"),
	msg("doctor.mm.hidden",
		"ModemManager is running (PID %d), no udev rule keeps it off the modules, and as this user doctor cannot see which ports it holds",
		"ModemManager 正在运行(PID %d),没有 udev 规则让它不碰模块,且以当前用户无法看到它占用了哪些端口"),
	msg("doctor.mm.hidden.fix",
		"install the udev rule (sudo cp udev/99-airfleet.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger); sudo airfleet doctor shows what it holds",
		"安装 udev 规则(sudo cp udev/99-airfleet.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger);sudo airfleet doctor 可看到它占用的端口"),
	msg("doctor.brltty.none",
		"brltty is not running",
		"brltty 未运行"),
	msg("doctor.brltty",
		"brltty (a Braille display daemon, PID %d) is running: it claims USB serial ports as they appear",
		"brltty(盲文显示器服务,PID %d)正在运行:它会抢占新出现的 USB 串口"),
	msg("doctor.brltty.fix",
		"sudo systemctl stop brltty-udev brltty && sudo systemctl mask brltty-udev brltty (or sudo apt-get remove brltty if no Braille display is used)",
		"sudo systemctl stop brltty-udev brltty && sudo systemctl mask brltty-udev brltty(如不使用盲文显示器,也可 sudo apt-get remove brltty)"),
	msg("doctor.list.failed",
		"the modules could not be listed: %s",
		"无法列出模块:%s"),
	msg("doctor.modules.found",
		"%d modules found",
		"找到 %d 个模块"),
	msg("doctor.modules.none",
		"no modules found on USB",
		"USB 上未找到模块"),
	msg("doctor.modules.none.fix",
		"check the hub's power supply and cables, plug the modules in again, and run airfleet doctor again; lsusb should list 19d1:0001",
		"检查 USB hub 的电源和线缆,重新插好模块后再运行 airfleet doctor;lsusb 应能列出 19d1:0001"),
	msg("doctor.modules.nonedir",
		"no modules in the fleet directory %s",
		"舰队目录 %s 中没有模块"),
	msg("doctor.modules.nonedir.fix",
		"each module is a folder %[1]s/<slot>/ holding if06 (or if02), a link to its port; for the simulator: airfleet sim --dir %[1]s",
		"每个模块应是文件夹 %[1]s/<槽位>/,其中 if06(或 if02)链接到模块的端口;模拟器:airfleet sim --dir %[1]s"),
	msg("doctor.problem",
		"%s",
		"%s"),
	msg("doctor.problem.fix",
		"fix the module's folder in the fleet directory, or move it out",
		"请修正舰队目录中该模块的文件夹,或将其移出"),
	msg("doctor.download",
		"the module in slot %s is in download (boot) mode (USB %s): it has no AT port",
		"槽位 %s 的模块处于下载(boot)模式(USB %s):没有 AT 端口"),
	msg("doctor.download.fix",
		"power-cycle it (unplug it, wait 5 s, plug it in) without holding its BOOT key; if it stays in download mode, reflash it by cable",
		"断电重启(拔下,等 5 秒,再插上),不要按住 BOOT 键;若仍处于下载模式,请用数据线重新烧录"),
	msg("doctor.ports.ok",
		"every port of the modules may be opened",
		"模块的所有端口都可以打开"),
	msg("doctor.ports.nonode",
		"the module in slot %s has no device node %s",
		"槽位 %s 的模块没有设备节点 %s"),
	msg("doctor.ports.nonode.fix",
		"sudo udevadm trigger, or unplug the module and plug it in again",
		"sudo udevadm trigger,或拔下模块后重新插上"),
	msg("doctor.ports.unreadable",
		"the module in slot %s: %s cannot be read: %s",
		"槽位 %s 的模块:无法读取 %s:%s"),
	msg("doctor.ports.denied",
		"the module in slot %s: %s (group %s, mode %s) may not be opened by this user",
		"槽位 %s 的模块:当前用户无法打开 %s(组 %s,权限 %s)"),
	msg("doctor.ports.mode",
		"the module in slot %s: %s is group %s, mode %s, not group dialout, mode 0660: other users may not open it",
		"槽位 %s 的模块:%s 属于组 %s,权限 %s,而不是 dialout 组、0660:其他用户无法打开"),
	msg("doctor.open.none",
		"no other program holds a port of the modules",
		"没有其他程序占用模块的端口"),
	msg("doctor.open",
		"%s of the module in slot %s is open in %s (PID %d)",
		"槽位 %[2]s 模块的 %[1]s 被 %[3]s(PID %[4]d)打开"),
	msg("doctor.open.fix",
		"quit %s (kill %d if it does not answer)",
		"退出 %s(无响应时 kill %d)"),
	msg("doctor.inuse",
		"the module in slot %s is in use by airfleet PID %d",
		"槽位 %s 的模块正被 airfleet(PID %d)使用"),
	msg("doctor.inuse.fix",
		"let that airfleet finish, or quit it (PID %d); only one airfleet may drive a module",
		"等该 airfleet 完成,或退出它(PID %d);一个模块同时只能由一个 airfleet 操作"),
	msg("doctor.at.ok",
		"%d of %d modules answer AT and were identified",
		"%[2]d 个模块中有 %[1]d 个响应 AT 并已识别"),
	msg("doctor.at.denied",
		"the module in slot %s: permission denied on its AT port",
		"槽位 %s 的模块:没有权限打开其 AT 端口"),
	msg("doctor.at.denied.fix",
		"sudo usermod -aG dialout $USER, then log out and in again (see the groups finding)",
		"sudo usermod -aG dialout $USER,然后注销并重新登录(见 groups 一项)"),
	msg("doctor.at.busy",
		"the module in slot %s: its AT port is busy, held by another program",
		"槽位 %s 的模块:AT 端口被其他程序占用"),
	msg("doctor.at.busy.fix",
		"quit the program that holds it (see the port-open and modemmanager findings; sudo airfleet doctor sees every program)",
		"退出占用它的程序(见 port-open 和 modemmanager 两项;sudo airfleet doctor 可看到所有程序)"),
	msg("doctor.at.silent",
		"the module in slot %s does not answer AT: %s",
		"槽位 %s 的模块不响应 AT:%s"),
	msg("doctor.at.silent.fix",
		"power-cycle the module and check its cable; a module that still does not answer may run a LuatOS build, which has no AT port: flash AT firmware",
		"断电重启模块并检查线缆;仍不响应的模块可能运行的是 LuatOS 固件(没有 AT 端口):请烧录 AT 固件"),
	msg("doctor.imei.ok",
		"no two modules report the same IMEI",
		"没有两个模块报告相同的 IMEI"),
	msg("doctor.imei.same",
		"the modules in slots %s all report IMEI %s: airfleet tells modules apart by IMEI and would take one for another after a reboot",
		"槽位 %s 的模块都报告 IMEI %s:airfleet 依靠 IMEI 区分模块,重启后会把它们认错"),
	msg("doctor.imei.fix",
		"upgrade these modules one at a time (airfleet upgrade --imei …) and have their IMEIs set right by the supplier",
		"请逐个升级这些模块(airfleet upgrade --imei …),并请供应商更正其 IMEI"),
}

// doctorMessages finds the sentences above by the key a device.Finding
// names (device may not import the catalogue; TestDoctorMessages checks
// that every key it uses is here).
var doctorMessages = map[string]*Message{}

func init() {
	for _, m := range doctorFindings {
		doctorMessages[m.Key] = m
	}
}

// Say says m, a message of a device finding, in lang.
func Say(m device.Msg, lang string) string {
	if m.Key == "" {
		return ""
	}
	if d, ok := doctorMessages[m.Key]; ok {
		return d.In(lang, m.Args...)
	}
	return m.Key + fmt.Sprint(m.Args...) // not in the table: TestDoctorMessages fails
}
