package platform

// Code is a platform response code, carried in the JSON body of an error
// answer: {"code": 27, "msg": "已是最新版本"}.
type Code int

// The platform's response codes, from the vendor guide's table.
const (
	CodeOK           Code = 0  // not sent: a success is HTTP 200 with the delta
	CodeInvalidIMEI  Code = 3  // 无效的设备: no valid "imei" parameter
	CodeNoPermission Code = 17 // 无权限: device, firmware and key not in one account
	CodeNotAllowed   Code = 21 // 不允许升级: this version jump is not allowed
	CodeNoProject    Code = 25 // 未找到项目: no such project, or the module is not in it
	CodeNoFirmware   Code = 26 // 找不到固件: the project has no firmware of this name
	CodeLatest       Code = 27 // 已是最新版本: nothing newer for this device
	CodeBanned       Code = 40 // 检测到循环升级: too many requests today, banned
	CodeGenerating   Code = 43 // 正在生成版本,请等待: the delta is being made
	CodeBaseMissing  Code = 44 // 基础CORE版本缺失: the device's version is not uploaded
)

// messages are the platform's texts, from the "云平台日志结果" column of the
// guide. The guide's column for 21 reads just "21"; the console's catalogue
// names it 不允许升级, which is what a person needs to read.
var messages = map[Code]string{
	CodeInvalidIMEI:  "无效的设备",
	CodeNoPermission: "无权限",
	CodeNotAllowed:   "不允许升级",
	CodeNoProject:    "未找到项目",
	CodeNoFirmware:   "找不到固件",
	CodeLatest:       "已是最新版本",
	CodeBanned:       "检测到循环升级 (已禁止升级,请到设备列表解除)",
	CodeGenerating:   "正在生成版本,请等待",
	CodeBaseMissing:  "基础CORE版本缺失",
}

// Msg returns the platform's text for c, or "" for a code it never sends.
func (c Code) Msg() string { return messages[c] }
