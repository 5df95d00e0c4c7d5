package ingest

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// ualAudit is a UserLoggedIn AuditData object as the Purview export writes
// it, with the members in set replaced (a nil value removes the member).
func ualAudit(t testing.TB, id int, set map[string]any) string {
	t.Helper()
	m := map[string]any{
		"CreationTime": fmt.Sprintf("2025-03-04T14:%02d:00", id%60), "Id": fmt.Sprintf("ual-%03d", id), "Operation": "UserLoggedIn",
		"OrganizationId": "11111111-1111-1111-1111-000000000001", "RecordType": 15, "ResultStatus": "Success",
		"UserKey": "cccccccc-cccc-cccc-cccc-000000fff000", "UserType": 0, "Version": 1, "Workload": "AzureActiveDirectory",
		"ClientIP": "192.0.2.12", "ObjectId": "797f4846-ba00-4fd7-ba43-dac1f8f63013", "UserId": "ann@contoso.com",
		"ApplicationId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "ErrorNumber": "0",
		"ExtendedProperties": []map[string]string{{"Name": "ResultStatusDetail", "Value": "Success"},
			{"Name": "UserAgent", "Value": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"},
			{"Name": "RequestType", "Value": "Login:login"}},
		"DeviceProperties": []map[string]string{{"Name": "OS", "Value": "Windows10"}, {"Name": "BrowserType", "Value": "Edge"}},
		"Actor":            []map[string]any{{"ID": "ann@contoso.com", "Type": 5}}, "ModifiedProperties": []any{},
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return string(mustJSON(t, m))
}

// ualCleanRecords are AuditData cells the fast paths take, each exercising
// one of ualRead's rules.
func ualCleanRecords(t testing.TB) []string {
	ua := func(pairs ...string) []map[string]string {
		var out []map[string]string
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, map[string]string{"Name": pairs[i], "Value": pairs[i+1]})
		}
		return out
	}
	sets := []map[string]any{
		{},
		{"Operation": "UserLoginFailed", "ErrorNumber": "50126", "LogonError": "InvalidUserNameOrPassword"},
		{"ErrorNumber": nil},
		{"Operation": "UserLoginFailed", "ErrorNumber": nil, "LogonError": "UserAccountNotFound"},
		{"Operation": "UserLoginFailed", "ErrorNumber": nil, "LogonError": nil},
		{"Operation": "userloggedin", "ErrorNumber": " 50074 "},
		{"ErrorNumber": 50053, "Id": 42},
		{"ErrorNumber": "+7", "LogonError": " "},
		{"ErrorNumber": "", "LogonError": ""},
		{"ClientIP": "192.0.2.1:443"},
		{"ClientIP": "[::ffff:192.0.2.1]:443"},
		{"ClientIP": "[2001:DB8:0:0:0:0:0:1]:50000"},
		{"ClientIP": "2001:db8:0:0:1:0:0:1"},
		{"ClientIP": "::ffff:c000:0201"},
		{"ClientIP": "fe80::1%eth0"},
		{"ClientIP": "[2001:db8::1]"},
		{"ClientIP": " not an address "},
		{"ClientIP": "1.2.3.4:5:6"},
		{"ClientIP": "[::1]:80:90"},
		{"ClientIP": ""},
		{"ClientIP": nil},
		{"ClientIP": "\u00a0192.0.2.9\t"},
		{"ExtendedProperties": ua("RequestType", "OAuth2:Token", "UserAgent", "python-requests/2.31")},
		{"ExtendedProperties": ua("requesttype", "oauth2:TOKEN", "USERAGENT", "a", "UserAgent", " b ")},
		{"ExtendedProperties": ua()},
		{"ExtendedProperties": nil, "DeviceProperties": nil},
		{"ExtendedProperties": "null", "DeviceProperties": ua("os", " ")},
		{"DeviceProperties": ua("BrowserType", "Firefox", "IsCompliantAndManaged", "False")},
		{"UserKey": "CCCCCCCC-CCCC-CCCC-CCCC-000000FFF000"},
		{"UserKey": "1003200045B5D2C3"},
		{"OrganizationId": nil, "UserId": "\u00a0Bob@Contoso.com "},
		{"CreationTime": "2025-03-04T14:05:00.1234567Z"},
		{"CreationTime": "2025-03-04 15:05:00+02:00"},
		{"UserId": 123, "ApplicationId": true, "ObjectId": nil},
		{"Operation": "FileAccessed", "ErrorNumber": "not read"},
		{"Operation": nil},
		{"Operation": ""},
		{"Operation": 5},
		{"Operation": "MailItemsAccessed", "ExtendedProperties": map[string]any{"not": "a list"}, "Id": 1.5},
	}
	var out []string
	for i, set := range sets {
		a := ualAudit(t, i, set)
		if set["ExtendedProperties"] == "null" {
			a = strings.Replace(a, `"ExtendedProperties":"null"`, `"ExtendedProperties":null`, 1)
		}
		out = append(out, a)
	}
	return out
}

// ualDirtyRecords each send a file down the careful path.
var ualDirtyRecords = map[string]func(a string) string{
	"not JSON":                 func(string) string { return "not json" },
	"an array":                 func(string) string { return "[1, 2]" },
	"empty":                    func(string) string { return "" },
	"a JSON string":            func(a string) string { return string(mustJSONString(a)) },
	"space before":             func(a string) string { return " " + a },
	"trailing comma":           func(a string) string { return strings.Replace(a, `{`, `{"x":1,`, 1)[:len(a)+5] + ",}" },
	"trailing comma and space": func(a string) string { return a[:len(a)-1] + ", }" },
	"trailing comma and line": func(a string) string {
		return strings.Replace(a, `"ModifiedProperties":[]`, "\"ModifiedProperties\":[1,\r\n]", 1)
	},
	"NaN":            func(a string) string { return strings.Replace(a, `"UserType":0`, `"UserType":NaN`, 1) },
	"lone surrogate": func(a string) string { return strings.Replace(a, `"Success"`, `"\ud800"`, 1) },
	"a name twice":   func(a string) string { return strings.Replace(a, `"UserId":`, `"UserId":"x@contoso.com","UserId":`, 1) },
	"a list twice": func(a string) string {
		return strings.Replace(a, `"DeviceProperties":`, `"DeviceProperties":[],"DeviceProperties":`, 1)
	},
	"Operation twice": func(a string) string {
		return strings.Replace(a, `"Operation":`, `"Operation":"FileAccessed","Operation":`, 1)
	},
	"Operation an object": func(a string) string { return strings.Replace(a, `"UserLoggedIn"`, `{"a":1}`, 1) },
	"Operation folded":    func(a string) string { return strings.Replace(a, `"UserLoggedIn"`, `"U\u017FerLoggedIn"`, 1) },
	"Id -0":               func(a string) string { return strings.Replace(a, `"Id":"ual-000"`, `"Id":-0`, 1) },
	"UserId a decimal":    func(a string) string { return strings.Replace(a, `"UserId":"ann@contoso.com"`, `"UserId":1.50`, 1) },
	"ClientIP an object":  func(a string) string { return strings.Replace(a, `"ClientIP":"192.0.2.12"`, `"ClientIP":{"v":4}`, 1) },
	"properties an object": func(a string) string {
		return strings.Replace(a, `"ExtendedProperties":[`, `"ExtendedProperties":{"x":[`, 1)
	},
	"property names lowered":   func(a string) string { return strings.ReplaceAll(a, `"Name":`, `"name":`) },
	"property value a number":  func(a string) string { return strings.Replace(a, `"Value":"Windows10"`, `"Value":10`, 1) },
	"properties a string":      func(a string) string { return strings.Replace(a, `"DeviceProperties":[`, `"DeviceProperties":"[`, 1) },
	"RequestType Kelvin":       func(a string) string { return strings.Replace(a, `"Login:login"`, `"OAuth2:To\u212Aen"`, 1) },
	"no CreationTime":          func(a string) string { return strings.Replace(a, `"CreationTime":"2025-03-04T14:00:00",`, ``, 1) },
	"CreationTime US":          func(a string) string { return strings.Replace(a, `"2025-03-04T14:00:00"`, `"3/4/2025 2:00:00 PM"`, 1) },
	"ErrorNumber not a number": func(a string) string { return strings.Replace(a, `"ErrorNumber":"0"`, `"ErrorNumber":"x0"`, 1) },
	"no id":                    func(a string) string { return strings.Replace(a, `"Id":"ual-000"`, `"Id":" "`, 1) },
	"ErrorNumber beyond 32 bits": func(a string) string {
		return strings.Replace(a, `"ErrorNumber":"0"`, `"ErrorNumber":"2147483648"`, 1)
	},
	"ErrorNumber the 32-bit minimum": func(a string) string {
		return strings.Replace(a, `"ErrorNumber":"0"`, `"ErrorNumber":"-2147483648"`, 1)
	},
	"a unit separator": func(a string) string { return strings.Replace(a, `"Edge"`, `"Ed\u001fge"`, 1) },
}

func mustJSONString(s string) []byte {
	var b strings.Builder
	b.WriteByte('"')
	b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
	b.WriteByte('"')
	return []byte(b.String())
}

// writeUALCSV writes AuditData cells as a Purview audit export.
func writeUALCSV(t *testing.T, path string, cells []string) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData", "AssociatedAdminUnits", "AssociatedAdminUnitsNames"})
	for i, c := range cells {
		w.Write([]string{fmt.Sprint(i), "3/4/2025 2:05:00 PM", "15", "UserLoggedIn", "", c, "", ""})
	}
	w.Flush()
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUALFastMatchesCareful: an audit export whose records are clean loads
// through the fast path (ualFastCSV, mfagap_ual_csv_cell) exactly as the
// careful path loads it, record by record (sign-ins, ignored records and
// the note naming them); a dirty record either loads the same way or, when
// the fast path cannot vouch for it, sends the file the careful way.
func TestUALFastMatchesCareful(t *testing.T) {
	for _, goCSV := range []bool{true, false} {
		t.Run(fmt.Sprint("Go reader ", goCSV), func(t *testing.T) {
			old := ualGoCSV
			ualGoCSV = goCSV
			defer func() { ualGoCSV = old }()
			ualFastMatchesCareful(t, goCSV)
		})
	}
}

// ualFastMatchesCareful is TestUALFastMatchesCareful through the Go reader
// (ualGo, goCSV) or the SQL path (ualFastCSV).
func ualFastMatchesCareful(t *testing.T, goCSV bool) {
	clean := ualCleanRecords(t)
	before := ualGoReads.Load()
	got := loadBothWays(t, &ualFast, &ualFastReads, 1, writeUALCSV(t, filepath.Join(t.TempDir(), "audit.csv"), clean))
	if n := ualGoReads.Load() - before; goCSV != (n == 1) {
		t.Errorf("the Go reader took %d files", n)
	}
	for _, want := range []string{"'ip_address': '2001:db8::1',", "'ip_address': 192.0.2.1,", "'ip_address': '2001:db8::1:0:0:1',",
		"'ip_address': 'fe80::1%eth0',", "'ip_address': '1.2.3.4:5:6',", "'ip_address': '::1]:80:90'", "'ip_address': 192.0.2.9,",
		"'ip_address': not an address,", "non_interactive", "'user_agent': b,", "'error_code': 50074,", "'error_code': 50053,", "bob@contoso.com",
		"5 audit records that are not sign-ins ignored (2 operation without Operation, 1 operation 5, 1 operation FileAccessed, 1 operation MailItemsAccessed)"} {
		if !strings.Contains(got, want) {
			t.Errorf("the load lacks %q:\n%s", want, got)
		}
	}
	for name, dirty := range ualDirtyRecords {
		t.Run(name, func(t *testing.T) {
			cells := append(append([]string{}, clean...), dirty(ualAudit(t, 0, nil)))
			want := int64(0)
			if ualGoLoads[name] || name == "a JSON string" || name == "space before" {
				want = 1 // a cell may hold the object as a JSON string, after space
			}
			if name == "a unit separator" && !goCSV {
				want = 0 // it separates mfagap_ual_csv_cell's fields
			}
			before := ualGoReads.Load()
			loadBothWays(t, &ualFast, &ualFastReads, want, writeUALCSV(t, filepath.Join(t.TempDir(), "audit.csv"), cells))
			if n := ualGoReads.Load() - before; goCSV && n != want || !goCSV && n != 0 {
				t.Errorf("the Go reader took %d files", n)
			}
		})
	}
}

// TestUALFastGenerated: the generator's audit export (sign-ins, failures,
// token requests, other operations), as CSV and as AuditData lines, loads
// the same both ways, through the fast paths.
func TestUALFastGenerated(t *testing.T) {
	for _, format := range []string{"ual-csv", "ual-json"} {
		paths, err := gen.WriteFiles(t.TempDir(), format, gen.Options{Rows: 3000, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		loadBothWays(t, &ualFast, &ualFastReads, 1, paths...)
	}
}

// ualWrapped is an AuditData object as a Search-UnifiedAuditLog record
// exported to JSON: the object as text in AuditData, CreationDate beside it.
func ualWrapped(t testing.TB, audit string) string {
	return string(mustJSON(t, map[string]any{"CreationDate": "2025-03-04T14:05:00", "UserIds": "ann@contoso.com",
		"Operations": "UserLoggedIn", "AuditData": audit}))
}

// TestUALFastJSONMatchesCareful: AuditData records in JSON, one a line or
// an array, the objects themselves or as text in an AuditData member, load
// through the fast paths (ualFastJSON) exactly as the careful path loads
// them; a record they cannot vouch for sends the file the careful way.
func TestUALFastJSONMatchesCareful(t *testing.T) {
	clean := ualCleanRecords(t)
	for _, array := range []bool{false, true} {
		recs := append(append([]string{}, clean...), ualWrapped(t, ualAudit(t, 90, nil)), ualWrapped(t, ualAudit(t, 91, map[string]any{"Operation": "FileAccessed"})))
		got := loadBothWays(t, &ualFast, &ualFastReads, 1, writeLAJSON(t, filepath.Join(t.TempDir(), "audit.json"), array, recs...))
		for _, want := range []string{"|ual-json|signins|", "'request_id': ual-090,", "'ip_address': '2001:db8::1',", "(2 operation FileAccessed, 2 operation without Operation, 1 operation 5, 1 operation MailItemsAccessed)"} {
			if !strings.Contains(got, want) {
				t.Errorf("array %v: the load lacks %q", array, want)
			}
		}
	}
	dirty := map[string]string{
		"a wrapper's AuditData an object": strings.Replace(ualWrapped(t, "x"), `"AuditData":"x"`, `"AuditData":`+ualAudit(t, 0, nil), 1),
		"a wrapper's AuditData twice":     strings.Replace(ualWrapped(t, ualAudit(t, 0, nil)), `{`, `{"AuditData":"{}",`, 1),
		"a wrapper with NaN":              strings.Replace(ualWrapped(t, ualAudit(t, 0, nil)), `{`, `{"Unread":NaN,`, 1),
	}
	for name, f := range ualDirtyRecords {
		if name != "empty" && name != "space before" {
			dirty[name] = f(ualAudit(t, 0, nil))
		}
	}
	for name, rec := range dirty {
		t.Run(name, func(t *testing.T) {
			recs := append(append([]string{}, clean...), rec)
			// One a line, the Go path reads them (ualGo): it loads
			// what the careful path loads without a rejected record.
			want := int64(0)
			if ualGoLoads[name] {
				want = 1
			}
			before := ualGoReads.Load()
			loadBothWays(t, &ualFast, &ualFastReads, want, writeLAJSON(t, filepath.Join(t.TempDir(), "audit.json"), false, recs...))
			if got := ualGoReads.Load() - before; got != want {
				t.Errorf("the Go path took %d files, want %d", got, want)
			}
			// In an array, DuckDB reads the records (ualFastJSON) and
			// sends the file the careful way for a lone surrogate (its
			// parser refuses it) and for a wrapper whose AuditData is
			// not one string.
			want = 0
			if ualGoLoads[name] && name != "lone surrogate" && !strings.HasPrefix(name, "a wrapper") && name != "a unit separator" {
				want = 1
			}
			loadBothWays(t, &ualFast, &ualFastReads, want, writeLAJSON(t, filepath.Join(t.TempDir(), "audit.json"), true, recs...))
		})
	}
}

// ualGoLoads are the dirty records the Go paths (ualgo.go) load
// themselves, as the careful path does: nothing in them is rejected, and
// Go reads them with the careful path's own functions.
var ualGoLoads = map[string]bool{
	"lone surrogate": true, "a name twice": true, "a list twice": true, "Operation twice": true, "Operation an object": true,
	"Operation folded": true, "Id -0": true, "ErrorNumber the 32-bit minimum": true, "UserId a decimal": true, "ClientIP an object": true,
	"property names lowered": true, "property value a number": true, "RequestType Kelvin": true,
	"a wrapper's AuditData twice": true, "a wrapper's AuditData an object": true, "a unit separator": true,
}

// TestUALFastClassicCSV: the classic Search-UnifiedAuditLog | Export-Csv
// shape (CreationDate, UserIds, Operations, AuditData) takes the fast path
// too, and loads as the careful path loads it.
func TestUALFastClassicCSV(t *testing.T) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"CreationDate", "UserIds", "Operations", "AuditData"})
	for i, a := range ualCleanRecords(t) {
		w.Write([]string{fmt.Sprintf("3/%d/2025 2:05:00 PM", 1+i%28), "ann@contoso.com", "UserLoggedIn", a})
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "ual-classic.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := loadBothWays(t, &ualFast, &ualFastReads, 1, path); !strings.Contains(got, "|ual-csv|signins|") {
		t.Errorf("not read as the audit log:\n%.300s", got)
	}
}

// FuzzUALFast: whatever one AuditData record holds, the fast paths either
// sends the file the careful way or loads exactly what the careful path
// loads (loadBothWays). shape places the record: 0 a CSV cell of a Purview
// export, 1 a line of AuditData JSON lines, 2 an element of a JSON array,
// 3 the text of a wrapper's AuditData member (Search-UnifiedAuditLog to
// JSON), 4 a whole line of a Purview export, between clean ones (the CSV
// as the Go reader and DuckDB's take it apart: ualcsv.go). A clean record
// comes first, so the file is read as the audit log.
func FuzzUALFast(f *testing.F) {
	clean := ualCleanRecords(f)
	// A few seeds: each runs two loads in go test ./... (the other clean
	// and dirty records run in TestUALFastMatchesCareful and
	// TestUALFastJSONMatchesCareful).
	for i, a := range []string{clean[11], clean[23], ualDirtyRecords["a name twice"](clean[0]), clean[1]} {
		f.Add(a, uint8(i))
	}
	f.Add(`1,2,3,UserLoggedIn,x,"{""Id"":""a""}",,`, uint8(4))
	f.Fuzz(func(t *testing.T, audit string, shape uint8) {
		first, dir := ualAudit(t, 0, nil), t.TempDir()
		var path string
		switch shape % 5 {
		case 0:
			path = writeUALCSV(t, filepath.Join(dir, "audit.csv"), []string{first, audit})
		case 4:
			text := ualCSVText(t, []string{first, first})
			i := strings.IndexByte(text, '\n') + 1
			text = text[:i] + text[i:] + audit + "\n" + text[i:]
			path = filepath.Join(dir, "audit.csv")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		case 1, 2:
			path = writeLAJSON(t, filepath.Join(dir, "audit.json"), shape%4 == 2, first, audit)
		case 3:
			path = writeLAJSON(t, filepath.Join(dir, "audit.json"), false, ualWrapped(t, first), ualWrapped(t, audit))
		}
		loadBothWays(t, &ualFast, &ualFastReads, -1, path)
	})
}
