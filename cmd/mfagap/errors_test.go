package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/analyze"
)

// TestInputErrorsActionable gives the CLI inputs a user can get wrong. Each
// gets one line on stderr naming the file and what to do; the exit code is 2
// only when nothing usable was read (issue 6).
func TestInputErrorsActionable(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknown := put("notes.txt", []byte("meeting notes, not an export\n"))
	empty := put("empty.json", nil)
	blank := put("blank.csv", []byte("\n \r\n\t\n"))
	noRequestID := put("InteractiveSignIns_cut.csv", []byte("Date (UTC),Username,Sign-in error code,IP address\n2025-03-01T00:00:00Z,a@contoso.com,0,192.0.2.1\n"))
	locked := put("register.xlsx", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...))
	emptyDir := filepath.Join(dir, "empty-folder")
	os.MkdirAll(emptyDir, 0o755)
	missing := filepath.Join(dir, "no-such-file.json")
	good := "../../testdata/exports"

	tests := []struct {
		name string
		path string
		want string // in the line naming the path
	}{
		{"unknown format", unknown, "unknown format"},
		{"empty file", empty, "empty file: nothing to load; export it again"},
		{"blank file", blank, "empty file"},
		{"missing required column", noRequestID, `without the required column(s) "Request ID"; download it again`},
		{"password-protected xlsx", locked, "password-protected (encrypted) or an old .xls workbook; export it unprotected"},
		{"empty folder", emptyDir, "empty folder: no files to load"},
		{"missing file", missing, "no such file or directory"},
	}
	if os.Geteuid() != 0 { // root reads a chmod 000 file anyway
		unreadable := put("unreadable.json", []byte(`[{"id":"x"}]`))
		if err := os.Chmod(unreadable, 0); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct{ name, path, want string }{"unreadable file", unreadable, "cannot read: permission denied"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, withGood := range []bool{false, true} {
				args := []string{"ingest", tc.path}
				wantCode := 2
				if withGood {
					args, wantCode = append(args, good), 0
				}
				code, _, stderr := runCLI(t, args...)
				if code != wantCode {
					t.Errorf("with good input %v: exit %d, want %d\n%s", withGood, code, wantCode, stderr)
				}
				line := lineNaming(stderr, tc.path)
				if line == "" {
					t.Fatalf("no stderr line names %s:\n%s", tc.path, stderr)
				}
				if !strings.Contains(line, tc.want) {
					t.Errorf("message %q lacks %q", line, tc.want)
				}
				if !withGood && !strings.Contains(stderr, "nothing usable was read") {
					t.Errorf("stderr does not say nothing usable was read:\n%s", stderr)
				}
			}
		})
	}
}

// lineNaming returns the first line of s that names path.
func lineNaming(s, path string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, path) {
			return l
		}
	}
	return ""
}

// --fail-on fails on findings at the threshold, and also when a check at
// the threshold could not run: its silence proves nothing. A check below
// the threshold that failed, or one skipped for want of an input, does not
// fail it.
func TestGateCheckErrors(t *testing.T) {
	check := func(id, sev string, st analyze.Status, findings int) analyze.CheckResult {
		return analyze.CheckResult{ID: id, Severity: sev, Status: st, Findings: make([]analyze.Finding, findings)}
	}
	for _, tc := range []struct {
		name   string
		checks []analyze.CheckResult
		want   string // "" passes
	}{
		{"clean", []analyze.CheckResult{check("a", "high", analyze.StatusOK, 0), check("b", "low", analyze.StatusAlarm, 2)}, ""},
		{"finding", []analyze.CheckResult{check("a", "critical", analyze.StatusAlarm, 1)}, "1 findings at severity high or higher"},
		{"check failed at the threshold", []analyze.CheckResult{check("a", "high", analyze.StatusOK, 0), check("spray", "high", analyze.StatusError, 0)},
			"1 check at that severity could not run (spray)"},
		{"check failed below it", []analyze.CheckResult{check("a", "medium", analyze.StatusError, 0)}, ""},
		{"check skipped", []analyze.CheckResult{check("a", "critical", analyze.StatusSkip, 0)}, ""},
	} {
		err := gate("high", &analyze.Result{Checks: tc.checks})
		var fe findingsError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want a pass", tc.name, err)
		case tc.want != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want exit 1 saying %q", tc.name, err, tc.want)
		}
	}
	// A value the check could not use is refused before the load, as an
	// unknown name is.
	code, _, stderr := runCLI(t, "report", filepath.Join(t.TempDir(), "no-such-input"), "--set", "spray.min_users=abc")
	if code != exitUsage || !strings.Contains(stderr, "spray.min_users=abc: expected a whole number") || strings.Contains(stderr, "no-such-input") {
		t.Errorf("--set spray.min_users=abc: exit %d, stderr %q", code, stderr)
	}
}

// An --as-of outside the sign-ins' range by more than a day (a mistyped
// year, most often) is pointed out on stderr; within it, or a day off, it
// is not. The run goes on either way: an as-of of today over old logs can
// be meant (stale accounts, reviews due).
func TestAsOfWarning(t *testing.T) {
	for _, tc := range []struct {
		asOf, want string
	}{
		{"2020-01-01T00:00:00Z", "is before the first sign-in (2025-03-03T08:01:12Z)"},
		{"2026-01-01T00:00:00Z", "is 298 days after the last sign-in (2025-03-08T08:00:00Z)"},
		{"2025-03-08T08:00:00Z", ""},
		{"2025-03-02T12:00:00Z", ""},
	} {
		code, _, stderr := runCLI(t, "analyze", "--quiet", "--as-of", tc.asOf, "../../testdata/exports")
		if code != 0 {
			t.Fatalf("--as-of %s: exit %d: %s", tc.asOf, code, stderr)
		}
		if tc.want == "" && strings.Contains(stderr, "--as-of") || tc.want != "" && !strings.Contains(stderr, tc.want) {
			t.Errorf("--as-of %s: stderr %q, want %q", tc.asOf, stderr, tc.want)
		}
	}
}
