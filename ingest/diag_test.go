package ingest

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// The diagnostic fast path (DuckDB reads the NDJSON envelopes itself) loads
// exactly what the careful path (each record rewritten in Go) loads: the same
// rows in every canonical table, the same accounting and rejects. Files it
// cannot take whole (another category, properties as a JSON string) fall
// back to the careful path and load the same as before.
func TestDiagnosticFastPath(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := gen.Write(&buf, "diag-ndjson", gen.Options{Rows: 400, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 300 {
		t.Fatalf("generator wrote %d records", len(lines))
	}
	// edit rewrites record i's JSON through fn.
	edit := func(ls []string, i int, fn func(rec, props map[string]any)) []string {
		out := append([]string(nil), ls...)
		var rec map[string]any
		if err := json.Unmarshal([]byte(out[i]), &rec); err != nil {
			t.Fatal(err)
		}
		fn(rec, rec["properties"].(map[string]any))
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
		return out
	}
	file := func(name, text string) string { return write(t, dir, filepath.Join(name, "PT1H.json"), text) }

	clean := file("clean", strings.Join(lines, "\n")+"\n")
	// CRLF line ends, a blank line, a record whose properties lack
	// createdDateTime and one where it is null (both take the envelope time).
	quirky := edit(edit(lines, 3, func(_, p map[string]any) { delete(p, "createdDateTime") }), 5,
		func(_, p map[string]any) { p["createdDateTime"] = nil })
	quirky = append(quirky[:10], append([]string{""}, quirky[10:]...)...)
	crlf := file("crlf", strings.Join(quirky, "\r\n")+"\r\n")
	bom := file("bom", "\uFEFF"+strings.Join(lines, "\n")) // DuckDB's NDJSON reader refuses a BOM
	other := file("other", strings.Join(edit(lines, 7, func(r, _ map[string]any) { r["category"] = "AuditLogs" }), "\n"))
	stringProps := file("string", strings.Join(edit(lines, 9, func(r, p map[string]any) {
		b, _ := json.Marshal(p)
		r["properties"] = string(b)
	}), "\n"))
	noTime := file("notime", strings.Join(edit(lines, 2, func(r, p map[string]any) {
		delete(p, "createdDateTime")
		delete(r, "time")
	}), "\n"))

	dump := func(t *testing.T, fast bool, path string) (string, int64) {
		t.Helper()
		old := diagFast
		diagFast = fast
		defer func() { diagFast = old }()
		before := diagFastReads.Load()
		db, _ := load(t, Options{TempDir: t.TempDir()}, path)
		var out []string
		for _, q := range []string{
			`select concat_ws('|', format, kind, tenant_id, rows_read, rows_loaded, rows_rejected, rows_duplicate, rows_ignored, first_event, last_event, note) from sources`,
			`select concat_ws('|', source_record, reason, raw) from rejected_rows order by all`,
			`select s::varchar from signins s order by source_record`,
			`select s::varchar from signin_auth_steps s order by all`,
			`select concat_ws('|', tenant_id, request_id, event_type, policy_id, policy_name, result, enforced_grant_controls::varchar,
  conditions_satisfied, conditions_not_satisfied, include_rules_satisfied::varchar, exclude_rules_satisfied::varchar, source_record)
from signin_ca_policies order by all`,
		} {
			out = append(out, queryStrings(t, db, q)...)
		}
		return strings.Join(out, "\n"), diagFastReads.Load() - before
	}
	for _, tc := range []struct {
		name, path string
		fast       bool // the fast path takes the whole file
	}{
		{"clean", clean, true}, {"crlf, blank line, no createdDateTime", crlf, true}, {"bom", bom, false},
		{"another category", other, false}, {"properties as a string", stringProps, false}, {"no time at all", noTime, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			careful, n := dump(t, false, tc.path)
			if n != 0 {
				t.Fatalf("the careful path used the fast one")
			}
			got, n := dump(t, true, tc.path)
			if (n == 1) != tc.fast {
				t.Errorf("fast path loaded %d files, want fast = %v", n, tc.fast)
			}
			if got != careful {
				a, b := strings.Split(careful, "\n"), strings.Split(got, "\n")
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Fatalf("row %d differs:\ncareful %s\nfast    %s", i, a[i], b[i])
					}
				}
				t.Fatalf("careful %d rows, fast %d", len(a), len(b))
			}
			if !strings.Contains(careful, "diagnostic-json|signins|") || strings.Count(careful, "\n") < 1000 {
				t.Errorf("too little loaded to compare:\n%.500s", careful)
			}
		})
	}
}
