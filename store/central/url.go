package central

import (
	"airfleet/device"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Env names the environment variable that may hold the central URL.
const Env = "AIRFLEET_CENTRAL"

var passwordParam = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)`)

// Mask returns a central URL (postgres://… or key=value form) with any
// password replaced by "***", for messages and logs.
func Mask(url string) string {
	return passwordParam.ReplaceAllString(device.MaskURL(url), "${1}***")
}

// Resolve picks the central URL: the flag's value if given, else the file
// named (which must be readable by its owner only, as ssh demands of a
// key), else $AIRFLEET_CENTRAL. "" means none is configured.
func Resolve(flagValue, file string, getenv func(string) string) (string, error) {
	if v := strings.TrimSpace(flagValue); v != "" {
		return v, nil
	}
	if file != "" {
		return readFile(file)
	}
	return strings.TrimSpace(getenv(Env)), nil
}

func readFile(file string) (string, error) {
	st, err := os.Stat(file)
	if err != nil {
		return "", &Error{Kind: ErrBadURL, Cause: err,
			EN: fmt.Sprintf("central file %s: %v: give the file that holds the central URL", file, err),
			ZH: fmt.Sprintf("中央配置文件 %s：%v：请指定保存中央 URL 的文件", file, err)}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", &Error{Kind: ErrBadURL,
			EN: fmt.Sprintf("central file %s can be read by other users (mode %o): it may hold a password; run chmod 600 %s", file, st.Mode().Perm(), file),
			ZH: fmt.Sprintf("中央配置文件 %s 其他用户可读（权限 %o）：其中可能有密码；请运行 chmod 600 %s", file, st.Mode().Perm(), file)}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &Error{Kind: ErrBadURL, Cause: err,
			EN: fmt.Sprintf("central file %s: %v", file, err),
			ZH: fmt.Sprintf("中央配置文件 %s：%v", file, err)}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line, nil
		}
	}
	return "", &Error{Kind: ErrBadURL,
		EN: fmt.Sprintf("central file %s holds no URL: write postgres://user:password@host/db on its first line", file),
		ZH: fmt.Sprintf("中央配置文件 %s 中没有 URL：请在第一行写入 postgres://用户:密码@主机/数据库", file)}
}

// parse checks a central URL and returns pgx's pool settings. TLS is as
// pgx gives it: sslmode, sslrootcert, sslcert, sslkey in the URL.
func parse(url string) (*pgxpool.Config, error) {
	masked := Mask(url)
	bad := func(why, zh string) error { // why never holds the password: it is masked

		return &Error{Kind: ErrBadURL,
			EN: fmt.Sprintf("central URL %s: %s: give postgres://user:password@host:5432/db (sslmode=require for TLS)", masked, why),
			ZH: fmt.Sprintf("中央 URL %s：%s：请给出 postgres://用户:密码@主机:5432/数据库（TLS 用 sslmode=require）", masked, zh)}
	}
	if strings.TrimSpace(url) == "" {
		return nil, bad("empty", "为空")
	}
	if strings.Contains(url, "://") && !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, bad("not a PostgreSQL URL", "不是 PostgreSQL URL")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, bad("cannot be read ("+Mask(err.Error())+")", "无法解析（"+Mask(err.Error())+"）")
	}
	return cfg, nil
}

// Validate checks a central URL without connecting: the console and
// upgrade refuse a bad one at start rather than retry it all day.
func Validate(url string) error {
	_, err := parse(url)
	return err
}
