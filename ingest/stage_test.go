package ingest

import (
	"os"
	"testing"
)

// Raw Graph records are staged in a DuckDB file of the ingest temp folder,
// not held in memory; the stage is detached and removed with the folder, and
// the view the mapping reads through is gone, whatever the number of files
// (the fast path and the careful path, which re-reads split NDJSON).
func TestGraphStageLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	spill := t.TempDir()
	a := write(t, dir, "page1.json", "["+recAlice+","+recBob+"]")
	b := write(t, dir, "pages.json", "["+recBob+"]\n["+recAlice+"]")    // back-to-back arrays: careful path
	c := write(t, dir, "notime.json", "["+recAlice+",{\"id\": \"x\"}]") // a record with no time: careful path
	db, sum := load(t, Options{TempDir: spill}, a, b, c)

	if n := query1[int](t, db, "select count(*) from signins"); n != 2 {
		t.Errorf("%d sign-ins, want 2", n)
	}
	var dups, rejected int64
	for _, s := range sum.Sources {
		dups += s.Duplicates
		rejected += s.Rejected
	}
	if dups != 3 || rejected != 1 {
		t.Errorf("duplicates %d, rejected %d; want 3 and 1", dups, rejected)
	}
	if n := query1[int](t, db, "select count(*) from duckdb_databases() where database_name = ?", stageDB); n != 0 {
		t.Errorf("stage database still attached after the load")
	}
	if n := query1[int](t, db, "select count(*) from duckdb_views() where view_name = 'raw_graph'"); n != 0 {
		t.Errorf("raw_graph view left behind")
	}
	left, err := os.ReadDir(spill)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temp folder not emptied: %v", left)
	}
	// The connection stays usable for the checks after the stage is gone.
	if n := query1[int](t, db, "select count(*) from signin_ca_policies"); n < 0 {
		t.Errorf("signin_ca_policies: %d", n)
	}
}
