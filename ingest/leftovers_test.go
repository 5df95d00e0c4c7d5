package ingest

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// Loading a file leaves no temporary table or view of its own behind on the
// connection: each load starts from the same state whatever was loaded
// before it. A leftover is how a portal CSV came to fail after a Log
// Analytics or audit CSV (csv_rejects, TestCSVAfterSQLPathCSV); this checks
// every format at once, one fixture each.
func TestNoLeftoversBetweenFiles(t *testing.T) {
	fixtures := []string{
		"testdata/side/auth-methods.csv", "testdata/side/ca-exclusions.csv", "testdata/side/ca-array.json", "testdata/side/ca-mes.csv",
		"testdata/dedup/PT1H.json", "../testdata/exports/contoso/20250308120000-interactiveUser-nonInteractiveUser-SignInLogs.json",
		"testdata/tools/hawk/Entra_Sign_In_Log_erin.json", "testdata/side/group-members.csv", "testdata/side/group.json",
		"testdata/la/SigninLogs_export.csv", "testdata/la/AADNonInteractive.json", "testdata/side/mfa-registration-19.csv",
		"testdata/side/mfa-registration.json", "testdata/side/named-locations.json",
		"../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv",
		"../testdata/exports/contoso/InteractiveSignIns_AuthDetails_2025-03-01_2025-03-08.csv",
		"testdata/side/register-account.csv", "testdata/side/admins.csv", "testdata/ual/Search-UnifiedAuditLog.csv",
		"testdata/ual/purview-audit.csv", "testdata/ual/UnifiedAuditLog.json", "testdata/side/users-download.csv", "testdata/side/users.json",
	}
	ctx := context.Background()
	for _, f := range fixtures {
		db := memDB(t)
		q := `select 'table ' || table_name from duckdb_tables() where temporary
union all select 'view ' || view_name from duckdb_views() where temporary and not internal
order by 1`
		before := queryStrings(t, db, q)
		sum, err := Files(ctx, db, []string{f}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(sum.Sources) != 1 || sum.Sources[0].Kind == "skipped" || sum.Sources[0].Read == 0 {
			t.Errorf("%s: not read as a fixture of its format: %+v", filepath.Base(f), sum.Sources)
		}
		if after := queryStrings(t, db, q); !slices.Equal(before, after) {
			t.Errorf("%s (%s) left behind: %v (before: %v)", filepath.Base(f), sum.Sources[0].Format, after, before)
		}
	}
}
