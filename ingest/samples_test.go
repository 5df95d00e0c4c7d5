package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedSamples returns ../shared/samples resolved from the module root, or
// skips the test when the folder is absent (it is not part of the repository).
func sharedSamples(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared samples not present at %s", dir)
	}
	return dir
}

func TestSharedGraphSamples(t *testing.T) {
	dir := sharedSamples(t)
	tests := []struct {
		file      string
		format    string
		rows      int64
		eventType string
		tenant    string
	}{
		{"graph-beta-signins-securathesis/signins_beta_securathesis.json", "graph-json", 2, "interactive", "d2af6ef7-a00c-438f-903b-65592cfddc48"},
		{"invictus-mes/20250502132320-servicePrincipal-SignInLogs.json", "graph-json", 494, "service_principal", "unknown"},
		{"invictus-mes/20250502132321-managedIdentity-SignInLogs.json", "graph-json", 28, "managed_identity", "unknown"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			db, sum := load(t, Options{}, filepath.Join(dir, tc.file))
			s := sum.Sources[0]
			if s.Format != tc.format || s.Read != tc.rows || s.Loaded != tc.rows || s.Rejected != 0 {
				t.Fatalf("format %s read %d loaded %d rejected %d note %q", s.Format, s.Read, s.Loaded, s.Rejected, s.Note)
			}
			if got := queryStrings(t, db, "select distinct event_type from signins"); len(got) != 1 || got[0] != tc.eventType {
				t.Errorf("event types %q, want %s", got, tc.eventType)
			}
			if got := queryStrings(t, db, "select distinct tenant_id from signins"); len(got) != 1 || got[0] != tc.tenant {
				t.Errorf("tenants %q, want %s", got, tc.tenant)
			}
		})
	}
}
