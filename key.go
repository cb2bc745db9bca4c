package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"airfleet/upgrade"
)

// keyEnv is the environment variable that may hold the project key.
const keyEnv = "AIRFLEET_KEY"

// projectKey picks the project key for --mode key from --key, --key-file
// or AIRFLEET_KEY, and names where it came from for error messages. A key
// on the command line can be read by every user of the machine (ps); a
// file or the environment cannot. AIRFLEET_KEY is read in key mode only,
// so one exported for another run does not break an iot batch.
func projectKey(flagKey, file string, mode upgrade.Mode, stderr io.Writer) (key, source string, err error) {
	switch {
	case flagKey != "" && file != "":
		return "", "", usageErr("give --key or --key-file, not both")
	case file != "":
		key, err := readKeyFile(file, stderr)
		return key, "--key-file " + file, err
	case flagKey != "":
		return flagKey, "--key", nil
	case mode == upgrade.ModeKey && os.Getenv(keyEnv) != "":
		return os.Getenv(keyEnv), keyEnv, nil
	}
	return "", "--key", nil
}

// readKeyFile reads a project key kept in a file: the whole file, blanks
// and the final newline trimmed. A file every user may read exposes the
// key as much as the command line does, and is refused; one the group
// may read gets a warning.
func readKeyFile(path string, stderr io.Writer) (string, error) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return "", usageErr("--key-file %s: %v", path, unwrapPath(err))
	case fi.IsDir():
		return "", usageErr("--key-file %s is a folder: give the file that holds the project key", path)
	case fi.Mode().Perm()&0o004 != 0:
		return "", usageErr("--key-file %s can be read by other users (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)
	case fi.Mode().Perm()&0o040 != 0:
		fmt.Fprintf(stderr, "airfleet: warning: --key-file %s can be read by its group (mode %04o); chmod 600 %s keeps the key to you\n", path, fi.Mode().Perm(), path)
	}
	if fi.Size() > 4096 {
		return "", usageErr("--key-file %s holds %d bytes: a project key has 32 letters and digits; give the file that holds only the key", path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usageErr("--key-file %s: %v", path, unwrapPath(err))
	}
	return strings.TrimSpace(string(b)), nil
}

// unwrapPath drops the *PathError's repetition of the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sayConfigErrors says the config's errors in lang, each naming its flag
// ("--concurrency -1: …"), the key's naming where the key came from
// (--key-file, the environment).
func sayConfigErrors(err error, keySource, lang string) error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		var fe *upgrade.FieldError
		switch {
		case errors.As(e, &fe) && fe.Field == "key" && keySource != "":
			lines[i] = fe.In(lang, keySource)
		case errors.As(e, &fe):
			lines[i] = fe.In(lang, "--"+fe.Field)
		default:
			lines[i] = e.Error()
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}
