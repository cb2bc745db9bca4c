package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The top-level help lists every flag of each command it describes
// (issue 10: it left out --usb-ids, --settings, --station, --budget …),
// and each command's -h starts with the same usage line.
func TestUsageListsEveryFlag(t *testing.T) {
	var top, errb bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &top, &errb); code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	flagName := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	for _, cmd := range []string{"console", "demo", "scan", "sim", "upgrade", "codes", "doctor", "history", "report", "sync", "stats"} {
		var out, help bytes.Buffer
		run(context.Background(), []string{cmd, "-h"}, &out, &help)
		block := commandBlock(top.String(), cmd)
		if block == "" {
			t.Errorf("airfleet -h does not describe %s:\n%s", cmd, top.String())
			continue
		}
		flags := flagName.FindAllStringSubmatch(help.String(), -1)
		if len(flags) == 0 {
			t.Errorf("%s -h lists no flags:\n%s", cmd, help.String())
		}
		for _, f := range flags {
			if !regexp.MustCompile(`--` + regexp.QuoteMeta(f[1]) + `\b`).MatchString(block) {
				t.Errorf("airfleet -h does not list --%s of %s:\n%s", f[1], cmd, block)
			}
		}
		if !strings.HasPrefix(help.String(), "usage: airfleet") {
			t.Errorf("%s -h does not start with its usage line:\n%s", cmd, help.String())
		}
	}
}

// commandBlock is the part of the top-level help about cmd: from its
// "  airfleet cmd" line to the next command's.
func commandBlock(help, cmd string) string {
	start := "  airfleet " + cmd
	if cmd == "console" {
		start = "  airfleet ["
	}
	i := strings.Index(help, start)
	if i < 0 {
		return ""
	}
	rest := help[i+len(start):]
	if j := strings.Index(rest, "\n  airfleet "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
