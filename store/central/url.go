package central

import (
	"airfleet/device"
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
		return "", &Error{Kind: ErrBadURL, Fault: FaultFileMissing, Where: file, Detail: err.Error(), Cause: err}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", &Error{Kind: ErrBadURL, Fault: FaultFileOpen, Where: file, Mode: st.Mode().Perm()}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", &Error{Kind: ErrBadURL, Fault: FaultFileRead, Where: file, Detail: err.Error(), Cause: err}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line, nil
		}
	}
	return "", &Error{Kind: ErrBadURL, Fault: FaultFileEmpty, Where: file}
}

// parse checks a central URL and returns pgx's pool settings. TLS is as
// pgx gives it: sslmode, sslrootcert, sslcert, sslkey in the URL.
func parse(url string) (*pgxpool.Config, error) {
	masked := Mask(url)
	bad := func(f Fault, detail string) error { // detail never holds the password: it is masked
		return &Error{Kind: ErrBadURL, Fault: f, Where: masked, Detail: detail}
	}
	if strings.TrimSpace(url) == "" {
		return nil, bad(FaultURLEmpty, "")
	}
	if strings.Contains(url, "://") && !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, bad(FaultURLNotPostgres, "")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, bad(FaultURLUnreadable, Mask(err.Error()))
	}
	return cfg, nil
}

// Validate checks a central URL without connecting: the console and
// upgrade refuse a bad one at start rather than retry it all day.
func Validate(url string) error {
	_, err := parse(url)
	return err
}
