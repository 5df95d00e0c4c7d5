package ingest

import (
	"context"
	"database/sql"
	"testing"
)

// loadFiles loads paths into a fresh in-memory database and checks the row
// accounting of every source.
func loadFiles(t *testing.T, opts Options, paths ...string) (*sql.DB, *Summary) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, DBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sum, err := Files(ctx, db, paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sum.Sources {
		if s.Kind == "skipped" {
			continue
		}
		if s.Read != s.Loaded+s.Rejected+s.Duplicates+s.Ignored || s.Duplicates < 0 {
			t.Errorf("%s: read %d != loaded %d + rejected %d + duplicates %d + ignored %d", s.Path, s.Read, s.Loaded, s.Rejected, s.Duplicates, s.Ignored)
		}
	}
	return db, sum
}

func query1[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func rejectReasons(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("select reason from rejected_rows order by source_id, source_record")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		rows.Scan(&r)
		out = append(out, r)
	}
	return out
}
