package ingest

import (
	"strings"
	"testing"
)

// A register without a tenant column, loaded with the sign-ins of one tenant,
// takes that tenant: a single-tenant report has no "unknown" rows.
func TestAdoptTenantSingle(t *testing.T) {
	const tenant = "cccccccc-0000-0000-0000-000000000001"
	db, sum := load(t, Options{}, "testdata/side/signins.json", "testdata/side/register-account.csv", "testdata/side/users.csv")
	if n := query1[int64](t, db, "select count(*) from register_entries where tenant_id <> ?", tenant); n != 0 {
		t.Errorf("%d register rows without the run's tenant", n)
	}
	if n := query1[int64](t, db, "select count(*) from users where tenant_id <> ?", tenant); n != 0 {
		t.Errorf("%d user rows without the run's tenant", n)
	}
	for _, s := range sum.Sources {
		if s.Kind != "register" && s.Kind != "users" {
			continue
		}
		if s.TenantID != tenant || !strings.Contains(s.Note, "given the only tenant of this run ("+tenant+")") {
			t.Errorf("%s: tenant %q, note %q; want the run's tenant and a note saying so", s.Path, s.TenantID, s.Note)
		}
	}
}

// With two tenants in the sign-ins nothing is adopted: such rows stay
// 'unknown' and the checks match them with any tenant.
func TestAdoptTenantSeveral(t *testing.T) {
	db, sum := load(t, Options{}, "testdata/tenants", "testdata/side/register-account.csv")
	if n := query1[int64](t, db, "select count(distinct tenant_id) from signins"); n != 2 {
		t.Fatalf("fixture: %d tenants in signins, want 2", n)
	}
	if n := query1[int64](t, db, "select count(*) from register_entries where tenant_id <> 'unknown'"); n != 0 {
		t.Errorf("%d register rows given a tenant in a run of two tenants", n)
	}
	for _, s := range sum.Sources {
		if strings.Contains(s.Note, "only tenant") {
			t.Errorf("%s: note %q in a run of two tenants", s.Path, s.Note)
		}
	}
}

// MSP register lines naming their tenant by name are not given the run's
// tenant: the name may be another customer's.
func TestAdoptTenantKeepsNamedTenants(t *testing.T) {
	db, _ := load(t, Options{}, "testdata/side/signins.json", "testdata/side/register-msp.csv")
	named := query1[int64](t, db, "select count(*) from register_entries where tenant_name is not null")
	if named == 0 {
		t.Fatal("fixture: no register line names its tenant")
	}
	if n := query1[int64](t, db, "select count(*) from register_entries where tenant_name is not null and tenant_id <> 'unknown'"); n != 0 {
		t.Errorf("%d of %d lines naming their tenant were given the run's tenant", n, named)
	}
}
