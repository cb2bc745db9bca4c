package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const testIMEI = "864536071234567"

// openTest opens a fresh log in a temporary folder, closed at cleanup.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "log", "airfleet.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func flush(t testing.TB, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func hashFile(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rawDB opens path with plain settings, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitErr waits for the next error on s.Errors().
func waitErr(t *testing.T, s *Store) error {
	t.Helper()
	select {
	case err := <-s.Errors():
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no error reported within 10 s")
		return nil
	}
}

// readCSV reads what ExportCSV or WriteReportCSV wrote: it must start with
// the UTF-8 byte order mark (Excel on a Chinese Windows PC needs it).
func readCSV(t *testing.T, r io.Reader) ([][]string, error) {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(b, []byte(utf8BOM))
	if !ok {
		t.Errorf("the CSV does not start with a UTF-8 byte order mark: %q", b[:min(len(b), 12)])
	}
	return csv.NewReader(bytes.NewReader(rest)).ReadAll()
}
