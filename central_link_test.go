package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"airfleet/store"
	"airfleet/upgrade"
)

// The console's central link takes a URL from the settings screen: one
// that is not PostgreSQL's is refused as the form's "central" field, in
// both languages, and the link stays as it was; a good one moves the push
// and the history to it (the history asks the centre); "" returns to the
// station's own log. Nothing here waits on the network: 127.0.0.1:1
// refuses at once, in the background.
func TestCentralLinkSet(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "log.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	link, err := newCentralLink(st, "L1", "", "en")
	if err != nil {
		t.Fatal(err)
	}
	defer link.finish(context.Background(), io.Discard, "en")
	if text, _ := link.Status("en"); text != "" || link.URL() != "" {
		t.Errorf("a link without a centre says %q, URL %q", text, link.URL())
	}
	if _, local := link.source().(*store.Store); !local {
		t.Errorf("without a centre the history is %T, want the station's log", link.source())
	}

	err = link.Set("mysql://u:pw@h/db")
	var fe *upgrade.FieldError
	if !errors.As(err, &fe) || fe.Field != "central" {
		t.Fatalf("a MySQL URL: %v, want the central field refused", err)
	}
	if en, zh := fe.Reason.In("en"), fe.Reason.In("zh"); !strings.Contains(en, "not a PostgreSQL URL") || !strings.Contains(zh, "不是 PostgreSQL URL") || strings.Contains(en+zh, "pw@") {
		t.Errorf("the refusal says %q / %q: want why, in each language, with the password masked", en, zh)
	}
	if link.URL() != "" {
		t.Errorf("a refused URL was kept: %q", link.URL())
	}

	const url = "postgres://u:secret@127.0.0.1:1/airfleet?connect_timeout=1"
	if err := link.Set(url); err != nil {
		t.Fatal(err)
	}
	if link.URL() != url {
		t.Errorf("URL %q after Set", link.URL())
	}
	if text, _ := link.Status("en"); text == "" || strings.Contains(text, "secret") {
		t.Errorf("the status line says %q with a centre set", text)
	}
	if _, central := link.source().(centralHistory); !central {
		t.Errorf("with a centre the history is %T, want the centre's", link.source())
	}
	if err := link.Set(""); err != nil {
		t.Fatal(err)
	}
	if _, local := link.source().(*store.Store); !local || link.URL() != "" {
		t.Errorf("after Set(\"\") the history is %T and the URL %q", link.source(), link.URL())
	}
}
