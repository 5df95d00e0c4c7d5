package ingest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// laTestHeader is a Log Analytics CSV header with every column laRecord reads.
var laTestHeader = []string{"TenantId", "TimeGenerated [UTC]", "Category", "ResultType", "ResultDescription",
	"AppDisplayName", "AppId", "AuthenticationDetails", "AuthenticationRequirement", "ClientAppUsed",
	"ConditionalAccessPolicies", "ConditionalAccessStatus", "CreatedDateTime [UTC]", "DeviceDetail", "IsInteractive",
	"Id", "IPAddress", "LocationDetails", "Status", "UserAgent", "UserPrincipalName", "UserDisplayName", "AADTenantId",
	"UserType", "ResourceTenantId", "HomeTenantId", "Type", "AppliedConditionalAccessPolicies", "SignInEventTypes",
	"ServicePrincipalId"}

// laTestRow is a clean SigninLogs row; set overrides its cells.
func laTestRow(id int, set map[string]string) []string {
	base := map[string]string{
		"TenantId":                  "99999999-9999-9999-9999-999999999999",
		"TimeGenerated [UTC]":       "3/14/2025, 1:45:17.287 PM",
		"CreatedDateTime [UTC]":     "3/14/2025, 1:45:10.100 PM",
		"Category":                  "SignInLogs",
		"ResultType":                "0",
		"AppDisplayName":            "Azure Portal",
		"AppId":                     "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
		"AuthenticationDetails":     `[{"authenticationStepDateTime": "2025-03-14T13:40:00.1234567+00:00", "authenticationMethod": "Mobile app notification", "succeeded": true, "authenticationStepResultDetail": "MFA successfully completed", "authenticationStepRequirement": "Multi-factor authentication"}]`,
		"AuthenticationRequirement": "multiFactorAuthentication",
		"ClientAppUsed":             "Browser",
		"ConditionalAccessPolicies": `[{"id": "11111111-1111-1111-1111-000000000600", "displayName": "CA001 Require MFA", "result": "success", "enforcedGrantControls": ["Mfa"], "conditionsSatisfied": 3, "conditionsNotSatisfied": 0, "includeRulesSatisfied": "[{\"conditionalAccessCondition\":\"application\",\"ruleSatisfied\":\"allApps\"}]"}]`,
		"ConditionalAccessStatus":   "success",
		"DeviceDetail":              `{"deviceId": "", "operatingSystem": "Windows10", "browser": "Edge 120", "isCompliant": true, "isManaged": false}`,
		"IsInteractive":             "TRUE",
		"IPAddress":                 "198.51.100.1",
		"LocationDetails":           `{"city": "Oslo", "countryOrRegion": "NO"}`,
		"Status":                    `{"errorCode": 0}`,
		"UserAgent":                 `Mozilla/5.0, "quoted"`,
		"UserPrincipalName":         "Bob@Contoso.com",
		"UserDisplayName":           "Bob",
		"AADTenantId":               "00000000-0000-0000-0000-00000000aaaa",
		"UserType":                  "Member",
		"ResourceTenantId":          "00000000-0000-0000-0000-00000000aaaa",
		"HomeTenantId":              "00000000-0000-0000-0000-00000000aaaa",
		"Type":                      "SigninLogs",
	}
	base["Id"] = fmt.Sprintf("11111111-1111-1111-1111-%012d", id)
	for k, v := range set {
		base[k] = v
	}
	row := make([]string, len(laTestHeader))
	for i, h := range laTestHeader {
		row[i] = base[h]
	}
	return row
}

func writeLACSV(t *testing.T, path string, rows [][]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.UseCRLF = true
	w.Write(laTestHeader)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLACSVLineNumbers: csv_rows keeps the file's order, so rejected rows of
// a Log Analytics CSV read in parallel name their own line. With the read
// buffer cut to a few rows, DuckDB reads the file in many pieces at once;
// unordered, the rows came back shuffled and the reasons named other lines.
// csvRows reads the rows in ranges of 700 here, so that ranges end before,
// on and after rejected lines.
func TestLACSVLineNumbers(t *testing.T) {
	old, oldBatch := csvTableMaxLine, csvRowsBatch
	csvTableMaxLine, csvRowsBatch = 4096, 700
	defer func() { csvTableMaxLine, csvRowsBatch = old, oldBatch }()
	var rows [][]string
	const n = 3000
	for i := range n {
		set := map[string]string{}
		if i%1000 == 999 {
			set["ResultType"], set["Status"] = fmt.Sprintf("bad%d", i), ""
		}
		rows = append(rows, laTestRow(i, set))
	}
	path := writeLACSV(t, filepath.Join(t.TempDir(), "SigninLogs_export.csv"), rows)
	for _, fast := range []bool{false, true} {
		laFast = fast
		db, _ := load(t, Options{TempDir: t.TempDir()}, path)
		laFast = true
		got := queryStrings(t, db, "select source_record || ' ' || reason from rejected_rows order by source_record")
		want := []string{
			`1001 record 1001: ResultType "bad999" is not an error code`,
			`2001 record 2001: ResultType "bad1999" is not an error code`,
			`3001 record 3001: ResultType "bad2999" is not an error code`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("fast %v: rejected rows\n%s\nwant\n%s", fast, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		ids := queryStrings(t, db, "select count(*) from signins where source_record - 2 <> cast(right(request_id, 12) as integer)")
		if ids[0] != "0" {
			t.Errorf("fast %v: %s sign-ins carry another line's record number", fast, ids[0])
		}
	}
}

// TestLARowsDuckDBCannotRead: a row whose JSON DuckDB's reader refuses (a
// lone surrogate escape) and a row whose error code passes 32 bits are each
// rejected under their own record number; every other row loads. Before,
// the first took the number of the record before it, which was rejected in
// its place, and the second failed the whole file.
func TestLARowsDuckDBCannotRead(t *testing.T) {
	rows := [][]string{
		laTestRow(0, nil),
		laTestRow(1, map[string]string{"DeviceDetail": `{"deviceId": "\ud800"}`}),
		laTestRow(2, nil),
		laTestRow(3, map[string]string{"Status": `{"errorCode": 9007199254740993}`}),
		laTestRow(4, nil),
	}
	path := writeLACSV(t, filepath.Join(t.TempDir(), "SigninLogs_export.csv"), rows)
	db, _ := load(t, Options{TempDir: t.TempDir()}, path)
	got := strings.Join(queryStrings(t, db, "select source_record || ' ' || reason from rejected_rows order by source_record"), "\n")
	want := "3 record 3: DuckDB's JSON reader could not read the record (a value of an unexpected type or encoding)\n" +
		"5 record 5: status.errorCode 9007199254740992 is not a sign-in error code (beyond 32 bits)"
	if got != want {
		t.Errorf("rejected rows\n%s\nwant\n%s", got, want)
	}
	if loaded := strings.Join(queryStrings(t, db, "select string_agg(source_record::varchar, ',' order by source_record) from signins"), ""); loaded != "2,4,6" {
		t.Errorf("loaded records %s, want 2,4,6", loaded)
	}
}

// TestLAJSONNamesAlike: of two members whose names laKey reads alike
// (UserPrincipalName, userPrincipalName), the later non-empty one is read
// (white space is not empty; laRecord trims it to nothing), as between two
// such CSV columns, on every load: the careful path ranged
// over a map and picked either.
func TestLAJSONNamesAlike(t *testing.T) {
	recs := []string{
		laJSONRecord(1, nil, map[string]string{"userPrincipalName": `"Eve@Contoso.com"`}),
		laJSONRecord(2, nil, map[string]string{"userPrincipalName": `""`}),
		laJSONRecord(3, nil, map[string]string{"userPrincipalName": `" "`}),
	}
	path := writeLAJSON(t, filepath.Join(t.TempDir(), "SigninLogs.json"), false, recs...)
	for range 5 {
		db, _ := load(t, Options{TempDir: t.TempDir()}, path)
		got := strings.Join(queryStrings(t, db, "select source_record || ' ' || coalesce(user_principal_name, '-') from signins order by source_record"), ",")
		if want := "1 eve@contoso.com,2 bob@contoso.com,3 -"; got != want {
			t.Fatalf("user principal names %s, want %s", got, want)
		}
	}
}

// TestUALGenerated: the generator's Purview audit export loads every user
// sign-in of the same events' graph-json export, with its id, user, time,
// error code, address and event type (a token request is non-interactive),
// and counts the other records as read and ignored.
func TestUALGenerated(t *testing.T) {
	o := gen.Options{Rows: 3000, Seed: 11}
	ual, err := gen.WriteFiles(t.TempDir(), "ual-csv", o)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := gen.WriteFiles(t.TempDir(), "graph-json", o)
	if err != nil {
		t.Fatal(err)
	}
	const q = `select request_id || ' ' || user_principal_name || ' ' || strftime(created_at, '%%Y-%%m-%%d %%H:%%M:%%S') || ' ' ||
  error_code || ' ' || coalesce(ip_address, '-') || ' ' || event_type from signins %s order by request_id`
	db, _ := load(t, Options{TempDir: t.TempDir()}, ual...)
	got := queryStrings(t, db, fmt.Sprintf(q, ""))
	src := strings.Join(queryStrings(t, db, "select concat_ws('|', format, rows_read, rows_loaded, rows_rejected, rows_ignored) from sources"), "")
	gdb, _ := load(t, Options{TempDir: t.TempDir()}, graph...)
	want := queryStrings(t, gdb, fmt.Sprintf(q, "where user_principal_name is not null and event_type in ('interactive', 'non_interactive')"))
	if len(got) < 2000 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%d sign-ins from the audit export, %d from graph-json; first %v / %v", len(got), len(want), got[:min(2, len(got))], want[:min(2, len(want))])
	}
	if src != fmt.Sprintf("ual-csv|3000|%d|0|%d", len(got), 3000-len(got)) {
		t.Errorf("sources %s", src)
	}
}

// TestUALAuditDataShapes: AuditData that is not an object is rejected and
// named; an object given as a JSON string is read; of a name given twice,
// the last is read, as json.Unmarshal into a map reads it.
func TestUALAuditDataShapes(t *testing.T) {
	ok := `{"CreationTime":"2025-03-04T14:05:00","Id":"%s","Operation":"UserLoggedIn","OrganizationId":"11111111-1111-1111-1111-000000000001","RecordType":15,"UserId":"%s","ClientIP":"[::ffff:192.0.2.7]:443","ErrorNumber":"0"}`
	cells := []string{
		fmt.Sprintf(ok, "a1", "ann@contoso.com"),
		`not json`,
		`[1, 2]`,
		`null`,
		`{"Id": "a5",}`,
		string(mustJSON(t, fmt.Sprintf(ok, "a6", "bob@contoso.com"))),
		strings.Replace(fmt.Sprintf(ok, "a7", "eve@contoso.com"), `"UserId":"eve@contoso.com"`, `"UserId":"x@contoso.com","UserId":"eve@contoso.com"`, 1),
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"})
	for i, c := range cells {
		w.Write([]string{fmt.Sprint(i), "3/4/2025 2:05:00 PM", "15", "UserLoggedIn", "", c})
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "audit.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db, _ := load(t, Options{TempDir: t.TempDir()}, path)
	got := strings.Join(queryStrings(t, db, "select request_id || ' ' || user_principal_name || ' ' || ip_address from signins order by request_id"), ",")
	if want := "a1 ann@contoso.com 192.0.2.7,a6 bob@contoso.com 192.0.2.7,a7 eve@contoso.com 192.0.2.7"; got != want {
		t.Errorf("sign-ins %s, want %s", got, want)
	}
	rej := strings.Join(queryStrings(t, db, "select source_record || ' ' || reason from rejected_rows order by source_record"), ",")
	want := "3 record 3: AuditData is not a JSON object,4 record 4: AuditData is not a JSON object," +
		"5 record 5: AuditData is not a JSON object,6 record 6: AuditData is not a JSON object"
	if rej != want {
		t.Errorf("rejected %s, want %s", rej, want)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The SQL path reads a Log Analytics CSV's lines up to csvMaxLine (16 MiB,
// as the portal CSV's read), across its read buffers; a file with a longer
// row goes the careful way, which rejects that row, as the portal read does,
// and loads every other.
func TestLACSVLongLines(t *testing.T) {
	for _, tc := range []struct {
		name     string
		long     int // the longest user agent
		fast     int64
		rejected int64
	}{{"15 MiB", 15 << 20, 1, 0}, {"17 MiB", 17 << 20, 0, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			var rows [][]string
			want := map[string]int{}
			agent := func(i, n int) {
				rows = append(rows, laTestRow(i, map[string]string{"UserAgent": strings.Repeat("a", n)}))
				want[fmt.Sprintf("11111111-1111-1111-1111-%012d", i)] = n
			}
			for i := range 20 { // 20 MiB of rows: rows across the read buffers' edges
				agent(i, 1<<20+i*4099)
			}
			agent(20, tc.long)
			if tc.rejected > 0 {
				delete(want, "11111111-1111-1111-1111-000000000020")
			}
			agent(21, 10)
			p := writeLACSV(t, filepath.Join(t.TempDir(), "SigninLogs_export.csv"), rows)
			before := laFastReads.Load()
			db, sum := load(t, Options{}, p)
			if got := laFastReads.Load() - before; got != tc.fast {
				t.Errorf("the SQL path took %d files, want %d", got, tc.fast)
			}
			s := sum.Sources[0]
			if s.Format != "la-csv" || s.Read != 22 || s.Loaded != 22-tc.rejected || s.Rejected != tc.rejected {
				t.Fatalf("%s: read %d loaded %d rejected %d note %q", s.Format, s.Read, s.Loaded, s.Rejected, s.Note)
			}
			var wantRows []string
			for id, n := range want {
				wantRows = append(wantRows, fmt.Sprintf("%s=%d", id, n))
			}
			sort.Strings(wantRows)
			got := queryStrings(t, db, "select request_id || '=' || length(user_agent) from signins order by request_id")
			if strings.Join(got, " ") != strings.Join(wantRows, " ") {
				t.Errorf("request id = user agent length:\n got %v\nwant %v", got, wantRows)
			}
		})
	}
}
