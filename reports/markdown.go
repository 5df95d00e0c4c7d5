package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mfagap/mfagap/analyze"
)

// mdEscaper neutralises Markdown and HTML in table cells and headings: data
// cannot close a cell, open a link, emphasis or code span, or inject a tag.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`,
	"|", `\|`,
	"`", "\\`",
	"*", `\*`,
	"_", `\_`,
	"[", `\[`,
	"]", `\]`,
	"#", `\#`,
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	"\r\n", " ",
	"\n", " ",
	"\r", " ",
)

// md escapes one log-derived or metadata string for a Markdown cell.
func md(s string) string {
	return mdEscaper.Replace(stripControls(s))
}

// WriteMarkdown writes a summary and one section per check (status, then a
// table of its findings). Every string from the result is escaped, so log
// data cannot add markup or HTML.
func WriteMarkdown(w io.Writer, r *analyze.Result) error {
	n := normalise(r)
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# mfagap findings\n\n")
	fmt.Fprintf(b, "- As of: %s\n", fmtTime(n.AsOf))
	fmt.Fprintf(b, "- Window: %s to %s\n", fmtTime(n.Window.First), fmtTime(n.Window.Last))
	fmt.Fprintf(b, "- Inputs: %d files\n", len(n.Inputs))
	fmt.Fprintf(b, "- Checks: %d, findings: %d\n\n", len(n.Checks), findingCount(n))

	fmt.Fprintf(b, "## Summary\n\n| Severity | Findings |\n| --- | ---: |\n")
	for _, sc := range severityCounts(n) {
		fmt.Fprintf(b, "| %s | %d |\n", md(sc.Severity), sc.Count)
	}
	fmt.Fprintf(b, "\n| Status | Checks |\n| --- | ---: |\n")
	for _, sc := range statusCounts(n) {
		fmt.Fprintf(b, "| %s | %d |\n", sc.Status, sc.Count)
	}
	if failed := failedChecks(n); len(failed) > 0 {
		ids := make([]string, len(failed))
		for i, id := range failed {
			ids[i] = md(id)
		}
		fmt.Fprintf(b, "\n**%s could not run:** %s. An absence of findings from them is not a clean result; the error is under each.\n",
			Count(len(failed), "check"), strings.Join(ids, ", "))
	}

	if warned := inputWarnings(n); len(warned) > 0 {
		them := "them"
		if len(warned) == 1 {
			them = "it"
		}
		fmt.Fprintf(b, "\n**%s cannot be read whole; the checks are wrong for %s:**\n\n", Count(len(warned), "input file"), them)
		for _, w := range warned {
			fmt.Fprintf(b, "- %s: %s\n", md(w.Path), md(w.Text))
		}
	}

	fmt.Fprintf(b, "\n## Checks\n")
	for _, c := range n.Checks {
		fmt.Fprintf(b, "\n### %s: %s\n\n", md(c.ID), md(c.Title))
		fmt.Fprintf(b, "Severity: %s. Status: %s. Findings: %d.\n", md(c.Severity), md(string(c.Status)), len(c.Findings))
		if c.SkipReason != "" {
			fmt.Fprintf(b, "\nSkipped: %s\n", md(c.SkipReason))
		}
		if c.Error != "" {
			fmt.Fprintf(b, "\nError: %s\n", md(c.Error))
		}
		if len(c.Findings) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n| Tenant | Subject | Reason | Events | First seen | Last seen | Details |\n")
		fmt.Fprintf(b, "| --- | --- | --- | ---: | --- | --- | --- |\n")
		for _, f := range c.Findings {
			var details []string
			for _, p := range detailPairs(f.Details) {
				details = append(details, md(p.Key)+": "+md(p.Value))
			}
			fmt.Fprintf(b, "| %s | %s | %s | %d | %s | %s | %s |\n",
				md(f.TenantID), md(f.Subject), md(f.Reason), f.Events,
				fmtTime(f.FirstSeen), fmtTime(f.LastSeen), strings.Join(details, "; "))
		}
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}
