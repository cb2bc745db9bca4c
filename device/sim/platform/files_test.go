package platform

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func TestDownload(t *testing.T) {
	p := fixture(t, Config{})
	body := []byte("dfota bytes")
	u := p.ServeFile("dfota_final_V1007.bin", body)
	if want := p.BaseURL() + "/download/dfota_final_V1007.bin"; u != want {
		t.Fatalf("URL %q, want %q", u, want)
	}
	spaced := p.ServeFile("dir/with space.bin", []byte("x"))
	path := strings.TrimPrefix(u, p.BaseURL())
	cases := []struct {
		name, pathQuery string
		status          int
		body            []byte
	}{
		{"file", path, http.StatusOK, body},
		{"query ignored", path + "?imei=860000000000001&project_key=K&firmware_name=" + fwEP + "&version=0.0.1006", http.StatusOK, body},
		{"escaped name", strings.TrimPrefix(spaced, p.BaseURL()), http.StatusOK, []byte("x")},
		{"missing", "/download/nothing.bin", http.StatusNotFound, []byte("404 page not found\n")},
		{"no file name", "/download/", http.StatusNotFound, []byte("404 page not found\n")},
		{"other path", "/index.html", http.StatusNotFound, []byte("404 page not found\n")},
	}
	for _, c := range cases {
		r := get(t, p, c.pathQuery)
		if r.status != c.status || !bytes.Equal(r.body, c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, r.status, r.body, c.status, c.body)
		}
		if c.status == http.StatusNotFound && !strings.HasPrefix(r.ctype, "text/plain") {
			t.Errorf("%s: Content-Type %q, want plain text", c.name, r.ctype)
		}
	}
	if n := p.Hits(path); n != 2 {
		t.Errorf("Hits(%q) = %d, want 2", path, n)
	}
	p.RemoveFile("dfota_final_V1007.bin")
	if r := get(t, p, path); r.status != http.StatusNotFound {
		t.Errorf("removed file: status %d", r.status)
	}
	if n := p.Hits(path); n != 3 {
		t.Errorf("Hits(%q) = %d, want 3", path, n)
	}
	if n := p.Requests(imei1); n != 0 {
		t.Errorf("a download counted as an upgrade request: %d", n)
	}
}

// TestDownloadCounts: a host may check a file (HEAD, or a GET of one byte)
// without downloading it; only a whole GET answered 200 counts.
func TestDownloadCounts(t *testing.T) {
	p := fixture(t, Config{})
	body := []byte("0123456789")
	u := p.ServeFile("d.bin", body)
	do := func(method, rng string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do(http.MethodHead, ""); r.StatusCode != http.StatusOK || r.ContentLength != 10 {
		t.Errorf("HEAD: %d, length %d; want 200, 10", r.StatusCode, r.ContentLength)
	}
	r := do(http.MethodGet, "bytes=0-0")
	if r.StatusCode != http.StatusPartialContent || r.Header.Get("Content-Range") != "bytes 0-0/10" {
		t.Errorf("ranged GET: %d, Content-Range %q; want 206, bytes 0-0/10", r.StatusCode, r.Header.Get("Content-Range"))
	}
	if n := p.Downloads("d.bin"); n != 0 {
		t.Errorf("after HEAD and a ranged GET: %d downloads, want 0", n)
	}
	do(http.MethodGet, "")
	do(http.MethodGet, "bytes=5-99") // beyond the end: the whole file
	if n := p.Downloads("d.bin"); n != 2 {
		t.Errorf("after two whole GETs: %d downloads, want 2", n)
	}
	p.RemoveFile("d.bin")
	if r := do(http.MethodGet, ""); r.StatusCode != http.StatusNotFound || p.Downloads("d.bin") != 2 {
		t.Errorf("removed: %d, %d downloads; want 404, 2", r.StatusCode, p.Downloads("d.bin"))
	}
}
