package central

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Kinds of error, for errors.Is.
var (
	// ErrBadURL: the central URL cannot be parsed, or comes from an
	// unsafe place.
	ErrBadURL = errors.New("bad central URL")
	// ErrAuth: the server refused the user or password.
	ErrAuth = errors.New("central database refused the login")
	// ErrUnreachable: no server answered, or the connection broke.
	ErrUnreachable = errors.New("central database unreachable")
	// ErrTLS: the TLS the URL asks for (sslmode) could not be set up.
	ErrTLS = errors.New("central database TLS failed")
	// ErrNewerSchema: the central database was migrated by a newer airfleet.
	ErrNewerSchema = errors.New("central schema newer than this airfleet")
	// ErrNoSchema: the central database has no airfleet schema (or an
	// older one) and this command does not migrate.
	ErrNoSchema = errors.New("central database not set up by this airfleet")
)

// Error is an error for the person at the screen, in English and Chinese:
// what is wrong and what to do. It never holds a password.
type Error struct {
	Kind  error
	EN    string
	ZH    string
	Cause error
}

func (e *Error) Error() string { return e.EN }

// In returns the message in lang ("zh" or "en").
func (e *Error) In(lang string) string {
	if lang == "zh" && e.ZH != "" {
		return e.ZH
	}
	return e.EN
}

// Unwrap gives the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Message returns err in lang when it is an *Error, else err's text.
func Message(err error, lang string) string {
	var e *Error
	if errors.As(err, &e) {
		return e.In(lang)
	}
	return err.Error()
}

// classify turns an error met talking to the server at masked (a URL with
// its password hidden) into an *Error that says the fix.
func classify(err error, masked string) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return &Error{Kind: ErrAuth, Cause: err,
				EN: fmt.Sprintf("central database %s refused the login (%s): check the user and password in the URL, AIRFLEET_CENTRAL or the central file", masked, pe.Message),
				ZH: fmt.Sprintf("中央数据库 %s 拒绝登录（%s）：请检查 URL、AIRFLEET_CENTRAL 或中央配置文件中的用户名和密码", masked, pe.Message)}
		case "3D000":
			return &Error{Kind: ErrAuth, Cause: err,
				EN: fmt.Sprintf("central database %s does not exist (%s): create it (createdb) or fix the database name in the URL", masked, pe.Message),
				ZH: fmt.Sprintf("中央数据库 %s 不存在（%s）：请先创建（createdb）或修正 URL 中的数据库名", masked, pe.Message)}
		case "42501":
			return &Error{Kind: ErrAuth, Cause: err,
				EN: fmt.Sprintf("central database %s: permission denied (%s): grant this user the rights airfleet needs (docs/factory.md)", masked, pe.Message),
				ZH: fmt.Sprintf("中央数据库 %s：权限不足（%s）：请为该用户授予 airfleet 所需的权限（见 docs/factory.md）", masked, pe.Message)}
		}
		return fmt.Errorf("central database %s: %w", masked, err)
	}
	if strings.Contains(strings.ToLower(errText(err)), "tls") || strings.Contains(errText(err), "x509") {
		return &Error{Kind: ErrTLS, Cause: err,
			EN: fmt.Sprintf("central database %s: TLS failed (%v): the server must offer TLS and its certificate be trusted; check sslmode and sslrootcert in the URL, or the server's ssl setting", masked, errText(err)),
			ZH: fmt.Sprintf("中央数据库 %s：TLS 失败（%v）：服务器须支持 TLS 且证书可信；请检查 URL 中的 sslmode 和 sslrootcert，或服务器的 ssl 设置", masked, errText(err))}
	}
	var ne net.Error
	if pgconn.SafeToRetry(err) || errors.As(err, &ne) || isConnectError(err) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: ErrUnreachable, Cause: err,
			EN: fmt.Sprintf("central database %s unreachable: %v: check that PostgreSQL runs there and the network; the station keeps its rows and sends them later", masked, errText(err)),
			ZH: fmt.Sprintf("无法连接中央数据库 %s：%v：请检查 PostgreSQL 是否在运行以及网络；本工位会保留记录，稍后再发送", masked, errText(err))}
	}
	return fmt.Errorf("central database %s: %w", masked, err)
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.Timeout(err)
}

// errText is err's text; pgx never puts the password in it.
func errText(err error) string {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errors.Unwrap(ce).Error()
	}
	return err.Error()
}
