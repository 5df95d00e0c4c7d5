package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHostileInputRendersInert loads sign-ins and a register whose every
// free-text field carries script, event-handler, formula, SQL, Markdown and
// terminal-escape payloads, plus files that are broken in hostile ways, and
// checks every output: the payloads are data, never markup, formulas or
// escapes, and every file is loaded or reported.
func TestHostileInputRendersInert(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../../testdata/hostile/hostile-signins.json", filepath.Join(dir, "hostile-signins.json"))
	copyFile(t, "../../testdata/hostile/hostile-register.csv", filepath.Join(dir, "hostile-register.csv"))
	// A file name that is SQL, and one that is markup.
	copyFile(t, "../../testdata/hostile/hostile-signins.json", filepath.Join(dir, "x'); drop table signins; --.json"))
	copyFile(t, "../../testdata/hostile/hostile-signins.json", filepath.Join(dir, "<img src=x onerror=alert(9)>.json"))
	// Invalid UTF-8 and NUL bytes inside records, a 1 MB line, deep nesting, 100 000 columns.
	write := func(name string, b []byte) { os.WriteFile(filepath.Join(dir, name), b, 0o644) }
	write("invalid-utf8.json", []byte("[{\"id\":\"u1\",\"createdDateTime\":\"2025-06-02T10:00:00Z\",\"userPrincipalName\":\"bad\xff\xfe@contoso.com\",\"status\":{\"errorCode\":0},\"clientAppUsed\":\"POP3\"},\n{\"id\":\"u2\",\"createdDateTime\":\"2025-06-02T10:00:00Z\",\"userPrincipalName\":\"nul\x00@contoso.com\",\"status\":{\"errorCode\":0}}]"))
	write("long-line.json", []byte(`[{"id":"l1","createdDateTime":"2025-06-02T11:00:00Z","userPrincipalName":"long@contoso.com","status":{"errorCode":0},"userAgent":"`+strings.Repeat("A", 1<<20)+`"}]`))
	write("deep.json", []byte(`[{"id":"d1","createdDateTime":"2025-06-02T12:00:00Z","userPrincipalName":"deep@contoso.com","status":{"errorCode":0},"x":`+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+`}]`))
	cols := make([]string, 100000)
	for i := range cols {
		cols[i] = "c" + strings.Repeat("x", i%7)
	}
	write("wide.csv", []byte(strings.Join(cols, ",")+"\n"+strings.Repeat("1,", 99999)+"1\n"))

	out := t.TempDir()
	html, js, cs, md := filepath.Join(out, "r.html"), filepath.Join(out, "f.json"), filepath.Join(out, "f.csv"), filepath.Join(out, "r.md")
	code, stdout, stderr := runCLI(t, "report", dir, "-o", html, "--json", js, "--csv", cs, "--md", md)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}

	// Terminal: no escape sequences or other control characters from the data.
	for _, s := range []string{stdout, stderr} {
		if strings.ContainsAny(s, "\x1b\x07\r\x00") {
			t.Errorf("terminal output carries control characters: %q", s)
		}
	}

	// Every file is accounted for: loaded, rejected with a reason, or skipped with one.
	var r struct {
		Inputs []struct {
			Path                                        string
			Kind                                        string
			Read, Loaded, Rejected, Duplicates, Ignored int64
			Note                                        string
		}
		Checks []struct {
			ID       string
			Findings []struct{ Subject string }
		}
	}
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	mustLoad := map[string]bool{"invalid-utf8.json": true, "long-line.json": true, "deep.json": true, "hostile-register.csv": true}
	for _, in := range r.Inputs {
		seen[filepath.Base(in.Path)] = true
		if mustLoad[filepath.Base(in.Path)] && in.Loaded == 0 {
			t.Errorf("%s loaded nothing: %+v", in.Path, in)
		}
		if in.Kind == "skipped" {
			if in.Note == "" {
				t.Errorf("%s skipped without a reason", in.Path)
			}
			continue
		}
		if in.Read != in.Loaded+in.Rejected+in.Duplicates+in.Ignored {
			t.Errorf("%s: rows do not add up: %+v", in.Path, in)
		}
	}
	for _, name := range []string{"hostile-signins.json", "hostile-register.csv", "x'); drop table signins; --.json",
		"<img src=x onerror=alert(9)>.json", "invalid-utf8.json", "long-line.json", "deep.json", "wide.csv"} {
		if !seen[name] {
			t.Errorf("%s is missing from the inputs", name)
		}
	}
	// The SQL in names and fields did not run: the sign-ins are still there.
	legacy := 0
	for _, c := range r.Checks {
		if c.ID == "legacy-auth-success" {
			legacy = len(c.Findings)
		}
	}
	if legacy == 0 {
		t.Error("no legacy-auth-success findings: the hostile sign-ins did not load")
	}

	// HTML: the payloads appear only escaped; the page has only our own scripts.
	page, _ := os.ReadFile(html)
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "<b>x</b>", `href="javascript:`, "\x1b"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	clean := filepath.Join(out, "clean.html")
	runCLI(t, "report", "../../testdata/exports", "-o", clean)
	cleanPage, _ := os.ReadFile(clean)
	tags := regexp.MustCompile(`(?i)<script\b`)
	if a, b := len(tags.FindAll(page, -1)), len(tags.FindAll(cleanPage, -1)); a != b {
		t.Errorf("hostile report has %d <script> tags, a clean one %d", a, b)
	}

	// CSV: no cell can start a formula.
	f, _ := os.Open(cs)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell starts a formula: %q", cell)
			}
		}
	}

	// Markdown: no raw HTML and no table broken by a pipe or newline in the data.
	mdText, _ := os.ReadFile(md)
	for _, bad := range []string{"<script", "<img", "<svg", "\x1b"} {
		if bytes.Contains(mdText, []byte(bad)) {
			t.Errorf("Markdown contains %q", bad)
		}
	}
	if m := regexp.MustCompile(`[^\\]\]\(javascript:`).Find(mdText); m != nil {
		t.Errorf("Markdown has a live javascript: link: %q", m)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
