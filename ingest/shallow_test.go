package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestShallowMembers(t *testing.T) {
	for _, tc := range []struct {
		name, record, want string
	}{
		{"SDK objects at -Depth 1", `{"Id":"1","Status":"Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus","Location":"Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInLocation","UserAgent":"Mozilla/5.0"}`,
			"Location,Status"},
		{"steps' elements at the default -Depth 2", `{"id":"1","status":{"errorCode":0},"authenticationDetails":["Microsoft.Graph.PowerShell.Models.MicrosoftGraphAuthenticationDetail"]}`,
			"authenticationDetails[]"},
		{"a policy's conditions", `{"id":"p","displayName":"CA001","conditions":{"users":"Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessUsers","clientAppTypes":"System.Object[]"}}`,
			"conditions.clientAppTypes,conditions.users"},
		{"Windows PowerShell 5.1 custom objects", `{"id":"1","status":"@{errorCode=0; failureReason=Other.}","grantControls":"System.Collections.Hashtable"}`,
			"grantControls,status"},
		{"the AzureAD module", `{"Id":"1","Status":"Microsoft.Open.MSGraph.Model.SignInStatus"}`, "Status"},
		{"sound records", `{"id":"1","appDisplayName":"Microsoft.Azure.SyncFabric","userAgent":"System.Net.Http","status":{"errorCode":0,"additionalDetails":"MFA completed in Azure AD"},"authenticationDetails":[{"authenticationMethod":"Password"}]}`,
			""},
		{"type names in free text an attacker writes", `{"id":"1","userAgent":"System.Object[]","userDisplayName":"@{a=b}","appDisplayName":"Microsoft.Graph.PowerShell.Models.X","status":{"errorCode":50126,"failureReason":"System.Collections.Hashtable"}}`,
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn := &sniff{isJSON: true}
			if err := json.Unmarshal([]byte(tc.record), &sn.keys); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(shallowMembers(sn, true), ","); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The first record may show nothing (no policy applied, no MFA step): the
// records after it in the sniffed head are read too, each member named
// once, in order of appearance.
func TestShallowLaterRecords(t *testing.T) {
	recs := []string{
		`{"id":"1","status":{"errorCode":0},"appliedConditionalAccessPolicies":[],"authenticationDetails":[]}`,
		`{"id":"2","status":{"errorCode":0},"appliedConditionalAccessPolicies":[{"id":"p1","enforcedGrantControls":"System.Object[]"}],"authenticationDetails":[]}`,
		`{"id":"3","status":{"errorCode":0},"appliedConditionalAccessPolicies":[{"id":"p1","enforcedGrantControls":["Mfa"]},{"id":"p2","enforcedGrantControls":"System.Object[]"}],` +
			`"authenticationDetails":[{"authenticationMethod":"Password"},"Microsoft.Graph.PowerShell.Models.MicrosoftGraphAuthenticationDetail"]}`,
	}
	for _, tc := range []struct {
		name, head string
		ndjson     bool
	}{
		{"array", "[" + strings.Join(recs, ",\n") + "]", false},
		{"lines", strings.Join(recs, "\n") + "\n", true},
		{"a head cut in the third record", "[" + recs[0] + "," + recs[1] + "," + recs[2][:60], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sn := &sniff{isJSON: true, head: []byte(tc.head), ndjson: tc.ndjson}
			if err := json.Unmarshal([]byte(recs[0]), &sn.keys); err != nil {
				t.Fatal(err)
			}
			want := "appliedConditionalAccessPolicies[].enforcedGrantControls,authenticationDetails[]"
			if strings.HasPrefix(tc.name, "a head cut") {
				want = "appliedConditionalAccessPolicies[].enforcedGrantControls"
			}
			if got := strings.Join(shallowMembers(sn, true), ","); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// A sign-in export written at too small a -Depth loads (its other members
// are sound) with a warning naming what is missing: its sign-ins'
// status read as failures and their MFA as absent without a word.
func TestShallowExportWarns(t *testing.T) {
	dir := t.TempDir()
	rec := `{"Id":"11111111-1111-1111-1111-000000000091","CreatedDateTime":"2025-03-05T10:00:00Z","UserPrincipalName":"erin@contoso.com",` +
		`"AppId":"11111111-1111-1111-1111-000000000800","IsInteractive":true,"ClientAppUsed":"IMAP4",` +
		`"ResourceTenantId":"00000000-0000-0000-0000-00000000aaaa","Status":"Microsoft.Graph.PowerShell.Models.MicrosoftGraphSignInStatus"}`
	p := write(t, dir, "signins.json", "["+rec+"]")
	good := write(t, dir, "good.json", "["+graphRecord("g1", "")+"]")
	db, sum := load(t, Options{}, p, good)
	checkAccounting(t, db, sum)
	s := sourceOf(t, sum, "signins.json")
	if s.Loaded != 1 || !strings.Contains(s.Note, "warning: written by PowerShell's ConvertTo-Json with too small a -Depth: Status in the first records holds a .NET type name") {
		t.Errorf("loaded %d, note %q", s.Loaded, s.Note)
	}
	if n := sourceOf(t, sum, "good.json").Note; strings.Contains(n, "warning") {
		t.Errorf("a sound export warned: %q", n)
	}
}

// A file too shallow to be told apart (a CA policy's conditions as a type
// name) is skipped with the reason and what to do.
func TestShallowUnknown(t *testing.T) {
	p := write(t, t.TempDir(), "policies.json", `[{"Id":"p1","DisplayName":"CA001","State":"enabled",`+
		`"Conditions":"Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessConditionSet"}]`)
	_, sum := load(t, Options{}, p)
	if n := skipNote(t, sum, "policies.json"); !strings.Contains(n, "Conditions in its first records holds a .NET type name: written by PowerShell's ConvertTo-Json with too small a -Depth") {
		t.Errorf("note %q", n)
	}
}

func TestListHitsBounded(t *testing.T) {
	long := "status." + strings.Repeat("x", 500)
	got := listHits([]string{long, "a", "b", "c", "d", "e", "f"})
	if len([]rune(got)) > 200 || !strings.HasSuffix(got, ", 2 more") || !strings.Contains(got, "…") {
		t.Errorf("listHits = %q", got)
	}
}

// Sign-ins without a status (a Graph $select, a KQL project that left it
// out) load, and the file warns that every one counts as failed.
func TestNoStatusWarns(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "selected.json", `[{"id":"11111111-1111-1111-1111-000000000093","createdDateTime":"2025-03-05T10:00:00Z",`+
		`"userPrincipalName":"erin@contoso.com","appId":"a","ipAddress":"192.0.2.9"}]`)
	good := write(t, dir, "good.json", "["+graphRecord("g2", "")+"]")
	b, err := os.ReadFile("testdata/la/SigninLogs_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1 // the fixture holds a row of the wrong width on purpose
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keep []int
	for i, h := range rows[0] {
		if h != "ResultType" && h != "ResultDescription" && h != "Status" {
			keep = append(keep, i)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		var out []string
		for _, i := range keep {
			if i < len(r) {
				out = append(out, r[i])
			}
		}
		w.Write(out)
	}
	w.Flush()
	projected := write(t, dir, "SigninLogs_project.csv", buf.String())
	db, sum := load(t, Options{}, p, good, projected)
	checkAccounting(t, db, sum)
	for _, name := range []string{"selected.json", "SigninLogs_project.csv"} {
		if s := sourceOf(t, sum, name); s.Loaded == 0 || NoteWarning(s.Note) == "" || !strings.Contains(s.Note, "no sign-in of this file has a status") {
			t.Errorf("%s: loaded %d, note %q", name, s.Loaded, s.Note)
		}
	}
	if n := sourceOf(t, sum, "good.json").Note; strings.Contains(n, "warning") {
		t.Errorf("a record with a status warned: %q", n)
	}
}
