package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// graph.sql's lookup maps (step_flag_map, ca_rule_map) only save work: a
// load with them gives every row a load without them gives, for the steps
// and rules the maps hold and for those past them (more distinct inputs
// than the 64 they keep, empty members). Rules come as JSON strings in the
// diagnostic records (read typed) and in a Log Analytics export's policy
// JSON (read by the generic policy statement); steps typed in the former.
func TestLookupMaps(t *testing.T) {
	dir := t.TempDir()
	generate := func(format string) []string {
		var buf bytes.Buffer
		if err := gen.Write(&buf, format, gen.Options{Rows: 400, Seed: 5}); err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(buf.String()), "\n")
	}
	// rules gives the i-th edited policy's rules as JSON strings: 100
	// distinct ones among repeated ones, one that is not JSON, one NULL.
	rules := func(i int) (include, exclude []any) {
		return []any{fmt.Sprintf(`{"conditionalAccessCondition":"c%d","ruleSatisfied":"r%d"}`, i%80, i),
				`{"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}`},
			[]any{`{"ruleSatisfied":"z"}`, "not json", nil}
	}
	editPolicies := func(pols []any, i int) {
		for _, p := range pols {
			pol := p.(map[string]any)
			pol["includeRulesSatisfied"], pol["excludeRulesSatisfied"] = rules(i)
		}
	}

	diag := generate("diag-ndjson")
	for i := range 100 {
		var rec map[string]any
		if err := json.Unmarshal([]byte(diag[i]), &rec); err != nil {
			t.Fatal(err)
		}
		p := rec["properties"].(map[string]any)
		pols, _ := p["appliedConditionalAccessPolicies"].([]any)
		editPolicies(pols, i)
		p["authenticationDetails"] = []any{variedStep(i)}
		p["authenticationRequirement"] = "singleFactorAuthentication"
		p["status"] = map[string]any{"errorCode": 0}
		b, _ := json.Marshal(rec)
		diag[i] = string(b)
	}
	la := generate("la-json")
	for i := range la {
		var rec map[string]any
		if err := json.Unmarshal([]byte(la[i]), &rec); err != nil {
			t.Fatal(err)
		}
		var pols []any
		if err := json.Unmarshal([]byte(rec["ConditionalAccessPolicies"].(string)), &pols); err != nil {
			t.Fatal(err)
		}
		for _, p := range pols { // every rule a JSON string, as Log Analytics may write them
			pol := p.(map[string]any)
			for _, k := range []string{"includeRulesSatisfied", "excludeRulesSatisfied"} {
				rs, _ := pol[k].([]any)
				for j, r := range rs {
					b, _ := json.Marshal(r)
					rs[j] = string(b)
				}
			}
		}
		if i < 100 {
			editPolicies(pols, i)
		}
		b, _ := json.Marshal(pols)
		rec["ConditionalAccessPolicies"] = string(b)
		b, _ = json.Marshal(rec)
		la[i] = string(b)
	}

	for _, tc := range []struct{ name, path, maps string }{
		{"diagnostic", write(t, dir, filepath.Join("diag", "PT1H.json"), strings.Join(diag, "\n")+"\n"), "step_flag_map ca_rule_map"},
		{"log analytics", write(t, dir, filepath.Join("la", "SigninLogs.json"), strings.Join(la, "\n")+"\n"), "ca_rule_map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(on bool) string {
				defer func(old bool) { lookupMaps = old }(lookupMaps)
				lookupMaps = on
				db, _ := load(t, Options{TempDir: t.TempDir()}, tc.path)
				for _, m := range strings.Fields(tc.maps) {
					var n int
					if err := db.QueryRow("select coalesce(cardinality(getvariable('" + m + "')), 0)").Scan(&n); err != nil {
						t.Fatal(err)
					}
					if (n > 0) != on || n > 64 {
						t.Errorf("maps on %t: %s holds %d entries", on, m, n)
					}
				}
				return dumpLoaded(t, db)
			}
			off := run(false)
			got := run(true)
			sameLoad(t, off, got)
			if !strings.Contains(got, "'c79:r79'") || !strings.Contains(got, "[':z', ':', ':']") || !strings.Contains(got, "users:allUsers") {
				t.Errorf("the rules of the records edited are not in the load:\n%.500s", got)
			}
		})
	}
}

// variedStep is the i-th of 100 authentication steps (Graph members) with
// more distinct sets of verdict inputs than step_flag_map holds, some
// members empty or NULL, some verdicts from the result text alone.
func variedStep(i int) map[string]any {
	return map[string]any{
		"authenticationMethod":           []any{"Password", "Previously satisfied", "Mobile app notification", nil, ""}[i%5],
		"authenticationStepRequirement":  []any{"Primary authentication", "Multifactor authentication", nil}[i%3],
		"authenticationStepResultDetail": []any{fmt.Sprintf("detail %d", i%40), "MFA completed in Azure AD", "MFA requirement satisfied by claim in the token", nil}[i%4],
		"succeeded":                      []any{true, false, nil}[(i/5)%3],
	}
}
