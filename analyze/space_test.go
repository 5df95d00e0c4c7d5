package analyze_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/analyze"
	"github.com/mfagap/mfagap/ingest"
	"github.com/mfagap/mfagap/queries"
)

// A check that fails because DuckDB's spill folder is full stops the run
// with a SpaceError naming the check and that folder; a check that fails
// otherwise is reported with status error and the others still run.
func TestCheckOutOfSpace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	signins := filepath.Join(dir, "signins.json")
	if err := os.WriteFile(signins, []byte(metricSignins), 0o644); err != nil {
		t.Fatal(err)
	}
	// More than the 64 MB limit, sorted: it must spill.
	big := queries.Check{ID: "big-sort", Title: "spills", Severity: "low",
		SQL: "select null::varchar as tenant_id, range::varchar || repeat('x', 100) as subject, '' as reason, null::timestamp as first_seen, " +
			"null::timestamp as last_seen, 1 as event_count from range(3000000) order by subject desc"}
	broken := queries.Check{ID: "broken", Title: "fails", Severity: "low", SQL: "select * from no_such_table"}
	ok := queries.Check{ID: "fine", Title: "runs", Severity: "low", SQL: "select null::varchar as tenant_id, 'x' as subject, '' as reason, null::timestamp as first_seen, null::timestamp as last_seen, 1 as event_count where false"}
	for _, full := range []bool{false, true} {
		db, err := ingest.Open(ctx, ingest.DBOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := ingest.Files(ctx, db, []string{signins}, ingest.Options{Tenant: tenant}); err != nil {
			t.Fatal(err)
		}
		spill := t.TempDir()
		if _, err := db.Exec("set memory_limit = '64MB'; set temp_directory = '" + spill + "'; set max_temp_directory_size = '1MB'"); err != nil {
			t.Fatal(err)
		}
		checks := []queries.Check{broken, ok}
		if full {
			checks = []queries.Check{big, ok}
		}
		res, err := analyze.Run(ctx, db, analyze.Options{Checks: checks})
		if !full {
			if err != nil || len(res.Checks) != 2 || res.Checks[0].Status != analyze.StatusError || res.Checks[1].Status != analyze.StatusOK {
				t.Fatalf("a check failing otherwise: err %v, result %+v", err, res)
			}
			continue
		}
		var se *ingest.SpaceError
		if !errors.As(err, &se) || res != nil || se.TempDir != spill || !strings.Contains(err.Error(), "check big-sort") {
			t.Fatalf("full spill folder: err %v, result %+v", err, res)
		}
	}
}
