package platform

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// upgrade decides an answer to GET UpgradePath and fills in rec. The checks
// run in this order, as on the real platform, and the first that fails
// answers:
//
//  1. imei present, lower-case name, 15 digits          else 3
//  2. counted; the BanAfter-th request today, or banned else 40
//  3. project from project_key or the default project   else 25 or 17
//  4. the project has a firmware named firmware_name    else 26
//  5. upgrade allowed, device in config, newer version  else 27
//  6. the jump from the device's core is allowed        else 21
//  7. the device's core version is uploaded (the base)  else 44
//  8. the delta for (firmware, base, target) is made    else 43
//  9. HTTP 200 with the delta file
func (p *Platform) upgrade(rec *Request, q url.Values) answer {
	imei := q.Get("imei")
	rec.IMEI = imei
	rec.ProjectKey = q.Get("project_key")
	rec.FirmwareName = q.Get("firmware_name")
	rec.Core = coreOf(q)
	if !validIMEI(imei) {
		return p.refuse(CodeInvalidIMEI)
	}

	p.mu.Lock()
	k, code := p.decideLocked(rec)
	p.mu.Unlock()
	if code != CodeOK {
		return p.refuse(code)
	}
	return answer{status: http.StatusOK, contentType: "application/octet-stream", body: p.deltaBytes(k)}
}

// decideLocked runs checks 2 to 8 of upgrade; on success it returns the
// delta to serve. The caller holds p.mu.
func (p *Platform) decideLocked(rec *Request) (deltaKey, Code) {
	if p.countLocked(rec.IMEI, rec.Time) {
		return deltaKey{}, CodeBanned
	}
	pr, code := p.resolveLocked(rec.IMEI, rec.ProjectKey, rec.FirmwareName)
	if code != CodeOK {
		return deltaKey{}, code
	}
	rec.Project = pr.Key
	fw, ok := pr.firmware[rec.FirmwareName]
	if !ok {
		return deltaKey{}, CodeNoFirmware
	}
	target := fw.latest()
	if !fw.offers(rec.IMEI) || target <= rec.Core {
		return deltaKey{}, CodeLatest
	}
	if slices.Contains(fw.NotAllowedFrom, rec.Core) {
		return deltaKey{}, CodeNotAllowed
	}
	if !slices.Contains(fw.Versions, rec.Core) {
		return deltaKey{}, CodeBaseMissing
	}
	pa := pair{fw.Name, rec.Core, target}
	if !p.generatedLocked(pa, fw, rec.Time) {
		return deltaKey{}, CodeGenerating
	}
	return deltaKey{pa, p.sizeLocked(pa, fw)}, CodeOK
}

// refuse is the platform's error answer: Config.ErrorStatus with a JSON body
// such as {"code":27,"msg":"已是最新版本"}.
func (p *Platform) refuse(c Code) answer {
	body, _ := json.Marshal(struct {
		Code Code   `json:"code"`
		Msg  string `json:"msg"`
	}{c, c.Msg()}) // cannot fail: an int and a string
	return answer{status: p.cfg.ErrorStatus, code: c, contentType: "application/json; charset=utf-8", body: body}
}

// validIMEI reports whether s is 15 decimal digits. The check digit is not
// verified: simulated IMEIs need not carry a valid one.
func validIMEI(s string) bool {
	if len(s) != 15 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// coreOf returns the device's core version from core_version, or, when that
// is absent or empty, from version; 0 when neither holds one.
func coreOf(q url.Values) int {
	if s := q.Get("core_version"); s != "" {
		n, _ := parseCore(s)
		return n
	}
	n, _ := parseCore(q.Get("version"))
	return n
}

// parseCore reads a core version written as 1007, V1007 or 0.0.1007 (the
// way the platform's device list shows AT firmware). Any other form, such as
// a script version 1.0.3, is not a core version.
func parseCore(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "V"), "v")
	if rest, ok := strings.CutPrefix(s, "0.0."); ok {
		s = rest
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}
