package platform

import (
	"net/http"
	"strconv"
	"strings"
)

// answer is a decided response, written after the request is recorded so
// that a client never sees an answer before Log, Requests and OnRequest do.
type answer struct {
	status       int
	code         Code
	contentType  string
	body         []byte
	head         bool   // a HEAD: the headers of body, not body
	contentRange string // of a 206
}

// notFound is a static server's answer for a missing path.
func notFound() answer {
	return answer{status: http.StatusNotFound, contentType: "text/plain; charset=utf-8", body: []byte("404 page not found\n")}
}

// ServeHTTP answers the upgrade endpoint, published files, and 404 for any
// other path, recording every request. Start uses it; tests may mount it on
// their own server.
func (p *Platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{
		Time:     p.cfg.Now(),
		Remote:   r.RemoteAddr,
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
	}
	var a answer
	switch {
	case r.URL.Path == UpgradePath:
		a = p.upgrade(&rec, r.URL.Query())
	case strings.HasPrefix(r.URL.Path, DownloadPrefix):
		a = p.download(r)
	default:
		a = notFound()
	}
	rec.Status, rec.Code = a.status, a.code
	if a.status == http.StatusOK && !a.head {
		rec.Bytes = len(a.body)
	}
	p.record(rec)

	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	if a.contentRange != "" {
		h.Set("Content-Range", a.contentRange)
	}
	w.WriteHeader(a.status)
	if !a.head {
		_, _ = w.Write(a.body) // a module that hangs up mid-download is its own business
	}
}
