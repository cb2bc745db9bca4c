package platform

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ServeFile publishes body at DownloadPrefix+name for the modules'
// own-server ("URL") mode, replacing any file of that name, and returns its
// URL (relative if the platform is not started yet). Query parameters a
// module appends to the URL are ignored.
func (p *Platform) ServeFile(name string, body []byte) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files[name] = slices.Clone(body)
	return p.baseURL + downloadPath(name)
}

// RemoveFile withdraws a file published by ServeFile: it then answers 404.
func (p *Platform) RemoveFile(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.files, name)
}

// downloadPath returns the escaped URL path of the file name.
func downloadPath(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return DownloadPrefix + strings.Join(segs, "/")
}

// Downloads returns how many times the file published as name was
// downloaded whole: GET answered 200. A HEAD, a ranged GET (a host's
// check of the URL) and a 404 are not downloads.
func (p *Platform) Downloads(name string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.downloads[name]
}

// download answers a request for a published file like a static file
// server: the file with 200, a HEAD with its headers only, a one-range GET
// ("Range: bytes=0-0") with 206 and Content-Range, or 404 with a plain
// body.
func (p *Platform) download(r *http.Request) answer {
	name := strings.TrimPrefix(r.URL.Path, DownloadPrefix)
	p.mu.Lock()
	defer p.mu.Unlock()
	body, ok := p.files[name]
	if !ok {
		return notFound()
	}
	a := answer{status: http.StatusOK, contentType: "application/octet-stream", body: body}
	if r.Method == http.MethodHead {
		a.head = true
		return a
	}
	if first, last, ok := byteRange(r.Header.Get("Range"), len(body)); ok {
		a.status, a.body = http.StatusPartialContent, body[first:last+1]
		a.contentRange = fmt.Sprintf("bytes %d-%d/%d", first, last, len(body))
		return a
	}
	p.downloads[name]++
	return a
}

// byteRange reads a "bytes=first-last" header of a single range that lies
// within a body of n bytes; other forms are answered with the whole file,
// as a static server may.
func byteRange(h string, n int) (first, last int, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || first < 0 || first > last || last >= n {
		return 0, 0, false
	}
	return first, last, true
}
