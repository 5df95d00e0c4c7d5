package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestParquetWithNewExports: a Parquet history loads next to new exports,
// source ids stay distinct and sign-ins already in the history are duplicates.
func TestParquetWithNewExports(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "in/a.json", "["+recAlice+"]")
	db, _ := load(t, Options{}, a)
	pq := filepath.Join(dir, "pq")
	if err := WriteParquet(context.Background(), db, pq); err != nil {
		t.Fatal(err)
	}
	b := write(t, dir, "in/b.json", "["+recAlice+","+recBob+"]")
	db2, sum := load(t, Options{}, pq, b)
	ids := queryStrings(t, db2, "select source_id || ' ' || path from sources order by source_id")
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "1 ") || !strings.HasPrefix(ids[1], "2 ") {
		t.Errorf("sources %v", ids)
	}
	for _, s := range sum.Sources {
		if strings.HasSuffix(s.Path, "b.json") && (s.Loaded != 1 || s.Duplicates != 1) {
			t.Errorf("b.json loaded %d duplicates %d, want 1 and 1", s.Loaded, s.Duplicates)
		}
	}
}
