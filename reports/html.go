package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/mfagap/mfagap/analyze"
	"github.com/mfagap/mfagap/ingest"
	"github.com/mfagap/mfagap/progress"
)

// maxFindingsPerCheck caps each evidence table of the HTML report; the rest
// are counted and left to the JSON.
const maxFindingsPerCheck = 200

//go:embed assets/*.gohtml assets/style.css assets/echarts.min.js
var assets embed.FS

// Vendored assets, inlined into every report. They are ours, so they are the
// only values ever given the template.CSS and template.JS types.
var (
	styleCSS  = mustRead("assets/style.css")
	echartsJS = mustRead("assets/echarts.min.js")
)

// reportTemplate is parsed once; a malformed template fails at start-up and
// in TestParseTemplates.
var reportTemplate = template.Must(parseTemplates())

// parseTemplates parses every section template of the HTML report.
func parseTemplates() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		"time":     fmtTime,
		"sevclass": sevClass,
		"count":    Count,
		"num":      num,
	}).ParseFS(assets, "assets/*.gohtml")
}

// inputWarning is an input whose note carries a warning (ingest.NoteWarning).
type inputWarning struct{ Path, Text string }

// inputWarnings are r's inputs whose notes carry a warning, in input order.
func inputWarnings(r *analyze.Result) []inputWarning {
	var out []inputWarning
	for _, in := range r.Inputs {
		if w := ingest.NoteWarning(in.Note); w != "" && in.Kind != "skipped" {
			out = append(out, inputWarning{Path: stripControls(in.Path), Text: stripControls(w)})
		}
	}
	return out
}

// failedChecks are the ids of r's checks that could not run.
func failedChecks(r *analyze.Result) []string {
	var ids []string
	for _, c := range r.Checks {
		if c.Status == analyze.StatusError {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Count renders n with noun, in the plural unless n is 1: "1 check",
// "3 findings", "5,002 findings".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return num(n) + " " + noun + "s"
}

// num renders an integer with thousands separators: the inputs table of a
// 10 M-sign-in run reads 10,000,000, not 10000000.
func num(n any) string {
	switch x := n.(type) {
	case int:
		return progress.Count(int64(x))
	case int64:
		return progress.Count(x)
	}
	return fmt.Sprint(n)
}

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// HTMLOptions are the values of an HTML report that do not come from the
// analysis.
type HTMLOptions struct {
	// GeneratedAt is printed as the report time; tests pin it.
	GeneratedAt time.Time
	// Version is the mfagap version that produced the report.
	Version string
	// Title heads the report; empty means "Entra ID sign-in MFA gap report".
	Title string
}

// WriteHTML writes r as one self-contained HTML file: styles, ECharts and
// chart data are inlined, so it opens without a network. Sections follow
// STYLE §6: provenance, summary, findings by severity then check, all checks.
func WriteHTML(w io.Writer, r *analyze.Result, o HTMLOptions) error {
	v := newHTMLView(scrub(normalise(r)), o)
	if err := reportTemplate.ExecuteTemplate(w, "report", v); err != nil {
		return fmt.Errorf("render html report: %w", err)
	}
	return nil
}

// sevClass maps a severity to its CSS class; unknown severities share one.
func sevClass(s string) string {
	if severityRank(s) < len(severities) {
		return "sev-" + s
	}
	return "sev-unknown"
}

// htmlView is what the templates render. All log-derived fields are plain
// strings, so html/template escapes them for their context.
type htmlView struct {
	Title       string
	Version     string
	GeneratedAt time.Time
	Schema      string
	AsOf        time.Time
	Window      analyze.Window
	Inputs      []inputView
	InputRoot   string
	// With more than inputsListed files the provenance shows totals by
	// format and the files with rejects or notes, the full list folded.
	InputsCollapsed bool
	InputGroups     []inputGroup
	InputsFlagged   []inputView
	// InputNotes are the notes that several files without rejected rows
	// share word for word (an MSP's 100 tenant folders: the same note on
	// each folder's users export), each listed once rather than per file.
	InputNotes []noteGroup
	Checks     []checkView
	Groups     []severityGroup
	Severities []severityCount
	Statuses   []statusCount
	// Failed are the ids of the checks that could not run (status error).
	Failed []string
	// Warned are the inputs whose notes carry a warning.
	Warned  []inputWarning
	Total   int
	Tenants []tenantRow
	Charts  []chart
	CSS     template.CSS
	JS      template.JS
}

// severityGroup holds the checks with findings of one severity.
type severityGroup struct {
	Severity string
	Checks   []checkView
}

// checkView is one check with its documentation and its first findings.
type checkView struct {
	analyze.CheckResult
	Refs  []reference
	Shown []findingView
	More  int
}

// reference is a check reference; only http(s) URLs become links.
type reference struct {
	Text string
	Link bool
}

// findingView is one row of an evidence table.
type findingView struct {
	analyze.Finding
	Pairs []detailPair
}

// tenantRow counts findings by severity for one tenant.
type tenantRow struct {
	TenantID string
	Counts   []int
	Total    int
}

func newHTMLView(r *analyze.Result, o HTMLOptions) htmlView {
	v := htmlView{
		Title:       o.Title,
		Version:     o.Version,
		GeneratedAt: o.GeneratedAt,
		Schema:      r.Schema,
		AsOf:        r.AsOf,
		Window:      r.Window,
		Severities:  severityCounts(r),
		Statuses:    statusCounts(r),
		Failed:      failedChecks(r),
		Warned:      inputWarnings(r),
		Total:       findingCount(r),
		Tenants:     tenantRows(r),
		Charts:      buildCharts(r),
		CSS:         template.CSS(styleCSS),
		JS:          template.JS(echartsJS),
	}
	v.InputRoot, v.Inputs = inputViews(r.Inputs)
	if len(v.Inputs) > inputsListed {
		v.InputsCollapsed = true
		v.InputGroups, v.InputsFlagged = inputGroups(v.Inputs)
		v.InputNotes, v.InputsFlagged = sharedNotes(v.InputsFlagged)
	}
	if v.Title == "" {
		v.Title = "Entra ID sign-in MFA gap report"
	}
	if v.Version == "" {
		v.Version = "unknown"
	}
	for _, c := range r.Checks {
		v.Checks = append(v.Checks, newCheckView(c))
	}
	// Group checks with findings by severity; within a group they stay in
	// id order.
	groups := map[string]*severityGroup{}
	for _, c := range v.Checks {
		if len(c.Findings) == 0 {
			continue
		}
		g, ok := groups[c.Severity]
		if !ok {
			g = &severityGroup{Severity: c.Severity}
			groups[c.Severity] = g
		}
		g.Checks = append(g.Checks, c)
	}
	for _, sc := range v.Severities {
		if g, ok := groups[sc.Severity]; ok {
			v.Groups = append(v.Groups, *g)
		}
	}
	return v
}

func newCheckView(c analyze.CheckResult) checkView {
	cv := checkView{CheckResult: c}
	for _, ref := range c.References {
		l := strings.ToLower(ref)
		cv.Refs = append(cv.Refs, reference{Text: ref, Link: strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")})
	}
	for i, f := range c.Findings {
		if i == maxFindingsPerCheck {
			cv.More = len(c.Findings) - i
			break
		}
		cv.Shown = append(cv.Shown, findingView{Finding: f, Pairs: detailPairs(f.Details)})
	}
	return cv
}

// tenantRows counts findings per tenant and severity; it returns nil unless
// the result covers more than one tenant.
func tenantRows(r *analyze.Result) []tenantRow {
	seen := map[string]bool{}
	for _, in := range r.Inputs {
		if in.TenantID != "" {
			seen[in.TenantID] = true
		}
	}
	rows := map[string]*tenantRow{}
	for _, c := range r.Checks {
		for _, f := range c.Findings {
			seen[f.TenantID] = true
			t, ok := rows[f.TenantID]
			if !ok {
				t = &tenantRow{TenantID: f.TenantID, Counts: make([]int, len(severities))}
				rows[f.TenantID] = t
			}
			if i := severityRank(c.Severity); i < len(severities) {
				t.Counts[i]++
			}
			t.Total++
		}
	}
	if len(seen) < 2 {
		return nil
	}
	var out []tenantRow
	for id := range seen {
		if t, ok := rows[id]; ok {
			out = append(out, *t)
		} else {
			out = append(out, tenantRow{TenantID: id, Counts: make([]int, len(severities))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TenantID < out[j].TenantID })
	return out
}

// inputView is one input file with its path shortened to what follows the
// folder all inputs share.
type inputView struct {
	analyze.Input
	Short string
}

// inputsListed is the most input files the report lists before it folds
// the list (a month of a storage-account archive is 2880 files).
const inputsListed = 30

// inputGroup is the totals of the input files of one format and kind.
type inputGroup struct {
	Format, Kind                                string
	Files                                       int
	Read, Loaded, Rejected, Duplicates, Ignored int64
	FirstEvent, LastEvent                       *time.Time
}

// inputGroups totals in by format and kind (in order of first appearance)
// and returns the inputs with rejected rows or a note.
func inputGroups(in []inputView) (groups []inputGroup, flagged []inputView) {
	at := map[[2]string]int{}
	for _, x := range in {
		k := [2]string{x.Format, x.Kind}
		i, ok := at[k]
		if !ok {
			i = len(groups)
			at[k] = i
			groups = append(groups, inputGroup{Format: x.Format, Kind: x.Kind})
		}
		g := &groups[i]
		g.Files++
		g.Read += x.Read
		g.Loaded += x.Loaded
		g.Rejected += x.Rejected
		g.Duplicates += x.Duplicates
		g.Ignored += x.Ignored
		if x.FirstEvent != nil && (g.FirstEvent == nil || x.FirstEvent.Before(*g.FirstEvent)) {
			g.FirstEvent = x.FirstEvent
		}
		if x.LastEvent != nil && (g.LastEvent == nil || x.LastEvent.After(*g.LastEvent)) {
			g.LastEvent = x.LastEvent
		}
		if x.Rejected > 0 || x.Note != "" {
			flagged = append(flagged, x)
		}
	}
	return groups, flagged
}

// noteGroup is a note that several input files share word for word.
type noteGroup struct {
	Note     string
	Files    int
	Examples []string // the first files' short paths
}

// sharedNoteMin is how many files must share a note for it to be listed
// once; noteExamples how many of them it names.
const (
	sharedNoteMin = 3
	noteExamples  = 3
)

// sharedNotes takes out of flagged the files without rejected rows whose
// note at least sharedNoteMin of them share word for word, as one group per
// note (in order of first appearance); a file with rejected rows stays
// listed on its own.
func sharedNotes(flagged []inputView) (notes []noteGroup, rest []inputView) {
	count := map[string]int{}
	for _, x := range flagged {
		if x.Rejected == 0 && x.Note != "" {
			count[x.Note]++
		}
	}
	at := map[string]int{}
	for _, x := range flagged {
		if x.Rejected > 0 || count[x.Note] < sharedNoteMin {
			rest = append(rest, x)
			continue
		}
		i, ok := at[x.Note]
		if !ok {
			i = len(notes)
			at[x.Note] = i
			notes = append(notes, noteGroup{Note: x.Note})
		}
		g := &notes[i]
		g.Files++
		if len(g.Examples) < noteExamples {
			g.Examples = append(g.Examples, x.Short)
		}
	}
	return notes, rest
}

// inputViews strips the longest folder prefix common to every input path, so
// the table shows file names rather than the same long folder on every row.
func inputViews(in []analyze.Input) (string, []inputView) {
	root := ""
	for i, x := range in {
		dir := x.Path[:strings.LastIndex(x.Path, "/")+1]
		if i == 0 {
			root = dir
			continue
		}
		for !strings.HasPrefix(x.Path, root) {
			root = root[:strings.LastIndex(strings.TrimSuffix(root, "/"), "/")+1]
		}
	}
	out := make([]inputView, len(in))
	for i, x := range in {
		out[i] = inputView{Input: x, Short: strings.TrimPrefix(x.Path, root)}
	}
	return root, out
}

// scrub strips control characters (terminal escapes, bidi overrides, NUL)
// from every log-derived string of a normalised result. html/template
// already makes them inert as markup; this keeps them out of the page text
// too, where they would only confuse a reader or a terminal showing the file.
func scrub(n *analyze.Result) *analyze.Result {
	for i := range n.Inputs {
		in := &n.Inputs[i]
		in.Path, in.Format, in.Kind = stripControls(in.Path), stripControls(in.Format), stripControls(in.Kind)
		in.TenantID, in.Note = stripControls(in.TenantID), stripControls(in.Note)
	}
	for i := range n.Checks {
		for j := range n.Checks[i].Findings {
			f := &n.Checks[i].Findings[j]
			f.TenantID, f.Subject, f.Reason = stripControls(f.TenantID), stripControls(f.Subject), stripControls(f.Reason)
			for k, v := range f.Details {
				f.Details[k] = scrubValue(v)
			}
		}
	}
	return n
}

func scrubValue(v any) any {
	switch x := v.(type) {
	case string:
		return stripControls(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = scrubValue(x[i])
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i := range x {
			out[i] = stripControls(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[stripControls(k)] = scrubValue(e)
		}
		return out
	}
	return v
}
