package ingest

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// graph.sql's lookup map (step_flag_map) only saves work: a load with it
// gives every row a load without it gives, for the steps the map holds and
// for those past them (more distinct inputs than the 64 it keeps). The
// diagnostic records' steps are read typed, which is what the map is made
// from. Their rules (JSON strings, 100 distinct, empty members, rules that
// are not JSON) are read as they would be alone.
func TestLookupMaps(t *testing.T) {
	var buf bytes.Buffer
	if err := gen.Write(&buf, "diag-ndjson", gen.Options{Rows: 400, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// The first 100 records: one step each (variedStep) whose verdict is
	// the sign-in's (single-factor, no details of its own), and rules as
	// JSON strings, 100 distinct among repeated ones, one not JSON, one NULL.
	for i := range 100 {
		lines[i] = editDiagRecord(t, lines[i], func(_, p map[string]any) {
			pols, _ := p["appliedConditionalAccessPolicies"].([]any)
			for _, q := range pols {
				pol := q.(map[string]any)
				pol["includeRulesSatisfied"] = []any{fmt.Sprintf(`{"conditionalAccessCondition":"c%d","ruleSatisfied":"r%d"}`, i%80, i),
					`{"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}`}
				pol["excludeRulesSatisfied"] = []any{`{"ruleSatisfied":"z"}`, "not json", nil}
			}
			p["authenticationDetails"] = []any{variedStep(i)}
			p["authenticationRequirement"] = "singleFactorAuthentication"
			p["status"] = map[string]any{"errorCode": 0}
		})
	}
	path := write(t, t.TempDir(), filepath.Join("diag", "PT1H.json"), strings.Join(lines, "\n")+"\n")
	run := func(on bool) string {
		defer func(old bool) { lookupMaps = old }(lookupMaps)
		lookupMaps = on
		db, _ := load(t, Options{TempDir: t.TempDir()}, path)
		n := query1[int64](t, db, "select coalesce(cardinality(getvariable('step_flag_map')), 0)")
		if (n > 0) != on || n > 64 {
			t.Errorf("map on %t: step_flag_map holds %d entries", on, n)
		}
		return dumpLoaded(t, db)
	}
	off := run(false)
	got := run(true)
	sameLoad(t, off, got)
	if !strings.Contains(got, "'c79:r79'") || !strings.Contains(got, "[':z', ':', ':']") || !strings.Contains(got, "users:allUsers") {
		t.Errorf("the rules of the records edited are not in the load:\n%.500s", got)
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
