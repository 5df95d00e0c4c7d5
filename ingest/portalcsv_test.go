package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const portalHeader = `"Date (UTC)","Request ID","User agent","Correlation ID","User ID","User","Username","User type","Cross tenant access type","Incoming token type","Authentication Protocol","Unique token identifier","Original transfer method","Client credential type","Token Protection - Sign In Session","Token Protection - Sign In Session StatusCode","Application","Application ID ","Resource","Resource ID ","Resource tenant ID","Home tenant ID","Home tenant name","IP address","Location","Status","Sign-in error code","Failure reason","Client app","Device ID","Browser","Operating System","Compliant","Managed","Join Type","Multifactor authentication result","Multifactor authentication auth method","Multifactor authentication auth detail","Authentication requirement","Sign-in identifier","Session ID","IP address (seen by resource)","Through Global Secure Access","Global Secure Access IP address","Autonomous system  number","Flagged for review","Token issuer type","Incoming token type","Token issuer name","Latency","Conditional Access","Managed Identity type","Associated Resource Id","Federated Token Id","Federated Token Issuer"`

// portalRow builds one 55-column row; fields not given are empty.
func portalRow(f map[int]string) string {
	cells := make([]string, 55)
	for i := range cells {
		cells[i] = `""`
		if v, ok := f[i]; ok {
			cells[i] = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
	}
	return strings.Join(cells, ",")
}

const tenantA = "00000000-0000-4000-8000-00000000000a"

func portalSignIn(date, req, upn, client, code, requirement, mfaResult, loc string) string {
	return portalRow(map[int]string{0: date, 1: req, 2: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", 6: upn, 16: "Office 365 Exchange Online",
		20: tenantA, 21: tenantA, 23: "192.0.2.7", 24: loc, 25: "Success", 26: code, 28: client, 32: "False", 33: "True",
		35: mfaResult, 38: requirement, 50: "Success"})
}

func TestPortalCSV(t *testing.T) {
	dir := t.TempDir()
	body := "\ufeff" + portalHeader + "\r\n" +
		portalSignIn("2025-03-04T08:19:41Z", "p1", "Alice@contoso.com", "Browser", "0", "Multifactor authentication", "MFA successfully completed", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T09:00:00Z", "p2", "bob@contoso.com", "IMAP4", "0", "Single-factor authentication", "", ", , AU") + "\r\n" +
		`"2025-03-04T09:30:00Z","p3","too","few","columns"` + "\r\n" +
		portalSignIn("not a date", "p4", "carol@contoso.com", "Browser", "0", "Single-factor authentication", "", "Paris, Ile-de-France, FR") + "\r\n" +
		portalSignIn("2025-03-04T10:00:00Z", "p5", "dave@contoso.com", "Browser", "50126", "Single-factor authentication", "", "Perth, Western Australia, AU") + "\r\n"
	p := write(t, dir, "NonInteractiveSignIns_2025-03-01_2025-03-31.csv", body)
	db, sum := load(t, Options{}, p)
	s := sum.Sources[0]
	if s.Format != "portal-csv" || s.Read != 5 || s.Loaded != 3 || s.Rejected != 2 {
		t.Fatalf("format %s read %d loaded %d rejected %d note %q", s.Format, s.Read, s.Loaded, s.Rejected, s.Note)
	}
	if s.TenantID != tenantA {
		t.Errorf("tenant %q", s.TenantID)
	}
	reasons := strings.Join(queryStrings(t, db, "select reason from rejected_rows order by source_record"), " | ")
	for _, want := range []string{"line 4", "columns", `"not a date" is not an ISO 8601 timestamp`} {
		if !strings.Contains(strings.ToLower(reasons), strings.ToLower(want)) {
			t.Errorf("reject reasons %q lack %q", reasons, want)
		}
	}
	got := strings.Join(queryStrings(t, db, `select concat_ws('/', request_id, event_type, user_principal_name, city, state, country,
  mfa_satisfied, authentication_requirement, is_legacy_auth, succeeded, is_managed) from signins order by request_id`), "\n")
	want := strings.Join([]string{
		"p1/non_interactive/alice@contoso.com/Melbourne/Victoria/AU/performed/multi_factor/false/true/true",
		"p2/non_interactive/bob@contoso.com/AU/none/single_factor/true/true/true",
		"p5/non_interactive/dave@contoso.com/Perth/Western Australia/AU/none/single_factor/false/false/true",
	}, "\n")
	if got != want {
		t.Errorf("rows\n got:\n%s\nwant:\n%s", got, want)
	}
}

// authDetailsHeader is the header of a portal _AuthDetails_ file.
const authDetailsHeader = "Request ID,Authentication Date,Authentication method,Authentication method detail,Requirement,Succeeded,Result detail\r\n"

func TestPortalAuthDetailsJoin(t *testing.T) {
	dir := t.TempDir()
	main := "\ufeff" + portalHeader + "\r\n" +
		portalSignIn("2025-03-04T08:19:41Z", "p1", "alice@contoso.com", "Browser", "0", "Single-factor authentication", "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:20:41Z", "p2", "bob@contoso.com", "Browser", "0", "Single-factor authentication", "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:21:41Z", "p3", "carol@contoso.com", "Browser", "0", "Single-factor authentication", "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:22:41Z", "p4", "dave@contoso.com", "Browser", "0", "Single-factor authentication", "", "Melbourne, Victoria, AU") + "\r\n"
	// p3's and p4's steps leave cells empty (NULL once read): the method alone
	// tells MFA performed, or satisfied by a claim.
	details := authDetailsHeader +
		"p3,2025-03-04T08:21:41Z,Mobile app notification,,,True,\r\n" +
		"p4,2025-03-04T08:22:41Z,Previously satisfied,,,,\r\n" +
		"p1,2025-03-04T08:19:40Z,Password,Password in the cloud,Primary authentication,True,Correct password\r\n" +
		"p1,2025-03-04T08:19:41Z,Mobile app notification,,Multi-factor authentication,True,MFA successfully completed\r\n" +
		"p2,2025-03-04T08:20:41Z,Previously satisfied,,Multi-factor authentication,True,MFA requirement satisfied by claim in the token\r\n" +
		",2025-03-04T08:20:41Z,Password,,Primary authentication,True,Correct password\r\n"
	// The AuthDetails file sorts first; the join must not depend on order.
	a := write(t, dir, "InteractiveSignIns_AuthDetails_2025-03-01_2025-03-31.csv", details)
	m := write(t, dir, "InteractiveSignIns_2025-03-01_2025-03-31.csv", main)
	db, sum := load(t, Options{}, a, m)
	for _, s := range sum.Sources {
		if s.Format == "portal-csv-authdetails" && (s.Read != 6 || s.Loaded != 5 || s.Rejected != 1) {
			t.Errorf("auth details read %d loaded %d rejected %d", s.Read, s.Loaded, s.Rejected)
		}
	}
	got := strings.Join(queryStrings(t, db, "select request_id || '=' || mfa_satisfied || '/' || event_type from signins order by request_id"), ",")
	if got != "p1=performed/interactive,p2=claim/interactive,p3=performed/interactive,p4=claim/interactive" {
		t.Errorf("got %s", got)
	}
	var steps int
	db.QueryRow("select count(*) from signin_auth_steps").Scan(&steps)
	if steps != 5 {
		t.Errorf("%d steps, want 5", steps)
	}
	// The rejected row keeps its cells, as text, with its record number.
	rej := queryStrings(t, db, "select source_record || ' ' || reason || ' ' || raw from rejected_rows")
	wantRej := `6 record 6: no Request ID {"request_id":null,"ad_step_at":"2025-03-04T08:20:41Z","ad_method":"Password","ad_method_detail":null,` +
		`"ad_requirement":"Primary authentication","ad_succeeded":"True","ad_result_detail":"Correct password","rec":6}`
	if len(rej) != 1 || rej[0] != wantRej {
		t.Errorf("rejected rows %q, want %q", rej, wantRej)
	}
}

func TestPortalCSVSemicolonAndNoName(t *testing.T) {
	// Excel re-save in a ';' locale, file renamed by the user.
	hdr := strings.ReplaceAll(portalHeader, `","`, `";"`)
	row := strings.ReplaceAll(portalSignIn("2025-03-04T08:19:41Z", "p1", "alice@contoso.com", "POP3", "0", "Single-factor authentication", "", "Oslo, Oslo, NO"), `","`, `";"`)
	p := write(t, t.TempDir(), "export.csv", hdr+"\n"+row+"\n")
	db, sum := load(t, Options{}, p)
	if s := sum.Sources[0]; s.Loaded != 1 || !strings.Contains(s.Note, "assumed interactive") {
		t.Fatalf("loaded %d note %q", s.Loaded, s.Note)
	}
	if got := queryStrings(t, db, "select client_app_used from signins"); got[0] != "POP3" {
		t.Errorf("client app %q", got)
	}
}

func TestUnknownFilesAreReported(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "notes.txt", "hello world\n")
	b := write(t, dir, "weird.csv", "alpha,beta\n1,2\n")
	c := write(t, dir, "empty.json", "")
	_, sum := load(t, Options{}, a, b, c)
	if len(sum.Sources) != 3 {
		t.Fatalf("%d sources", len(sum.Sources))
	}
	for _, s := range sum.Sources {
		if s.Kind != "skipped" || s.Note == "" {
			t.Errorf("%s: kind %s note %q", s.Path, s.Kind, s.Note)
		}
	}
	if sum.Usable() {
		t.Error("nothing usable, but Usable() says otherwise")
	}
}

// TestPortalCSVLongLines reads rows that span DuckDB's read buffers (32 MiB,
// set in csvread.go) and lines up to the 16 MiB maximum; a longer line
// becomes a rejected row naming its line, and the rows after it still load.
func TestPortalCSVLongLines(t *testing.T) {
	var b strings.Builder
	b.WriteString(portalHeader + "\n")
	want := map[string]int{}
	row := func(req string, n int) {
		r := portalRow(map[int]string{0: "2025-03-04T08:19:41Z", 1: req, 2: strings.Repeat("a", n), 6: "alice@contoso.com", 20: tenantA, 25: "Success", 26: "0", 28: "Browser"})
		b.WriteString(r + "\n")
	}
	for i := 0; i < 40; i++ { // 40 MiB of rows: several buffers, rows across their edges
		req := fmt.Sprintf("r%02d", i)
		want[req] = 1<<20 + i*4099
		row(req, want[req])
	}
	want["big"] = 15 << 20 // under the 16 MiB line maximum
	row("big", want["big"])
	row("huge", 17<<20) // line 43: over it
	want["after"] = 10
	row("after", 10)
	p := write(t, t.TempDir(), "InteractiveSignIns_2025-03-01_2025-03-31.csv", b.String())
	db, sum := load(t, Options{}, p)
	s := sum.Sources[0]
	if s.Read != 43 || s.Loaded != 42 || s.Rejected != 1 {
		t.Fatalf("read %d loaded %d rejected %d note %q", s.Read, s.Loaded, s.Rejected, s.Note)
	}
	got := queryStrings(t, db, "select request_id || '=' || length(user_agent) from signins order by request_id")
	var wantRows []string
	for req, n := range want {
		wantRows = append(wantRows, fmt.Sprintf("%s=%d", req, n))
	}
	sort.Strings(wantRows)
	if strings.Join(got, " ") != strings.Join(wantRows, " ") {
		t.Errorf("request id = user agent length:\n got %v\nwant %v", got, wantRows)
	}
	reasons := strings.Join(rejectReasons(t, db), " | ")
	if !strings.Contains(reasons, "line 43") || !strings.Contains(strings.ToLower(reasons), "maximum") {
		t.Errorf("reject reasons %q: want line 43 and the line maximum", reasons)
	}
}

// TestPortalAuthDetailsAttachByRow: the verdicts are written back by the
// sign-in's rowid (attachAuthDetails). Sign-ins of two files, a repeat
// dropped between them (a gap in the rowids), sign-ins with and without
// AuthDetails side by side: each verdict and step must land on its own
// sign-in, whether the AuthDetails come in the same run or a later one
// into the same database.
func TestPortalAuthDetailsAttachByRow(t *testing.T) {
	dir := t.TempDir()
	single, multi := "Single-factor authentication", "Multifactor authentication"
	first := "\ufeff" + portalHeader + "\r\n" +
		portalSignIn("2025-03-04T08:00:00Z", "p1", "alice@contoso.com", "Browser", "0", single, "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:01:00Z", "p2", "bob@contoso.com", "Browser", "0", single, "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:02:00Z", "p3", "carol@contoso.com", "Browser", "0", multi, "MFA requirement satisfied by claim in the token", "Melbourne, Victoria, AU") + "\r\n"
	second := "\ufeff" + portalHeader + "\r\n" +
		portalSignIn("2025-03-04T08:01:00Z", "p2", "bob@contoso.com", "Browser", "0", single, "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:03:00Z", "p4", "dave@contoso.com", "Browser", "0", multi, "", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:04:00Z", "p5", "erin@contoso.com", "Browser", "0", multi, "MFA successfully completed", "Melbourne, Victoria, AU") + "\r\n" +
		portalSignIn("2025-03-04T08:05:00Z", "p6", "frank@contoso.com", "Browser", "50074", multi, "", "Melbourne, Victoria, AU") + "\r\n"
	details := authDetailsHeader +
		"p1,2025-03-04T08:00:00Z,Password,Password in the cloud,Primary authentication,True,Correct password\r\n" +
		"p1,2025-03-04T08:00:01Z,Mobile app notification,,Multi-factor authentication,True,MFA successfully completed\r\n" +
		"p3,2025-03-04T08:02:00Z,Previously satisfied,,Multi-factor authentication,True,MFA requirement satisfied by claim in the token\r\n" +
		"p4,2025-03-04T08:03:00Z,Password,Password in the cloud,Primary authentication,True,Correct password\r\n" +
		"p4,2025-03-04T08:03:01Z,Text message,,Multi-factor authentication,True,MFA successfully completed\r\n" +
		"p6,2025-03-04T08:05:00Z,Password,Password in the cloud,Primary authentication,True,Correct password\r\n" +
		"p6,2025-03-04T08:05:01Z,Mobile app notification,,Multi-factor authentication,False,MFA denied; user declined the authentication\r\n"
	f1 := write(t, dir, "InteractiveSignIns_2025-03-01_2025-03-04.csv", first)
	f2 := write(t, dir, "InteractiveSignIns_2025-03-04_2025-03-31.csv", second)
	ad := write(t, dir, "InteractiveSignIns_AuthDetails_2025-03-01_2025-03-31.csv", details)
	verdicts := "select request_id || '=' || mfa_satisfied || '@' || source_record from signins order by request_id"
	steps := "select request_id || '#' || step || ' ' || method || ' ' || succeeded from signin_auth_steps order by request_id, step"
	want := []string{"p1=performed@1", "p2=none@2", "p3=claim@3", "p4=performed@2", "p5=performed@3", "p6=none@4"}
	wantSteps := []string{"p1#1 Password true", "p1#2 Mobile app notification true", "p3#1 Previously satisfied true",
		"p4#1 Password true", "p4#2 Text message true", "p6#1 Password true", "p6#2 Mobile app notification false"}
	check := func(name string, db *sql.DB) {
		t.Helper()
		if got := queryStrings(t, db, verdicts); !slices.Equal(got, want) {
			t.Errorf("%s: verdicts\n got %v\nwant %v", name, got, want)
		}
		if got := queryStrings(t, db, steps); !slices.Equal(got, wantSteps) {
			t.Errorf("%s: steps\n got %v\nwant %v", name, got, wantSteps)
		}
	}
	db, sum := load(t, Options{}, f1, f2, ad)
	dupes := int64(0)
	for _, s := range sum.Sources {
		dupes += s.Duplicates
	}
	if dupes != 1 {
		t.Fatalf("%d repeats dropped, want 1 (the test needs a gap in the rowids)", dupes)
	}
	check("one run", db)

	// The same, the AuthDetails loaded by a second run into the same file.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.duckdb")
	for _, files := range [][]string{{f1, f2}, {ad}} {
		db, err := Open(ctx, DBOptions{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Files(ctx, db, files, Options{TempDir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		if files[0] == ad {
			check("two runs", db)
		}
		db.Close()
	}
}

// FuzzPortalCells: whatever one cell of a portal sign-in (col, of 55) and
// one cell of an AuthDetails row (authCol, of 7) hold, the load succeeds,
// every row is accounted for, and the rows around them load untouched: the
// sign-ins ok1 and ok2 with ok1's two steps. The cells are quoted as the
// portal quotes them, so nothing spills into another cell.
func FuzzPortalCells(f *testing.F) {
	f.Add(uint8(2), "Mozilla/5.0 "+notUTF8, uint8(2), "Password")
	f.Add(uint8(50), notUTF8, uint8(6), "MFA "+notUTF8)
	f.Add(uint8(0), "3/4/2025 8:19:41 AM", uint8(1), "not a date")
	f.Add(uint8(1), "fz2", uint8(0), " fz ")
	f.Add(uint8(26), "5012\x00", uint8(5), "\"True\"\r\n")
	f.Fuzz(func(t *testing.T, col uint8, value string, authCol uint8, authValue string) {
		fuzzed := map[int]string{0: "2025-03-04T08:30:00Z", 1: "fz", 6: "eve@contoso.com", 25: "Success", 26: "0"}
		fuzzed[int(col)%55] = value
		main := "\ufeff" + portalHeader + "\r\n" +
			portalSignIn("2025-03-04T08:19:41Z", "ok1", "alice@contoso.com", "Browser", "0", "Multifactor authentication", "", "Oslo, Oslo, NO") + "\r\n" +
			portalRow(fuzzed) + "\r\n" +
			portalSignIn("2025-03-04T08:40:00Z", "ok2", "bob@contoso.com", "IMAP4", "0", "Single-factor authentication", "", "Oslo, Oslo, NO") + "\r\n"
		step := []string{"fz", "2025-03-04T08:30:00Z", "Password", "", "Primary authentication", "True", "Correct password"}
		step[int(authCol)%7] = authValue
		for i, c := range step {
			step[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		details := "\ufeff" + authDetailsHeader +
			"ok1,2025-03-04T08:19:40Z,Password,Password in the cloud,Primary authentication,True,Correct password\r\n" +
			strings.Join(step, ",") + "\r\n" +
			"ok1,2025-03-04T08:19:41Z,Mobile app notification,,Multi-factor authentication,True,MFA successfully completed\r\n"
		dir := t.TempDir()
		write(t, dir, "InteractiveSignIns_2025-03-01_2025-03-31.csv", main)
		write(t, dir, "InteractiveSignIns_AuthDetails_2025-03-01_2025-03-31.csv", details)
		db, sum := load(t, Options{}, dir)
		for _, s := range sum.Sources {
			if s.Read != 3 || s.Read != s.Loaded+s.Rejected+s.Duplicates+s.Ignored {
				t.Fatalf("%s: read %d = loaded %d + rejected %d + duplicates %d + ignored %d, want 3 read", s.Format, s.Read, s.Loaded, s.Rejected, s.Duplicates, s.Ignored)
			}
		}
		// A fuzzed request id may name ok1 or ok2: a repeat of one, or
		// its steps; the rows around it are then not untouched.
		if (int(col)%55 == 1 && strings.Contains(value, "ok")) || (int(authCol)%7 == 0 && strings.Contains(authValue, "ok")) {
			return
		}
		got := strings.Join(queryStrings(t, db, `select request_id || ' ' || mfa_satisfied || ' ' || client_app_used from signins
where request_id in ('ok1', 'ok2') order by request_id`), ", ")
		if want := "ok1 performed Browser, ok2 none IMAP4"; got != want {
			t.Fatalf("the clean sign-ins: %s, want %s", got, want)
		}
		steps := strings.Join(queryStrings(t, db, "select step || ' ' || method from signin_auth_steps where request_id = 'ok1' order by step"), ", ")
		if want := "1 Password, 2 Mobile app notification"; steps != want {
			t.Fatalf("ok1's steps: %s, want %s", steps, want)
		}
	})
}
