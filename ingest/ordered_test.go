package ingest

import (
	"context"
	"strings"
	"testing"
)

// Every load that numbers records by their order is checked to be planned
// without a join (checkOrderedPlan) in every test of the package.
func init() { checkOrderedPlans = true }

// TestOrderedPlan: the portal CSV insert, whose IN lists DuckDB's optimizer
// in_clause plans as a mark join, loses the file's order with the
// optimizer on; ordered turns it off, and its check names a plan with a
// join.
func TestOrderedPlan(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	q := "create temp table t as select mfagap_is_legacy(c) as legacy from (values ('IMAP4'), ('Browser')) v(c)"
	if _, err := db.ExecContext(ctx, "set preserve_insertion_order = true"); err != nil {
		t.Fatal(err)
	}
	if err := checkOrderedPlan(ctx, db, q); err == nil || !strings.Contains(err.Error(), "JOIN") {
		t.Errorf("with the optimizer on, the check passed a plan it should refuse: %v", err)
	}
	l := &loader{db: db}
	if err := l.ordered(ctx, q); err != nil {
		t.Fatalf("ordered: %v", err)
	}
	got := queryStrings(t, db, "select legacy::varchar from t order by rowid")
	if strings.Join(got, " ") != "true false" {
		t.Errorf("legacy %v", got)
	}
	if v := queryStrings(t, db, "select current_setting('disabled_optimizers')"); v[0] != "" {
		t.Errorf("ordered left disabled_optimizers = %q", v[0])
	}
}
