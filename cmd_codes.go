package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"airfleet/upgrade"
)

func cmdCodes(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("codes", stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("%v", err)
	}
	entries := upgrade.Codes()
	if fs.NArg() > 0 {
		n, err := strconv.Atoi(fs.Arg(0))
		info, ok := upgrade.Lookup(n)
		if err != nil || !ok {
			return usageErr("no code %q: platform codes are 3, 17, 21, 25, 26, 27, 40, 43, 44; module errors -1000 … -1006", fs.Arg(0))
		}
		entries = []upgrade.CodeInfo{info}
	}
	for i, c := range entries {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		kind := "module error"
		if c.IsPlatform() {
			kind = "platform code, log text 「" + c.Platform + "」"
		}
		fmt.Fprintf(stdout, "%d  (%s; policy: %s)\n", c.Code, kind, c.Policy)
		for _, t := range []upgrade.Text{c.ZH, c.EN} {
			fmt.Fprintf(stdout, "  %s\n    %s\n    → %s\n", t.Title, t.Explanation, t.Remedy)
		}
	}
	return nil
}
