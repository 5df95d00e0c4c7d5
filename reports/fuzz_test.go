package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/mfagap/mfagap/analyze"
)

// FuzzWriters puts arbitrary strings into every log-derived field of a result
// (subjects, reasons, evidence keys and values, tenant ids, input paths and
// notes) and checks that each writer keeps them inert: no element, attribute
// or script the template did not write in HTML, no formula in CSV, no markup
// in Markdown and no control character on the terminal. Run it with
//
//	go test ./reports -run '^$' -fuzz '^FuzzWriters$' -fuzztime 10m -parallel 2
func FuzzWriters(f *testing.F) {
	for _, s := range []string{xssScript, xssImg, xssBreak, xssComment, xssJSURL,
		"=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1",
		"\x1b[31mred\x1b]0;title\x07", "\u202egnp.exe", "a\x00b", "\xff\xfe", "<!--<script>", "]]><svg onload=alert(1)>",
		"{{.}}", "`code` *em* [x](javascript:alert(1)) | cell", "<style>*{}</style>", "&lt;script&gt;"} {
		f.Add(s, s, s)
	}
	allowed := allowedTags(f)
	f.Fuzz(func(t *testing.T, a, b, c string) {
		r := hostileResult()
		r.Inputs[0].Path, r.Inputs[0].Note, r.Inputs[1].TenantID = a, b, c
		r.Checks[0].Findings = append(r.Checks[0].Findings, analyze.Finding{
			TenantID: c, Subject: a, Reason: b, Events: 1, FirstSeen: at(1), LastSeen: at(2),
			Details: map[string]any{a: b, "list": []any{c, a}, "user_agent": c},
		})
		r.Checks[1].Error = a
		r.Checks[2].SkipReason = b

		var buf bytes.Buffer
		if err := WriteHTML(&buf, r, pinnedHTML()); err != nil {
			t.Fatalf("WriteHTML: %v", err)
		}
		checkInertHTML(t, buf.String(), allowed)

		buf.Reset()
		if err := WriteCSV(&buf, r); err != nil {
			t.Fatalf("WriteCSV: %v", err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not read back: %v", err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Fatalf("CSV cell starts a formula: %q", cell)
				}
			}
		}

		buf.Reset()
		if err := WriteMarkdown(&buf, r); err != nil {
			t.Fatalf("WriteMarkdown: %v", err)
		}
		for _, s := range []string{a, b, c} {
			if strings.ContainsAny(s, "<>") && strings.Contains(buf.String(), s) {
				t.Fatalf("Markdown holds %q unescaped", s)
			}
		}
		checkNoControls(t, "Markdown", buf.String())

		buf.Reset()
		Terminal(&buf, r)
		checkNoControls(t, "terminal", buf.String())
	})
}

// allowedTags are the elements the templates write for the hostile fixture.
func allowedTags(f *testing.F) map[string]bool {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, hostileResult(), pinnedHTML()); err != nil {
		f.Fatal(err)
	}
	tags := map[string]bool{}
	z := html.NewTokenizer(&buf)
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			name, _ := z.TagName()
			tags[string(name)] = true
		}
	}
	return tags
}

// checkInertHTML parses the page as a browser would and fails on any element
// not in allowed, any event-handler attribute, any link that is not http(s)
// or in-page, and any script beyond the two the template writes.
func checkInertHTML(t *testing.T, page string, allowed map[string]bool) {
	t.Helper()
	scripts := 0
	z := html.NewTokenizer(strings.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !allowed[tok.Data] {
			t.Fatalf("element <%s> that the template does not write", tok.Data)
		}
		if tok.Data == "script" {
			scripts++
		}
		for _, at := range tok.Attr {
			key, val := strings.ToLower(at.Key), strings.ToLower(strings.TrimSpace(at.Val))
			if strings.HasPrefix(key, "on") {
				t.Fatalf("event handler attribute %s=%q on <%s>", at.Key, at.Val, tok.Data)
			}
			if (key == "href" || key == "src") && !strings.HasPrefix(val, "#") && !strings.HasPrefix(val, "http://") && !strings.HasPrefix(val, "https://") {
				t.Fatalf("%s=%q on <%s>", at.Key, at.Val, tok.Data)
			}
		}
	}
	if scripts != 2 {
		t.Fatalf("%d script elements, want the library and the chart init", scripts)
	}
}

// checkNoControls fails on ESC and other control characters (ANSI escape
// injection) and on bidirectional overrides in text output; newlines and the
// tabwriter's spaces are fine.
func checkNoControls(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		switch {
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			t.Fatalf("%s output holds control character %U", what, r)
		}
	}
	if !utf8.ValidString(out) {
		t.Fatalf("%s output is not valid UTF-8", what)
	}
}
