package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
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
		out[i] = editDiagRecord(t, out[i], fn)
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

	// The fast path reads the steps and policies typed (steps_typed,
	// policies_text): rules that are objects, numbers or not JSON read as
	// their text and give what the careful path gives; steps or policies of
	// another JSON type fail the typed read, and the fast path reads the file
	// again with them as JSON.
	oddRules := file("oddrules", strings.Join(edit(lines, 11, func(_, p map[string]any) {
		pols := p["appliedConditionalAccessPolicies"].([]any)
		pol := pols[0].(map[string]any)
		pol["includeRulesSatisfied"] = []any{map[string]any{"conditionalAccessCondition": "users", "ruleSatisfied": "allUsers"}, 5, "not json", nil}
		pol["excludeRulesSatisfied"] = nil
		pol["enforcedGrantControls"] = []any{}
		p["authenticationDetails"] = []any{}
	}), "\n"))
	// Many distinct rule texts (100; graph.sql once looked up the 64 most
	// repeated in a map): every rule reads as it would alone.
	manyRules, edited := lines, 0
	for i := 0; i < len(lines) && edited < 100; i++ {
		manyRules = edit(manyRules, i, func(_, p map[string]any) {
			if pols, _ := p["appliedConditionalAccessPolicies"].([]any); len(pols) > 0 {
				pol := pols[0].(map[string]any)
				pol["includeRulesSatisfied"] = []any{fmt.Sprintf(`{"conditionalAccessCondition":"c%d","ruleSatisfied":"r%d"}`, edited%80, edited)}
				pol["excludeRulesSatisfied"] = []any{`{"ruleSatisfied":"z"}`, "not json", nil}
				edited++
			}
		})
	}
	many := file("manyrules", strings.Join(manyRules, "\n"))
	// More distinct steps than graph.sql's step_flag_map holds (64), with
	// empty (NULL) members: a sign-in's verdict (single-factor, no details of
	// its own) comes from its step alone, in the map or not.
	manySteps := lines
	for i := range 100 {
		manySteps = edit(manySteps, i, func(_, p map[string]any) {
			p["authenticationDetails"] = []any{variedStep(i)}
			p["authenticationRequirement"] = "singleFactorAuthentication"
			p["status"] = map[string]any{"errorCode": 0}
		})
	}
	steps := file("manysteps", strings.Join(manySteps, "\n"))
	stepsText := file("stepstext", strings.Join(edit(lines, 13, func(_, p map[string]any) { p["authenticationDetails"] = "none" }), "\n"))
	policiesObject := file("policiesobject", strings.Join(edit(lines, 15, func(_, p map[string]any) {
		p["appliedConditionalAccessPolicies"] = map[string]any{"id": "x"}
	}), "\n"))

	for _, tc := range []struct {
		name, path string
		fast       bool // the fast path takes the whole file
	}{
		{"clean", clean, true}, {"crlf, blank line, no createdDateTime", crlf, true}, {"bom", bom, false},
		{"another category", other, false}, {"properties as a string", stringProps, false}, {"no time at all", noTime, false},
		{"rules as objects, numbers, not JSON", oddRules, true}, {"steps as a string", stepsText, true},
		{"policies as an object", policiesObject, true}, {"100 distinct rules", many, true}, {"100 distinct steps", steps, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := int64(0)
			if tc.fast {
				want = 1
			}
			got := loadBothWays(t, &diagFast, &diagFastReads, want, tc.path)
			if !strings.Contains(got, "diagnostic-json|signins|") || strings.Count(got, "\n") < 1000 {
				t.Errorf("too little loaded to compare:\n%.500s", got)
			}
			if tc.path == many && (!strings.Contains(got, "'c79:r79'") || !strings.Contains(got, "[':z', ':', ':']")) {
				t.Errorf("the rules of the records edited are not in the load:\n%.500s", got)
			}
		})
	}
}

// CA rules come as objects (Graph) or as JSON strings holding the object (Log
// Analytics, diagnostic exports); the loader reads a source's rules as text
// when its first sign-ins have string rules (ca_rules_text), else typed, with
// a second reading as text for a sign-in whose rules are not objects. A file
// that mixes them, in either order, gives every rule as 'condition:rule'.
func TestPolicyRulesObjectsAndStrings(t *testing.T) {
	policy := func(id, rule string) string {
		return `{"id":"` + id + `","displayName":"CA ` + id + `","result":"success","enforcedGrantControls":["Mfa"],` +
			`"includeRulesSatisfied":[` + rule + `],"excludeRulesSatisfied":[]}`
	}
	object := `{"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}`
	text := `"{\"conditionalAccessCondition\":\"application\",\"ruleSatisfied\":\"allApps\"}"`
	rec := func(id, pols string) string {
		return `{"id":"` + id + `","createdDateTime":"2025-05-01T10:00:00Z","userPrincipalName":"a@contoso.com",` +
			`"resourceTenantId":"00000000-0000-4000-8000-00000000000a","status":{"errorCode":0},"appliedConditionalAccessPolicies":[` + pols + `]}`
	}
	// Past the 1000 sign-ins the loader looks at: read typed, then as text.
	var objects []string
	for i := range 1100 {
		objects = append(objects, rec(fmt.Sprintf("o%d", i), policy("p1", object)))
	}
	others := "," + policy("p3", `"not json"`) + "," + policy("p4", "5")
	stringsLater := strings.Join(objects, ",") + "," + rec("r2", policy("p2", text)+others)
	stringsFirst := rec("r1", policy("p2", text)+others) + "," + rec("r2", policy("p1", object))
	for _, tc := range []struct {
		name, body string
		textMode   bool
	}{{"strings after 1100 objects", stringsLater, false}, {"strings first", stringsFirst, true}} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := load(t, Options{}, write(t, t.TempDir(), "SignIns.json", "["+tc.body+"]"))
			got := strings.Join(queryStrings(t, db, `select distinct concat_ws(' ', policy_id, policy_name, result, enforced_grant_controls::varchar,
  include_rules_satisfied::varchar) from signin_ca_policies order by all`), "|")
			want := "p1 CA p1 success [Mfa] ['users:allUsers']|p2 CA p2 success [Mfa] ['application:allApps']|p3 CA p3 success [Mfa] [':']|p4 CA p4 success [Mfa] [':']"
			if got != want {
				t.Errorf("policies\n got %s\nwant %s", got, want)
			}
			if m := query1[bool](t, db, "select getvariable('ca_rules_text')"); m != tc.textMode {
				t.Errorf("ca_rules_text = %v, want %v", m, tc.textMode)
			}
		})
	}
}

// The typed columns of the diagnostic fast path (stepsType, policiesTextType)
// are the types the JSON readers make: mfagap_auth_steps and
// mfagap_policies_text (schema.sql), the latter the text-rule read of
// graph.sql's policy statement. graph.sql takes one or the other with
// coalesce, so a change to one side alone must fail here, not as a type
// error or a column that silently reads differently.
func TestTypedColumnsMatchJSONReads(t *testing.T) {
	db := memDB(t)
	if got := query1[string](t, db, `select typeof(mfagap_auth_steps('[]'::json))`); got != stepsType {
		t.Errorf("mfagap_auth_steps reads\n %s\nstepsType is\n %s", got, stepsType)
	}
	if !strings.Contains(graphSQL, "then mfagap_policies_text(j)") {
		t.Fatal("graph.sql: the text-rule read is not mfagap_policies_text(j)")
	}
	if got := query1[string](t, db, `select typeof(mfagap_policies_text('[]'::json))`); got != policiesTextType {
		t.Errorf("mfagap_policies_text makes\n %s\npoliciesTextType is\n %s", got, policiesTextType)
	}
	m := regexp.MustCompile(`from_json\(appliedConditionalAccessPolicies,\s*('[^']+')\)`).FindStringSubmatch(graphSQL)
	if m == nil {
		t.Fatal("graph.sql: no from_json(appliedConditionalAccessPolicies, '…') for the object-rule read")
	}
	if got := query1[string](t, db, `select typeof(from_json('[]'::json, `+m[1]+`))`); got != policiesTypedType {
		t.Errorf("graph.sql's object-rule read makes\n %s\npoliciesTypedType is\n %s", got, policiesTypedType)
	}
}
