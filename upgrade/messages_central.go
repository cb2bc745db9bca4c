package upgrade

// The central log's words: what airfleet sync, stats and the background
// push say to the operator. store/central reports facts (an *Error with
// its Fault, a PushStatus); package main says them with these messages.
var (
	// What is wrong with the central database or its URL (central.Fault).
	MsgCentralFileMissing = msg("central.file.missing",
		"central file %s: %s: give the file that holds the central URL",
		"中央配置文件 %s：%s：请指定保存中央 URL 的文件")
	MsgCentralFileOpen = msg("central.file.open",
		"central file %[1]s can be read by other users (mode %[2]o): it may hold a password; run chmod 600 %[1]s",
		"中央配置文件 %[1]s 其他用户可读（权限 %[2]o）：其中可能有密码；请运行 chmod 600 %[1]s")
	MsgCentralFileRead = msg("central.file.read",
		"central file %s: %s",
		"中央配置文件 %s：%s")
	MsgCentralFileEmpty = msg("central.file.empty",
		"central file %s holds no URL: write postgres://user:password@host/db on its first line",
		"中央配置文件 %s 中没有 URL：请在第一行写入 postgres://用户:密码@主机/数据库")
	// MsgCentralURL takes the masked URL and why it is bad (a Sentence below).
	MsgCentralURL = msg("central.url",
		"central URL %s: %s: give postgres://user:password@host:5432/db (sslmode=require for TLS)",
		"中央 URL %s：%s：请给出 postgres://用户:密码@主机:5432/数据库（TLS 用 sslmode=require）")
	MsgCentralURLEmpty       = msg("central.url.empty", "empty", "为空")
	MsgCentralURLNotPostgres = msg("central.url.notpostgres", "not a PostgreSQL URL", "不是 PostgreSQL URL")
	MsgCentralURLUnreadable  = msg("central.url.unreadable", "cannot be read (%s)", "无法解析（%s）")
	MsgCentralLogin          = msg("central.login",
		"central database %s refused the login (%s): check the user and password in the URL, AIRFLEET_CENTRAL or the central file",
		"中央数据库 %s 拒绝登录（%s）：请检查 URL、AIRFLEET_CENTRAL 或中央配置文件中的用户名和密码")
	MsgCentralNoDatabase = msg("central.nodatabase",
		"central database %s does not exist (%s): create it (createdb) or fix the database name in the URL",
		"中央数据库 %s 不存在（%s）：请先创建（createdb）或修正 URL 中的数据库名")
	MsgCentralPermission = msg("central.permission",
		"central database %s: permission denied (%s): grant this user the rights airfleet needs (docs/factory.md)",
		"中央数据库 %s：权限不足（%s）：请为该用户授予 airfleet 所需的权限（见 docs/factory.md）")
	MsgCentralTLS = msg("central.tls",
		"central database %s: TLS failed (%s): the server must offer TLS and its certificate be trusted; check sslmode and sslrootcert in the URL, or the server's ssl setting",
		"中央数据库 %s：TLS 失败（%s）：服务器须支持 TLS 且证书可信；请检查 URL 中的 sslmode 和 sslrootcert，或服务器的 ssl 设置")
	MsgCentralUnreachable = msg("central.unreachable",
		"central database %s unreachable: %s: check that PostgreSQL runs there and the network; the station keeps its rows and sends them later",
		"无法连接中央数据库 %s：%s：请检查 PostgreSQL 是否在运行以及网络；本工位会保留记录，稍后再发送")
	MsgCentralNewerSchema = msg("central.schema.newer",
		"central database %s was set up by a newer airfleet (central schema %d, this one knows %d): upgrade airfleet on this station; nothing was sent and the station's log is untouched",
		"中央数据库 %s 由更新版本的 airfleet 建立（中央架构 %d，本版本只认识 %d）：请升级本工位的 airfleet；未发送任何记录，本工位日志未改动")
	MsgCentralNoSchema = msg("central.schema.none",
		"central database %s is not set up for this airfleet (central schema %d, this one needs %d): run airfleet sync once from a station, which creates and migrates it",
		"中央数据库 %s 尚未为本版本 airfleet 建立（中央架构 %d，需要 %d）：请先在任一工位运行一次 airfleet sync，它会建立并迁移架构")

	// MsgCentralSetting is the settings form's refusal of a central URL
	// (a FieldError's reason, after the field's name): the sentence that
	// says why.
	MsgCentralSetting = msg("central.setting", " %s", " %s")

	// airfleet sync. MsgCentralGive takes the flag's name (to, central).
	MsgCentralGive = msg("central.give",
		"give the central database: --%s postgres://user:password@host/db, --central-file FILE or AIRFLEET_CENTRAL",
		"请指定中央数据库：--%s postgres://用户:密码@主机/数据库、--central-file 文件 或 AIRFLEET_CENTRAL")
	MsgCentralNoLog = msg("central.nolog",
		"--db %s: there is no log there: run an upgrade first, or name the station's log",
		"--db %s：那里没有日志：请先运行一次升级，或指定本工位的日志")
	MsgCentralLogInUse = msg("central.loginuse",
		"%v (a console configured with the central URL sends its rows itself)",
		"%v（配置了中央 URL 的控制台会自己发送记录）")
	MsgCentralSending = msg("central.sending",
		"sending %s: %d of %d rows",
		"正在发送 %s：%d / %d 行")
	MsgCentralNothingToSend = msg("central.nothing",
		"nothing to send: %s holds every row of this station",
		"无需发送：%s 已有本工位的全部记录")
	// MsgCentralSent takes the rows, the masked URL, the rows per table and the transactions.
	MsgCentralSent = msg("central.sent",
		"sent %[1]d rows to %[2]s (%[3]s) in %[4]d transactions",
		"已向 %[2]s 发送 %[1]d 行（%[3]s），共 %[4]d 个事务")
	MsgCentralStillWait = msg("central.stillwait",
		"%d rows still wait: run airfleet sync again",
		"仍有 %d 行待发送：请再次运行 airfleet sync")
	MsgCentralVerified = msg("central.verified",
		"verified: the centre holds every row of this log exactly once",
		"已核对：中央数据库中本日志的每一行恰好一份")
	MsgCentralMismatch = msg("central.mismatch",
		"%s: %d rows missing or stale in the centre, %d extra (e.g. %s)",
		"%s：中央缺少或过期 %d 行，多出 %d 行（例如 %s）")
	MsgCentralDiffers = msg("central.differs",
		"the centre's copy differs from this log: run airfleet sync again",
		"中央副本与本日志不一致：请再次运行 airfleet sync")
	// MsgCentralNotAllSent takes why (the error, said in the same language).
	MsgCentralNotAllSent = msg("central.notallsent",
		"central: not all sent (%s); the rows wait in the log: they go with the next run or airfleet sync",
		"中央：未全部发送（%s）；记录保留在日志中，下次运行或 airfleet sync 时发送")

	// The background push, on the console's status line (central.PushStatus);
	// MsgCentralAllSent also ends a run that sent everything.
	MsgCentralConnecting = msg("central.connecting", "central: connecting", "中央：连接中")
	MsgCentralAllSent    = msg("central.allsent", "central: all sent", "中央：已全部发送")
	MsgCentralPushing    = msg("central.pushing",
		"central: sending, %d rows waiting",
		"中央：发送中，%d 行待发送")
	MsgCentralDown = msg("central.down",
		"central unreachable: %d rows waiting, retrying",
		"中央数据库无法连接：%d 行待发送，正在重试")
	MsgCentralRefused = msg("central.refused",
		"central refused the login: %d rows waiting; check the central URL",
		"中央数据库拒绝登录：%d 行待发送；请检查中央 URL")
	MsgCentralTooNew = msg("central.toonew",
		"central schema newer than this airfleet: %d rows waiting; upgrade airfleet",
		"中央架构比本 airfleet 新：%d 行待发送；请升级 airfleet")
	MsgCentralPushFailed = msg("central.pushfailed",
		"central sync failed: %d rows waiting, retrying (%s)",
		"中央同步失败：%d 行待发送，正在重试（%s）")

	// airfleet stats: the table.
	MsgStatsNone      = msg("stats.none", "no attempt in that period", "该时段内没有升级记录")
	MsgStatsByStation = msg("stats.by.station", "station", "工位")
	MsgStatsByModel   = msg("stats.by.model", "model", "型号")
	MsgStatsByCode    = msg("stats.by.code", "code", "代码")
	MsgStatsByDay     = msg("stats.by.day", "day", "日期")
	MsgStatsAttempts  = msg("stats.attempts", "attempts", "尝试")
	MsgStatsModules   = msg("stats.modules", "modules", "模块")
	MsgStatsPassed    = msg("stats.passed", "passed", "成功")
	MsgStatsFailed    = msg("stats.failed", "failed", "失败")
	MsgStatsOther     = msg("stats.other", "other", "其他")
	MsgStatsYield     = msg("stats.yield", "yield", "良率")
	MsgStatsMedian    = msg("stats.median", "median s", "中位秒")
	MsgStatsNoCode    = msg("stats.nocode", "0 (none)", "0（无）")
	MsgStatsAll       = msg("stats.all", "all: %d attempts, yield %.1f%%", "合计：%d 次尝试，良率 %.1f%%")
)
