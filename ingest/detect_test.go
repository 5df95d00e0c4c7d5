package ingest

import (
	"testing"
)

// TestDetectHeaders pins which format claims a CSV header, so that a loose
// detector of one format cannot swallow another format's files.
func TestDetectHeaders(t *testing.T) {
	tests := []struct {
		name, header, want string
	}{
		{"register account layout", "Account name,Exception type,Approved solution,Justification,Approved by,Date approved,Review date", "register-csv"},
		{"register MSP layout", "Tenant name,Excluded users,Policy title,Date added,Expiration / review date,Reviewer notes", "register-csv"},
		{"Log Analytics sign-ins are not a register", "TenantId,SourceSystem,TimeGenerated [UTC],Category,ResultType,UserPrincipalName,Identity,ResultDescription", ""},
		{"UPN and a type column are not a register", "UserPrincipalName,Type,Department", ""},
		{"portal CSV", portalHeader, "portal-csv"},
		{"AuthDetails", "Request ID,Authentication Date,Authentication method,Authentication method detail,Requirement,Succeeded,Result detail", "portal-csv-authdetails"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &sniff{head: []byte(tc.header + "\n")}
			s.sniffCSV()
			got := ""
			for _, f := range formats {
				if f.detect(s) {
					got = f.id
					break
				}
			}
			if got != tc.want && !(tc.want == "" && got != "register-csv" && got != "users-csv") {
				t.Errorf("detected %q, want %q", got, tc.want)
			}
		})
	}
}
