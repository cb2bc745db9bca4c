package main

import "os/exec"

// asNobody does nothing on Windows, which has no user nobody; the tests
// that need one run on Linux (CI) and only compile here.
func asNobody(*exec.Cmd) {}
