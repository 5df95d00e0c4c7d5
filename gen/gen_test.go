package gen

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

func generate(t testing.TB, format string, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, o); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			a := generate(t, format, Options{Rows: 1500, Seed: 7})
			b := generate(t, format, Options{Rows: 1500, Seed: 7})
			c := generate(t, format, Options{Rows: 1500, Seed: 8})
			if !bytes.Equal(a, b) {
				t.Error("same seed gave different bytes")
			}
			if bytes.Equal(a, c) {
				t.Error("different seeds gave identical bytes")
			}
		})
	}
}

// readCSV parses a portal CSV file (BOM, CRLF) and returns header and rows.
func readCSV(t *testing.T, data []byte) ([]string, [][]string) {
	t.Helper()
	if !bytes.HasPrefix(data, bom) {
		t.Fatal("CSV does not start with a UTF-8 BOM")
	}
	if bytes.Count(data, []byte("\n")) != bytes.Count(data, []byte("\r\n")) {
		t.Fatal("CSV has a line end that is not CRLF")
	}
	r := csv.NewReader(bytes.NewReader(data[len(bom):]))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return recs[0], recs[1:]
}

func decodeArray(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatalf("JSON array does not decode: %v", err)
	}
	return recs
}

func decodeLines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if !json.Valid(sc.Bytes()) {
			t.Fatalf("line %d is not valid JSON: %s", n, sc.Bytes())
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		recs = append(recs, m)
	}
	return recs
}

func TestRowCounts(t *testing.T) {
	for _, rows := range []int{0, 1, 3, 250, 2001} {
		o := Options{Rows: rows, Seed: 3}
		t.Run("portal-csv/"+strconv.Itoa(rows), func(t *testing.T) {
			header, recs := readCSV(t, generate(t, "portal-csv", o))
			if len(header) != 55 {
				t.Errorf("header has %d columns, want 55", len(header))
			}
			if len(recs) != rows {
				t.Errorf("got %d records, want %d", len(recs), rows)
			}
		})
		t.Run("graph-json/"+strconv.Itoa(rows), func(t *testing.T) {
			if got := len(decodeArray(t, generate(t, "graph-json", o))); got != rows {
				t.Errorf("got %d records, want %d", got, rows)
			}
		})
		t.Run("diag-ndjson/"+strconv.Itoa(rows), func(t *testing.T) {
			data := generate(t, "diag-ndjson", o)
			if got := len(decodeLines(t, data)); got != rows {
				t.Errorf("got %d records, want %d", got, rows)
			}
			if rows > 0 && !bytes.HasSuffix(data, []byte("}\n")) {
				t.Error("NDJSON does not end with a newline after the last record")
			}
		})
	}
}

func TestPortalHeader(t *testing.T) {
	const want = `"Date (UTC)","Request ID","User agent","Correlation ID","User ID","User","Username","User type",` +
		`"Cross tenant access type","Incoming token type","Authentication Protocol","Unique token identifier",` +
		`"Original transfer method","Client credential type","Token Protection - Sign In Session",` +
		`"Token Protection - Sign In Session StatusCode","Application","Application ID ","Resource",` +
		`"Resource ID ","Resource tenant ID","Home tenant ID","Home tenant name","IP address","Location",` +
		`"Status","Sign-in error code","Failure reason","Client app","Device ID","Browser","Operating System",` +
		`"Compliant","Managed","Join Type","Multifactor authentication result",` +
		`"Multifactor authentication auth method","Multifactor authentication auth detail",` +
		`"Authentication requirement","Sign-in identifier","Session ID","IP address (seen by resource)",` +
		`"Through Global Secure Access","Global Secure Access IP address","Autonomous system  number",` +
		`"Flagged for review","Token issuer type","Incoming token type","Token issuer name","Latency",` +
		`"Conditional Access","Managed Identity type","Associated Resource Id","Federated Token Id",` +
		`"Federated Token Issuer"` + "\r\n"
	data := generate(t, "portal-csv", Options{Rows: 10, Seed: 1})
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if got := string(line) + "\n"; got != "\ufeff"+want {
		t.Errorf("header line\n got %q\nwant %q", got, "\ufeff"+want)
	}
}

// col maps a header name to its (first) position.
func col(header []string) map[string]int {
	m := map[string]int{}
	for i, h := range header {
		if _, ok := m[h]; !ok {
			m[h] = i
		}
	}
	return m
}

func TestPortalValues(t *testing.T) {
	o := Options{Rows: 20000, Seed: 11}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	header, recs := readCSV(t, generate(t, "portal-csv", o))
	c := col(header)
	wantStatus := map[string]string{"0": "Success", "50074": "Interrupted", "50140": "Interrupted", "50125": "Interrupted", "50072": "Interrupted"}
	modern := map[string]bool{"Browser": true, "Mobile Apps and Desktop clients": true, "": true}
	seen := map[string]bool{}
	hostile := 0
	for i, r := range recs {
		if r[c["User agent"]] == HostileUserAgent {
			hostile++
		}
		at, err := time.Parse(time.RFC3339, r[c["Date (UTC)"]])
		if err != nil || !strings.HasSuffix(r[c["Date (UTC)"]], "Z") {
			t.Fatalf("row %d: date %q: %v", i, r[c["Date (UTC)"]], err)
		}
		if at.Before(start) || !at.Before(start.AddDate(0, 0, 30)) {
			t.Errorf("row %d: %v outside the 30 days from %v", i, at, start)
		}
		id := r[c["Request ID"]]
		if seen[id] {
			t.Errorf("row %d: request id %s repeated", i, id)
		}
		seen[id] = true
		code := r[c["Sign-in error code"]]
		want, ok := wantStatus[code]
		if !ok {
			want = "Failure"
		}
		if got := r[c["Status"]]; got != want {
			t.Errorf("row %d: code %s has status %q, want %q", i, code, got, want)
		}
		if code != "0" && r[c["Failure reason"]] == "" {
			t.Errorf("row %d: code %s without a failure reason", i, code)
		}
		req := r[c["Authentication requirement"]]
		if r[c["User ID"]] != "" && req != "Single-factor authentication" && req != "Multifactor authentication" {
			t.Errorf("row %d: authentication requirement %q", i, req)
		}
		if !modern[r[c["Client app"]]] && req != "Single-factor authentication" {
			t.Errorf("row %d: legacy client %q with %q", i, r[c["Client app"]], req)
		}
		if loc := r[c["Location"]]; strings.Count(loc, ", ") != 2 {
			t.Errorf("row %d: location %q is not City, State, CC", i, loc)
		}
		for _, b := range []string{"Compliant", "Managed"} {
			if v := r[c[b]]; v != "True" && v != "False" {
				t.Errorf("row %d: %s = %q", i, b, v)
			}
		}
		if res := r[c["Multifactor authentication result"]]; code == "500121" && !strings.HasPrefix(res, "MFA denied; ") {
			t.Errorf("row %d: 500121 with MFA result %q", i, res)
		}
	}
	if hostile != 1 {
		t.Errorf("hostile user agent round-tripped %d times, want 1", hostile)
	}
}

func TestPortalFiles(t *testing.T) {
	dir := t.TempDir()
	o := Options{Rows: 5000, Seed: 5, Start: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), Days: 7}
	paths, err := WriteFiles(dir, "portal-csv", o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	want := []string{
		"InteractiveSignIns_2025-04-01_2025-04-07.csv", "NonInteractiveSignIns_2025-04-01_2025-04-07.csv",
		"ApplicationSignIns_2025-04-01_2025-04-07.csv", "MSISignIns_2025-04-01_2025-04-07.csv",
		"InteractiveSignIns_AuthDetails_2025-04-01_2025-04-07.csv", "NonInteractiveSignIns_AuthDetails_2025-04-01_2025-04-07.csv",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", names, want)
	}
	read := func(i int) ([]string, [][]string) {
		data, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		return readCSV(t, data)
	}
	total := 0
	ids := map[string]string{} // request id -> file
	for i, wantCols := range []int{55, 55, 22, 26} {
		header, recs := read(i)
		if len(header) != wantCols {
			t.Errorf("%s: %d columns, want %d", names[i], len(header), wantCols)
		}
		if len(recs) == 0 {
			t.Errorf("%s: no rows", names[i])
		}
		total += len(recs)
		for _, r := range recs {
			ids[r[1]] = names[i]
		}
	}
	if total != o.Rows {
		t.Errorf("%d rows over all files, want %d", total, o.Rows)
	}
	// Every user sign-in has steps in the AuthDetails file beside its own file.
	for i, main := range []int{0, 1} {
		header, recs := read(4 + i)
		if strings.Join(header, ",") != strings.Join(AuthDetailsHeader, ",") {
			t.Errorf("%s: header %v", names[4+i], header)
		}
		methods := map[string]bool{}
		for _, r := range recs {
			if ids[r[0]] != names[main] {
				t.Fatalf("%s: request %s is not in %s", names[4+i], r[0], names[main])
			}
			if r[5] != "True" && r[5] != "False" {
				t.Errorf("%s: Succeeded = %q", names[4+i], r[5])
			}
			methods[r[2]+"/"+r[4]+"/"+r[6]] = true
		}
		wantSteps := []string{"Password/Primary authentication/Correct password", "Mobile app notification/Multi-factor authentication/MFA successfully completed"}
		if i == 1 {
			wantSteps = []string{"Previously satisfied/Multi-factor authentication/MFA requirement satisfied by claim in the token"}
		}
		for _, s := range wantSteps {
			if !methods[s] {
				t.Errorf("%s: no step %q", names[4+i], s)
			}
		}
	}
}

func TestWriteFilesJSON(t *testing.T) {
	for _, tc := range []struct{ format, name string }{
		{"graph-json", "SignIns_2025-03-01_2025-03-30.json"},
		{"diag-ndjson", "PT1H.json"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := WriteFiles(dir, tc.format, Options{Rows: 100, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != 1 || filepath.Base(paths[0]) != tc.name {
				t.Fatalf("paths %v, want one %s", paths, tc.name)
			}
			data, err := os.ReadFile(paths[0])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, generate(t, tc.format, Options{Rows: 100, Seed: 2})) {
				t.Error("WriteFiles and Write differ")
			}
		})
	}
}

// kinds of JSON values, as encoding/json decodes them into any.
const (
	tStr = iota
	tNum
	tBool
	tObj
	tArr
	tStrOrNull
)

func checkKeys(t *testing.T, where string, m map[string]any, want map[string]int) {
	t.Helper()
	for k, typ := range want {
		v, ok := m[k]
		if !ok {
			t.Errorf("%s: no key %q", where, k)
			continue
		}
		var good bool
		switch v.(type) {
		case string:
			good = typ == tStr || typ == tStrOrNull
		case float64:
			good = typ == tNum
		case bool:
			good = typ == tBool
		case map[string]any:
			good = typ == tObj
		case []any:
			good = typ == tArr
		case nil:
			good = typ == tStrOrNull
		}
		if !good {
			t.Errorf("%s: %q = %#v has the wrong type", where, k, v)
		}
	}
}

var signInKeys = map[string]int{
	"id": tStr, "createdDateTime": tStr, "userPrincipalName": tStr, "userId": tStr, "appId": tStr,
	"appDisplayName": tStr, "ipAddress": tStr, "clientAppUsed": tStr, "userAgent": tStr, "correlationId": tStr,
	"conditionalAccessStatus": tStr, "isInteractive": tBool, "signInEventTypes": tArr, "status": tObj,
	"authenticationDetails": tArr, "appliedConditionalAccessPolicies": tArr, "deviceDetail": tObj,
	"location": tObj, "authenticationRequirement": tStr, "authenticationProtocol": tStr,
	"riskLevelDuringSignIn": tStr, "riskState": tStr, "crossTenantAccessType": tStr, "homeTenantId": tStr,
	"resourceTenantId": tStr, "servicePrincipalId": tStr, "servicePrincipalName": tStrOrNull,
	"clientCredentialType": tStr, "userType": tStrOrNull, "resourceDisplayName": tStr, "resourceId": tStr,
	"processingTimeInMilliseconds": tNum, "autonomousSystemNumber": tNum,
}

func checkSignIn(t *testing.T, where string, m map[string]any, diag bool) {
	t.Helper()
	checkKeys(t, where, m, signInKeys)
	if st, ok := m["status"].(map[string]any); ok {
		checkKeys(t, where+" status", st, map[string]int{"errorCode": tNum, "failureReason": tStr, "additionalDetails": tStrOrNull})
	}
	checkKeys(t, where+" deviceDetail", m["deviceDetail"].(map[string]any), map[string]int{"deviceId": tStr, "operatingSystem": tStr, "browser": tStr, "isCompliant": tBool, "isManaged": tBool, "trustType": tStr})
	checkKeys(t, where+" location", m["location"].(map[string]any), map[string]int{"city": tStr, "state": tStr, "countryOrRegion": tStr, "geoCoordinates": tObj})
	cond, rule := tStr, tObj
	if diag {
		cond, rule = tNum, tStr
	}
	for _, p := range m["appliedConditionalAccessPolicies"].([]any) {
		pm := p.(map[string]any)
		checkKeys(t, where+" policy", pm, map[string]int{"id": tStr, "displayName": tStr, "result": tStr, "enforcedGrantControls": tArr, "conditionsSatisfied": cond, "conditionsNotSatisfied": cond, "includeRulesSatisfied": tArr, "excludeRulesSatisfied": tArr})
		for _, r := range pm["includeRulesSatisfied"].([]any) {
			if ok := (rule == tStr) == isString(r); !ok {
				t.Errorf("%s: include rule %#v has the wrong type", where, r)
			}
		}
	}
	steps := map[string]int{"authenticationStepDateTime": tStr, "authenticationMethod": tStr, "succeeded": tBool, "authenticationStepResultDetail": tStr, "authenticationStepRequirement": tStr}
	if diag {
		steps["StatusSequence"] = tNum
		steps["RequestSequence"] = tNum
	}
	for _, s := range m["authenticationDetails"].([]any) {
		checkKeys(t, where+" step", s.(map[string]any), steps)
	}
}

func isString(v any) bool { _, ok := v.(string); return ok }

func TestGraphRecords(t *testing.T) {
	recs := decodeArray(t, generate(t, "graph-json", Options{Rows: 3000, Seed: 9, Tenants: 2}))
	tenants := map[string]bool{}
	for i, m := range recs {
		checkSignIn(t, "record "+strconv.Itoa(i), m, false)
		if _, err := time.Parse("2006-01-02T15:04:05Z", m["createdDateTime"].(string)); err != nil {
			t.Errorf("record %d: %v", i, err)
		}
		types := m["signInEventTypes"].([]any)
		if len(types) != 1 || (types[0] == "interactiveUser") != m["isInteractive"].(bool) {
			t.Errorf("record %d: signInEventTypes %v with isInteractive %v", i, types, m["isInteractive"])
		}
		if sp := types[0] == "servicePrincipal" || types[0] == "managedIdentity"; sp != (m["userPrincipalName"] == "") {
			t.Errorf("record %d: %v sign-in with user %q", i, types[0], m["userPrincipalName"])
		}
		tenants[m["resourceTenantId"].(string)] = true
	}
	if len(tenants) != 2 {
		t.Errorf("%d tenants, want 2", len(tenants))
	}
}

func TestDiagRecords(t *testing.T) {
	recs := decodeLines(t, generate(t, "diag-ndjson", Options{Rows: 3000, Seed: 9}))
	categories := map[string]int{}
	for i, m := range recs {
		where := "line " + strconv.Itoa(i+1)
		checkKeys(t, where, m, map[string]int{"time": tStr, "resourceId": tStr, "operationName": tStr, "operationVersion": tStr, "category": tStr, "tenantId": tStr, "resultType": tStr, "resultSignature": tStr, "durationMs": tNum, "callerIpAddress": tStr, "correlationId": tStr, "identity": tStr, "Level": tNum, "location": tStr, "properties": tObj})
		if m["resourceId"] != "/tenants/"+m["tenantId"].(string)+"/providers/Microsoft.aadiam" {
			t.Errorf("%s: resourceId %v", where, m["resourceId"])
		}
		if m["Level"] != 4.0 {
			t.Errorf("%s: Level %v", where, m["Level"])
		}
		if _, err := time.Parse("2006-01-02T15:04:05.0000000Z", m["time"].(string)); err != nil {
			t.Errorf("%s: %v", where, err)
		}
		p := m["properties"].(map[string]any)
		checkSignIn(t, where, p, true)
		if code := strconv.Itoa(int(p["status"].(map[string]any)["errorCode"].(float64))); m["resultType"] != code {
			t.Errorf("%s: resultType %v, errorCode %s", where, m["resultType"], code)
		}
		if ut := p["userType"]; ut != nil && ut != "Member" && ut != "Guest" {
			t.Errorf("%s: userType %v", where, ut)
		}
		categories[m["category"].(string)]++
	}
	for _, c := range []string{"SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs"} {
		if categories[c] == 0 {
			t.Errorf("no %s records", c)
		}
	}
}

// stats are the shares measured on a Graph export.
type stats struct{ legacy, failure, nonInteractive, servicePrincipal, mfa float64 }

// graphRec is the part of a Graph record the share and scenario tests read;
// decoding into it is much faster than into maps.
type graphRec struct {
	CreatedDateTime           time.Time
	UserPrincipalName         string
	IPAddress                 string
	ClientAppUsed             string
	AuthenticationRequirement string
	AuthenticationProtocol    string
	SignInEventTypes          []string
	Status                    struct {
		ErrorCode         int
		AdditionalDetails *string
	}
	AppliedConditionalAccessPolicies []struct {
		ExcludeRulesSatisfied []struct{ RuleSatisfied string }
	}
}

func decodeRecs(t *testing.T, data []byte) []graphRec {
	t.Helper()
	var recs []graphRec
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatalf("JSON array does not decode: %v", err)
	}
	return recs
}

// measure reads the shares off a portal-csv WriteFiles export: the file
// tells the kind of sign-in, the columns the rest.
func measure(t *testing.T, o Options) stats {
	t.Helper()
	paths, err := WriteFiles(t.TempDir(), "portal-csv", o)
	if err != nil {
		t.Fatal(err)
	}
	var n, legacy, failure, ni, sp, okInteractive, mfa float64
	for i, path := range paths[:4] {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		header, recs := readCSV(t, data)
		c := col(header)
		for _, r := range recs {
			n++
			if r[c["Sign-in error code"]] != "0" {
				failure++
			}
			if i >= 2 {
				sp++
				continue
			}
			app := r[c["Client app"]]
			isLegacy := app != "Browser" && app != "Mobile Apps and Desktop clients"
			if isLegacy {
				legacy++
			}
			if i == 1 {
				ni++
			} else if r[c["Sign-in error code"]] == "0" && !isLegacy {
				okInteractive++
				if r[c["Authentication requirement"]] == "Multifactor authentication" {
					mfa++
				}
			}
		}
	}
	return stats{legacy / n, failure / n, ni / n, sp / n, mfa / okInteractive}
}

func TestShares(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want stats
	}{
		{"defaults", Options{Rows: 20000, Seed: 1}, stats{0.03, 0.08, 0.6, 0.05, 0.85}},
		{"custom", Options{Rows: 20000, Seed: 2, LegacyShare: 0.2, FailureShare: 0.3, NonInteractiveShare: 0.3, ServicePrincipalShare: 0.1, MFAShare: 0.5}, stats{0.2, 0.3, 0.3, 0.1, 0.5}},
		// Negative means none; only the planted scenarios remain.
		{"none", Options{Rows: 20000, Seed: 3, LegacyShare: -1, FailureShare: -1, NonInteractiveShare: -1, ServicePrincipalShare: -1, MFAShare: -1}, stats{0, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := measure(t, tc.o)
			for _, s := range []struct {
				name      string
				got, want float64
				tol       float64
			}{
				{"legacy", got.legacy, tc.want.legacy, 0.01},
				{"failure", got.failure, tc.want.failure, 0.01},
				{"non-interactive", got.nonInteractive, tc.want.nonInteractive, 0.015},
				{"service principal", got.servicePrincipal, tc.want.servicePrincipal, 0.01},
				{"MFA", got.mfa, tc.want.mfa, 0.03},
			} {
				if d := s.got - s.want; d > s.tol || d < -s.tol {
					t.Errorf("%s share %.4f, want %.2f ± %.3f", s.name, s.got, s.want, s.tol)
				}
			}
		})
	}
}

func TestPlantedScenarios(t *testing.T) {
	recs := decodeRecs(t, generate(t, "graph-json", Options{Rows: 5000, Seed: 4}))
	byIP := map[string][]graphRec{}
	byUser := map[string][]graphRec{}
	for _, m := range recs {
		byIP[m.IPAddress] = append(byIP[m.IPAddress], m)
		byUser[m.UserPrincipalName] = append(byUser[m.UserPrincipalName], m)
	}
	hasSuccess := func(upn string, pred func(graphRec) bool) bool {
		for _, m := range byUser[upn] {
			if m.Status.ErrorCode == 0 && pred(m) {
				return true
			}
		}
		return false
	}
	singleFactor := func(m graphRec) bool {
		return m.AuthenticationRequirement == "singleFactorAuthentication"
	}
	if !hasSuccess("breakglass01@contoso.com", singleFactor) {
		t.Error("no single-factor break-glass sign-in")
	}
	if !hasSuccess("svc-backup@contoso.com", func(m graphRec) bool { return m.ClientAppUsed == "Authenticated SMTP" }) {
		t.Error("no SMTP sign-in by svc-backup")
	}
	if !hasSuccess("svc-sync@contoso.com", func(m graphRec) bool { return m.AuthenticationProtocol == "ropc" && singleFactor(m) }) {
		t.Error("no ROPC sign-in by svc-sync")
	}
	if !hasSuccess("helpdesk-mailbox@contoso.com", func(m graphRec) bool { return m.ClientAppUsed == "IMAP4" }) {
		t.Error("no IMAP4 sign-in by the shared mailbox")
	}
	excluded := false
	for _, m := range byUser["breakglass01@contoso.com"] {
		for _, p := range m.AppliedConditionalAccessPolicies {
			for _, r := range p.ExcludeRulesSatisfied {
				excluded = excluded || r.RuleSatisfied == "userId"
			}
		}
	}
	if !excluded {
		t.Error("break-glass sign-ins show no userId exclusion")
	}

	// Password spray: failures for at least 10 users from SprayIP within 20 minutes.
	byTime := func(rs []graphRec) {
		sort.Slice(rs, func(i, j int) bool { return rs[i].CreatedDateTime.Before(rs[j].CreatedDateTime) })
	}
	spray := byIP[SprayIP]
	byTime(spray)
	users := map[string]bool{}
	for _, m := range spray {
		if m.Status.ErrorCode == 50126 || m.Status.ErrorCode == 50053 {
			users[m.UserPrincipalName] = true
		}
	}
	if took := spray[len(spray)-1].CreatedDateTime.Sub(spray[0].CreatedDateTime); len(users) < 10 || took > 20*time.Minute {
		t.Errorf("spray: %d users failed from %s in %v", len(users), SprayIP, took)
	}

	// MFA fatigue: >10 denials, then a success within 5 minutes of the first.
	fatigue := byIP[FatigueIP]
	byTime(fatigue)
	denied := 0
	for _, m := range fatigue {
		if m.Status.ErrorCode == 500121 && m.Status.AdditionalDetails != nil && *m.Status.AdditionalDetails == detailDenied {
			denied++
		}
	}
	last := fatigue[len(fatigue)-1]
	if took := last.CreatedDateTime.Sub(fatigue[0].CreatedDateTime); denied <= 10 || last.Status.ErrorCode != 0 || took > 5*time.Minute {
		t.Errorf("fatigue: %d denials, last code %d after %v", denied, last.Status.ErrorCode, took)
	}
}

func TestTinyExports(t *testing.T) {
	// A one-day window still holds every planted event.
	o := Options{Rows: 400, Seed: 1, Days: 1, Users: 3}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	recs := decodeRecs(t, generate(t, "graph-json", o))
	for i, m := range recs {
		if at := m.CreatedDateTime; at.Before(start) || !at.Before(start.Add(24*time.Hour)) {
			t.Errorf("record %d at %v, outside the day", i, at)
		}
	}
	if len(recs) != 400 {
		t.Errorf("%d records, want 400", len(recs))
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		format string
		o      Options
	}{
		{"unknown format", "xlsx", Options{Rows: 1}},
		{"negative rows", "graph-json", Options{Rows: -1}},
		{"share above one", "graph-json", Options{Rows: 1, FailureShare: 1.5}},
		{"shares add up above one", "portal-csv", Options{Rows: 1, LegacyShare: 0.5, NonInteractiveShare: 0.6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Write(io.Discard, tc.format, tc.o); err == nil {
				t.Error("Write: no error")
			}
			if _, err := WriteFiles(t.TempDir(), tc.format, tc.o); err == nil {
				t.Error("WriteFiles: no error")
			}
		})
	}
}

var benchRows = flag.Int("gen.rows", 100_000, "rows per BenchmarkWrite iteration")

// BenchmarkWrite reports rows/s per format, streaming to a counter:
//
//	go test ./gen -run '^$' -bench Write -benchtime 3x
//	go test ./gen -run '^$' -bench Write -benchtime 1x -gen.rows 1000000
func BenchmarkWrite(b *testing.B) {
	rows := *benchRows
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			var n countingWriter
			for b.Loop() {
				if err := Write(&n, format, Options{Rows: rows, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.SetBytes(int64(n) / int64(b.N))
		})
	}
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// The archive layout holds exactly the records of diag-ndjson, each in the
// file of its category and hour.
func TestArchive(t *testing.T) {
	dir := t.TempDir()
	o := Options{Rows: 3000, Seed: 9, Days: 3}
	paths, err := WriteFiles(dir, ArchiveFormat, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 4*24 {
		t.Fatalf("%d files for 3 days of 4 categories", len(paths))
	}
	var got []string
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 12 || parts[11] != "PT1H.json" || parts[1] != "resourceId=" || parts[10] != "m=00" {
			t.Fatalf("path %s is not a storage-account archive path", rel)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decodeLines(t, data) {
			cat := m["category"].(string)
			ts := m["time"].(string) // 2025-03-01T13:…
			want := fmt.Sprintf("insights-logs-%s y=%s m=%s d=%s h=%s", strings.ToLower(cat), ts[0:4], ts[5:7], ts[8:10], ts[11:13])
			if have := strings.Join([]string{parts[0], parts[6], parts[7], parts[8], parts[9]}, " "); have != want {
				t.Fatalf("record of %s %s in %s", cat, ts, rel)
			}
		}
		got = append(got, strings.Split(strings.TrimSpace(string(data)), "\n")...)
	}
	want := strings.Split(strings.TrimSpace(string(generate(t, "diag-ndjson", o))), "\n")
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the archive holds %d records, diag-ndjson %d, not the same", len(got), len(want))
	}
}

// The Log Analytics CSV holds the graph-json events, in order: each row's Id
// is the record's id, its CreatedDateTime the record's time in the export's
// US format, its Type the table of the record's event type.
func TestLACSV(t *testing.T) {
	o := Options{Rows: 1500, Seed: 3}
	var recs []struct {
		ID      string   `json:"id"`
		Created string   `json:"createdDateTime"`
		Types   []string `json:"signInEventTypes"`
	}
	if err := json.Unmarshal(generate(t, "graph-json", o), &recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(generate(t, "la-csv", o))).ReadAll()
	if err != nil {
		t.Fatalf("la-csv does not parse: %v", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows)-1 != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows)-1, len(recs))
	}
	tables := map[string]int{}
	for i, r := range rows[1:] {
		want, _ := time.Parse(time.RFC3339Nano, recs[i].Created)
		if r[col["Id"]] != recs[i].ID || r[col["CreatedDateTime [UTC]"]] != want.Format("1/2/2006, 3:04:05.000 PM") {
			t.Fatalf("row %d: %s %s, want %s %s", i+1, r[col["Id"]], r[col["CreatedDateTime [UTC]"]], recs[i].ID, recs[i].Created)
		}
		if len(recs[i].Types) > 0 && r[col["Type"]] != laTables[recs[i].Types[0]] {
			t.Fatalf("row %d: table %s for %v", i+1, r[col["Type"]], recs[i].Types)
		}
		tables[r[col["Type"]]]++
	}
	if len(tables) < 3 {
		t.Errorf("tables %v: want interactive, non-interactive and service principal rows", tables)
	}
}

// The Log Analytics JSON export holds the la-csv rows: one object per line
// with the same columns (" [UTC]" dropped), the same text in every cell, the
// times in ISO 8601 instead of the US format, IsInteractive a boolean.
func TestLAJSON(t *testing.T) {
	o := Options{Rows: 1500, Seed: 3}
	rows, err := csv.NewReader(bytes.NewReader(generate(t, "la-csv", o))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(generate(t, "la-json", o)), "\n"), "\n")
	if len(lines) != len(rows)-1 {
		t.Fatalf("%d JSON lines, %d CSV rows", len(lines), len(rows)-1)
	}
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if len(obj) != len(rows[0]) {
			t.Fatalf("line %d: %d members, want %d", i+1, len(obj), len(rows[0]))
		}
		for c, h := range rows[0] {
			cell := rows[i+1][c]
			v, ok := obj[strings.TrimSuffix(h, " [UTC]")]
			if !ok {
				t.Fatalf("line %d: no %s", i+1, h)
			}
			switch h {
			case "TimeGenerated [UTC]", "CreatedDateTime [UTC]":
				tm, err := time.Parse(time.RFC3339Nano, v.(string))
				if err != nil || tm.Format("1/2/2006, 3:04:05.000 PM") != cell {
					t.Fatalf("line %d: %s %v, the CSV %s", i+1, h, v, cell)
				}
			case "IsInteractive":
				if b, ok := v.(bool); !ok || (b && cell != "TRUE") || (!b && cell != "FALSE") {
					t.Fatalf("line %d: IsInteractive %v, the CSV %s", i+1, v, cell)
				}
			default:
				if s, ok := v.(string); !ok || s != cell {
					t.Fatalf("line %d: %s %v, the CSV %q", i+1, h, v, cell)
				}
			}
		}
	}
}

// The Purview audit export holds one row per graph-json event, in order:
// a user sign-in as UserLoggedIn or UserLoginFailed (as its error code
// says) with its id, user, time and error code in AuditData; any other
// event as another operation.
func TestUALCSV(t *testing.T) {
	o := Options{Rows: 1500, Seed: 3}
	var recs []struct {
		ID      string `json:"id"`
		UPN     string `json:"userPrincipalName"`
		Created string `json:"createdDateTime"`
		Status  struct {
			ErrorCode int `json:"errorCode"`
		} `json:"status"`
	}
	if err := json.Unmarshal(generate(t, "graph-json", o), &recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(generate(t, "ual-csv", o))).ReadAll()
	if err != nil {
		t.Fatalf("ual-csv does not parse: %v", err)
	}
	if len(rows)-1 != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows)-1, len(recs))
	}
	ops := map[string]int{}
	for i, r := range rows[1:] {
		var a struct {
			ID, Operation, UserID, CreationTime, ErrorNumber string
			RecordType                                       int
		}
		if err := json.Unmarshal([]byte(r[5]), &a); err != nil {
			t.Fatalf("row %d: AuditData: %v", i+1, err)
		}
		want, _ := time.Parse(time.RFC3339Nano, recs[i].Created)
		if a.ID != recs[i].ID || r[0] != recs[i].ID || a.CreationTime != want.UTC().Format("2006-01-02T15:04:05") ||
			r[1] != want.UTC().Format("1/2/2006 3:04:05 PM") {
			t.Fatalf("row %d: %s %s %s, want %s %s", i+1, a.ID, a.CreationTime, r[1], recs[i].ID, recs[i].Created)
		}
		op := "Update service principal."
		if recs[i].UPN != "" {
			op = "UserLoggedIn"
			if recs[i].Status.ErrorCode != 0 {
				op = "UserLoginFailed"
			}
			if a.UserID != recs[i].UPN || a.ErrorNumber != strconv.Itoa(recs[i].Status.ErrorCode) || a.RecordType != 15 {
				t.Fatalf("row %d: %s %s %d, want %s %d", i+1, a.UserID, a.ErrorNumber, a.RecordType, recs[i].UPN, recs[i].Status.ErrorCode)
			}
		}
		if a.Operation != op || r[3] != op {
			t.Fatalf("row %d: operation %s, want %s", i+1, a.Operation, op)
		}
		ops[op]++
	}
	if len(ops) < 3 {
		t.Errorf("operations %v: want sign-ins, failures and other records", ops)
	}
}

// TestUALJSON: ual-json is the AuditData cells of ual-csv, one a line, for
// the same options.
func TestUALJSON(t *testing.T) {
	o := Options{Rows: 800, Seed: 4}
	rows, err := csv.NewReader(bytes.NewReader(generate(t, "ual-csv", o))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(generate(t, "ual-json", o)), "\n"), "\n")
	if len(lines) != len(rows)-1 || len(lines) != o.Rows {
		t.Fatalf("%d lines, %d CSV rows, want %d", len(lines), len(rows)-1, o.Rows)
	}
	for i, line := range lines {
		if line != rows[i+1][5] {
			t.Fatalf("line %d: %.80s, CSV AuditData %.80s", i+1, line, rows[i+1][5])
		}
	}
}
