package reports

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfagap/mfagap/analyze"
)

var update = flag.Bool("update", false, "update golden files")

const (
	tenantA = "00000000-0000-4000-8000-00000000000a"
	tenantB = "00000000-0000-4000-8000-00000000000b"
)

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func at(h int) time.Time      { return t0.Add(time.Duration(h) * time.Hour) }
func atp(h int) *time.Time    { t := at(h); return &t }
func pinnedHTML() HTMLOptions { return HTMLOptions{GeneratedAt: at(100), Version: "v0.0.0-test"} }

// fixedResult is a small result with every check status, two tenants and a
// few days of metrics.
func fixedResult() *analyze.Result {
	return &analyze.Result{
		Schema: analyze.Schema,
		AsOf:   at(72),
		Window: analyze.Window{First: atp(0), Last: atp(72)},
		Inputs: []analyze.Input{
			{Path: "exports/b/signins.json", Format: "graph-json", Kind: "interactive", TenantID: tenantB, Read: 10, Loaded: 10, SHA256: strings.Repeat("b", 64), FirstEvent: atp(1), LastEvent: atp(70)},
			{Path: "exports/a/InteractiveSignIns.csv", Format: "csv-portal", Kind: "interactive", TenantID: tenantA, Read: 12, Loaded: 9, Rejected: 2, Duplicates: 1, SHA256: strings.Repeat("a", 64), FirstEvent: atp(0), LastEvent: atp(72), Note: "event type taken from the file name"},
		},
		Checks: []analyze.CheckResult{
			{ID: "password-spray", Title: "Password spray from a single IP address", Severity: "high", Status: analyze.StatusAlarm,
				Description: "One IP address failed as many users.", Risk: "One valid password is enough.", Remediation: "Block the address.", FalsePositives: "NAT gateways.",
				References: []string{"https://example.com/spray", "not a url"},
				Findings: []analyze.Finding{
					{TenantID: tenantA, Subject: "203.0.113.7", Reason: "203.0.113.7 failed as 14 users in 20 minutes.", Events: 31, FirstSeen: at(2), LastSeen: at(3),
						Details: map[string]any{"users": 14, "error_codes": []any{"50126", "50053"}, "country": "NL", "b": true, "a": 1.5}},
				}},
			{ID: "legacy-auth-success", Title: "Successful sign-in over legacy authentication", Severity: "medium", Status: analyze.StatusAlarm,
				Findings: []analyze.Finding{
					{TenantID: tenantB, Subject: "adele@contoso.com", Reason: "adele@contoso.com signed in over IMAP4.", Events: 2, FirstSeen: at(5), LastSeen: at(6)},
				}},
			{ID: "ca-report-only", Title: "Conditional Access policy in report-only mode", Severity: "low", Status: analyze.StatusOK},
			{ID: "privileged-no-mfa", Title: "Privileged user signed in without MFA", Severity: "critical", Status: analyze.StatusSkip, SkipReason: "needs users, none given"},
			{ID: "impossible-travel", Title: "Sign-ins from distant countries within an hour", Severity: "medium", Status: analyze.StatusError, Error: "Binder Error: column not found"},
		},
		Metrics: analyze.Metrics{Daily: []analyze.DayMetric{
			{TenantID: tenantA, Day: "2025-03-02", SignIns: 40, Failures: 4, InteractiveSuccess: 10, InteractiveSuccessMFA: 9},
			{TenantID: tenantA, Day: "2025-03-01", SignIns: 50, Failures: 5, InteractiveSuccess: 20, InteractiveSuccessMFA: 15},
			{TenantID: tenantB, Day: "2025-03-01", SignIns: 5, Failures: 0, InteractiveSuccess: 0, InteractiveSuccessMFA: 0},
		}},
	}
}

// Hostile strings an attacker can plant in user agents, app and display
// names or file names.
const (
	xssScript  = "<script>alert(1)</script>"
	xssImg     = `"><img src=x onerror=alert(1)>`
	xssBreak   = "</script><script>alert(1)</script>"
	xssComment = "--><!--"
	xssJSURL   = "javascript:alert(1)"
)

// hostileResult puts hostile strings into every log-derived field.
func hostileResult() *analyze.Result {
	r := fixedResult()
	r.Inputs[0].Path = "exports/" + xssScript + ".csv"
	r.Inputs[0].Note = xssComment
	r.Inputs[1].Format = xssImg
	r.Checks[0].References = []string{xssJSURL, "JaVaScRiPt:alert(2)", "data:text/html,<b>x</b>"}
	r.Checks[0].Findings = append(r.Checks[0].Findings,
		analyze.Finding{TenantID: xssBreak, Subject: xssScript, Reason: xssImg, Events: 1, FirstSeen: at(1), LastSeen: at(1),
			Details: map[string]any{"user_agent": xssBreak, xssImg: []any{xssJSURL, xssComment}}})
	// Check ids come from our own metadata, but they also label chart data:
	// make sure even they cannot end the <script> element.
	r.Checks[1].ID = xssBreak
	r.Metrics.Daily[0].Day = xssBreak
	return r
}

// checkGolden compares got with the golden file, or rewrites it with -update.
// On mismatch it reports the first differing line with context.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./reports -update): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from output (go test ./reports -update to accept):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing line of want and got with two lines of
// context, enough to see what changed without printing two blobs.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	for j := max(0, i-2); j < i; j++ {
		fmt.Fprintf(&b, "  %s\n", w[j])
	}
	for j := i; j < min(len(w), i+3); j++ {
		fmt.Fprintf(&b, "- %s\n", w[j])
	}
	for j := i; j < min(len(g), i+3); j++ {
		fmt.Fprintf(&b, "+ %s\n", g[j])
	}
	fmt.Fprintf(&b, "(first difference at line %d; want %d lines, got %d)", i+1, len(w), len(g))
	return b.String()
}
