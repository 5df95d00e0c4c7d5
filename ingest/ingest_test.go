package ingest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// load loads paths into a fresh in-memory database and checks the row
// accounting of every source.
func load(t *testing.T, opts Options, paths ...string) (*sql.DB, *Summary) {
	t.Helper()
	db := memDB(t)
	sum, err := Files(context.Background(), db, paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sum.Sources {
		if s.Kind == "skipped" {
			continue
		}
		if s.Read != s.Loaded+s.Rejected+s.Duplicates+s.Ignored || s.Duplicates < 0 {
			t.Errorf("%s: read %d != loaded %d + rejected %d + duplicates %d + ignored %d", s.Path, s.Read, s.Loaded, s.Rejected, s.Duplicates, s.Ignored)
		}
	}
	return db, sum
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	return out
}

const (
	recAlice = `{"id":"r1","createdDateTime":"2025-05-01T10:00:00Z","userPrincipalName":"Alice@Contoso.com","resourceTenantId":"00000000-0000-4000-8000-00000000000a","status":{"errorCode":0,"additionalDetails":"MFA successfully completed"},"clientAppUsed":"Browser","isInteractive":true,"authenticationRequirement":"multiFactorAuthentication"}`
	recBob   = `{"id":"r2","createdDateTime":"2025-05-01T11:00:00.1234567+02:00","userPrincipalName":"bob@contoso.com","resourceTenantId":"00000000-0000-4000-8000-00000000000a","status":{"errorCode":0},"clientAppUsed":"IMAP4","isInteractive":true,"authenticationRequirement":"singleFactorAuthentication"}`
)

func TestGraphShapes(t *testing.T) {
	dir := t.TempDir()
	bom := "\ufeff"
	tests := []struct {
		name, file, content string
		read, loaded, rej   int64
		rejectReason        string
	}{
		{"bare array", "a.json", "[" + recAlice + "," + recBob + "]", 2, 2, 0, ""},
		{"bare array with BOM", "b.json", bom + "[\n" + recAlice + ",\n" + recBob + "\n]", 2, 2, 0, ""},
		{"graph page", "c.json", `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","@odata.nextLink":"x","value":[` + recAlice + "," + recBob + "]}", 2, 2, 0, ""},
		{"ndjson", "d.json", recAlice + "\n" + recBob + "\n", 2, 2, 0, ""},
		{"single object", "e.json", recAlice, 1, 1, 0, ""},
		{"arrays back to back (PowerShell pages)", "f.json", bom + "[" + recAlice + "]\r\n[" + recBob + "]\r\n", 2, 2, 0, ""},
		{"powershell pretty print", "g.json", bom + "[\n    {\n        \"id\":  \"r1\",\n        \"createdDateTime\":  \"2025-05-01T10:00:00Z\",\n        \"userPrincipalName\":  \"alice@contoso.com\",\n        \"status\":  {\n            \"errorCode\":  0\n        }\n    }\n]", 1, 1, 0, ""},
		{"truncated array", "h.json", "[" + recAlice + "," + recBob[:40], 2, 1, 1, "truncated"},
		{"broken record among good ones", "i.json", "[" + recAlice + `,{"id":"x",,"b":1},` + recBob + "]", 3, 2, 1, "invalid JSON"},
		{"ndjson with garbage line", "j.json", recAlice + "\nnot json at all\n" + recBob + "\n", 3, 2, 1, "expected a JSON object"},
		{"record without timestamp", "k.json", "[" + recAlice + `,{"id":"r9","createdDateTime":"yesterday","userPrincipalName":"c@contoso.com"}]`, 2, 1, 1, `createdDateTime "yesterday" is not a timestamp`},
		{"PowerShell date out of range", "m.json", "[" + recAlice + `,{"id":"r8","createdDateTime":"\/Date(10000000000000000)\/","userPrincipalName":"c@contoso.com"}]`, 2, 1, 1, "is not a timestamp"},
		{"record without id", "l.json", "[" + recAlice + `,{"createdDateTime":"2025-05-01T10:00:00Z","userPrincipalName":"c@contoso.com"}]`, 2, 1, 1, "no id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, dir, tc.file, tc.content)
			db, sum := load(t, Options{}, p)
			s := sum.Sources[0]
			if s.Format != "graph-json" || s.Read != tc.read || s.Loaded != tc.loaded || s.Rejected != tc.rej {
				t.Fatalf("got format %s read %d loaded %d rejected %d (note %q); want graph-json %d/%d/%d",
					s.Format, s.Read, s.Loaded, s.Rejected, s.Note, tc.read, tc.loaded, tc.rej)
			}
			if tc.rejectReason != "" {
				reasons := queryStrings(t, db, "select reason from rejected_rows")
				if len(reasons) != 1 || !strings.Contains(reasons[0], tc.rejectReason) {
					t.Errorf("reject reasons %q, want one containing %q", reasons, tc.rejectReason)
				}
				var rec sql.NullInt64
				db.QueryRow("select source_record from rejected_rows").Scan(&rec)
				if !rec.Valid || rec.Int64 < 1 {
					t.Errorf("rejected row has no record number")
				}
			}
		})
	}
}

func TestGraphMapping(t *testing.T) {
	p := write(t, t.TempDir(), "x.json", "["+recAlice+","+recBob+"]")
	db, _ := load(t, Options{}, p)
	var upn, tenant, mfa, created string
	var legacy bool
	if err := db.QueryRow(`select user_principal_name, tenant_id, mfa_satisfied, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%f'), is_legacy_auth
from signins where request_id = 'r2'`).Scan(&upn, &tenant, &mfa, &created, &legacy); err != nil {
		t.Fatal(err)
	}
	// +02:00 normalised to UTC; 7-digit fraction truncated to the microsecond.
	if created != "2025-05-01T09:00:00.123456" {
		t.Errorf("created_at %s", created)
	}
	if upn != "bob@contoso.com" || tenant != "00000000-0000-4000-8000-00000000000a" || mfa != "none" || !legacy {
		t.Errorf("got %s %s %s legacy=%v", upn, tenant, mfa, legacy)
	}
	if got := queryStrings(t, db, "select user_principal_name from signins where request_id = 'r1'"); got[0] != "alice@contoso.com" {
		t.Errorf("UPN not lower-cased: %q", got)
	}
	if got := queryStrings(t, db, "select mfa_satisfied from signins where request_id = 'r1'"); got[0] != "performed" {
		t.Errorf("mfa_satisfied %q, want performed", got)
	}
}

func TestDuplicatesAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "page1.json", "["+recAlice+","+recBob+"]")
	b := write(t, dir, "overlap.json", recBob+"\n")
	db, sum := load(t, Options{}, a, b)
	var n int
	db.QueryRow("select count(*) from signins").Scan(&n)
	if n != 2 {
		t.Errorf("%d sign-ins, want 2", n)
	}
	var dups int64
	for _, s := range sum.Sources {
		dups += s.Duplicates
	}
	if dups != 1 {
		t.Errorf("%d duplicates counted, want 1", dups)
	}
}

func TestEventTypes(t *testing.T) {
	dir := t.TempDir()
	rec := func(id, extra string) string {
		return `{"id":"` + id + `","createdDateTime":"2025-05-01T10:00:00Z","userPrincipalName":"","appId":"a","status":{"errorCode":0}` + extra + `}`
	}
	content := strings.Join([]string{
		rec("1", `,"signInEventTypes":["interactiveUser"]`),
		rec("2", `,"signInEventTypes":["nonInteractiveUser"]`),
		rec("3", `,"signInEventTypes":["servicePrincipal"]`),
		rec("4", `,"signInEventTypes":["managedIdentity"]`),
		rec("5", `,"isInteractive":false,"servicePrincipalId":"sp"`),
		rec("6", `,"isInteractive":false,"servicePrincipalId":"sp","clientCredentialType":"managedIdentity"`),
		rec("7", `,"isInteractive":false,"userPrincipalName":"u@contoso.com"`),
	}, "\n")
	db, _ := load(t, Options{Tenant: "contoso.onmicrosoft.com"}, write(t, dir, "mixed.json", content))
	got := strings.Join(queryStrings(t, db, "select event_type from signins order by request_id"), ",")
	want := "interactive,non_interactive,service_principal,managed_identity,service_principal,managed_identity,non_interactive"
	if got != want {
		t.Errorf("event types\n got %s\nwant %s", got, want)
	}
	if ts := queryStrings(t, db, "select distinct tenant_id from signins"); len(ts) != 1 || ts[0] != "contoso.onmicrosoft.com" {
		t.Errorf("tenant %q, want the --tenant fallback", ts)
	}
}

func TestPascalCase(t *testing.T) {
	p := write(t, t.TempDir(), "hawk.json", `[{"Id":"p1","CreatedDateTime":"2025-05-02T10:00:00Z","UserPrincipalName":"P@contoso.com",
"Status":{"ErrorCode":0,"AdditionalDetails":"MFA successfully completed"},"IPAddress":"192.0.2.1","IsInteractive":true,
"AdditionalProperties":{"authenticationRequirement":"multiFactorAuthentication"}}]`)
	db, sum := load(t, Options{}, p)
	if sum.Sources[0].Format != "graph-json-pascal" {
		t.Fatalf("format %s", sum.Sources[0].Format)
	}
	var ip, mfa, req string
	if err := db.QueryRow("select ip_address, mfa_satisfied, authentication_requirement from signins").Scan(&ip, &mfa, &req); err != nil {
		t.Fatal(err)
	}
	if ip != "192.0.2.1" || mfa != "performed" || req != "multi_factor" {
		t.Errorf("got %s %s %s", ip, mfa, req)
	}
}

func TestCamelKey(t *testing.T) {
	for in, want := range map[string]string{"CreatedDateTime": "createdDateTime", "IPAddress": "ipAddress", "Id": "id",
		"ID": "id", "createdDateTime": "createdDateTime", "@odata.type": "@odata.type", "": ""} {
		if got := camelKey(in); got != want {
			t.Errorf("camelKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDuplicatesWithinAndAcrossFiles pins the dedup rules: within a file the
// first copy (lowest record) is kept with its own steps and policies; a
// sign-in already loaded from an earlier file is not loaded again.
func TestDuplicatesWithinAndAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	carol := strings.Replace(recBob, "bob@", "carol@", 1)
	a := write(t, dir, "a.json", "["+recAlice+","+recBob+","+recAlice+","+recAlice+"]")
	b := write(t, dir, "b.json", "["+carol+","+recBob+"]")
	db, sum := load(t, Options{}, a, b)
	got := queryStrings(t, db, "select source_id || ':' || source_record || ':' || request_id from signins order by all")
	if len(got) != 2 || !strings.HasPrefix(got[0], "1:1:") || !strings.HasPrefix(got[1], "1:2:") {
		t.Errorf("kept %v, want records 1 and 2 of the first file", got)
	}
	dups := map[string]int64{}
	for _, s := range sum.Sources {
		dups[filepath.Base(s.Path)] = s.Duplicates
	}
	if dups["a.json"] != 2 || dups["b.json"] != 2 {
		t.Errorf("duplicates %v, want a.json 2 and b.json 2", dups)
	}
	var steps int
	db.QueryRow("select count(*) from signin_auth_steps where source_id = 1 and source_record > 2").Scan(&steps)
	if steps != 0 {
		t.Errorf("%d steps of dropped copies kept", steps)
	}
}

func TestTopKeys(t *testing.T) {
	deep := `{"id":"d1","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `,"s":"a,\"b\":{","createdDateTime":"t"}`
	got := topKeys([]byte(deep))
	for _, k := range []string{"id", "x", "s", "createdDateTime"} {
		if _, ok := got[k]; !ok {
			t.Errorf("topKeys lacks %q: %v", k, got)
		}
	}
	if _, ok := got["b"]; ok || len(got) != 4 {
		t.Errorf("topKeys took a key from inside a string or a nested value: %v", got)
	}
}
