package ingest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// laCleanRows are rows the SQL path takes, each exercising one of
// laRecord's rules.
var laCleanRows = []map[string]string{
	{},
	{"CreatedDateTime [UTC]": "2025-03-02T09:05:00.1234567Z", "Status": "", "ResultType": "50126", "ResultDescription": "Invalid username or password"},
	{"CreatedDateTime [UTC]": "2025-03-02 10:05:00+02:00", "Status": `{"errorCode": "50074", "failureReason": null}`, "ResultType": "0"},
	{"Status": `{"errorCode": ""}`, "ResultType": "", "ResultDescription": ""},
	{"Status": `{"errorCode": 1.0, "additionalDetails": "MFA requirement satisfied by claim in the token"}`},
	{"Status": `[1]`, "ResultType": " 0 ", "ResultDescription": "ok"},
	{"Status": `{"failureReason": 42}`, "ResultType": "+7"},
	{"Status": `{"errorCode": null}`, "ResultType": "53003", "ResultDescription": "Blocked by Conditional Access"},
	{"UserPrincipalName": "\u00a0Carol@Contoso.com\t", "AppDisplayName": " Office\u2028", "UserDisplayName": "José"},
	{"IsInteractive": "True", "ClientAppUsed": "IMAP4"},
	{"IsInteractive": "1", "AuthenticationRequirement": "singleFactorAuthentication"},
	{"IsInteractive": "f"},
	{"IsInteractive": "maybe"},
	{"IsInteractive": ""},
	{"DeviceDetail": "{}", "LocationDetails": "not json", "AuthenticationDetails": "[]"},
	{"DeviceDetail": `{"isCompliant": "yes", "deviceId": 5}`, "LocationDetails": `[1, 2]`},
	{"ConditionalAccessPolicies": "", "AppliedConditionalAccessPolicies": "[]"},
	{"ConditionalAccessPolicies": "[]", "AppliedConditionalAccessPolicies": `[{"id": "p2", "displayName": "CA002", "result": "failure", "enforcedGrantControls": ["Block"]}]`},
	{"Type": "", "Category": "NonInteractiveUserSignInLogs", "IsInteractive": "FALSE"},
	{"Type": "", "Category": ""},
	{"AADTenantId": "", "ResourceTenantId": "00000000-0000-0000-0000-00000000bbbb"},
	{"CreatedDateTime [UTC]": "3/5/2025 7:22 AM"},
	{"CreatedDateTime [UTC]": "3/13/2025 19:22:01"},
	{"CreatedDateTime [UTC]": "", "TimeGenerated [UTC]": "3/15/2025, 12:00:00.5 AM"},
	{"CreatedDateTime [UTC]": "3/3/2025, 12:30:00 PM"},
	{"Type": "AADManagedIdentitySignInLogs", "SignInEventTypes": `["managedIdentity"]`, "ServicePrincipalId": "sp-1", "UserPrincipalName": ""},
	{"Type": "AADServicePrincipalSignInLogs", "SignInEventTypes": "[3]", "ServicePrincipalId": " sp-2 "},
	{"Status": "", "ResultType": "50053", "ResultDescription": "Account is locked\r\nbecause of repeated attempts"},
}

// laDirtyRows each send a file down the careful path, and why.
var laDirtyRows = map[string]map[string]string{
	"error code not a number":  {"ResultType": "abc", "Status": ""},
	"status code not a number": {"Status": `{"errorCode": "x1"}`},
	"status code beyond float": {"Status": `{"errorCode": 1e19}`},
	"status code beyond int32": {"Status": `{"errorCode": 9007199254740993}`},
	"status code a bool":       {"Status": `{"errorCode": true}`},
	"another table":            {"Type": "AuditLogs"},
	"no date":                  {"CreatedDateTime [UTC]": "", "TimeGenerated [UTC]": ""},
	"not a date":               {"CreatedDateTime [UTC]": "2/30/2025, 1:00:00 PM"},
	"hour 13 PM":               {"CreatedDateTime [UTC]": "3/14/2025, 13:00:00 PM"},
	"PowerShell date":          {"CreatedDateTime [UTC]": "/Date(1741953917287)/"},
	"no id":                    {"Id": " "},
	"trailing comma":           {"DeviceDetail": `{"deviceId": "a",}`},
	"NaN":                      {"LocationDetails": `{"city": NaN}`},
	"lone surrogate":           {"DeviceDetail": `{"deviceId": "\ud800"}`},
	"status member twice":      {"Status": `{"errorCode": 0, "errorCode": 50126}`},
}

func laCleanFile(t *testing.T, dir string, extra ...map[string]string) string {
	var rows [][]string
	for i, set := range append(laCleanRows, extra...) {
		rows = append(rows, laTestRow(i, set))
	}
	// The same sign-in twice: a repeat, dropped by both paths alike.
	rows = append(rows, laTestRow(0, nil))
	return writeLACSV(t, filepath.Join(dir, "SigninLogs_export.csv"), rows)
}

// TestLAFastMatchesCareful: a Log Analytics CSV whose rows are clean loads
// through SQL (laFastCSV) exactly as through laRecord, row by row; one row
// the SQL path cannot vouch for sends the file the careful way.
func TestLAFastMatchesCareful(t *testing.T) {
	dir := t.TempDir()
	got := loadBothWays(t, &laFast, &laFastReads, 1, laCleanFile(t, dir))
	for _, want := range []string{"carol@contoso.com", "'app_display_name': Office,", "'user_display_name': José,", "'error_code': 53003,", "non_interactive"} {
		if !strings.Contains(got, want) {
			t.Errorf("the load lacks %q:\n%s", want, got)
		}
	}
	// Day-first dates (a dotted one, one with a day past 12) decide the
	// order of the file's other dates; dates that cannot be decided send
	// the file the careful way, which names them.
	dates := func(created ...string) string {
		var rows [][]string
		for i, c := range created {
			rows = append(rows, laTestRow(i, map[string]string{"CreatedDateTime [UTC]": c, "TimeGenerated [UTC]": c}))
		}
		return writeLACSV(t, filepath.Join(t.TempDir(), "SigninLogs_export.csv"), rows)
	}
	got = loadBothWays(t, &laFast, &laFastReads, 1, dates("14.03.2025 13:45:17", "3/4/2025, 1:00:00 PM", "13/4/2025 1:00 AM"))
	if !strings.Contains(got, "'created_at': '2025-04-03 13:00:00'") {
		t.Errorf("3/4/2025 is not read as 3 April in a day-first file:\n%s", got)
	}
	loadBothWays(t, &laFast, &laFastReads, 0, dates("3/4/2025, 1:00:00 PM", "4/3/2025, 1:00:00 PM"))
	loadBothWays(t, &laFast, &laFastReads, 0, dates("3/14/2025, 1:00:00 PM", "14/3/2025, 1:00:00 PM"))
	for name, set := range laDirtyRows {
		t.Run(name, func(t *testing.T) {
			loadBothWays(t, &laFast, &laFastReads, 0, laCleanFile(t, t.TempDir(), set))
		})
	}
}

// TestLAFastMatchesCarefulGenerated: the generator's Log Analytics export
// (every event type, failures, legacy clients, CA results, MFA steps) loads
// the same both ways, through SQL.
func TestLAFastMatchesCarefulGenerated(t *testing.T) {
	paths, err := gen.WriteFiles(t.TempDir(), "la-csv", gen.Options{Rows: 3000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	got := loadBothWays(t, &laFast, &laFastReads, 1, paths...)
	for _, want := range []string{"|3000|3000|0|0|0|", "'event_type': service_principal", "'event_type': non_interactive", "'client_app_used': IMAP4"} {
		if !strings.Contains(got, want) {
			t.Errorf("the load lacks %q", want)
		}
	}
}

// TestLAFastSample: the Log Analytics export of ../shared/samples (76
// columns as the portal writes them) takes the SQL path and loads as the
// careful path loads it.
func TestLAFastSample(t *testing.T) {
	path := filepath.Join(samplesDir(t), "la-export-signinlogs", "SigninLogs_LogAnalytics_export_excerpt.csv")
	got := loadBothWays(t, &laFast, &laFastReads, 1, path)
	if !strings.Contains(got, "|la-csv|signins|4b2462a4-bbee-495a-a0e1-f23ae524cc9c|2|2|0|0|0|") {
		t.Errorf("the sample did not load whole:\n%s", got)
	}
}

// TestLAFastBOM: an export that starts with a UTF-8 byte order mark (as
// Excel and PowerShell write CSV) takes the SQL path too, its first column
// (here Id, which every row needs) named as without the mark.
func TestLAFastBOM(t *testing.T) {
	path := laCleanFile(t, t.TempDir())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	id := slices.Index(rows[0], "Id")
	var b strings.Builder
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	for _, r := range rows {
		w.Write(append([]string{r[id]}, slices.Delete(slices.Clone(r), id, id+1)...))
	}
	w.Flush()
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := loadBothWays(t, &laFast, &laFastReads, 1, path)
	if !strings.Contains(got, "|29|28|0|1|0|") {
		t.Errorf("the export did not load whole:\n%s", got)
	}
}
