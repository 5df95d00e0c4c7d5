package reports

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/analyze"
)

// echartsPlaceholder replaces the 1 MB vendored library in goldens.
const echartsPlaceholder = "/* echarts.min.js */"

func writeHTML(t *testing.T, r *analyze.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, pinnedHTML()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, echartsJS); n != 1 {
		t.Fatalf("echarts.min.js inlined %d times, want 1", n)
	}
	return strings.Replace(out, echartsJS, echartsPlaceholder, 1)
}

func TestParseTemplates(t *testing.T) {
	tmpl, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report", "provenance", "summary", "findings", "checks"} {
		if tmpl.Lookup(name) == nil {
			t.Errorf("template %q not defined", name)
		}
	}
}

func TestWriteHTMLGolden(t *testing.T) {
	got := writeHTML(t, fixedResult())
	for i := 0; i < 5; i++ {
		if again := writeHTML(t, fixedResult()); again != got {
			t.Fatalf("render %d differs:\n%s", i, lineDiff(got, again))
		}
	}
	checkGolden(t, "report.golden.html", []byte(got))
}

func TestWriteHTMLSections(t *testing.T) {
	got := writeHTML(t, fixedResult())
	// STYLE §6 order: provenance, summary, findings by severity then check,
	// all checks.
	order := []string{`id="provenance"`, `id="summary"`, `id="chart-severity"`, `id="chart-checks"`, `id="chart-daily"`,
		`Findings per tenant`, `id="findings"`, `id="check-password-spray"`, `id="check-legacy-auth-success"`, `id="checks"`}
	last := -1
	for _, s := range order {
		i := strings.Index(got, s)
		if i < 0 {
			t.Errorf("missing %s", s)
			continue
		}
		if i < last {
			t.Errorf("%s out of order", s)
		}
		last = i
	}
	for _, s := range []string{
		"exports/a/InteractiveSignIns.csv", "aaaaaaaaaaaa&hellip;", "event type taken from the file name",
		"needs users, none given", "Binder Error: column not found",
		`<a href="https://example.com/spray"`, "<li>not a url</li>",
		`<span class="k">error_codes:</span> 50126, 50053`, `<span class="k">a:</span> 1.5`,
		`class="badge sev-high"`, `class="badge sev-critical"`,
	} {
		if !strings.Contains(got, s) {
			t.Errorf("missing %q", s)
		}
	}
}

func TestWriteHTMLTenantsAndLimits(t *testing.T) {
	one := fixedResult()
	one.Inputs = one.Inputs[:1]
	one.Inputs[0].TenantID = tenantA
	one.Checks = one.Checks[:1]
	if got := writeHTML(t, one); strings.Contains(got, "Findings per tenant") {
		t.Error("per-tenant table shown for a single tenant")
	}

	many := fixedResult()
	f := many.Checks[0].Findings[0]
	for i := 0; i < maxFindingsPerCheck+5; i++ {
		f.Subject = fmt.Sprintf("user%03d@contoso.com", i)
		many.Checks[0].Findings = append(many.Checks[0].Findings, f)
	}
	got := writeHTML(t, many)
	if !strings.Contains(got, "6 more in the JSON.") {
		t.Error(`missing "6 more in the JSON."`)
	}
	if strings.Contains(got, "user199@contoso.com") || !strings.Contains(got, "user198@contoso.com") {
		t.Errorf("want exactly the first %d findings of the check", maxFindingsPerCheck)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	if strings.Contains(strings.ToLower(echartsJS), "</script") {
		t.Error("echarts.min.js contains </script and would end its element")
	}
	if strings.Contains(strings.ToLower(styleCSS), "</style") {
		t.Error("style.css contains </style")
	}
	for _, r := range []*analyze.Result{fixedResult(), hostileResult(), {}} {
		var buf bytes.Buffer
		if err := WriteHTML(&buf, r, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		out := strings.ToLower(buf.String())
		for _, bad := range []string{"<script src", "<link", `src="http`, "src='http", "@import", "url(http", "url(//"} {
			if strings.Contains(out, bad) {
				t.Errorf("report loads an external resource: contains %q", bad)
			}
		}
	}
}

var (
	tagWithHandler = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	scriptElement  = regexp.MustCompile(`(?is)<script>(.*?)</script>`)
)

func TestHTMLHostileStrings(t *testing.T) {
	out := writeHTML(t, hostileResult())
	for _, bad := range []string{"<script>alert", "<img", "</script><script>alert", "-->", "<!--", "<b>x</b>"} {
		if strings.Contains(out, bad) {
			t.Errorf("unescaped %q in report", bad)
		}
	}
	if m := tagWithHandler.FindString(out); m != "" {
		t.Errorf("tag with an event handler: %q", m)
	}
	for _, bad := range []string{`href="javascript`, `href="data:`, `href="#ZgotmplZ"`} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(bad)) {
			t.Errorf("non-http reference rendered as link: %s", bad)
		}
	}
	// Exactly our two scripts (the library and the chart init); the data
	// inside cannot close its element.
	scripts := scriptElement.FindAllStringSubmatch(out, -1)
	if len(scripts) != 2 || strings.Count(out, "<script") != 2 || strings.Count(out, "</script") != 2 {
		t.Fatalf("want 2 script elements, got %d (<script %d, </script %d)", len(scripts), strings.Count(out, "<script"), strings.Count(out, "</script"))
	}
	data := scripts[1][1]
	if !strings.Contains(data, `\u003c/script\u003e\u003cscript\u003ealert(1)`) {
		t.Errorf("hostile chart label not JSON-escaped in chart data:\n%s", data)
	}
	// The hostile text is still shown, as text.
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "--&gt;&lt;!--"} {
		if !strings.Contains(out, want) {
			t.Errorf("escaped form %q missing", want)
		}
	}
}

// Past inputsListed files (a storage-account archive), the provenance gives
// totals by format, lists the files with rejected rows or notes, and folds
// the full list, where every file still is.
func TestHTMLManyInputs(t *testing.T) {
	r := manyInputs(func(i int, x *analyze.Input) {
		x.Path = fmt.Sprintf("archive/h=%02d/PT1H.json", i)
		x.Format, x.Kind, x.Read, x.Loaded = "diagnostic-json", "signins", 10, 10
		if i == 7 {
			x.Read, x.Rejected, x.Note = 12, 2, "two records of another category"
		}
	})
	got := writeHTML(t, r)
	fold := strings.Index(got, `<details class="inputs-all">`)
	if fold < 0 {
		t.Fatal("the list of input files is not folded")
	}
	totals := fmt.Sprintf(`<td class="num">%d</td><td class="num">%d</td><td class="num">%d</td><td class="num warn">2</td>`,
		inputsListed+10, 10*(inputsListed+10)+2, 10*(inputsListed+10))
	if i := strings.Index(got, totals); i < 0 || i > fold {
		t.Errorf("no totals row %q before the folded list", totals)
	}
	if i := strings.Index(got, "h=07/PT1H.json"); i < 0 || i > fold || !strings.Contains(got[:fold], "two records of another category") {
		t.Error("the file with rejected rows is not listed before the folded list")
	}
	if strings.Contains(got[:fold], "h=08/PT1H.json") {
		t.Error("a file without rejects or notes is listed outside the folded list")
	}
	for i := range inputsListed + 10 {
		if !strings.Contains(got[fold:], fmt.Sprintf("h=%02d/PT1H.json", i)) {
			t.Fatalf("file %d missing from the full list", i)
		}
	}
	r.Inputs = r.Inputs[:inputsListed]
	if strings.Contains(writeHTML(t, r), "<details") {
		t.Error("a short list of files is folded")
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 checks"}, {1, "1 check"}, {2, "2 checks"}, {16, "16 checks"}} {
		if got := Count(c.n, "check"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// Counts read with thousands separators in the HTML report (the JSON keeps
// plain numbers): a 10 M-sign-in input, a finding of 12,345 events.
func TestHTMLThousands(t *testing.T) {
	r := fixedResult()
	r.Inputs[0].Read, r.Inputs[0].Loaded = 10_000_000, 9_999_998
	for i := range r.Checks {
		if len(r.Checks[i].Findings) > 0 {
			r.Checks[i].Findings[0].Events = 12345
			break
		}
	}
	got := writeHTML(t, r)
	for _, want := range []string{`<td class="num">10,000,000</td>`, `<td class="num">9,999,998</td>`, `<td class="num">12,345</td>`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in the report", want)
		}
	}
}

// A note that several files without rejected rows share word for word (an
// MSP's tenant folders) is listed once with its count and the first files;
// a file with rejected rows, and a note fewer files share, stay listed file
// by file; every file is still in the folded full list.
func TestHTMLSharedNotes(t *testing.T) {
	r := manyInputs(func(i int, x *analyze.Input) {
		x.Path = fmt.Sprintf("msp/tenant%02d/users.csv", i)
		x.Format, x.Kind, x.Read, x.Loaded = "users-csv", "users", 8, 8
		switch {
		case i < 6:
			x.Note = "no tenant in the file: given the only tenant of this run"
		case i == 6:
			x.Read, x.Rejected, x.Note = 9, 1, "no tenant in the file: given the only tenant of this run"
		case i < 9:
			x.Note = "a note two files share"
		}
	})
	got := writeHTML(t, r)
	fold := strings.Index(got, `<details class="inputs-all">`)
	shared := strings.Index(got, "Notes several files share (1)")
	others := strings.Index(got, "Other files with rejected rows or notes (3)")
	if fold < 0 || shared < 0 || others < shared || fold < others {
		t.Fatalf("sections out of place: shared notes at %d, other files at %d, full list at %d", shared, others, fold)
	}
	group := got[shared:others]
	for _, want := range []string{
		"no tenant in the file: given the only tenant of this run</td><td class=\"num\">6</td>",
		"tenant00/users.csv<br>tenant01/users.csv<br>tenant02/users.csv<br>&hellip;",
	} {
		if !strings.Contains(group, want) {
			t.Errorf("the shared note's row lacks %q:\n%s", want, group)
		}
	}
	if strings.Contains(group, "tenant03/users.csv") {
		t.Error("the shared note names more than its first three files")
	}
	listed := got[others:fold]
	for _, want := range []string{"tenant06/users.csv", "tenant07/users.csv", "tenant08/users.csv"} {
		if !strings.Contains(listed, want) {
			t.Errorf("%s is not listed on its own", want)
		}
	}
	if strings.Contains(listed, "tenant00/users.csv") {
		t.Error("a file of the shared note is listed on its own too")
	}
	if n := strings.Count(got[fold:], "no tenant in the file"); n != 7 {
		t.Errorf("the full list holds the shared note %d times, want 7", n)
	}
}

// manyInputs is fixedResult with inputsListed + 10 inputs made from its
// first, without rejects, duplicates or notes, then edited by edit.
func manyInputs(edit func(i int, x *analyze.Input)) *analyze.Result {
	r := fixedResult()
	in := r.Inputs[0]
	in.Rejected, in.Duplicates, in.Note = 0, 0, ""
	r.Inputs = nil
	for i := range inputsListed + 10 {
		x := in
		edit(i, &x)
		r.Inputs = append(r.Inputs, x)
	}
	return r
}
