package upgrade

// What is wrong with a delta map or a URL template (DeltaMapError), English
// then Chinese.
var (
	msgMapAt         = msg("map.at", "%s: %s", "%s:%s")
	msgFieldDeltaMap = msg("field.deltamap", ": %s line %d: %s", ":%s 第 %d 行:%s")
	msgMapAtLine     = msg("map.atline", "%s line %d: %s", "%s 第 %d 行:%s")
	msgMapUnreadable = msg("map.unreadable",
		"cannot read it (%v): give the path of your delta map (JSON)",
		"无法读取(%v):请给出差分包映射(JSON)的路径")
	msgMapSyntax = msg("map.syntax",
		"not JSON (%v): fix the syntax; a map looks like %s",
		"不是 JSON(%v):请修正语法;映射的样子如 %s")
	msgMapType = msg("map.type",
		"field %q holds a %s: give %s",
		"字段 %q 是 %s:请填%s")
	msgMapEarly = msg("map.early",
		"the JSON ends early: close every brace and bracket; a map looks like %s",
		"JSON 提前结束:请补全所有花括号和方括号;映射的样子如 %s")
	msgMapFound = msg("map.found",
		"found %v where %q belongs: a map looks like %s",
		"应为 %[2]q 的位置是 %[1]v:映射的样子如 %[3]s")
	msgMapUnknownTop = msg("map.unknowntop",
		"unknown field %v: the map holds only \"deltas\", a list; a map looks like %s",
		"未知字段 %v:映射只含 \"deltas\" 列表;映射的样子如 %s")
	msgMapUnknownField = msg("map.unknownfield",
		"%s: an entry has firmware, from, to, url and file",
		"%s:条目只有 firmware、from、to、url 和 file")
	msgMapTrailing = msg("map.trailing",
		"text after the map's closing brace: remove it",
		"映射的右花括号之后还有内容:请删除")
	msgMapEmpty = msg("map.empty",
		"lists no delta: add entries such as %s",
		"没有列出任何差分包:请添加条目,如 %s")
	msgMapFirmwareMissing = msg("map.firmware.missing",
		`"firmware" is missing: give the firmware name as the module reports it without "_V<core>", e.g. AirM2M_780EP_LTE_AT`,
		`缺少 "firmware":请填模块报告的固件名(去掉 "_V<版本>"),如 AirM2M_780EP_LTE_AT`)
	msgMapFirmwareBad = msg("map.firmware.bad",
		`"firmware" %q: give the firmware name as the module reports it without "_V<core>", e.g. AirM2M_780EP_LTE_AT`,
		`"firmware" %q:请填模块报告的固件名(去掉 "_V<版本>"),如 AirM2M_780EP_LTE_AT`)
	msgMapFrom = msg("map.from",
		`"from" %d: give the core version the delta was made from, e.g. 1006`,
		`"from" %d:请填制作差分包所用的基础内核版本,如 1006`)
	msgMapTo = msg("map.to",
		`"to" %d: give the core version the delta leads to, higher than "from" %d (FOTA does not downgrade)`,
		`"to" %d:请填差分包升到的内核版本,须高于 "from" %d(FOTA 不能降级)`)
	msgMapNowhere = msg("map.nowhere",
		`the entry has neither "url" nor "file": give the delta's URL on your server (or its file, relative to this map)`,
		`条目既没有 "url" 也没有 "file":请填差分包在您服务器上的 URL(或相对于本映射的文件)`)
	msgMapURL     = msg("map.url", `"url": %s`, `"url" 有误:%s`)
	msgMapFileAbs = msg("map.fileabs",
		`"file" %q: give a path relative to the map file`,
		`"file" %q:请填相对于映射文件的路径`)
	msgMapSecond = msg("map.second",
		"a second delta for %s from %d (the first is on line %d): a module at one version takes one delta; remove one",
		"%s 从 %d 起的第二个差分包(第一个在第 %d 行):一个版本的模块只取一个差分包;请删除一个")
	msgMapFileUnreadable = msg("map.file.unreadable",
		`"file" %q cannot be read (%v): give the delta's path relative to the map, or a "url" this host can fetch`,
		`"file" %q 无法读取(%v):请填相对于映射的差分包路径,或本机可下载的 "url"`)
	msgMapFileIrregular = msg("map.file.irregular",
		`"file" %q is not a regular file: give the delta file's path relative to the map`,
		`"file" %q 不是普通文件:请填相对于映射的差分包文件路径`)
	msgTplTarget = msg("tpl.target",
		"needs --target: the template's {to} is the core version wanted, e.g. --target 1007",
		"需要 --target:模板的 {to} 是目标内核版本,如 --target 1007")
	msgTplBrace = msg("tpl.brace",
		"%q has a { with no }: use {firmware}, {from} and {to}",
		"%q 中的 { 没有对应的 }:请用 {firmware}、{from} 和 {to}")
	msgTplName = msg("tpl.name",
		"%q names %s: use {firmware}, {from} and {to}",
		"%q 中有 %s:请用 {firmware}、{from} 和 {to}")
	msgTplNoFrom = msg("tpl.nofrom",
		"%q has no {from}: a delta fits one base version, so each base needs its own file; put {from} (and {firmware}) in the path",
		"%q 中没有 {from}:差分包只适用于一个基础版本,每个基础版本需要自己的文件;请在路径中放入 {from}(和 {firmware})")
	msgJSONInt    = msg("json.int", "a whole number such as 1007", "整数,如 1007")
	msgJSONString = msg("json.string", "a string in double quotes", "双引号中的字符串")
	msgJSONOther  = msg("json.other", "a %s", "%s")
)
