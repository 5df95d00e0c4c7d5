package main

import (
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

const hostileDir = "../../testdata/hostile"

// hostileInputs returns testdata/hostile plus a folder made here with what
// cannot be committed portably: a file whose name holds markup and an ANSI
// escape.
func hostileInputs(t *testing.T) (paths []string, files []string) {
	t.Helper()
	dir := t.TempDir()
	rec := `[{"id":"bad0eeee-0000-4000-8000-000000000001","createdDateTime":"2025-03-03T12:00:00Z",` +
		`"userPrincipalName":"filename@contoso.com","clientAppUsed":"IMAP4","status":{"errorCode":0},` +
		`"resourceTenantId":"00000000-0000-4000-8000-0000000bad01"},{"id":"","createdDateTime":"\u001b[2J"}]`
	name := filepath.Join(dir, "x<img src=x onerror=alert(1)>\x1b[31m\u202e.json")
	if err := os.WriteFile(name, []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	// An unreadable format whose name also carries an escape: the skip
	// message on stderr names it.
	if err := os.WriteFile(filepath.Join(dir, "\x1b]0;title\x07notes.txt"), []byte("\x1b[2Jnot an export"), 0o644); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(hostileDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, filepath.Base(p))
		}
		return nil
	})
	return []string{hostileDir, dir}, append(files, filepath.Base(name))
}

// TestHostileEndToEnd runs the hostile corpus through the CLI into all four
// outputs: every file is loaded or reported with a reason, every row is
// accounted for, and no payload is live in HTML, CSV, Markdown or on the
// terminal (issue 6).
func TestHostileEndToEnd(t *testing.T) {
	paths, files := hostileInputs(t)
	out := t.TempDir()
	htmlPath, jsonPath, csvPath, mdPath := filepath.Join(out, "r.html"), filepath.Join(out, "f.json"), filepath.Join(out, "f.csv"), filepath.Join(out, "r.md")
	args := append([]string{"report", "-o", htmlPath, "--json", jsonPath, "--csv", csvPath, "--md", mdPath}, paths...)
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr %s", code, stderr)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// Nothing vanishes: every file is an input, loaded or skipped with a reason.
	var r struct {
		Inputs []struct {
			Path, Kind, Note                            string
			Read, Loaded, Rejected, Duplicates, Ignored int64
		}
		Checks []struct {
			ID       string
			Findings []struct{ Subject string }
		}
	}
	if err := json.Unmarshal([]byte(read(jsonPath)), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		found := false
		for _, in := range r.Inputs {
			if strings.HasSuffix(in.Path, f) {
				found = true
				if in.Kind == "skipped" && in.Note == "" {
					t.Errorf("%s skipped without a reason", f)
				}
				if in.Read != in.Loaded+in.Rejected+in.Duplicates+in.Ignored {
					t.Errorf("%s: read %d, loaded %d, rejected %d, duplicates %d, ignored %d", f, in.Read, in.Loaded, in.Rejected, in.Duplicates, in.Ignored)
				}
			}
		}
		if !found {
			t.Errorf("%s is not among the inputs of the findings JSON", f)
		}
	}
	subjects := map[string]bool{}
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			subjects[f.Subject] = true
		}
	}
	// Hostile records are analysed, not dropped.
	for _, s := range []string{"mallory<script>alert(1)</script>@contoso.com", "o'brien;--@contoso.com",
		"sqlname@contoso.com", "filename@contoso.com", "csvxss@contoso.com", "-formula@contoso.com"} {
		if !subjects[s] {
			t.Errorf("no finding for %q", s)
		}
	}

	checkHTMLInert(t, read(htmlPath))
	if page := read(htmlPath); !strings.Contains(page, "mallory&lt;script&gt;alert(1)&lt;/script&gt;@contoso.com") {
		t.Error("HTML lacks the escaped hostile subject")
	}

	rows, err := csv.NewReader(strings.NewReader(read(csvPath))).ReadAll()
	if err != nil {
		t.Fatalf("findings CSV: %v", err)
	}
	formula := false
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell would run as a formula: %q", cell)
			}
			formula = formula || strings.HasPrefix(cell, "'-formula@")
		}
	}
	if !formula {
		t.Error("CSV lacks the neutralised formula subject '-formula@contoso.com")
	}

	md := read(mdPath)
	for _, bad := range []string{"<script", "<img", "<svg", "\x1b"} {
		if strings.Contains(md, bad) {
			t.Errorf("Markdown holds %q", bad)
		}
	}
	if strings.Contains(strings.ReplaceAll(md, `\](`, ""), "](javascript:") {
		t.Error("Markdown holds a live javascript: link")
	}
	for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "markdown": md} {
		if i := strings.IndexFunc(text, isTerminalControl); i >= 0 {
			t.Errorf("%s holds control character %U near %q", name, []rune(text[i:])[0], text[max(0, i-30):i])
		}
	}
}

// isTerminalControl reports runes that drive a terminal (ESC, BEL, C1) or
// reorder text (bidi overrides); newline and tab are fine.
func isTerminalControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// checkHTMLInert tokenizes the report as a browser would: exactly the two
// scripts the template writes, no event-handler attribute, no element that
// runs or loads anything.
func checkHTMLInert(t *testing.T, page string) {
	t.Helper()
	scripts := 0
	z := html.NewTokenizer(strings.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script":
			scripts++
		case "img", "svg", "iframe", "object", "embed", "link", "base", "form", "math":
			t.Errorf("report holds <%s %v>", tok.Data, tok.Attr)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.EqualFold(a.Key, "http-equiv") {
				t.Errorf("<%s> has event handler %s=%q", tok.Data, a.Key, a.Val)
			}
		}
	}
	if scripts != 2 {
		t.Errorf("%d script elements; want the library and the chart init", scripts)
	}
}
