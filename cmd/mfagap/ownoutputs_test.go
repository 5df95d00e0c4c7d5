package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A consultant keeps the report, the findings and a Parquet history in the
// folder of the exports; the next run over that folder names each of
// mfagap's own files for what it is, reads none of them, and finds what the
// exports alone give.
func TestOwnOutputsInInputFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "engagement")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("../../testdata/exports/contoso")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join("../../testdata/exports/contoso", e.Name()), filepath.Join(dir, e.Name()))
	}
	first := filepath.Join(dir, "findings.json")
	if code, _, stderr := runCLI(t, "report", "-q", dir, "-o", filepath.Join(dir, "report.html"), "--json", first,
		"--csv", filepath.Join(dir, "findings.csv"), "--md", filepath.Join(dir, "report.md")); code != 0 {
		t.Fatalf("first report: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "ingest", "-q", "--parquet", filepath.Join(dir, "history"), dir); code != 0 {
		t.Fatalf("ingest --parquet: exit %d: %s", code, stderr)
	}
	copyFile(t, filepath.Join(dir, "history", "sources.parquet"), filepath.Join(dir, "sources.parquet"))
	os.WriteFile(filepath.Join(dir, "portal.html"), []byte("<!DOCTYPE html><html><body>Sign-in logs</body></html>"), 0o644)

	second := filepath.Join(t.TempDir(), "again.json")
	code, _, stderr := runCLI(t, "report", "-q", dir, "-o", filepath.Join(t.TempDir(), "r.html"), "--json", second)
	if code != 0 {
		t.Fatalf("second report: exit %d: %s", code, stderr)
	}
	for file, want := range map[string]string{
		"report.html":     "mfagap's own HTML report",
		"findings.json":   "mfagap's own findings JSON",
		"findings.csv":    "mfagap's own findings CSV",
		"report.md":       "mfagap's own Markdown report",
		"portal.html":     "an HTML page, not an export",
		"history":         "a Parquet folder mfagap wrote",
		"sources.parquet": "a Parquet file: mfagap reads Parquet only as a whole folder",
	} {
		if !strings.Contains(stderr, filepath.Join(dir, file)+": "+want) {
			t.Errorf("%s not named as %q:\n%s", file, want, stderr)
		}
	}
	if strings.Contains(stderr, filepath.Join(dir, "history")+string(filepath.Separator)) {
		t.Errorf("the Parquet folder's files were taken one by one:\n%s", stderr)
	}
	checks := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ Checks json.RawMessage }
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return string(r.Checks)
	}
	if a, b := checks(first), checks(second); a == "" || !bytes.Equal([]byte(a), []byte(b)) {
		t.Error("the checks' findings differ once mfagap's own files are in the folder")
	}
}

// A --temp-dir inside the input folder, not yet made: the run makes it,
// and its own working folders there (an expanded .gz) are not read as
// inputs.
func TestTempDirInsideInputs(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../testdata/exports/contoso/ca-policies.json")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(src)
	zw.Close()
	os.WriteFile(filepath.Join(dir, "ca-policies.json.gz"), gz.Bytes(), 0o644)
	copyFile(t, "../../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv", filepath.Join(dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv"))
	tmp := filepath.Join(dir, "scratch", "mfagap")
	code, stdout, stderr := runCLI(t, "ingest", "-q", dir, "--temp-dir", tmp)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "scratch") || strings.Count(stdout, "\n") != 3 {
		t.Errorf("the run's own temporary files were read as inputs:\n%s", stdout)
	}
	if st, err := os.Stat(tmp); err != nil || !st.IsDir() {
		t.Errorf("--temp-dir not made: %v", err)
	}
	file := filepath.Join(dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if code, _, stderr := runCLI(t, "ingest", "-q", dir, "--temp-dir", file); code != exitUsage || !strings.Contains(stderr, "is a file, not a folder") {
		t.Errorf("--temp-dir a file: exit %d, %s", code, stderr)
	}
}

// A sign-in export written at too small a -Depth is named on stderr with
// what to do, not only in the inputs table.
func TestShallowExportOnStderr(t *testing.T) {
	p := filepath.Join(t.TempDir(), "signins.json")
	os.WriteFile(p, []byte(`[{"id":"11111111-1111-1111-1111-000000000091","createdDateTime":"2025-03-05T10:00:00Z",`+
		`"userPrincipalName":"erin@contoso.com","appId":"a","status":{"errorCode":0},`+
		`"authenticationDetails":["Microsoft.Graph.PowerShell.Models.MicrosoftGraphAuthenticationDetail"]}]`), 0o644)
	code, _, stderr := runCLI(t, "ingest", "-q", p)
	want := p + ": warning: written by PowerShell's ConvertTo-Json with too small a -Depth: authenticationDetails[] in the first records holds a .NET type name"
	if code != 0 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "Export it again with ConvertTo-Json -Depth 10\n") {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
	}
}

// A folder that holds much besides exports (a Downloads folder): each file
// is named for what it is, the first ten on stderr and the rest counted,
// every one in the inputs table.
func TestManySkipped(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv", filepath.Join(dir, "InteractiveSignIns_2025-03-01_2025-03-08.csv"))
	for i := 0; i < 14; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("shot%02d.png", i)), []byte("\x89PNG\r\n\x1a\nrest"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "a-notes.md"), []byte("# notes\nCFO exempt until May\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a-register.xls"), []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), 0o644)
	jsonPath := filepath.Join(t.TempDir(), "f.json")
	code, _, stderr := runCLI(t, "report", "-q", dir, "-o", filepath.Join(t.TempDir(), "r.html"), "--json", jsonPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"a-notes.md: unknown format: not a CSV: its first line \"# notes\" has no delimiter",
		"a-register.xls: an Office 97-2003 document",
		"shot00.png: an image (PNG), not an export",
		"mfagap: and 6 more files skipped, each with its reason in the inputs table",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "mfagap: skipped "); n != 10 {
		t.Errorf("%d files named on stderr, want 10", n)
	}
	b, _ := os.ReadFile(jsonPath)
	if n := strings.Count(string(b), `"kind": "skipped"`); n != 16 {
		t.Errorf("%d skipped inputs in the findings JSON, want 16", n)
	}
}
