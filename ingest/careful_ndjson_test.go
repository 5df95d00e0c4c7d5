package ingest

import (
	"strings"
	"testing"
)

// The careful path (a Graph array DuckDB cannot read: here its last record is
// cut off) writes records on one line as they are and compacts only the
// records spread over several lines: the sign-ins are those the fast path
// loads from the same records, and a rejected one-line record keeps its own
// text as evidence.
func TestCarefulPathOneLineRecords(t *testing.T) {
	recs := []string{
		`{ "id" : "r1", "createdDateTime" : "2025-03-01T10:00:00Z", "userPrincipalName" : "a@contoso.com", "status" : { "errorCode" : 0 } }`,
		"{\n  \"id\": \"r2\",\n  \"createdDateTime\": \"2025-03-01T11:00:00Z\",\n  \"userPrincipalName\": \"b@contoso.com\",\r\n  \"userAgent\": \"line\\nbreak \\\"quoted\\\"\",\n  \"status\": {\"errorCode\": 50126}\n}",
		`{"id":"r3","createdDateTime":"not a time","userPrincipalName":"c@contoso.com"}`,
		`{"id":"r4","createdDateTime":"2025-03-01T12:00:00Z","userPrincipalName":"d@contoso.com","userAgent":"Mozilla/5.0 (X11)"}`,
	}
	dir := t.TempDir()
	clean := write(t, dir, "clean/SignIns.json", "["+strings.Join(recs, ",\n")+"]")
	cut := write(t, dir, "cut/SignIns.json", "["+strings.Join(recs, ",\n")+`,{"id":"r5","createdDate`)
	signins := `select concat_ws('|', source_record, request_id, created_at, user_principal_name, user_agent, error_code) from signins order by source_record`
	dbFast, _ := load(t, Options{}, clean)
	dbCareful, sum := load(t, Options{}, cut)
	fast, careful := queryStrings(t, dbFast, signins), queryStrings(t, dbCareful, signins)
	if strings.Join(fast, "\n") != strings.Join(careful, "\n") || len(careful) != 3 {
		t.Fatalf("sign-ins differ:\nfast    %q\ncareful %q", fast, careful)
	}
	if s := sum.Sources[0]; s.Read != 5 || s.Loaded != 3 || s.Rejected != 2 {
		t.Errorf("read %d loaded %d rejected %d, want 5, 3, 2", s.Read, s.Loaded, s.Rejected)
	}
	rej := queryStrings(t, dbCareful, `select concat_ws('|', source_record, reason, raw) from rejected_rows order by source_record`)
	if len(rej) != 2 || !strings.HasPrefix(rej[0], `3|record 3: createdDateTime "not a time" is not a timestamp|`) ||
		!strings.Contains(rej[0], `"createdDateTime":"not a time"`) || !strings.HasPrefix(rej[1], "5|record 5 (line ") {
		t.Errorf("rejected rows: %q", rej)
	}
}
