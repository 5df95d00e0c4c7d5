package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// samplesDir is ../shared/samples resolved from the module root (tests run
// in the package directory), or $MFAGAP_SAMPLES for a checkout elsewhere.
func samplesDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MFAGAP_SAMPLES")
	if dir == "" {
		var err error
		if dir, err = filepath.Abs(filepath.Join("..", "..", "shared", "samples")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("samples not available: %v", err)
	}
	return dir
}

// TestSideSamples loads the real side-input samples: every row loads.
func TestSideSamples(t *testing.T) {
	dir := samplesDir(t)
	tests := []struct {
		file, format string
		rows         int64
	}{
		{"invictus-mes/202504290950-Users.csv", "users-csv", 206},
		{"invictus-mes/202504290949-MFA-UserRegistrationDetails.csv", "mfa-registration-csv", 205},
		{"invictus-mes/202504291035-MFA-UserRegistrationDetails.csv", "mfa-registration-csv", 205},
		{"invictus-mes/202504290949-MFA-AuthenticationMethods.csv", "auth-methods-csv", 206},
		{"invictus-mes/202504301059-All-Administrators.csv", "roles-csv", 10},
		{"invictus-mes/202504301647-All-Roles.csv", "roles-csv", 12},
		{"j0eyv-ca-baseline/CA000-Global-IdentityProtection-AnyApp-AnyPlatform-MFA.json", "ca-policies-json", 1},
		{"j0eyv-ca-baseline/CA002-Global-IdentityProtection-AnyApp-AnyPlatform-Block-LegacyAuthentication.json", "ca-policies-json", 1},
		{"j0eyv-ca-baseline/CA101-Admins-IdentityProtection-AnyApp-AnyPlatform-MFA.json", "ca-policies-json", 1},
		{"j0eyv-ca-baseline/CA105-Admins-IdentityProtection-AnyApp-AnyPlatform-PhishingResistantMFA.json", "ca-policies-json", 1},
		{"j0eyv-ca-baseline/CA300-ServiceAccounts-IdentityProtection-AnyApp-AnyPlatform-MFA.json", "ca-policies-json", 1},
		{"j0eyv-ca-baseline/CA-BreakGlassAccounts - Exclude.json", "groups-json", 1},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			p := filepath.Join(dir, tt.file)
			_, sum := sideDB(t, Options{}, p)
			checkSource(t, sum, filepath.Base(tt.file), tt.format, tt.rows, tt.rows, 0)
		})
	}
}

// TestSideSamplesValues loads the samples together and checks what the
// loaders derive from them (counts only; no sample content is copied).
func TestSideSamplesValues(t *testing.T) {
	dir := samplesDir(t)
	db, _ := sideDB(t, Options{}, filepath.Join(dir, "invictus-mes"), filepath.Join(dir, "j0eyv-ca-baseline"))
	queries := []struct{ name, q, want string }{
		// 158 users have a LastSignInDateTime; every CreatedDateTime parses.
		{"users with culture dates", `select count(*), count(last_sign_in_at), count(created_at) = count(*), min(created_at) > '2000-01-01' from users`, "206|158|true|true"},
		{"registration lists", `select count(*) filter (where len(methods_registered) > 1) > 0, count(*) filter (where last_updated is null) from mfa_registration`, "true|0"},
		// CA000, CA101, CA105 (authentication strength), CA300 require MFA; CA002 blocks legacy; CA105 is report-only.
		{"policies", `select count(*), count(*) filter (where requires_mfa), count(*) filter (where blocks_legacy), count(*) filter (where state = 'report-only') from ca_policies`, "5|4|1|1"},
		{"role templates", `select count(*) filter (where role_template_id is null) from role_assignments`, "0"},
		{"excluded groups resolve to the group sample", `select count(*) > 0 from ca_exclusions e join groups g on g.group_id = e.object_id where e.object_type = 'group'`, "true"},
	}
	for _, q := range queries {
		wantRows(t, db, []string{q.want}, q.q)
	}
}
