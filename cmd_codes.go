package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"airfleet/upgrade"
)

// codeJSON is one catalogue entry as `airfleet codes --json` prints it: in
// English, for scripts. PlatformText is the platform's own log text,
// verbatim (it is Chinese on the platform too).
type codeJSON struct {
	Code         int    `json:"code"`
	Kind         string `json:"kind"` // "platform" or "module"
	PlatformText string `json:"platform_text,omitempty"`
	Title        string `json:"title"`
	Meaning      string `json:"meaning"`
	Remedy       string `json:"remedy"`
	Policy       string `json:"policy"`
}

func cmdCodes(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("codes", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per code, in English: code, kind, platform_text, title, meaning, remedy, policy")
	lang := fs.String("lang", "", "print the words in `zh` or en only (default: both)")
	// Codes may stand anywhere among the flags, and a module error's
	// minus sign does not make it a flag: "codes -1003", "codes 40 --json".
	var nums, rest []string
	for _, a := range args {
		if isNumber(a) {
			nums = append(nums, a)
		} else {
			rest = append(rest, a)
		}
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return unknownCode(fs.Arg(0))
	}
	if err := upgrade.CheckLang(*lang); err != nil {
		return usageErr("--lang %v", err)
	}
	entries := upgrade.Codes()
	if len(nums) > 0 {
		entries = nil
		for _, a := range nums {
			info, ok := lookupCode(a)
			if !ok {
				return unknownCode(a)
			}
			entries = append(entries, info)
		}
	}
	if *asJSON {
		return printCodesJSON(stdout, entries)
	}
	langs := []string{"zh", "en"}
	if *lang != "" {
		langs = []string{upgrade.Language(*lang, nil)}
	}
	printCodes(stdout, entries, langs)
	return nil
}

// isNumber reports whether a is a whole number, signed or not.
func isNumber(a string) bool {
	_, err := strconv.Atoi(a)
	return err == nil
}

// lookupCode finds a code as given, or a module error given without its
// minus sign ("1003"): no platform code has four digits, so it can only
// mean -1003.
func lookupCode(a string) (upgrade.CodeInfo, bool) {
	n, err := strconv.Atoi(a)
	if err != nil {
		return upgrade.CodeInfo{}, false
	}
	if info, ok := upgrade.Lookup(n); ok {
		return info, true
	}
	if info, ok := upgrade.Lookup(-n); ok && n > 0 && !info.IsPlatform() {
		return info, true
	}
	return upgrade.CodeInfo{}, false
}

// unknownCode says which codes exist, from the catalogue itself.
func unknownCode(a string) error {
	var platform []string
	var module []int
	for _, c := range upgrade.Codes() {
		if c.IsPlatform() {
			platform = append(platform, strconv.Itoa(c.Code))
		} else {
			module = append(module, c.Code)
		}
	}
	return usageErr("no code %q: platform codes are %s; module errors %s (the minus sign may be left out)",
		a, strings.Join(platform, ", "), codeRuns(module))
}

// codeRuns says descending codes as runs: "-1000 … -1006, -2001 … -2010, -2020".
func codeRuns(codes []int) string {
	var runs []string
	for i := 0; i < len(codes); {
		j := i
		for j+1 < len(codes) && codes[j+1] == codes[j]-1 {
			j++
		}
		if j == i {
			runs = append(runs, strconv.Itoa(codes[i]))
		} else {
			runs = append(runs, strconv.Itoa(codes[i])+" … "+strconv.Itoa(codes[j]))
		}
		i = j + 1
	}
	return strings.Join(runs, ", ")
}

func printCodesJSON(w io.Writer, entries []upgrade.CodeInfo) error {
	for _, c := range entries {
		j := codeJSON{Code: c.Code, Kind: "module", Title: c.EN.Title, Meaning: c.EN.Explanation, Remedy: c.EN.Remedy, Policy: c.Policy.String()}
		if c.IsPlatform() {
			j.Kind, j.PlatformText = "platform", c.Platform
		}
		if _, err := w.Write(upgrade.MarshalLine(j)); err != nil {
			return err
		}
	}
	return nil
}

// printCodes prints entries for people, in each of langs; the labels are
// in the first.
func printCodes(w io.Writer, entries []upgrade.CodeInfo, langs []string) {
	zh := langs[0] == "zh" && len(langs) == 1
	for i, c := range entries {
		if i > 0 {
			fmt.Fprintln(w)
		}
		label := "en"
		if zh {
			label = "zh"
		}
		if c.IsPlatform() {
			fmt.Fprintln(w, upgrade.MsgCodesPlatform.In(label, c.Code, c.Platform, c.Policy.In(label)))
		} else {
			fmt.Fprintln(w, upgrade.MsgCodesModule.In(label, c.Code, c.Policy.In(label)))
		}
		for _, l := range langs {
			t := c.Text(l)
			fmt.Fprintf(w, "  %s\n    %s\n    → %s\n", t.Title, t.Explanation, t.Remedy)
		}
	}
}
