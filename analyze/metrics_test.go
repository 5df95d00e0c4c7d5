package analyze_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mfagap/mfagap/analyze"
	"github.com/mfagap/mfagap/ingest"
)

const tenant = "00000000-0000-4000-8000-00000000000a"

// Four interactive successes (two with MFA: one performed, one by claim), a
// non-interactive refresh, two legacy sign-ins (one failed) and a failure.
const metricSignins = `{"id":"m1","createdDateTime":"2025-05-01T08:00:00Z","userPrincipalName":"alice@contoso.com","isInteractive":true,"signInEventTypes":["interactiveUser"],"status":{"errorCode":0,"additionalDetails":"MFA successfully completed"},"clientAppUsed":"Browser","authenticationRequirement":"multiFactorAuthentication"}
{"id":"m2","createdDateTime":"2025-05-01T09:00:00Z","userPrincipalName":"alice@contoso.com","isInteractive":true,"signInEventTypes":["interactiveUser"],"status":{"errorCode":0,"additionalDetails":"MFA requirement satisfied by claim in the token"},"clientAppUsed":"Browser","authenticationRequirement":"multiFactorAuthentication"}
{"id":"m3","createdDateTime":"2025-05-02T08:00:00Z","userPrincipalName":"bob@contoso.com","isInteractive":true,"signInEventTypes":["interactiveUser"],"status":{"errorCode":0},"clientAppUsed":"IMAP4","authenticationRequirement":"singleFactorAuthentication"}
{"id":"m4","createdDateTime":"2025-05-02T09:00:00Z","userPrincipalName":"svc-scan@contoso.com","isInteractive":true,"signInEventTypes":["interactiveUser"],"status":{"errorCode":0},"clientAppUsed":"Browser","authenticationRequirement":"singleFactorAuthentication"}
{"id":"m5","createdDateTime":"2025-05-02T10:00:00Z","userPrincipalName":"carl@contoso.com","isInteractive":false,"signInEventTypes":["nonInteractiveUser"],"status":{"errorCode":0},"clientAppUsed":"Mobile Apps and Desktop clients","authenticationRequirement":"singleFactorAuthentication"}
{"id":"m6","createdDateTime":"2025-05-02T11:00:00Z","userPrincipalName":"dora@contoso.com","isInteractive":true,"signInEventTypes":["interactiveUser"],"status":{"errorCode":50126},"clientAppUsed":"IMAP4"}
{"id":"m7","createdDateTime":"2025-05-02T12:00:00Z","userPrincipalName":"dora@contoso.com","isInteractive":true,"signInEventTypes":["interactiveUser"],"status":{"errorCode":50126},"clientAppUsed":"Browser"}
`

// alice registered, bob not, carl missing from the report; dora only failed.
const metricRegistration = `"id","userPrincipalName","userDisplayName","userType","isAdmin","isSsprRegistered","isSsprEnabled","isSsprCapable","isMfaRegistered","isMfaCapable","isPasswordlessCapable","methodsRegistered","isSystemPreferredAuthenticationMethodEnabled","systemPreferredAuthenticationMethods","userPreferredMethodForSecondaryAuthentication","lastUpdatedDateTime"
"11111111-0000-4000-8000-000000000001","alice@contoso.com","Alice","member","False","False","False","False","True","True","False","microsoftAuthenticatorPush","True","","","2025-05-01T00:00:00Z"
"11111111-0000-4000-8000-000000000002","bob@contoso.com","Bob","member","False","False","False","False","False","False","False","","True","","","2025-05-01T00:00:00Z"
"11111111-0000-4000-8000-000000000003","svc-scan@contoso.com","Scanner","member","False","False","False","False","False","False","False","","True","","","2025-05-01T00:00:00Z"
"11111111-0000-4000-8000-000000000004","dora@contoso.com","Dora","member","False","False","False","False","False","False","False","","True","","","2025-05-01T00:00:00Z"
`

const metricRegister = `Account Name,Exception Type,Approved Solution,Justification,Approved By,Date Approved,Review Date
svc-scan@contoso.com,Service Account,Named location only,Scanner,IT,2025-01-01,2025-12-31
`

func runMetrics(t *testing.T, files map[string]string) analyze.Metrics {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	ctx := context.Background()
	db, err := ingest.Open(ctx, ingest.DBOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := ingest.Files(ctx, db, paths, ingest.Options{Tenant: tenant}); err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(ctx, db, analyze.Options{Only: []string{"legacy-auth-success"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Metrics
}

func TestMetrics(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  analyze.Metrics
	}{
		{
			name:  "sign-ins only",
			files: map[string]string{"signins.json": metricSignins},
			want: analyze.Metrics{
				Tenants: []analyze.TenantMetric{{TenantID: tenant, InteractiveSuccess: 4, InteractiveSuccessMFA: 2, MFAShare: 0.5, LegacySuccess: 1}},
				LegacyProtocols: []analyze.ProtocolMetric{
					{TenantID: tenant, Protocol: "IMAP4", SignIns: 2, Successes: 1, Accounts: 1},
				},
				// The naming convention classes svc-scan as a service account.
				AccountClasses: []analyze.ClassMetric{{TenantID: tenant, Class: "service", Accounts: 1, Documented: 0}},
			},
		},
		{
			name:  "with registration report and register",
			files: map[string]string{"signins.json": metricSignins, "mfa-registration.csv": metricRegistration, "register.csv": metricRegister},
			want: analyze.Metrics{
				Tenants: []analyze.TenantMetric{{TenantID: tenant, InteractiveSuccess: 4, InteractiveSuccessMFA: 2, MFAShare: 0.5, LegacySuccess: 1}},
				LegacyProtocols: []analyze.ProtocolMetric{
					{TenantID: tenant, Protocol: "IMAP4", SignIns: 2, Successes: 1, Accounts: 1},
				},
				// alice, bob, svc-scan in the report (alice registered); carl is not in it.
				Registration:   []analyze.RegistrationMetric{{TenantID: tenant, ActiveUsers: 3, Registered: 1, Rate: 0.3333, NotInReport: 1}},
				AccountClasses: []analyze.ClassMetric{{TenantID: tenant, Class: "service", Accounts: 1, Documented: 1}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runMetrics(t, tt.files)
			if len(got.Daily) != 2 {
				t.Errorf("daily has %d days, want 2", len(got.Daily))
			}
			got.Daily = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("metrics\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
