package pgtest

import "os/exec"

// runAs does nothing on Windows: there is no root, so no account to
// change to (the server runs as the user who runs the tests).
func runAs(*exec.Cmd, account) {}
