package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// TestPolicyResults checks the two tables behind signin_ca_policies: each
// distinct result kept once, the view giving every sign-in's results with
// its keys, a Parquet folder holding the view whole and read back, and a
// database of an earlier mfagap (the view a table) moved over when opened.
func TestPolicyResults(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	paths := []string{"../testdata/exports/contoso"}
	for _, f := range []struct {
		format, name string
		seed         int64
	}{{"graph-json", "graph.json", 21}, {"diag-ndjson", "PT1H.json", 22}} {
		var buf bytes.Buffer
		if err := gen.Write(&buf, f.format, gen.Options{Rows: 500, Seed: f.seed}); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, write(t, dir, f.name, buf.String()))
	}
	db, _ := load(t, Options{}, paths...)
	all := `select concat_ws('|', tenant_id, request_id, event_type, policy_id, policy_name, result, enforced_grant_controls::varchar,
  conditions_satisfied, conditions_not_satisfied, include_rules_satisfied::varchar, exclude_rules_satisfied::varchar, source_id, source_record)
from signin_ca_policies order by all`
	want := queryStrings(t, db, all)
	results := query1[int64](t, db, "select count(*) from ca_policy_results")
	if len(want) < 1000 || results == 0 || results*10 > int64(len(want)) {
		t.Fatalf("%d policy results kept as %d distinct: the test needs many results, few distinct", len(want), results)
	}
	// The view reads the sign-in's keys, one row per reference.
	if n := query1[int64](t, db, "select count(*) from signin_ca_policy_refs"); n != int64(len(want)) {
		t.Errorf("%d references, %d rows in the view", n, len(want))
	}
	mismatch := query1[int64](t, db, `select count(*) from signin_ca_policies p
where not exists (select 1 from signins s where s.source_id = p.source_id and s.source_record = p.source_record
  and s.tenant_id = p.tenant_id and s.request_id is not distinct from p.request_id and s.event_type = p.event_type)`)
	if mismatch != 0 {
		t.Errorf("%d policy results whose keys are not their sign-in's", mismatch)
	}
	// Each key once, each content once here (one shape per result).
	if v := queryStrings(t, db, `select (count(*) = count(distinct policy_key))::varchar || ' ' ||
  (count(*) = count(distinct struct_pack(`+policyColumns+`)))::varchar from ca_policy_results`); v[0] != "true true" {
		t.Errorf("ca_policy_results: key unique, content unique: %s", v[0])
	}
	if _, err := db.ExecContext(ctx, "select * from ca_policy_keys_unique()"); err != nil {
		t.Fatal(err)
	}

	// Parquet: the view written whole, read back into the two tables.
	pq := filepath.Join(t.TempDir(), "pq")
	if err := WriteParquet(ctx, db, pq); err != nil {
		t.Fatal(err)
	}
	n := query1[int64](t, db, "select count(*) from read_parquet(?)", filepath.Join(pq, "signin_ca_policies.parquet"))
	if n != int64(len(want)) {
		t.Errorf("signin_ca_policies.parquet holds %d results, want %d", n, len(want))
	}
	for _, table := range []string{policiesTable, policyRefTable} {
		if _, err := os.Stat(filepath.Join(pq, table+".parquet")); err == nil {
			t.Errorf("%s.parquet written: other engines would read the results in two pieces", table)
		}
	}
	back, _ := load(t, Options{}, pq)
	sameLoad(t, strings.Join(want, "\n"), strings.Join(queryStrings(t, back, all), "\n"))
	// A history read back with new exports: the same results reuse the keys.
	twice, _ := load(t, Options{}, pq, paths[1])
	if got := query1[int64](t, twice, "select count(*) from ca_policy_results"); got > 2*results {
		t.Errorf("a history and an export of it keep %d distinct results, the history alone %d", got, results)
	}
	if _, err := twice.ExecContext(ctx, "select * from ca_policy_keys_unique()"); err != nil {
		t.Error(err)
	}

	// A database of an earlier mfagap: the results a table of the view's
	// columns.
	reopened := reopenedAfter(t, paths,
		"create table old_policies as from signin_ca_policies",
		"drop view signin_ca_policies",
		"drop table signin_ca_policy_refs",
		"drop table ca_policy_results",
		"alter table old_policies rename to signin_ca_policies")
	sameLoad(t, strings.Join(want, "\n"), strings.Join(queryStrings(t, reopened, all), "\n"))
	if v := queryStrings(t, reopened, "select table_type from information_schema.tables where table_name = 'signin_ca_policies'"); v[0] != "VIEW" {
		t.Errorf("signin_ca_policies is a %s", v[0])
	}
	if v := queryStrings(t, reopened, "select count(*)::varchar from information_schema.tables where table_name = ?", earlierPolicies); v[0] != "0" {
		t.Errorf("%s left behind", earlierPolicies)
	}
}

// TestPolicyKeyCollision checks that two different results under one key
// (a hash collision) stop the load instead of mixing up their sign-ins.
func TestPolicyKeyCollision(t *testing.T) {
	ctx := context.Background()
	db, _ := load(t, Options{}, "../testdata/exports/contoso")
	var key uint64
	if err := db.QueryRowContext(ctx, "select min(policy_key) from ca_policy_results").Scan(&key); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "insert into ca_policy_results (policy_key, policy_id) values (?, 'another policy')", key); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, "select * from ca_policy_keys_unique()")
	if err == nil || !strings.Contains(err.Error(), "hash collision") || !strings.Contains(err.Error(), strconv.FormatUint(key, 10)) {
		t.Fatalf("two results under key %d: %v", key, err)
	}
	// The next load into that database runs the check too.
	var buf bytes.Buffer
	if err := gen.Write(&buf, "graph-json", gen.Options{Rows: 50, Seed: 23}); err != nil {
		t.Fatal(err)
	}
	p := write(t, t.TempDir(), "graph.json", buf.String())
	before := query1[int64](t, db, "select count(*) from signins")
	sum, err := Files(ctx, db, []string{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Sources[len(sum.Sources)-1]
	if s.Path != p || s.Loaded != 0 || !strings.Contains(s.Note, "hash collision") {
		t.Errorf("a load after the collision: %s loaded %d: %s", s.Path, s.Loaded, s.Note)
	}
	if after := query1[int64](t, db, "select count(*) from signins"); after != before {
		t.Errorf("the failed file left %d sign-ins", after-before)
	}
}
