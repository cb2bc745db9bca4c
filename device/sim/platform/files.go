package platform

import (
	"net/http"
	"net/url"
	"slices"
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

// download answers a request for a published file like a static file
// server: the file with 200, or 404 with a plain body.
func (p *Platform) download(path string) answer {
	name := strings.TrimPrefix(path, DownloadPrefix)
	p.mu.Lock()
	body, ok := p.files[name]
	p.mu.Unlock()
	if !ok {
		return notFound()
	}
	return answer{status: http.StatusOK, contentType: "application/octet-stream", body: body}
}
