//go:build !windows

package main

import (
	"os/exec"
	"syscall"
)

// asNobody makes cmd run as the user nobody (65534), for tests run as root
// that need a user whom file permissions stop.
func asNobody(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}
