package ingest

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sideDB loads paths (relative to testdata/side unless absolute) into a
// fresh in-memory database.
func sideDB(t *testing.T, opts Options, paths ...string) (*sql.DB, *Summary) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, DBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			paths[i] = filepath.Join("testdata", "side", p)
		}
	}
	sum, err := Files(ctx, db, paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return db, sum
}

// rowsOf runs q and returns each row as strings joined by "|".
func rowsOf(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				parts[i] = v.String
			} else {
				parts[i] = "∅"
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantRows(t *testing.T, db *sql.DB, want []string, q string, args ...any) {
	t.Helper()
	got := rowsOf(t, db, q, args...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s\n got: %q\nwant: %q", strings.TrimSpace(q), got, want)
	}
}

// checkAccounting asserts read = loaded + rejected for every source and the
// expected format, kind and counts for one.
func checkSource(t *testing.T, sum *Summary, suffix, format string, read, loaded, rejected int64) {
	t.Helper()
	for _, s := range sum.Sources {
		if !strings.HasSuffix(s.Path, suffix) {
			continue
		}
		if s.Format != format || s.Read != read || s.Loaded != loaded || s.Rejected != rejected {
			t.Errorf("%s: format %s read %d loaded %d rejected %d (note %q); want %s %d %d %d",
				suffix, s.Format, s.Read, s.Loaded, s.Rejected, s.Note, format, read, loaded, rejected)
		}
		if s.Read != s.Loaded+s.Rejected {
			t.Errorf("%s: read %d != loaded %d + rejected %d", suffix, s.Read, s.Loaded, s.Rejected)
		}
		return
	}
	t.Errorf("%s: not in the summary", suffix)
}

func TestRegisterCSV(t *testing.T) {
	tests := []struct {
		name                   string
		file, format           string
		read, loaded, rejected int64
		query                  string
		want                   []string
	}{
		{
			name: "account layout", file: "register-account.csv", format: "register-csv", read: 6, loaded: 4, rejected: 2,
			query: `select account, account_upn, account_object_id, exception_type, exception_type_raw, approved_on::varchar, review_on::varchar, extra::varchar
			        from register_entries order by source_record`,
			want: []string{
				"bg-admin01@contoso.com|bg-admin01@contoso.com|∅|break-glass|Break-glass|2025-03-01|2026-03-01|{\"Cost Centre\":\"IT-01\"}",
				"svc-backup@contoso.com|svc-backup@contoso.com|∅|service-account|Service Account|2025-03-13|2026-03-13|∅",
				"Room-Board@contoso.com|room-board@contoso.com|∅|room-account|Room Account|2025-03-01|2026-03-01|∅",
				"11111111-2222-3333-4444-000000000001|∅|11111111-2222-3333-4444-000000000001|legacy-app|Legacy App|2025-02-01|∅|∅",
			},
		},
		{
			name: "account layout rejects", file: "register-account.csv", format: "register-csv", read: 6, loaded: 4, rejected: 2,
			query: `select source_record, reason from rejected_rows order by source_record`,
			want: []string{
				"6|line 6: no account (expected a UPN, an object id or a group id)",
				`7|line 7: date approved "2025-02-30" is not a date (expected e.g. 2025-03-01, 3/1/2025, 01/03/2025 or 1 Mar 2025)`,
			},
		},
		{
			name: "msp layout, several accounts per cell, day/month dates", file: "register-msp.csv", format: "register-csv", read: 3, loaded: 2, rejected: 1,
			query: `select source_record, tenant_id, tenant_name, layout, account, policy, approved_on::varchar, review_on::varchar, notes, extra::varchar
			        from register_entries order by source_record, account`,
			want: []string{
				"2|unknown|Contoso|msp|alex@contoso.com|CA001 Require MFA|2025-03-01|2026-03-31|Quarterly review|∅",
				"2|unknown|Contoso|msp|blair@contoso.com|CA001 Require MFA|2025-03-01|2026-03-31|Quarterly review|∅",
				"3|unknown|Contoso|msp|22222222-3333-4444-5555-000000000002|CA002 Block legacy|2025-02-15|2026-02-15|Group of scanners|∅",
				"3|unknown|Contoso|msp|casey@contoso.com|CA002 Block legacy|2025-02-15|2026-02-15|Group of scanners|∅",
			},
		},
		{
			name: "ambiguous dates are noted", file: "register-ambiguous.csv", format: "register-csv", read: 2, loaded: 2,
			query: `select account, exception_type, approved_on::varchar, (select note from sources) like '%cannot be told%' from register_entries order by 1`,
			want:  []string{"erin@contoso.com|shared-account|2025-01-03|true", "frank@contoso.com|other|2025-02-04|true"},
		},
		{
			name: "semicolon delimiter", file: "register-semicolon.csv", format: "register-csv", read: 1, loaded: 1,
			query: `select account_upn, exception_type, approved_by, review_on::varchar from register_entries`,
			want:  []string{"gina@contoso.com|byod|CISO|2025-12-31"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, sum := sideDB(t, Options{}, tt.file)
			checkSource(t, sum, tt.file, tt.format, tt.read, tt.loaded, tt.rejected)
			wantRows(t, db, tt.want, tt.query)
		})
	}
}
