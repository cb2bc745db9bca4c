package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"airfleet/store/central"
	"airfleet/upgrade"
)

// The central log's facts are said from the catalogue as they were said
// when store/central held the sentences: the expected texts below are
// the old formats (store/central/errors.go, migrate.go, pusher.go before
// the words moved) filled by hand.
func TestCentralMessages(t *testing.T) {
	const u = "postgres://u:***@h/db"
	cases := []struct {
		err    error
		en, zh string
	}{
		{&central.Error{Kind: central.ErrAuth, Fault: central.FaultLogin, Where: u, Detail: "password authentication failed"},
			"central database postgres://u:***@h/db refused the login (password authentication failed): check the user and password in the URL, AIRFLEET_CENTRAL or the central file",
			"中央数据库 postgres://u:***@h/db 拒绝登录（password authentication failed）：请检查 URL、AIRFLEET_CENTRAL 或中央配置文件中的用户名和密码"},
		{&central.Error{Kind: central.ErrAuth, Fault: central.FaultNoDatabase, Where: u, Detail: "no db"},
			"central database postgres://u:***@h/db does not exist (no db): create it (createdb) or fix the database name in the URL",
			"中央数据库 postgres://u:***@h/db 不存在（no db）：请先创建（createdb）或修正 URL 中的数据库名"},
		{&central.Error{Kind: central.ErrAuth, Fault: central.FaultPermission, Where: u, Detail: "denied"},
			"central database postgres://u:***@h/db: permission denied (denied): grant this user the rights airfleet needs (docs/factory.md)",
			"中央数据库 postgres://u:***@h/db：权限不足（denied）：请为该用户授予 airfleet 所需的权限（见 docs/factory.md）"},
		{&central.Error{Kind: central.ErrTLS, Fault: central.FaultTLS, Where: u, Detail: "server refused TLS connection"},
			"central database postgres://u:***@h/db: TLS failed (server refused TLS connection): the server must offer TLS and its certificate be trusted; check sslmode and sslrootcert in the URL, or the server's ssl setting",
			"中央数据库 postgres://u:***@h/db：TLS 失败（server refused TLS connection）：服务器须支持 TLS 且证书可信；请检查 URL 中的 sslmode 和 sslrootcert，或服务器的 ssl 设置"},
		{&central.Error{Kind: central.ErrUnreachable, Fault: central.FaultUnreachable, Where: u, Detail: "connection refused"},
			"central database postgres://u:***@h/db unreachable: connection refused: check that PostgreSQL runs there and the network; the station keeps its rows and sends them later",
			"无法连接中央数据库 postgres://u:***@h/db：connection refused：请检查 PostgreSQL 是否在运行以及网络；本工位会保留记录，稍后再发送"},
		{&central.Error{Kind: central.ErrNewerSchema, Fault: central.FaultNewerSchema, Where: u, Schema: 99, Known: 3},
			"central database postgres://u:***@h/db was set up by a newer airfleet (central schema 99, this one knows 3): upgrade airfleet on this station; nothing was sent and the station's log is untouched",
			"中央数据库 postgres://u:***@h/db 由更新版本的 airfleet 建立（中央架构 99，本版本只认识 3）：请升级本工位的 airfleet；未发送任何记录，本工位日志未改动"},
		{&central.Error{Kind: central.ErrNoSchema, Fault: central.FaultNoSchema, Where: u, Schema: 0, Known: 3},
			"central database postgres://u:***@h/db is not set up for this airfleet (central schema 0, this one needs 3): run airfleet sync once from a station, which creates and migrates it",
			"中央数据库 postgres://u:***@h/db 尚未为本版本 airfleet 建立（中央架构 0，需要 3）：请先在任一工位运行一次 airfleet sync，它会建立并迁移架构"},
		{&central.Error{Kind: central.ErrBadURL, Fault: central.FaultFileRead, Where: "/etc/c", Detail: "is a directory"},
			"central file /etc/c: is a directory", "中央配置文件 /etc/c：is a directory"},
		{fmt.Errorf("central database %s: %w", u, errors.New("boom")),
			"central database postgres://u:***@h/db: boom", "central database postgres://u:***@h/db: boom"},
	}
	for _, c := range cases {
		if got := centralMessage(c.err, "en"); got != c.en {
			t.Errorf("en:\n got %q\nwant %q", got, c.en)
		}
		if got := centralMessage(c.err, "zh"); got != c.zh {
			t.Errorf("zh:\n got %q\nwant %q", got, c.zh)
		}
	}
	// Every fault has its sentence (none falls back to the error's text).
	for f := central.FaultFileMissing; f <= central.FaultNoSchema; f++ {
		err := &central.Error{Kind: central.ErrBadURL, Fault: f, Where: "W"}
		if got := centralMessage(err, "zh"); got == err.Error() {
			t.Errorf("fault %d has no sentence: %q", f, got)
		}
	}
}

// The background push's status line, in both languages, as the pusher
// said it before its words moved here.
func TestCentralStatus(t *testing.T) {
	down := &central.Error{Kind: central.ErrUnreachable, Fault: central.FaultUnreachable, Where: "postgres://h/db", Detail: "refused"}
	other := &central.Error{Kind: central.ErrNoSchema, Fault: central.FaultNoSchema, Where: "postgres://h/db", Schema: 0, Known: 3}
	cases := []struct {
		s       central.PushStatus
		en, zh  string
		failing bool
	}{
		{central.PushStatus{}, "central: connecting", "中央：连接中", false},
		{central.PushStatus{Tried: true}, "central: all sent", "中央：已全部发送", false},
		{central.PushStatus{Tried: true, Waiting: 7}, "central: sending, 7 rows waiting", "中央：发送中，7 行待发送", false},
		{central.PushStatus{Tried: true, Waiting: 16, Err: down}, "central unreachable: 16 rows waiting, retrying", "中央数据库无法连接：16 行待发送，正在重试", true},
		{central.PushStatus{Tried: true, Waiting: 2, Err: &central.Error{Kind: central.ErrAuth, Fault: central.FaultLogin}},
			"central refused the login: 2 rows waiting; check the central URL", "中央数据库拒绝登录：2 行待发送；请检查中央 URL", true},
		{central.PushStatus{Tried: true, Waiting: 2, Err: &central.Error{Kind: central.ErrNewerSchema, Fault: central.FaultNewerSchema}},
			"central schema newer than this airfleet: 2 rows waiting; upgrade airfleet", "中央架构比本 airfleet 新：2 行待发送；请升级 airfleet", true},
		{central.PushStatus{Tried: true, Waiting: 1, Err: other},
			"central sync failed: 1 rows waiting, retrying (central database postgres://h/db is not set up for this airfleet (central schema 0, this one needs 3): run airfleet sync once from a station, which creates and migrates it)",
			"中央同步失败：1 行待发送，正在重试（中央数据库 postgres://h/db 尚未为本版本 airfleet 建立（中央架构 0，需要 3）：请先在任一工位运行一次 airfleet sync，它会建立并迁移架构）", true},
	}
	for _, c := range cases {
		en, failing := centralStatus(c.s, "en")
		zh, _ := centralStatus(c.s, "zh")
		if en != c.en || zh != c.zh || failing != c.failing {
			t.Errorf("%+v:\n got %q / %q / %v\nwant %q / %q / %v", c.s, en, zh, failing, c.en, c.zh, c.failing)
		}
	}
}

// Where an error's text is printed as it is (a flag's check, the
// console's history, a report to stdout), a central error's text is its
// English sentence, as when store/central held the sentences, and its
// kind still answers errors.Is.
func TestCentralSaid(t *testing.T) {
	err := said(&central.Error{Kind: central.ErrBadURL, Fault: central.FaultFileEmpty, Where: "/etc/c"})
	want := "central file /etc/c holds no URL: write postgres://user:password@host/db on its first line"
	if err.Error() != want || !errors.Is(err, central.ErrBadURL) {
		t.Errorf("said: %q (is ErrBadURL: %v), want %q", err, errors.Is(err, central.ErrBadURL), want)
	}
	plain := errors.New("disk full")
	if said(plain) != plain || said(nil) != nil {
		t.Error("said changed an error that is not the central log's")
	}
}

// A central error that reaches the console's history screen is said in
// the console's language there (it was English in the Chinese console).
func TestSaidCentralErrorInLanguage(t *testing.T) {
	err := said(central.Validate("mysql://u:pw@h/db"))
	if zh := upgrade.ErrorIn(err, "zh"); !strings.Contains(zh, "不是 PostgreSQL URL") {
		t.Errorf("said in Chinese as %q", zh)
	}
	if en := err.Error(); !strings.Contains(en, "not a PostgreSQL URL") {
		t.Errorf("its text is %q, want the English sentence", en)
	}
}
