package ingest

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

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
	// Policy cells read in Go (lapol.go): the first trimmed as la_trim
	// trims, the second as written (a space before it: not JSON).
	{"ConditionalAccessPolicies": "\u00a0\t[{\"id\": \"p3\", \"displayName\": \"CA003\", \"result\": \"success\"}]\u3000\n"},
	{"ConditionalAccessPolicies": " \u2028", "AppliedConditionalAccessPolicies": ` [{"id": "p4", "displayName": "CA004", "result": "failure"}]`},
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
	// The policy cells, checked once per distinct cell after the read
	// (laPolicyCells), send the file as any other cell does.
	"policy cell trailing comma":      {"ConditionalAccessPolicies": `[{"id": "p1", "result": "success",}]`},
	"applied policies NaN":            {"ConditionalAccessPolicies": "", "AppliedConditionalAccessPolicies": `[{"id": "p2", "result": NaN}]`},
	"applied policies lone surrogate": {"ConditionalAccessPolicies": "[]", "AppliedConditionalAccessPolicies": `[{"id": "\ud800"}]`},
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
	for _, want := range []string{"carol@contoso.com", "'app_display_name': Office,", "'user_display_name': José,", "'error_code': 53003,", "non_interactive", "|p3|CA003|success|"} {
		if !strings.Contains(got, want) {
			t.Errorf("the load lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CA004") {
		t.Errorf("a policy cell with a space before its JSON was read")
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
	// An ISO date among them is read as it is (the stage keeps its text
	// once, for both orders).
	got = loadBothWays(t, &laFast, &laFastReads, 1, dates("14.03.2025 13:45:17", "3/4/2025, 1:00:00 PM", "13/4/2025 1:00 AM", "2025-05-06T07:08:09Z"))
	for _, want := range []string{"'created_at': '2025-04-03 13:00:00'", "'created_at': '2025-05-06 07:08:09'"} {
		if !strings.Contains(got, want) {
			t.Errorf("a day-first file lacks %s:\n%s", want, got)
		}
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
	// Every clean row, and the repeat laCleanFile adds.
	if want := fmt.Sprintf("|%d|%d|0|1|0|", len(laCleanRows)+1, len(laCleanRows)); !strings.Contains(got, want) {
		t.Errorf("the export did not load whole:\n%s", got)
	}
}

// laJSONRecord is laTestRow as a Log Analytics query export's record: each
// column a member (" [UTC]" dropped), its cell a JSON string (null for an
// empty one), raw overriding members with JSON text as it is (a member
// raw names that the row lacks is added at the end).
func laJSONRecord(id int, set, raw map[string]string) string {
	row := laTestRow(id, set)
	var b strings.Builder
	b.WriteByte('{')
	seen := map[string]bool{}
	member := func(name, value string) {
		if b.Len() > 1 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteString(": ")
		b.WriteString(value)
	}
	for i, h := range laTestHeader {
		name := strings.TrimSuffix(h, " [UTC]")
		seen[name] = true
		v, ok := raw[name]
		switch {
		case ok:
		case row[i] == "":
			v = "null"
		default:
			s, _ := json.Marshal(row[i])
			v = string(s)
		}
		member(name, v)
	}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if !seen[name] {
			member(name, raw[name])
		}
	}
	b.WriteByte('}')
	return b.String()
}

// laJSONCleanRaw are JSON members the SQL path takes as the careful path
// does: booleans, integers, a null, an empty string, escapes.
var laJSONCleanRaw = []map[string]string{
	{"IsInteractive": "false", "ConditionalAccessStatus": "1"},
	{"IsInteractive": "true", "ResultType": "50126", "Status": "null", "ResultDescription": `"Invalid\tusername \u00e9"`},
	{"ConditionalAccessStatus": "0", "UserDisplayName": `"Mozilla \"x\" \ud83d\ude00"`},
	{"ResultType": "-7", "Status": `""`, "AppDisplayName": ` "  Outlook\u2028" `},
	{"TenantId": "[1, 2]", "SourceSystem": "1.5", "Extra": `{"a": 1}`},
}

// laJSONDirtyRaw each send a JSON file down the careful path from DuckDB's
// reader (laFastJSON): DuckDB would read them otherwise than jsonText
// does, or the careful path names them. The Go reader (lago.go) reads
// those of laJSONGoTakes as the careful path does.
var laJSONDirtyRaw = map[string]string{
	"a double":              `{"ResultType": 1E2}`,
	"a decimal":             `{"UserDisplayName": 1.50}`,
	"minus zero":            `{"UserDisplayName": -0}`,
	"an object":             `{"DeviceDetail": {"operatingSystem": "iOS"}}`,
	"an array":              `{"SignInEventTypes": ["nonInteractiveUser"]}`,
	"a member twice":        `{"UserType": "Guest", "UserType": "Member"}`,
	"another case":          `{"userPrincipalName": "eve@contoso.com"}`,
	"another spelling":      `{"TimeGenerated [UTC]": "3/14/2025, 1:45:17.287 PM"}`,
	"white space in a name": `{"User Type": "Guest"}`,
	"not an object":         `5`,
	"not JSON":              `{"Id": "x",`,
}

var laJSONGoTakes = map[string]bool{"a double": true, "a decimal": true, "minus zero": true, "an object": true,
	"an array": true, "a member twice": true, "white space in a name": true}

// writeLAJSON writes records one per line, or as one array.
func writeLAJSON(t *testing.T, path string, array bool, records ...string) string {
	t.Helper()
	text := strings.Join(records, "\n") + "\n"
	if array {
		text = "[\n" + strings.Join(records, ",\n") + "\n]\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// laJSONCleanRecords are laCleanRows and laJSONCleanRaw as records, and a
// repeat of the first.
func laJSONCleanRecords() []string {
	var recs []string
	for i, set := range laCleanRows {
		recs = append(recs, laJSONRecord(i, set, nil))
	}
	for i, raw := range laJSONCleanRaw {
		recs = append(recs, laJSONRecord(100+i, nil, raw))
	}
	return append(recs, laJSONRecord(0, nil, nil))
}

// TestLAFastJSONMatchesCareful: a Log Analytics JSON export (one record a
// line, or an array) whose records are clean loads through SQL (laFastJSON)
// exactly as row by row; one record the SQL path cannot vouch for (a CSV
// rule's dirty cell, or a JSON member DuckDB would read otherwise) sends the
// file the careful way.
func TestLAFastJSONMatchesCareful(t *testing.T) {
	for _, array := range []bool{false, true} {
		path := writeLAJSON(t, filepath.Join(t.TempDir(), "SigninLogs.json"), array, laJSONCleanRecords()...)
		got := loadBothWays(t, &laFast, &laFastReads, 1, path)
		for _, want := range []string{"|la-json|signins|", "carol@contoso.com", "'user_display_name': 'Mozilla \"x\" 😀',", "'error_code': 50126,", "'app_display_name': Outlook,"} {
			if !strings.Contains(got, want) {
				t.Errorf("array %v: the load lacks %q:\n%s", array, want, got)
			}
		}
	}
	for name, set := range laDirtyRows {
		t.Run(name, func(t *testing.T) {
			recs := append(laJSONCleanRecords(), laJSONRecord(200, set, nil))
			loadBothWays(t, &laFast, &laFastReads, 0, writeLAJSON(t, filepath.Join(t.TempDir(), "SigninLogs.json"), false, recs...))
		})
	}
	for name, raw := range laJSONDirtyRaw {
		t.Run(name, func(t *testing.T) {
			last := raw
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(raw), &m) == nil && strings.HasPrefix(raw, "{") {
				// A row with these members: a record of its own.
				over := map[string]string{}
				for k, v := range m {
					over[k] = string(v)
				}
				last = laJSONRecord(200, nil, over)
				if name == "a member twice" {
					last = strings.Replace(laJSONRecord(200, nil, nil), `"UserType": "Member"`, `"UserType": "Guest", "UserType": "Member"`, 1)
				}
			}
			recs := append(laJSONCleanRecords(), last)
			path := writeLAJSON(t, filepath.Join(t.TempDir(), "SigninLogs.json"), false, recs...)
			want := int64(0)
			if laJSONGoTakes[name] {
				want = 1
			}
			loadBothWays(t, &laFast, &laFastReads, want, path)
		})
	}
}

// TestLAFastJSONGenerated: the generator's Log Analytics JSON export loads
// the same both ways, through SQL; the fixture of testdata (a record it
// rejects) the careful way; a file with a byte order mark (DuckDB's NDJSON
// reader refuses the mark) through the Go reader (lago.go), and the
// careful way without it.
func TestLAFastJSONGenerated(t *testing.T) {
	paths, err := gen.WriteFiles(t.TempDir(), "la-json", gen.Options{Rows: 3000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	got := loadBothWays(t, &laFast, &laFastReads, 1, paths...)
	for _, want := range []string{"|la-json|signins|", "|3000|3000|0|0|0|", "'event_type': service_principal", "'client_app_used': IMAP4"} {
		if !strings.Contains(got, want) {
			t.Errorf("the load lacks %q", want)
		}
	}
	// The fixture's last record has no time: the careful path rejects it.
	loadBothWays(t, &laFast, &laFastReads, 0, filepath.Join("testdata", "la", "AADNonInteractive.json"))
	bom := filepath.Join(t.TempDir(), "SigninLogs.json")
	writeLAJSON(t, bom, false, laJSONCleanRecords()...)
	b, _ := os.ReadFile(bom)
	os.WriteFile(bom, append([]byte("\ufeff"), b...), 0o644)
	loadBothWays(t, &laFast, &laFastReads, 1, bom)
	loadBothWays(t, &laGoJSON, &laFastReads, 1, bom)
}

// TestLAFastJSONShapes: lines ending in CRLF, with blank lines between
// them, take the SQL path; two arrays back to back (a collector appending
// pages) fail DuckDB's array read and take the careful path, which reads
// both. Both load as the careful path loads them.
func TestLAFastJSONShapes(t *testing.T) {
	recs := laJSONCleanRecords()
	crlf := filepath.Join(t.TempDir(), "SigninLogs.json")
	if err := os.WriteFile(crlf, []byte(strings.Join(recs, "\r\n\r\n")+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := loadBothWays(t, &laFast, &laFastReads, 1, crlf)
	if !strings.Contains(got, "|la-json|signins|") || !strings.Contains(got, "|"+strconv.Itoa(len(recs))+"|"+strconv.Itoa(len(recs)-1)+"|0|1|0|") {
		t.Errorf("the CRLF file did not load whole:\n%s", got)
	}
	pages := filepath.Join(t.TempDir(), "SigninLogs.json")
	half := len(recs) / 2
	text := "[" + strings.Join(recs[:half], ",") + "]\n[" + strings.Join(recs[half:], ",") + "]\n"
	if err := os.WriteFile(pages, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got = loadBothWays(t, &laFast, &laFastReads, 0, pages)
	if !strings.Contains(got, "|"+strconv.Itoa(len(recs))+"|"+strconv.Itoa(len(recs)-1)+"|0|1|0|") {
		t.Errorf("the two arrays did not load whole:\n%s", got)
	}
}

// TestLAFastJSONRecordSyntax: a record DuckDB's reader takes and Go's
// decoder refuses (NaN or Infinity in a member no rule reads, a trailing
// comma) sends the file the careful way, which rejects and names it; the
// SQL path loaded such records until the whole record's text was tested.
func TestLAFastJSONRecordSyntax(t *testing.T) {
	for name, dirty := range map[string]func(string) string{
		"NaN in a member not read": func(r string) string { return strings.Replace(r, "{", `{"Unread": NaN, `, 1) },
		"Infinity in a list":       func(r string) string { return strings.Replace(r, "{", `{"Unread": [1, -Infinity], `, 1) },
		"a trailing comma":         func(r string) string { return strings.TrimSuffix(strings.TrimSpace(r), "}") + ", }" },
	} {
		for _, array := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, array %v", name, array), func(t *testing.T) {
				recs := append(laJSONCleanRecords(), dirty(laJSONRecord(200, nil, nil)))
				got := loadBothWays(t, &laFast, &laFastReads, 0, writeLAJSON(t, filepath.Join(t.TempDir(), "SigninLogs.json"), array, recs...))
				if f := strings.Split(strings.SplitN(got, "\n", 2)[0], "|"); len(f) < 8 || f[7] != "1" {
					t.Errorf("want one record rejected: %v", f)
				}
			})
		}
	}
}

// FuzzLAFast: whatever one cell or member of a Log Analytics sign-in holds,
// the SQL path either sends the file the careful way or loads exactly what
// the careful path loads (loadBothWays). col picks the column of
// laTestHeader; shape places value: 0 that cell of a CSV row, 1 that
// member's raw JSON text in a record of JSON lines, 2 the text of a whole
// record. A clean row comes first, so the file is read as Log Analytics.
func FuzzLAFast(f *testing.F) {
	// A few seeds: each runs two loads in go test ./... (the other clean
	// and dirty rows run in TestLAFastMatchesCareful and
	// TestLAFastJSONMatchesCareful).
	status := uint8(slices.Index(laTestHeader, "Status"))
	f.Add(status, laCleanRows[2]["Status"], uint8(0))
	f.Add(status, laCleanRows[4]["Status"], uint8(1))
	f.Add(uint8(slices.Index(laTestHeader, "UserDisplayName")), `"Mozilla \"x\" \ud83d\ude00"`, uint8(1))
	f.Add(uint8(0), laJSONRecord(1, laCleanRows[1], nil), uint8(2))
	f.Add(uint8(0), `x,"y""z",,"",`+"\r", uint8(3))
	f.Fuzz(func(t *testing.T, col uint8, value string, shape uint8) {
		name := laTestHeader[int(col)%len(laTestHeader)]
		dir := t.TempDir()
		var path string
		switch shape % 4 {
		case 0:
			path = writeLACSV(t, filepath.Join(dir, "SigninLogs_export.csv"), [][]string{laTestRow(0, nil), laTestRow(1, map[string]string{name: value})})
		case 3:
			// Any bytes as a whole line of the CSV, after a clean row: the
			// Go reader (lago.go) reads it as DuckDB's reader does, or
			// leaves the file to it.
			path = writeLACSV(t, filepath.Join(dir, "SigninLogs_export.csv"), [][]string{laTestRow(0, nil)})
			b, _ := os.ReadFile(path)
			os.WriteFile(path, append(b, value...), 0o644)
			loadBothWays(t, &laGoCSV, &laGoReads, -1, path)
		case 1:
			path = writeLAJSON(t, filepath.Join(dir, "SigninLogs.json"), false, laJSONRecord(0, nil, nil),
				laJSONRecord(1, nil, map[string]string{strings.TrimSuffix(name, " [UTC]"): value}))
		case 2:
			path = writeLAJSON(t, filepath.Join(dir, "SigninLogs.json"), false, laJSONRecord(0, nil, nil), value)
			// The Go reader of JSON lines (lago.go) against DuckDB's.
			loadBothWays(t, &laGoJSON, &laGoReads, -1, path)
		}
		loadBothWays(t, &laFast, &laFastReads, -1, path)
	})
}

// TestLASpace: la_trim's set of characters, as DuckDB holds it, is every
// character Go's strings.TrimSpace trims (unicode.IsSpace), and no other.
func TestLASpace(t *testing.T) {
	db := memDB(t)
	if _, err := db.Exec(laFastMacros); err != nil {
		t.Fatal(err)
	}
	got := []rune(queryStrings(t, db, "select la_space()")[0])
	slices.Sort(got)
	var want []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.IsSpace(r) {
			want = append(want, r)
		}
	}
	if string(got) != string(want) {
		t.Errorf("la_space() holds %q, want %q", string(got), string(want))
	}
	cell := " \u3000\u0085x y\t\u00a0\n"
	if got := queryStrings(t, db, "select la_trim(?)", cell)[0]; got != strings.TrimSpace(cell) {
		t.Errorf("la_trim(%q) = %q, want %q", cell, got, strings.TrimSpace(cell))
	}
}

// TestLAPolLimit: past laPolLimit bytes of distinct policy cells the stage
// keeps the texts of the rows whose pair found no room (lapol.go); the load
// is the careful path's whether every pair, some or none were kept in Go,
// for the CSV and the JSON export.
func TestLAPolLimit(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, fm := range []string{"la-csv", "la-json"} {
		sub := filepath.Join(dir, fm)
		os.Mkdir(sub, 0o755)
		p, err := gen.WriteFiles(sub, fm, gen.Options{Rows: 1500, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p...)
	}
	old := laPolLimit
	defer func() { laPolLimit = old }()
	for _, limit := range []int{0, 6 << 10, old} {
		laPolLimit = limit
		before := laPolOverflows.Load()
		got := loadBothWays(t, &laFast, &laFastReads, 2, paths...)
		if !strings.Contains(got, "|CA001: Require MFA for all users|success|") {
			t.Errorf("limit %d: no policy results loaded", limit)
		}
		want := int64(2)
		if limit == old {
			want = 0
		}
		if over := laPolOverflows.Load() - before; over != want {
			t.Errorf("limit %d: %d reads ran out of room, want %d", limit, over, want)
		}
	}
}
