package upgrade

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestURLCheck: a server that refuses HEAD is asked for one byte; the size
// comes from Content-Range or Content-Length; errors and 404 hold with
// the reason; each URL is asked once however many modules need it.
func TestURLCheck(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Method+" "+r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/nohead.bin":
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			if r.Header.Get("Range") != "bytes=0-0" {
				t.Errorf("GET without the one-byte range: %q", r.Header.Get("Range"))
			}
			w.Header().Set("Content-Range", "bytes 0-0/500000")
			w.WriteHeader(http.StatusPartialContent)
			w.Write([]byte{0})
		case "/ok.bin":
			w.Header().Set("Content-Length", "1234")
		case "/empty.bin":
			w.Header().Set("Content-Length", "0")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// Port 1 (tcpmux): nothing listens there, and no parallel test can
	// take it first as it could a free port found and closed again.
	dead := "http://127.0.0.1:1/x.bin"

	var c urlChecks
	for _, tc := range []struct {
		url  string
		size int64
		bad  string // "" = good
	}{
		{srv.URL + "/nohead.bin", 500000, ""},
		{srv.URL + "/ok.bin", 1234, ""},
		{srv.URL + "/empty.bin", 0, "empty file"},
		{srv.URL + "/gone.bin", -1, "404 Not Found"},
		{dead, -1, "could not be checked"},
	} {
		r, err := c.check(context.Background(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if r.size != tc.size || tc.bad == "" && !r.bad.IsZero() || tc.bad != "" && !strings.Contains(r.bad.String(), tc.bad) {
			t.Errorf("%s: size %d, %q; want %d, %q", tc.url, r.size, r.bad.String(), tc.size, tc.bad)
		}
	}
	mu.Lock()
	if hits["HEAD /nohead.bin"] != 1 || hits["GET /nohead.bin"] != 1 {
		t.Errorf("refused HEAD: %v", hits)
	}
	mu.Unlock()

	// Many modules, one URL: one HEAD.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.check(context.Background(), srv.URL+"/ok.bin?m=0"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if n := hits["HEAD /ok.bin"]; n != 2 { // /ok.bin above, /ok.bin?m=0 here
		t.Errorf("%d HEADs for two URLs, want 2", n)
	}
	if n := c.Requests(); n != 8 { // nohead 2, ok 1, ok?m=0 1, empty 1, gone 1, dead 2
		t.Errorf("%d requests counted, want 8", n)
	}
}
