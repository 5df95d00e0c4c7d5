package ingest

import (
	"context"
	"errors"
	"os"
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

// TestParquetRewrite: a new export replaces an earlier one only once it is
// whole. One that fails (here interrupted) leaves the earlier export as it
// was and readable, and nothing of its own; what a killed run left behind is
// cleared by the next; a folder holding other files is refused.
func TestParquetRewrite(t *testing.T) {
	dir := t.TempDir()
	db, _ := load(t, Options{}, write(t, dir, "in/a.json", "["+recAlice+"]"))
	pq := filepath.Join(dir, "pq")
	if err := WriteParquet(context.Background(), db, pq); err != nil {
		t.Fatal(err)
	}
	db2, _ := load(t, Options{}, write(t, dir, "in/b.json", "["+recAlice+","+recBob+"]"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteParquet(ctx, db2, pq); err == nil {
		t.Fatal("an interrupted export succeeded")
	}
	left := func() []string {
		var names []string
		entries, _ := os.ReadDir(pq)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	for _, n := range left() {
		if strings.HasPrefix(n, parquetWorkPrefix) {
			t.Errorf("a failed export left %s", n)
		}
	}
	back, _ := load(t, Options{}, pq)
	if n := queryStrings(t, back, "select count(*)::varchar from signins"); n[0] != "1" {
		t.Errorf("after a failed export the earlier one holds %s sign-ins, want its 1", n[0])
	}

	stale := filepath.Join(pq, parquetWorkPrefix+"killed")
	write(t, stale, "signins.parquet", "half")
	// Another run writing into the same folder at this moment: its work
	// is locked, and left to it.
	busy, removeBusy, err := MakeTemp(pq, parquetWorkPrefix)
	if err != nil {
		t.Fatal(err)
	}
	defer removeBusy()
	if err := WriteParquet(context.Background(), db2, pq); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a killed run's folder survived: %v", err)
	}
	if _, err := os.Stat(filepath.Join(busy, tempLock)); err != nil {
		t.Errorf("another run's work was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(pq, tempLock)); err == nil {
		t.Error("the work folder's lock file was published with the export")
	}
	removeBusy()
	back, _ = load(t, Options{}, pq)
	if n := queryStrings(t, back, "select count(*)::varchar from signins"); n[0] != "2" {
		t.Errorf("the new export holds %s sign-ins, want 2 (entries %v)", n[0], left())
	}

	other := filepath.Join(dir, "other")
	write(t, other, "notes.txt", "mine")
	if err := WriteParquet(context.Background(), db2, other); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("a folder of other files: err = %v", err)
	}
}
