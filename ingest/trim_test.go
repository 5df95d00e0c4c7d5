package ingest

import "testing"

// TestTrimMatchesDuckDB pins mfagap_trim, the cheap trim of the load
// statements, to DuckDB's own trim: every code point at either end, alone,
// doubled and around text, plus empty, NULL and inner spaces.
func TestTrimMatchesDuckDB(t *testing.T) {
	db := memDB(t)
	var checked, differ int
	var first string
	err := db.QueryRow(`
with cp as (
  select chr(c::integer) as ch from range(1, 1114112) r(c)
  where c not between 55296 and 57343),
s as (
  select ch || 'a b' || ch as v from cp union all
  select ch || 'é' from cp union all
  select 'x' || ch from cp union all
  select ch from cp union all
  select ch || ch || 'id-42' from cp union all
  select v from (values (''), (null), ('  '), ('a  b'), (' x'), ('x '), (chr(160) || 'x'), ('x' || chr(12288))) t(v))
select count(*), count(*) filter (where mfagap_trim(v) is distinct from trim(v)),
       coalesce(min(v) filter (where mfagap_trim(v) is distinct from trim(v)), '')
from s`).Scan(&checked, &differ, &first)
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5_000_000 || differ != 0 {
		t.Fatalf("mfagap_trim differs from trim on %d of %d texts (first %q)", differ, checked, first)
	}
	// The ASCII path really is the one taken: text with a space at an end is trimmed.
	if got := query1[string](t, db, "select mfagap_trim(?)", "  Alice@Contoso.com \u00a0"); got != "Alice@Contoso.com" {
		t.Fatalf("mfagap_trim kept the spaces: %q", got)
	}
}
