//go:build !windows

package pgtest

import (
	"os/exec"
	"syscall"
)

// runAs makes cmd run as the account a (the tests run as root).
func runAs(cmd *exec.Cmd, a account) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.Uid, Gid: a.Gid}}
}
