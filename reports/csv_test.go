package reports

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/mfagap/mfagap/analyze"
)

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=cmd|'/c calc'!A1", "'=cmd|'/c calc'!A1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\tX", "'\tX"},
		{"\rX", "'\rX"},
		{"alice@contoso.com", "alice@contoso.com"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := csvCell(tt.in); got != tt.want {
			t.Errorf("csvCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	r := fixedResult()
	hostile := []string{"=cmd|'/c calc'!A1", "+1", "-1", "@SUM(1)", "\tX", "\rX"}
	var fs []analyze.Finding
	for _, h := range hostile {
		fs = append(fs, analyze.Finding{TenantID: h, Subject: h, Reason: h, Details: map[string]any{"ua": h}})
	}
	r.Checks = append(r.Checks, analyze.CheckResult{ID: "zz-hostile", Severity: "low", Status: analyze.StatusAlarm, Findings: fs})

	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rows); got != 1+2+len(hostile) {
		t.Fatalf("got %d rows, want header + %d findings", got, 2+len(hostile))
	}
	if rows[0][0] != "check_id" || rows[0][8] != "details" {
		t.Errorf("header = %v", rows[0])
	}
	// Checks in id order: legacy-auth-success, password-spray, zz-hostile.
	if rows[1][0] != "legacy-auth-success" || rows[2][0] != "password-spray" {
		t.Errorf("rows not in check id order: %v, %v", rows[1][0], rows[2][0])
	}
	if want := `{"a":1.5,"b":true,"country":"NL","error_codes":["50126","50053"],"users":14}`; rows[2][8] != want {
		t.Errorf("details = %s, want %s", rows[2][8], want)
	}
	if rows[2][6] != "2025-03-01T10:00:00Z" {
		t.Errorf("first_seen = %s", rows[2][6])
	}
	for i, h := range hostile {
		row := rows[3+i]
		for col := 2; col <= 4; col++ {
			if row[col] != "'"+h {
				t.Errorf("row %d col %d = %q, want %q", 3+i, col, row[col], "'"+h)
			}
		}
	}
	// Empty result: header only.
	buf.Reset()
	if err := WriteCSV(&buf, nil); err != nil || buf.String() != "check_id,severity,tenant_id,subject,reason,events,first_seen,last_seen,details\n" {
		t.Errorf("empty result: %q, %v", buf.String(), err)
	}
}
