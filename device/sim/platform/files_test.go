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
