package ingest

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// sideDB loads paths (relative to testdata/side unless absolute) into a
// fresh in-memory database.
func sideDB(t *testing.T, opts Options, paths ...string) (*sql.DB, *Summary) {
	t.Helper()
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			paths[i] = filepath.Join("testdata", "side", p)
		}
	}
	return load(t, opts, paths...)
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
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = cell(v)
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
	tests := []sideCase{
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
	runSideCases(t, tests)
}

// utf16File writes a UTF-16 LE copy (with BOM) of a fixture, as PowerShell's
// Out-File does on Windows PowerShell 5.1.
func utf16File(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "side", name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "utf16-"+name)
	if err := os.WriteFile(p, utf16LE(string(b)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// utf16LE is text in UTF-16 LE with a BOM.
func utf16LE(text string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(text)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestCAPolicies(t *testing.T) {
	const policies = `select policy_id, state, state_raw, requires_mfa, blocks_legacy, targets_all_users,
	  array_to_string(built_in_controls, ','), coalesce(authentication_strength_name, '-'), array_to_string(client_app_types, ',')
	  from ca_policies order by policy_id`
	const exclusions = `select policy_id, object_type, object_id from ca_exclusions order by all`
	tests := []sideCase{
		{"graph single policy", "ca-single.json", "ca-policies-json", 1, 1, 0, policies, []string{
			"aaaaaaaa-0000-0000-0000-000000000001|enabled|enabled|true|false|true|mfa|-|all"}},
		{"graph single policy exclusions", "ca-single.json", "ca-policies-json", 1, 1, 0, exclusions, []string{
			"aaaaaaaa-0000-0000-0000-000000000001|group|99999999-0000-0000-0000-000000000001",
			"aaaaaaaa-0000-0000-0000-000000000001|guest|GuestsOrExternalUsers",
			"aaaaaaaa-0000-0000-0000-000000000001|guest|b2bCollaborationGuest",
			"aaaaaaaa-0000-0000-0000-000000000001|guest|internalGuest",
			"aaaaaaaa-0000-0000-0000-000000000001|role|62e90394-69f5-4237-9190-012177145e10",
			"aaaaaaaa-0000-0000-0000-000000000001|user|11111111-0000-0000-0000-00000000000a"}},
		{"graph single policy lists", "ca-single.json", "ca-policies-json", 1, 1, 0,
			`select include_users, exclude_guests, include_locations, exclude_locations, grant_operator, created_at::varchar from ca_policies`,
			[]string{"[All]|[internalGuest, b2bCollaborationGuest]|[All]|[AllTrusted]|OR|2025-01-10 08:00:00.123456"}},
		{"graph array with annotations and a broken record", "ca-array.json", "ca-policies-json", 3, 2, 1, policies, []string{
			"aaaaaaaa-0000-0000-0000-000000000002|enabled|enabled|false|true|true|block|-|exchangeActiveSync,other",
			"aaaaaaaa-0000-0000-0000-000000000003|report-only|enabledForReportingButNotEnforced|true|false|false||Phishing-resistant MFA|all"}},
		{"graph array reject reason", "ca-array.json", "ca-policies-json", 3, 2, 1,
			`select source_record, reason from rejected_rows`, []string{"3|record 3: Conditional Access policy has no id"}},
		{"graph value wrapper", "ca-value.json", "ca-policies-json", 1, 1, 0, policies, []string{
			"aaaaaaaa-0000-0000-0000-000000000004|disabled|disabled|true|false|false|mfa,compliantDevice|-|browser,mobileAppsAndDesktopClients"}},
		{"graph UTF-16 LE with BOM", "utf16:ca-array.json", "ca-policies-json", 3, 2, 1,
			`select policy_id, policy_name from ca_policies order by 1`, []string{
				"aaaaaaaa-0000-0000-0000-000000000002|CA002 Block legacy authentication",
				"aaaaaaaa-0000-0000-0000-000000000003|CA003 Admins phishing-resistant MFA"}},
		{"MES CSV", "ca-mes.csv", "ca-policies-mes-csv", 2, 2, 0, policies, []string{
			"bbbbbbbb-0000-0000-0000-000000000010|enabled|enabled|true|false|true|mfa|-|all",
			"bbbbbbbb-0000-0000-0000-000000000011|report-only|enabledForReportingButNotEnforced|false|true|true|block|-|exchangeActiveSync,other"}},
		{"MES CSV exclusions", "ca-mes.csv", "ca-policies-mes-csv", 2, 2, 0, exclusions, []string{
			"bbbbbbbb-0000-0000-0000-000000000010|group|99999999-0000-0000-0000-000000000001",
			"bbbbbbbb-0000-0000-0000-000000000010|group|99999999-0000-0000-0000-000000000002",
			"bbbbbbbb-0000-0000-0000-000000000010|user|11111111-0000-0000-0000-00000000000a",
			"bbbbbbbb-0000-0000-0000-000000000010|user|11111111-0000-0000-0000-00000000000c"}},
		{"MES CSV dates", "ca-mes.csv", "ca-policies-mes-csv", 2, 2, 0,
			`select distinct created_at::varchar from ca_policies`, []string{"2025-03-04 10:00:00"}},
		{"exclusion export", "ca-exclusions.csv", "ca-exclusions-csv", 2, 1, 1,
			`select tenant_id, policy_id, policy_name, object_type, object_id, upn, display_name from ca_exclusions`, []string{
				"cccccccc-0000-0000-0000-000000000001|aaaaaaaa-0000-0000-0000-000000000001|CA001 Require MFA|user|11111111-0000-0000-0000-00000000000a|bg-admin01@contoso.com|Break Glass 01"}},
		{"exclusion export reject", "ca-exclusions.csv", "ca-exclusions-csv", 2, 1, 1,
			`select source_record, reason from rejected_rows`, []string{"3|line 3: no excluded user id or UPN"}},
		{"named locations", "named-locations.json", "named-locations-json", 2, 2, 0,
			`select name, location_type, is_trusted, cidrs, countries from named_locations order by name`, []string{
				"Allowed countries|country|∅|[]|[NL, BE]",
				"HQ|ip|true|[203.0.113.0/24, 2001:db8::/32]|[]"}},
	}
	runSideCases(t, tests)
}

// cell renders a scanned value: ∅ for NULL, [a, b] for lists.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "∅"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cell(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func TestDirectory(t *testing.T) {
	tests := []sideCase{
		{"MES users", "users.csv", "users-csv", 4, 4, 0,
			`select upn, object_id, user_type, account_enabled, created_at::varchar, last_sign_in_at::varchar, last_non_interactive_sign_in_at::varchar, on_premises_sync
			 from users order by source_record`, []string{
				"bg-admin01@contoso.com|11111111-0000-0000-0000-00000000000a|member|true|2024-01-15 09:00:00|∅|∅|∅",
				"svc-backup@contoso.com|11111111-0000-0000-0000-00000000000b|member|true|2024-02-01 09:00:00|2025-03-20 23:05:00|2025-03-21 01:00:00|∅",
				"alex@contoso.com|11111111-0000-0000-0000-00000000000c|member|true|2024-02-01 09:00:00|2025-04-02 08:30:00|∅|true",
				"guest_fabrikam.com#ext#@contoso.onmicrosoft.com|11111111-0000-0000-0000-00000000000d|guest|false|2024-02-01 09:00:00|∅|∅|∅"}},
		{"portal download users", "users-download.csv", "users-csv", 1, 1, 0,
			`select upn, object_id, display_name, user_type, account_enabled, department from users`, []string{
				"ada@contoso.com|11111111-0000-0000-0000-0000000000e1|Ada Lovelace|member|true|R&D"}},
		{"Graph users with signInActivity", "users.json", "users-json", 1, 1, 0,
			`select upn, last_sign_in_at::varchar, last_non_interactive_sign_in_at::varchar, last_successful_sign_in_at from users`, []string{
				"grace@contoso.com|2025-04-01 10:00:00|2025-04-02 10:00:00|∅"}},
		{"MES registration, 16 columns", "mfa-registration.csv", "mfa-registration-csv", 2, 2, 0,
			`select upn, is_mfa_registered, is_mfa_capable, is_admin, methods_registered, preferred_method, last_updated::varchar from mfa_registration order by 1`, []string{
				"alex@contoso.com|true|true|false|[microsoftAuthenticatorPush, softwareOneTimePasscode]|push|2025-04-21 04:29:55",
				"svc-backup@contoso.com|false|false|false|[]|none|2025-04-21 04:29:55"}},
		{"MES registration, 19 columns", "mfa-registration-19.csv", "mfa-registration-csv", 1, 1, 0,
			`select upn, is_admin, methods_registered from mfa_registration`, []string{"bg-admin01@contoso.com|true|[fido2]"}},
		{"Graph registration", "mfa-registration.json", "mfa-registration-json", 1, 1, 0,
			`select upn, is_mfa_registered, methods_registered, last_updated::varchar from mfa_registration`, []string{
				"grace@contoso.com|true|[microsoftAuthenticatorPush, fido2]|2025-04-21 04:29:55.072989"}},
		{"MES authentication methods", "auth-methods.csv", "auth-methods-csv", 2, 2, 0,
			`select upn, mfa_status, authenticator_app, software_oath, password from auth_methods order by 1`, []string{
				"alex@contoso.com|Enabled|true|true|true", "svc-backup@contoso.com|Disabled|false|false|true"}},
		{"MES administrators", "admins.csv", "roles-csv", 3, 2, 1,
			`select upn, object_id, role_name, role_template_id from role_assignments order by 1`, []string{
				"alex@contoso.com|11111111-0000-0000-0000-00000000000c|Contoso Custom Role|∅",
				"bg-admin01@contoso.com|11111111-0000-0000-0000-00000000000a|Global Administrator|62e90394-69f5-4237-9190-012177145e10"}},
		{"MES administrators reject", "admins.csv", "roles-csv", 3, 2, 1,
			`select source_record, reason from rejected_rows`, []string{"4|line 4: no user name or id"}},
		{"MES all roles", "roles.csv", "roles-csv", 1, 1, 0,
			`select upn, role_name, role_template_id from role_assignments`, []string{
				"alex@contoso.com|Security Reader|5d6b6bb7-de71-4623-b4af-96380a352509"}},
		{"group members CSV", "group-members.csv", "group-members-csv", 2, 1, 1,
			`select group_id, group_name, member_id, member_upn from group_members`, []string{
				"99999999-0000-0000-0000-000000000001|CA-Exclude-BreakGlass|11111111-0000-0000-0000-00000000000a|bg-admin01@contoso.com"}},
		{"Graph group with members", "group.json", "groups-json", 1, 1, 0,
			`select g.display_name, m.member_upn, m.member_type from groups g join group_members m using (group_id)`, []string{
				"CA-Exclude-Scanners|svc-backup@contoso.com|user"}},
	}
	runSideCases(t, tests)
}

// TestIdentities loads a small tenant: a sign-in by user id, a users export,
// CA exclusions by object id, a register by UPN and group members.
func TestIdentities(t *testing.T) {
	db, _ := sideDB(t, Options{AccountPatterns: map[string]string{`^alex@`: "executive", `^room[-_.]`: ""}},
		"signins.json", "users.csv", "ca-single.json", "register-account.csv", "group-members.csv", "group.json")
	wantRows(t, db, []string{
		"cccccccc-0000-0000-0000-000000000001|11111111-0000-0000-0000-00000000000a|bg-admin01@contoso.com|Break Glass 01|[ca_exclusions, group_members, register, users]",
		"cccccccc-0000-0000-0000-000000000001|11111111-0000-0000-0000-00000000000b|svc-backup@contoso.com|Backup service|[group_members, register, users]",
		"cccccccc-0000-0000-0000-000000000001|11111111-0000-0000-0000-00000000000c|alex@contoso.com|Alex Wilber|[signins, users]",
		"cccccccc-0000-0000-0000-000000000001|11111111-0000-0000-0000-00000000000d|guest_fabrikam.com#ext#@contoso.onmicrosoft.com|Guest Fabrikam|[users]",
		"cccccccc-0000-0000-0000-000000000001|11111111-2222-3333-4444-000000000001|∅|∅|[register]",
		"cccccccc-0000-0000-0000-000000000001|∅|room-board@contoso.com|∅|[register]",
	}, `select * from identities order by object_id nulls last, upn`)
	wantRows(t, db, []string{
		"aaaaaaaa-0000-0000-0000-000000000001|99999999-0000-0000-0000-000000000001|CA-Exclude-BreakGlass|bg-admin01@contoso.com",
	}, `select policy_id, group_id, group_name, member_upn from group_exclusion_members order by all`)
	wantRows(t, db, []string{
		"bg-admin01@contoso.com|break-glass|naming-convention|heuristic",
		"bg-admin01@contoso.com|break-glass|register|documented",
		"alex@contoso.com|executive|naming-convention|heuristic",
		"guest_fabrikam.com#ext#@contoso.onmicrosoft.com|guest|directory|documented",
		"guest_fabrikam.com#ext#@contoso.onmicrosoft.com|guest|naming-convention|heuristic",
		"∅|legacy-app|register|documented",
		"room-board@contoso.com|room|register|documented",
		"svc-backup@contoso.com|service|naming-convention|heuristic",
		"svc-backup@contoso.com|service|register|documented",
	}, `select upn, class, source, confidence from account_classes order by class, source, upn`)
	wantRows(t, db, []string{
		"11111111-2222-3333-4444-000000000001|5",
		"Room-Board@contoso.com|4",
	}, `select account, source_record from register_unmatched order by account`)
}

// sideCase loads one fixture (or "utf16:" + fixture, transcoded first) and
// checks its row accounting and one query.
type sideCase struct {
	name                   string
	file, format           string
	read, loaded, rejected int64
	query                  string
	want                   []string
}

func runSideCases(t *testing.T, tests []sideCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if name, ok := strings.CutPrefix(file, "utf16:"); ok {
				file = utf16File(t, name)
			}
			db, sum := sideDB(t, Options{}, file)
			checkSource(t, sum, filepath.Base(file), tt.format, tt.read, tt.loaded, tt.rejected)
			wantRows(t, db, tt.want, tt.query)
		})
	}
}

// TestRegisterXLSX builds a SharePoint-list-style workbook: a cover sheet,
// then the register with Excel serial dates and extra list columns.
func TestRegisterXLSX(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Exceptions register — read me first"})
	f.NewSheet("Exceptions")
	rows := [][]any{
		{"Item Type", "Path", "Account", "Exception Type", "Compensating Control", "Approver", "Date Approved", "Review Date", "Ticket"},
		{"Item", "Lists/Exceptions", "bg-admin02@contoso.com", "Break Glass", "FIDO2 in safe", "CISO", 45717, 46082, "CHG-1"},
		{"Item", "Lists/Exceptions", "svc-scan@contoso.com", "Service Account", "IP allow-list", "CISO", "2025-03-05", "", ""},
		{"Item", "Lists/Exceptions", "", "Other", "", "", "", "", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Exceptions", cell, &r)
	}
	path := filepath.Join(dir, "register.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	encrypted := filepath.Join(dir, "locked.xlsx")
	if err := os.WriteFile(encrypted, append(append([]byte{}, oleMagic...), make([]byte, 512)...), 0o644); err != nil {
		t.Fatal(err)
	}
	db, sum := sideDB(t, Options{}, path, encrypted)
	checkSource(t, sum, "register.xlsx", "register-xlsx", 3, 2, 1)
	wantRows(t, db, []string{
		"2|bg-admin02@contoso.com|break-glass|FIDO2 in safe|2025-03-01|2026-03-01|{\"Ticket\":\"CHG-1\"}",
		"3|svc-scan@contoso.com|service-account|IP allow-list|2025-03-05|∅|∅",
	}, `select source_record, account, exception_type, approved_solution, approved_on::varchar, review_on::varchar, extra::varchar
	    from register_entries order by source_record`)
	wantRows(t, db, []string{"4|row 4: no account (expected a UPN, an object id or a group id)"},
		`select r.source_record, r.reason from rejected_rows r join sources s using (source_id) where s.path like '%register.xlsx'`)
	wantRows(t, db, []string{"true"},
		`select reason like '%locked.xlsx is password-protected (encrypted) or an old .xls workbook; export it unprotected%'
		 from rejected_rows r join sources s using (source_id) where s.path like '%locked.xlsx'`)
}

// TestSideDetectionLeavesSignins: a sign-in CSV with user columns is not a
// users export.
func TestSideDetectionLeavesSignins(t *testing.T) {
	header := []string{"TenantId", "TimeGenerated", "Id", "UserPrincipalName", "UserType", "IPAddress", "AppId"}
	for _, f := range formats {
		if f.kind != "signins" && f.detect(&sniff{header: header, norm: header}) {
			t.Errorf("side format %s claims a sign-in header", f.id)
		}
	}
}

// The register kept as .xlsx and saved as .csv beside it (other bytes, the
// same lines): the CSV's lines are duplicates of the workbook's, each
// exception once; a line that differs, or names another tenant, stays.
func TestRegisterRepeats(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	rows := [][]any{
		{"Account", "Exception Type", "Compensating Control", "Approver", "Date Approved", "Review Date"},
		{"bg-admin02@contoso.com", "Break Glass", "FIDO2 in safe", "CISO", 45717, 46082},
		{"svc-scan@contoso.com", "Service Account", "IP allow-list", "CISO", "2025-03-05", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	xlsx := filepath.Join(dir, "a-register.xlsx")
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "b-register.csv", "Account;Exception Type;Compensating Control;Approver;Date Approved;Review Date\r\n"+
		"bg-admin02@contoso.com;Break Glass;FIDO2 in safe;CISO;2025-03-01;2026-03-01\r\n"+
		"svc-scan@contoso.com;Service Account;IP allow-list and MFA;CISO;2025-03-05;\r\n")
	write(t, filepath.Join(dir, "11111111-2222-3333-4444-555555555555"), "register.csv",
		"Account,Exception Type,Compensating Control,Approver,Date Approved,Review Date\n"+
			"bg-admin02@contoso.com,Break Glass,FIDO2 in safe,CISO,2025-03-01,2026-03-01\n")
	db, sum := load(t, Options{}, dir)
	checkAccounting(t, db, sum)
	s := sourceOf(t, sum, "b-register.csv")
	if s.Loaded != 1 || s.Duplicates != 1 || !strings.Contains(s.Note, "1 line repeats one of "+xlsx) {
		t.Errorf("the CSV copy: loaded %d, duplicates %d, note %q", s.Loaded, s.Duplicates, s.Note)
	}
	if s := sourceOf(t, sum, "5555/register.csv"); s.Loaded != 1 || s.Duplicates != 0 {
		t.Errorf("another tenant's register: loaded %d, duplicates %d", s.Loaded, s.Duplicates)
	}
	got := queryStrings(t, db, "select account || ' ' || coalesce(approved_solution, '') from register_entries order by all")
	if strings.Join(got, "|") != "bg-admin02@contoso.com FIDO2 in safe|bg-admin02@contoso.com FIDO2 in safe|svc-scan@contoso.com IP allow-list|svc-scan@contoso.com IP allow-list and MFA" {
		t.Errorf("register entries %q", got)
	}
}

// TestSideCSVStrayQuote: a quoted cell with a stray quote ("y" z) in a side
// CSV is one row, its line's: read whole with encoding/csv's lax quotes it
// ran on to the next quote before a delimiter, and the rows between (the
// CFO's exception, below) vanished into one bogus row, counted as one. A
// quoted cell that holds a line break is still one row of two lines.
func TestSideCSVStrayQuote(t *testing.T) {
	text := "Account Name,Exception Type,Approved Solution,Justification,Approved By,Date Approved,Review Date\r\n" +
		"bg@contoso.com,Break-glass,FIDO2 key in safe,Emergency access,CISO,2025-03-01,2026-03-01\r\n" +
		`svc@contoso.com,"Service" Account,IP allow-list,Backup,CISO,2025-03-01,2026-03-01` + "\r\n" +
		"cfo@contoso.com,Executive,None,Finds MFA annoying,,2025-02-01,\r\n" +
		`scan@contoso.com,Legacy App,SMTP relay,"Printer,` + "\r\n" + `cannot do ""OAuth""",CISO,2025-03-01,2026-03-01` + "\r\n" +
		"ceo@contoso.com,Executive,Number matching,Travel,Board,2025-03-01,2026-03-01\r\n"
	path := filepath.Join(t.TempDir(), "register.csv")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	db, sum := sideDB(t, Options{}, path)
	checkSource(t, sum, "register.csv", "register-csv", 5, 5, 0)
	wantRows(t, db, []string{
		"2|bg@contoso.com|Emergency access",
		"3|svc@contoso.com|Backup",
		"4|cfo@contoso.com|Finds MFA annoying",
		"5|scan@contoso.com|Printer,\ncannot do \"OAuth\"",
		"7|ceo@contoso.com|Travel",
	}, `select source_record, account, coalesce(justification, approved_solution) from register_entries order by source_record`)
}
