package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/analyze"
)

// injection is a subject that tries to break tables, add markup and drive
// the terminal.
const injection = "evil|cell\nnew line `code` **bold** _it_ [link](javascript:alert(1)) <script>alert(1)</script> \x1b[31mred\x1b[0m \x9b2J \x07bell \u202egnp.exe"

func injectedResult() *analyze.Result {
	r := fixedResult()
	f := &r.Checks[0].Findings[0]
	f.Subject, f.Reason = injection, injection
	f.Details = map[string]any{"ua": injection}
	r.Checks[2].SkipReason = injection
	return r
}

func TestStripControls(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"a\tb\nc\rd", "a b c d"},
		{"bell\x07nul\x00del\x7f", "bellnuldel"},
		{"c1\u009b2J", "c12J"},
		{"bidi\u202eexe.txt\u2066", "bidiexe.txt"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"ünïcødé ✓", "ünïcødé ✓"},
	}
	for _, tt := range tests {
		if got := stripControls(tt.in); got != tt.want {
			t.Errorf("stripControls(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, injectedResult()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script", "[link](", "**bold**", "`code`", "\x1b", "\x07", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown contains %q", bad)
		}
	}
	var row string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Contains(line, "evil") {
			row = line
		}
	}
	if row == "" {
		t.Fatalf("no table row with the injected subject (a newline split it?):\n%s", out)
	}
	// 7 columns: 8 unescaped pipes, however many the data had.
	unescaped := strings.Count(row, "|") - strings.Count(row, `\|`)
	if unescaped != 8 {
		t.Errorf("row has %d cell separators, want 8: %s", unescaped, row)
	}
	for _, want := range []string{`evil\|cell new line`, "\\`code\\`", `\*\*bold\*\*`, `\[link\]`, "&lt;script&gt;", "Skipped: evil"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	for _, want := range []string{"## Summary", "| high | 1 |", "### password-spray: Password spray", "Status: error", "Error: Binder Error"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestTerminal(t *testing.T) {
	var buf bytes.Buffer
	Terminal(&buf, injectedResult())
	out := buf.String()
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' {
			t.Fatalf("control character %U at byte %d in:\n%q", r, i, out)
		}
	}
	for _, want := range []string{
		"5 checks (2 alarm, 1 error, 1 skip, 1 ok), 2 findings",
		"ALARM  high      password-spray",
		"skipped: evil|cell new line",
		"error: Binder Error",
		"[high] password-spray evil|cell",
		"[medium] legacy-auth-success adele@contoso.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n") != 11 {
		t.Errorf("injected newlines leaked: got %d lines:\n%s", strings.Count(out, "\n"), out)
	}
}

// A check that could not run is called out in the summary of the HTML and
// Markdown reports, not only in its own row: its silence is not a clean
// result. Without one, there is no such callout.
func TestFailedChecksCalledOut(t *testing.T) {
	r := fixedResult() // impossible-travel has status error
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	html := writeHTML(t, r)
	if !strings.Contains(md.String(), "**1 check could not run:** impossible-travel.") {
		t.Errorf("Markdown: no callout:\n%s", md.String())
	}
	if !strings.Contains(html, `<strong>1 check could not run:</strong> <a href="#row-impossible-travel">`) || !strings.Contains(html, `<tr id="row-impossible-travel">`) {
		t.Error("HTML: no callout linking to the check's row")
	}
	for i := range r.Checks {
		if r.Checks[i].Status == analyze.StatusError {
			r.Checks[i].Status, r.Checks[i].Error = analyze.StatusOK, ""
		}
	}
	md.Reset()
	WriteMarkdown(&md, r)
	if strings.Contains(md.String(), "could not run") || strings.Contains(writeHTML(t, r), "could not run") {
		t.Error("a callout with no failed check")
	}
}

// An input whose note carries a warning (an export that cannot be read
// whole) is called out above the findings, in the HTML and the Markdown,
// its text escaped; an ordinary note is not.
func TestInputWarningsCalledOut(t *testing.T) {
	r := fixedResult()
	r.Inputs[0].Note = "event type taken from the file name; warning: Status <b>x</b> in the first record holds a .NET type name"
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	html := writeHTML(t, r)
	if !strings.Contains(md.String(), "**1 input file cannot be read whole; the checks are wrong for it:**") || !strings.Contains(md.String(), "holds a .NET type name") {
		t.Errorf("Markdown: no callout:\n%s", md.String())
	}
	if !strings.Contains(html, "<strong>1 input file cannot be read whole; the checks are wrong for it:</strong>") ||
		!strings.Contains(html, "Status &lt;b&gt;x&lt;/b&gt; in the first record") || strings.Contains(html, "<b>x</b>") {
		t.Error("HTML: no callout, or its text not escaped")
	}
	r.Inputs[0].Note = "event type taken from the file name"
	md.Reset()
	WriteMarkdown(&md, r)
	if strings.Contains(md.String(), "cannot be read whole") || strings.Contains(writeHTML(t, r), "cannot be read whole") {
		t.Error("a callout with no warning")
	}
}
