package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/mfagap/mfagap/analyze"
)

// topFindings is how many findings Terminal lists.
const topFindings = 10

// Terminal writes a short plain-text summary for the CLI: one line per check
// with its status and finding count, then the most severe findings. Control
// characters and ANSI escapes are removed from every string of the result.
// Write errors are ignored: the summary is a courtesy, the files are the
// output.
func Terminal(w io.Writer, r *analyze.Result) {
	n := normalise(r)
	var parts []string
	for _, sc := range statusCounts(n) {
		parts = append(parts, fmt.Sprintf("%d %s", sc.Count, sc.Status))
	}
	fmt.Fprintf(w, "%d checks (%s), %d findings\n\n", len(n.Checks), strings.Join(parts, ", "), findingCount(n))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range n.Checks {
		note := ""
		switch {
		case c.Error != "":
			note = "error: " + c.Error
		case c.SkipReason != "":
			note = "skipped: " + c.SkipReason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n",
			strings.ToUpper(term(string(c.Status))), term(c.Severity), term(c.ID), len(c.Findings), term(note))
	}
	tw.Flush()

	type row struct {
		check *analyze.CheckResult
		f     analyze.Finding
		nth   int // position of f within its check
	}
	var rows []row
	for i := range n.Checks {
		for j, f := range n.Checks[i].Findings {
			rows = append(rows, row{&n.Checks[i], f, j})
		}
	}
	if len(rows) == 0 {
		return
	}
	// Most severe first; within a severity, take turns between checks so
	// one noisy check does not hide the others.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := severityRank(rows[i].check.Severity), severityRank(rows[j].check.Severity)
		if a != b {
			return a < b
		}
		return rows[i].nth < rows[j].nth
	})
	fmt.Fprintf(w, "\nTop findings:\n")
	for _, x := range rows[:min(len(rows), topFindings)] {
		fmt.Fprintf(w, "  [%s] %s %s: %s\n", term(x.check.Severity), term(x.check.ID), term(x.f.Subject), term(x.f.Reason))
	}
	if len(rows) > topFindings {
		fmt.Fprintf(w, "  ... %d more in the reports\n", len(rows)-topFindings)
	}
}

// term makes a string safe to print on a terminal; tabs are already spaces
// after stripControls, so data cannot break the tabwriter columns either.
func term(s string) string { return stripControls(s) }
