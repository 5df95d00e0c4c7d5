package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "update golden files")

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"mfagap"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestReportEndToEnd(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "r.html")
	jsonPath := filepath.Join(dir, "f.json")
	// Flags after the path, as users type them.
	code, stdout, stderr := runCLI(t, "report", "../../testdata/exports", "-o", html, "--json", jsonPath)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	got, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.findings.golden.json")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("findings JSON differs from %s (run go test ./cmd/mfagap -update and review the diff)", golden)
	}
	var r struct {
		Checks []struct {
			ID       string
			Status   string
			Findings []struct{ Subject string }
		}
	}
	if err := json.Unmarshal(got, &r); err != nil {
		t.Fatal(err)
	}
	subjects := map[string][]string{}
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			subjects[c.ID] = append(subjects[c.ID], f.Subject)
		}
	}
	if s := strings.Join(subjects["legacy-auth-success"], ","); s != "mallory@contoso.com,scanner@contoso.com,svc-backup@contoso.com" {
		t.Errorf("legacy-auth-success subjects %s", s)
	}
	// bob's failed IMAP attempt and alice's blocked ActiveSync are not successes.
	for _, s := range subjects["legacy-auth-success"] {
		if s == "bob@contoso.com" || s == "alice@contoso.com" {
			t.Errorf("%s must not be a legacy-auth-success finding", s)
		}
	}
	// alice performs MFA; her non-interactive refresh ("Previously satisfied") is not counted.
	for _, s := range subjects["single-factor-success"] {
		if s == "alice@contoso.com" {
			t.Error("alice must not be a single-factor-success finding")
		}
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>alert(1)", "<img src=x", `<script src`} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("HTML report contains %q", bad)
		}
	}
	if !bytes.Contains(page, []byte("single-factor-success")) || !bytes.Contains(page, []byte("legacy-auth-success")) {
		t.Error("HTML report lacks a check")
	}
}

func TestDeterministicJSON(t *testing.T) {
	_, a, _ := runCLI(t, "analyze", "--json", "-", "../../testdata/exports")
	entries, err := os.ReadDir("../../testdata/exports/contoso")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"analyze", "--json", "-"}
	for i := len(entries) - 1; i >= 0; i-- { // reverse order, listed one by one
		args = append(args, "../../testdata/exports/contoso/"+entries[i].Name())
	}
	_, b, _ := runCLI(t, args...)
	if a == "" || a != b {
		t.Errorf("findings JSON differs between a folder and the same files listed in another order")
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "notes.txt")
	os.WriteFile(junk, []byte("nothing to see"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no input", []string{"report"}, 2, "no input"},
		{"missing file", []string{"analyze", filepath.Join(dir, "nope.json")}, 2, "nope.json"},
		{"unknown format", []string{"analyze", junk}, 2, "unknown format"},
		{"bad --set", []string{"analyze", "--set", "nonsense", "../../testdata/exports"}, 2, "expected name=value"},
		{"unknown parameter", []string{"analyze", "--set", "no.such=1", "../../testdata/exports"}, 2, "no check has a parameter"},
		{"fail-on met", []string{"analyze", "--fail-on", "high", "../../testdata/exports"}, 1, "findings at severity high"},
		{"fail-on not met", []string{"analyze", "--check", "legacy-auth-attempt", "--fail-on", "high", "../../testdata/exports"}, 0, ""},
		{"checks", []string{"checks"}, 0, ""},
		{"version", []string{"version"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}

func TestAsOfWindow(t *testing.T) {
	_, out, _ := runCLI(t, "analyze", "--json", "-", "--as-of", "2025-03-05T00:00:00Z", "../../testdata/exports")
	var r struct {
		AsOf   string `json:"as_of"`
		Checks []struct {
			ID       string
			Findings []struct{ Subject string }
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.AsOf != "2025-03-05T00:00:00Z" {
		t.Errorf("as_of %s", r.AsOf)
	}
	for _, c := range r.Checks {
		if c.ID == "legacy-auth-success" && len(c.Findings) != 0 {
			t.Errorf("legacy sign-ins after --as-of were counted: %v", c.Findings)
		}
	}
}

func TestFlagsFirst(t *testing.T) {
	app := newApp(nil, nil)
	got := strings.Join(flagsFirst(app, []string{"mfagap", "report", "a", "-o", "x.html", "b", "--quiet", "--json=-", "c"}), " ")
	want := "mfagap report -o x.html --quiet --json=- -- a b c"
	if got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestIngestExplain(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("nothing to see"), 0o644)
	code, out, stderr := runCLI(t, "ingest", "--explain", "../../testdata/exports", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"InteractiveSignIns_2025-03-01_2025-03-08.csv", "portal-csv", "Entra portal sign-in download",
		"exception-register.csv", "register-csv",
		"notes.txt", "unknown format",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain output lacks %q:\n%s", want, out)
		}
	}
	// Explain loads nothing, so it never reports rows.
	if strings.Contains(out, "LOADED") {
		t.Error("--explain printed load counts")
	}
}

// TestParquetRoundTrip: ingest --parquet, then analyze the folder, gives
// the same findings JSON, byte for byte, as analysing the exports (issue 5).
func TestParquetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "history")
	if code, _, stderr := runCLI(t, "ingest", "--quiet", "--parquet", pq, "../../testdata/exports"); code != 0 {
		t.Fatalf("ingest --parquet: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"mfagap-parquet.json", "sources.parquet", "signin_auth_steps.parquet"} {
		if _, err := os.Stat(filepath.Join(pq, want)); err != nil {
			t.Errorf("missing %s: %v", want, err)
		}
	}
	parts, _ := filepath.Glob(filepath.Join(pq, "signins", "tenant_id=*", "day=*", "*.parquet"))
	if len(parts) == 0 {
		t.Fatal("signins not partitioned by tenant_id and day")
	}
	direct, fromParquet := filepath.Join(dir, "direct.json"), filepath.Join(dir, "parquet.json")
	if code, _, stderr := runCLI(t, "analyze", "--quiet", "--json", direct, "../../testdata/exports"); code != 0 {
		t.Fatalf("analyze exports: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "analyze", "--quiet", "--json", fromParquet, pq); code != 0 {
		t.Fatalf("analyze parquet: exit %d: %s", code, stderr)
	}
	a, _ := os.ReadFile(direct)
	b, _ := os.ReadFile(fromParquet)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("findings differ: exports %d bytes, parquet %d bytes", len(a), len(b))
	}
	// Writing again into the same folder replaces it; a foreign folder is refused.
	if code, _, stderr := runCLI(t, "ingest", "--quiet", "--parquet", pq, "../../testdata/exports"); code != 0 {
		t.Errorf("rewrite: exit %d: %s", code, stderr)
	}
	// Refused before the load: nothing was read (no table of inputs).
	code, stdout, stderr := runCLI(t, "ingest", "--quiet", "--parquet", "../../testdata", "../../testdata/exports")
	if code != exitUsage || !strings.Contains(stderr, "is not empty and holds no mfagap-parquet.json") || strings.Contains(stdout, "PATH") {
		t.Errorf("writing into a non-empty foreign folder: exit %d, want %d; stdout %q, stderr %q", code, exitUsage, stdout, stderr)
	}
}
