package ingest

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// signin_auth_steps is a view (schema.sql): the steps of Graph-shaped
// records and, for the sign-ins without any, the portal AuthDetails rows.
// It reads the same after a Parquet round trip (where it is written whole,
// for other engines, and read back as graph_auth_steps) and in a database
// written before it was a view (a table holding the AuthDetails steps too),
// each step once.
func TestStepsView(t *testing.T) {
	ctx := context.Background()
	exports := "../testdata/exports/contoso"
	db, _ := load(t, Options{}, exports)
	all := "select s::varchar from signin_auth_steps s order by all"
	want := queryStrings(t, db, all)
	portal := queryStrings(t, db, "select count(*)::varchar from signin_auth_steps where source_id in (select source_id from sources where format = 'portal-csv-authdetails')")[0]
	graph := queryStrings(t, db, "select count(*)::varchar from graph_auth_steps")[0]
	if portal == "0" || graph == "0" {
		t.Fatalf("the sample gives %s AuthDetails steps and %s Graph steps; the test needs both", portal, graph)
	}
	sameStepResults(t, db)
	once := "select count(*) = count(distinct (tenant_id, request_id, event_type, step)) from signin_auth_steps"
	if v := queryStrings(t, db, once); v[0] != "true" {
		t.Errorf("a step twice:\n%s", strings.Join(want, "\n"))
	}

	// Parquet: the view written whole, read back into graph_auth_steps.
	pq := filepath.Join(t.TempDir(), "pq")
	if err := WriteParquet(ctx, db, pq); err != nil {
		t.Fatal(err)
	}
	n := queryStrings(t, db, "select count(*)::varchar from read_parquet(?)", filepath.Join(pq, "signin_auth_steps.parquet"))[0]
	if n != queryStrings(t, db, "select count(*)::varchar from signin_auth_steps")[0] {
		t.Errorf("signin_auth_steps.parquet holds %s steps", n)
	}
	back, _ := load(t, Options{}, pq)
	sameLoad(t, strings.Join(want, "\n"), strings.Join(queryStrings(t, back, all), "\n"))
	sameStepResults(t, back)

	// A database of an earlier mfagap: the steps a table, AuthDetails rows
	// copied in, and no signin_auth_step_results.
	reopened := reopenedAfter(t, []string{exports},
		"drop view signin_auth_step_results",
		"create table old_steps as from signin_auth_steps",
		"drop view signin_auth_steps",
		"drop table graph_auth_steps",
		"alter table old_steps rename to signin_auth_steps")
	sameLoad(t, strings.Join(want, "\n"), strings.Join(queryStrings(t, reopened, all), "\n"))
	if v := queryStrings(t, reopened, "select table_type from information_schema.tables where table_name = 'signin_auth_steps'"); v[0] != "VIEW" {
		t.Errorf("signin_auth_steps is a %s", v[0])
	}
	sameStepResults(t, reopened)
}

// sameStepResults checks that signin_auth_step_results holds the rows of
// signin_auth_steps without their step numbers, each as often.
func sameStepResults(t *testing.T, db *sql.DB) {
	t.Helper()
	const cols = "struct_pack(tenant_id, request_id, event_type, step_at, method, method_detail, succeeded, result_detail, requirement, source_id, source_record)::varchar"
	steps := queryStrings(t, db, "select "+cols+" from signin_auth_steps order by all")
	results := queryStrings(t, db, "select "+cols+" from signin_auth_step_results order by all")
	if got := queryStrings(t, db, "select count(*)::varchar from (describe signin_auth_step_results)")[0]; got != "11" {
		t.Errorf("signin_auth_step_results has %s columns, want the 11 of signin_auth_steps but step", got)
	}
	if len(steps) == 0 || strings.Join(steps, "\n") != strings.Join(results, "\n") {
		t.Errorf("signin_auth_step_results is not signin_auth_steps without step numbers:\n%s\n---\n%s",
			strings.Join(results, "\n"), strings.Join(steps, "\n"))
	}
}

// reopenedAfter loads paths into a database file, runs statements on it (to
// make it look written by an earlier mfagap), closes it and opens it again.
func reopenedAfter(t *testing.T, paths []string, statements ...string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	old, err := Open(ctx, DBOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Files(ctx, old, paths, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range statements {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	db, err := Open(ctx, DBOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
