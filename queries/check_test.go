package queries_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mfagap/mfagap/queries"
)

// issue7IDs are the check ids of issue 7's catalog: fixed, never renamed.
var issue7IDs = []string{
	"legacy-auth-success", "legacy-auth-attempt", "ropc-signin", "single-factor-success",
	"privileged-single-factor", "risky-single-factor", "breakglass-signin", "breakglass-mfa-registered",
	"service-account-stale", "service-account-interactive", "shared-account-interactive",
	"exclusion-undocumented", "exclusion-observed-undocumented", "mfa-policy-gap", "register-expired",
	"register-incomplete", "register-exempt-solution", "register-unused", "mfa-unregistered-active",
	"unfamiliar-location-single-factor", "register-review-due", "password-spray", "mfa-fatigue",
}

var (
	getvariableRe = regexp.MustCompile(`getvariable\('([^']+)'\)`)
	kebab         = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// TestCheckMetadata validates every embedded check beyond what Parse does:
// ids, parameters and fixtures.
func TestCheckMetadata(t *testing.T) {
	checks, err := queries.Load(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) == 0 {
		t.Fatal("no checks embedded")
	}
	seen := map[string]bool{}
	for _, c := range checks {
		t.Run(c.ID, func(t *testing.T) {
			if seen[c.ID] {
				t.Errorf("id %q used twice", c.ID)
			}
			seen[c.ID] = true
			if !kebab.MatchString(c.ID) {
				t.Errorf("id %q is not kebab-case", c.ID)
			}
			if stem := strings.TrimSuffix(filepath.Base(c.Path), ".sql"); stem != c.ID {
				t.Errorf("id %q differs from file stem %q", c.ID, stem)
			}
			for field, v := range map[string]string{"title": c.Title, "severity": c.Severity, "description": c.Description,
				"risk": c.Risk, "remediation": c.Remediation, "false_positives": c.FalsePositives} {
				if strings.TrimSpace(v) == "" {
					t.Errorf("missing %s", field)
				}
			}
			if len(c.Title) > 80 || strings.HasPrefix(strings.ToLower(c.Title), "ensure") {
				t.Errorf("title %q: at most 80 characters and not \"Ensure…\"", c.Title)
			}
			if len(c.Risk) > 400 {
				t.Errorf("risk is %d characters, at most 400", len(c.Risk))
			}
			if queries.SeverityRank(c.Severity) < 0 {
				t.Errorf("severity %q unknown", c.Severity)
			}
			if c.Status != "" && !oneOf(c.Status, "stable", "test", "experimental", "deprecated") {
				t.Errorf("status %q unknown", c.Status)
			}
			if len(c.Sources) == 0 {
				t.Error("no sources")
			}
			for _, s := range c.Sources {
				for _, alt := range strings.Split(s, "|") {
					if !oneOf(alt, queries.Sources...) {
						t.Errorf("source %q not in %v", alt, queries.Sources)
					}
				}
			}
			if len(c.References) == 0 {
				t.Error("no references")
			}
			for _, r := range c.References {
				if !strings.HasPrefix(r, "https://") || strings.ContainsAny(r, " \t") {
					t.Errorf("reference %q is not an https URL", r)
				}
			}
			for _, m := range c.MITRE {
				if !regexp.MustCompile(`^T\d{4}(\.\d{3})?$`).MatchString(m) {
					t.Errorf("mitre %q is not a technique id", m)
				}
			}
			used := map[string]bool{}
			for _, m := range getvariableRe.FindAllStringSubmatch(c.SQL, -1) {
				used[m[1]] = true
			}
			for p := range c.Params {
				if !used[p] {
					t.Errorf("param %s is declared but the SQL never reads getvariable('%s')", p, p)
				}
			}
			for v := range used {
				if _, ok := c.Params[v]; !ok && v != "as_of" {
					t.Errorf("getvariable('%s') is not declared in params", v)
				}
			}
			if !strings.Contains(strings.ToLower(c.SQL), "order by") {
				t.Error("no order by: rows must be deterministic")
			}
			checkFixtures(t, c.ID)
		})
	}
}

// TestCatalogComplete fails while an id of issue 7 has no check file.
func TestCatalogComplete(t *testing.T) {
	checks, err := queries.Load(queries.FS)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range checks {
		have[c.ID] = true
	}
	var missing []string
	for _, id := range issue7IDs {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("checks of issue 7 without a file: %v", missing)
	}
}

// checkFixtures requires a positive case (non-empty golden) and a negative
// one (golden []) and that every reason is a sentence ending with a period.
func checkFixtures(t *testing.T, id string) {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("testdata", id, "*", "want.golden.json"))
	var positive, negative int
	for _, g := range dirs {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var findings []struct {
			Subject string `json:"subject"`
			Reason  string `json:"reason"`
		}
		if err := json.Unmarshal(b, &findings); err != nil {
			t.Errorf("%s: %v", g, err)
			continue
		}
		if len(findings) == 0 {
			negative++
		} else {
			positive++
		}
		for _, f := range findings {
			if !strings.HasSuffix(f.Reason, ".") || f.Reason == "." {
				t.Errorf("%s: reason %q for %s does not end with a period", g, f.Reason, f.Subject)
			}
			if f.Subject == "" {
				t.Errorf("%s: empty subject", g)
			}
		}
	}
	if positive == 0 || negative == 0 {
		t.Errorf("testdata/%s needs a positive case (non-empty golden) and a negative one (golden []); has %d and %d", id, positive, negative)
	}
}

func TestLoadRejectsMalformedCheck(t *testing.T) {
	good := "-- id: x-y\n-- title: Something happened\n-- severity: high\n-- sources: interactive\n" +
		"-- description: d.\n-- risk: r.\n-- remediation: m.\n-- false_positives: none known\n" +
		"-- references: https://learn.microsoft.com/entra/\nselect 1 order by 1;\n"
	tests := []struct {
		name, file, sql, wantErr string
	}{
		{"id differs from stem", "checks/other.sql", good, `id "x-y" differs from the file stem "other"`},
		{"unknown severity", "checks/x-y.sql", strings.Replace(good, "severity: high", "severity: severe", 1), `severity "severe"`},
		{"missing risk", "checks/x-y.sql", strings.Replace(good, "-- risk: r.\n", "", 1), "missing risk"},
		{"unknown source", "checks/x-y.sql", strings.Replace(good, "sources: interactive", "sources: interactive, tea_leaves", 1), `source "tea_leaves"`},
		{"reference not a URL", "checks/x-y.sql", strings.Replace(good, "https://learn.microsoft.com/entra/", "see the wiki", 1), "is not an https URL"},
		{"title says Ensure", "checks/x-y.sql", strings.Replace(good, "Something happened", "Ensure MFA", 1), `"Ensure"`},
		{"param without default", "checks/x-y.sql", strings.Replace(good, "select 1", "-- params: spray.min_users\nselect 1", 1), "not name=default"},
		{"duplicate key", "checks/x-y.sql", strings.Replace(good, "-- risk: r.\n", "-- risk: r.\n-- risk: again.\n", 1), `"risk" given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{tt.file: {Data: []byte(tt.sql)}}
			_, err := queries.Load(fsys)
			if err == nil {
				t.Fatalf("Load accepted a malformed check")
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q should name %s and say %q", err, tt.file, tt.wantErr)
			}
		})
	}
	t.Run("well-formed check loads", func(t *testing.T) {
		sql := strings.Replace(good, "select 1", "-- params: risk.levels=medium,high, spray.min_users=5,\n--   location.trusted_countries=\nselect 1", 1)
		cs, err := queries.Load(fstest.MapFS{"checks/x-y.sql": {Data: []byte(sql)}})
		if err != nil || len(cs) != 1 {
			t.Fatalf("the well-formed check should load: %v", err)
		}
		want := map[string]string{"risk.levels": "medium,high", "spray.min_users": "5", "location.trusted_countries": ""}
		if !reflect.DeepEqual(cs[0].Params, want) {
			t.Errorf("params %v, want %v", cs[0].Params, want)
		}
	})
}

func oneOf(s string, set ...string) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}
