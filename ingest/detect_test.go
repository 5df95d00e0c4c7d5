package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// Exports mfagap recognises but does not read are skipped with a message
// saying what they are; an unrelated CSV keeps the generic message.
func TestNotUsedReason(t *testing.T) {
	tests := []struct {
		name, head, want string
	}{
		{"risk detections CSV", "\ufeff\"Activity\",\"ActivityDateTime\",\"DetectedDateTime\",\"IPAddress\",\"RequestId\",\"RiskEventType\",\"RiskLevel\",\"RiskState\",\"UserPrincipalName\"\n", "risk detections"},
		{"risky users CSV", "Id,IsDeleted,RiskDetail,RiskLastUpdatedDateTime,RiskLevel,RiskState,UserDisplayName,UserPrincipalName\n", "risky users"},
		{"CA per-policy rows JSON", `[{"RequestId":"r1","TimeGenerated":"2023-09-09T22:57:40Z","policyId":"p","displayName":"x","result":"success","conditionsSatisfied":1}]`, "per-policy results"},
		{"error-code lookup table", "ErrorCode,Status,Message\n", "lookup table of sign-in error codes"},
		{"enumeration lookup table", "\"Value\",\"Member\",\"Description\"\n", "a lookup table (a value and its description"},
		{"an unrelated CSV", "Hostname,Owner,Rack\n", "unknown format: CSV header"},
		{"a sign-in JSON missing a field is not a risk export", `[{"riskLevel":"high","userPrincipalName":"a@b.c"}]`, "unknown format: JSON records"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &sniff{head: []byte(tc.head)}
			if tc.head[0] == '[' {
				s.isJSON = true
				var recs []map[string]json.RawMessage
				if err := json.Unmarshal(s.head, &recs); err != nil {
					t.Fatal(err)
				}
				s.keys = recs[0]
			} else {
				s.sniffCSV()
			}
			if f := detectFormat(s); f != nil {
				t.Fatalf("detected as %s", f.id)
			}
			if got := unknownReason(s); !strings.Contains(got, tc.want) {
				t.Errorf("reason %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// TestReadHeadSize: the head of a file smaller than the sniffed length is
// no bigger than the file (a small file waiting in a batch holds its head;
// 100 of them held 1 MiB each), and a larger file's is the sniffed length.
func TestReadHeadSize(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 10, sniffBytes + 5} {
		path := filepath.Join(dir, fmt.Sprintf("f%d", size))
		if err := os.WriteFile(path, bytes.Repeat([]byte("a"), size), 0o644); err != nil {
			t.Fatal(err)
		}
		head, err := readHead(path, sniffBytes)
		if err != nil {
			t.Fatal(err)
		}
		want := min(size, sniffBytes)
		if len(head) != want || cap(head) != want {
			t.Errorf("%d-byte file: head of %d bytes, capacity %d; want %d", size, len(head), cap(head), want)
		}
	}
}
