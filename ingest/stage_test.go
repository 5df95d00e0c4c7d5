package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
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
	// The stage can be attached again on the same connection: a second load
	// reads its Graph file and finds its records already loaded.
	again, err := Files(context.Background(), db, []string{a}, Options{TempDir: spill})
	if err != nil {
		t.Fatalf("second load on the same connection: %v", err)
	}
	reloaded := 0
	for _, s := range again.Sources {
		if s.Path == a && s.Loaded == 0 && s.Duplicates == 2 {
			reloaded++
		}
	}
	if reloaded != 1 {
		t.Errorf("second load: %+v, want %s once more with its 2 records as duplicates", again.Sources, a)
	}
}

// Policy results written range by range (policyChunk records per statement)
// are the same rows as in one statement, on the fast path (an array) and the
// careful path (concatenated arrays with a rejected record, numbered with gaps).
func TestPolicyResultsByRange(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(dir, "SignIns.json")
	f, err := os.Create(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write(f, "graph-json", gen.Options{Rows: 300, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	careful := write(t, dir, "pages.json", "["+recAlice+"]\n[{\"id\": \"x\"},"+recBob+"]")
	dump := func(chunk int64) []string {
		t.Helper()
		old := policyChunk
		policyChunk = chunk
		defer func() { policyChunk = old }()
		db, _ := load(t, Options{}, fixture, careful)
		return queryStrings(t, db, `select concat_ws('|', tenant_id, request_id, event_type, policy_id, policy_name, result,
  enforced_grant_controls::varchar, include_rules_satisfied::varchar, exclude_rules_satisfied::varchar, source_id, source_record)
from signin_ca_policies order by all`)
	}
	whole, ranged := dump(1<<40), dump(7)
	if len(whole) < 10 {
		t.Fatalf("only %d policy rows: the fixture should have policy results", len(whole))
	}
	if strings.Join(whole, "\n") != strings.Join(ranged, "\n") {
		t.Errorf("policy rows differ when written in ranges of 7 records:\nwhole  %d rows\nranged %d rows", len(whole), len(ranged))
	}
}
