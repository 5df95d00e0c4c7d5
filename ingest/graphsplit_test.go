package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// recordBoundary finds the comma between two records, not between two
// nested objects, whatever the spacing, and reads on when a record may
// continue past the bytes it has.
func TestRecordBoundary(t *testing.T) {
	rec := func(id string) string {
		return `{"id":"` + id + `","createdDateTime":"2025-03-01T00:00:00Z","appliedConditionalAccessPolicies":[{"id":"p1"},{"id":"p2","x":"}, {"}]}`
	}
	for _, tc := range []struct {
		name, in string
		want     int // index of the comma; -1 none
	}{
		{"compact, from inside a record", rec("a")[5:] + "," + rec("b") + "]", len(rec("a")) - 5},
		{"nested objects are passed over", `{"id":"p1"},{"id":"p2"}]},` + rec("b") + "]", len(`{"id":"p1"},{"id":"p2"}]}`)},
		{"indented, CRLF", "  }\r\n  ],\r\n  \"x\": 1\r\n},\r\n  " + rec("b") + "\r\n]", len("  }\r\n  ],\r\n  \"x\": 1\r\n}")},
		{"the last record", "}]}\n]\n", -1},
		{"a record cut short", "}," + rec("b")[:40], -1},
		{"an object without createdDateTime", `},{"id":"x","n":{"createdDateTime":1}},{"id":"y"}]`, -1},
		{"escapes in strings", `},{"id":"a\"},{","createdDateTime":"\\"},` + rec("c") + "]", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := recordBoundary([]byte(tc.in)); got != tc.want {
				t.Fatalf("recordBoundary = %d, want %d", got, tc.want)
			}
		})
	}
}

// A large Graph array is cut into parts read several at a time: the load is
// the same as when it is read whole, however the file is laid out, and a
// cut DuckDB refuses (here inside a string that looks like records) or a
// broken record sends the file back to the whole read, losing nothing.
func TestGraphSplitRead(t *testing.T) {
	var buf bytes.Buffer
	if err := gen.Write(&buf, "graph-json", gen.Options{Rows: 600, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	generated := buf.String()
	var recs []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &recs); err != nil {
		t.Fatal(err)
	}
	marshal := func(v any, indent bool) string {
		var b []byte
		var err error
		if indent {
			b, err = json.MarshalIndent(v, "", "    ")
		} else {
			b, err = json.Marshal(v)
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	pretty := "\uFEFF" + strings.ReplaceAll(marshal(recs, true), "\n", "\r\n")
	compact := marshal(recs, false)
	// Objects that look like records to the cutter, nested in each record
	// (and most of its bytes): a cut among them leaves an unclosed record.
	lookalikes := make([]map[string]string, 40)
	for i := range lookalikes {
		lookalikes[i] = map[string]string{"id": "n", "createdDateTime": "2025-03-01T00:00:00Z"}
	}
	trapped := make([]map[string]any, len(recs))
	for i, r := range recs {
		c := map[string]any{"zNested": lookalikes}
		for k, v := range r {
			c[k] = v
		}
		trapped[i] = c
	}
	// Pages of 50 records back to back, as a collector appending each page
	// with Out-File -Append writes them: joined into one array, then cut.
	var pages strings.Builder
	for i := 0; i < len(recs); i += 50 {
		pages.WriteString(marshal(recs[i:min(i+50, len(recs))], true) + "\n")
	}
	broken := strings.Replace(generated, `"createdDateTime":"`, `"createdDateTime":"x`, 1)
	// Steps as a string in the last record: the typed read fails, the
	// parts are read again with the steps as JSON.
	last := strings.LastIndex(generated, `"authenticationDetails":[`)
	stringSteps := generated[:last] + `"authenticationDetails":"none","x":[` + generated[last+len(`"authenticationDetails":[`):]
	// The last record's first include rule as a JSON string holding the
	// object, as Log Analytics writes rules: the read with rules as objects
	// fails, the parts are read again with the rules as text.
	rule := strings.LastIndex(generated, `"includeRulesSatisfied":[{`) + len(`"includeRulesSatisfied":[`)
	end := rule + strings.Index(generated[rule:], "}") + 1
	stringRule := generated[:rule] + strconv.Quote(generated[rule:end]) + generated[end:]
	// Every rule a JSON string: the file starts with the text read.
	allStringRules := regexp.MustCompile(`\{"conditionalAccessCondition":"[^"]*","ruleSatisfied":"[^"]*"\}`).
		ReplaceAllStringFunc(generated, strconv.Quote)
	if !stringRules.MatchString(allStringRules[:sniffBytes]) {
		t.Fatal("the generated rules were not turned into strings")
	}
	cut := generated[:len(generated)-200]

	dir := t.TempDir()
	oldMin, oldPart, oldThreads, oldWindow := splitGraphMin, splitGraphPart, graphSplitThreads, splitWindow
	splitGraphMin, splitGraphPart, graphSplitThreads, splitWindow = 1, 100_000, 3, 512
	t.Cleanup(func() {
		splitGraphMin, splitGraphPart, graphSplitThreads, splitWindow = oldMin, oldPart, oldThreads, oldWindow
	})
	for _, tc := range []struct {
		name, content string
		split         int64
		want          string
	}{
		{"one record per line", generated, 1, "|600|600|0|"},
		{"indented, BOM, CRLF", pretty, 1, "|600|600|0|"},
		{"one line", compact, 1, "|600|600|0|"},
		{"pages back to back", pages.String(), 1, "|600|600|0|"},
		{"a value page is read whole", `{"value":` + compact + `}`, 0, "|600|600|0|"},
		{"nested objects like records", marshal(trapped, false), 0, "|600|600|0|"},
		{"steps of another JSON type", stringSteps, 1, "|600|600|0|"},
		{"a rule as a JSON string", stringRule, 1, "|600|600|0|"},
		{"every rule a JSON string", allStringRules, 1, "|600|600|0|"},
		{"a broken record", broken, 1, `record 1: createdDateTime "x2025`},
		{"a file cut short", cut, 0, "|600|599|1|0|0|"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.content) < 10*int(splitGraphPart) {
				t.Fatalf("%d bytes: too few parts to test", len(tc.content))
			}
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+"-InteractiveSignIns.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got := loadBothWays(t, &graphSplit, &graphSplitReads, tc.split, path)
			if !strings.Contains(got, tc.want) {
				t.Errorf("want %q in the load:\n%.600s", tc.want, got)
			}
			// The SHA-256 the splitter takes from the parts (or the file's,
			// when the cut is refused) is the file's.
			db, _ := load(t, Options{TempDir: t.TempDir()}, path)
			sum := queryStrings(t, db, "select sha256 from sources")
			if want, err := sha256File(path); err != nil || len(sum) != 1 || sum[0] != want {
				t.Errorf("sha256 %v, want %s (%v)", sum, want, err)
			}
		})
	}
}

func TestPartReads(t *testing.T) {
	for _, c := range []struct {
		head string
		want []partRead
	}{
		{`[{"appliedConditionalAccessPolicies":[{"id":"p","includeRulesSatisfied":[{"conditionalAccessCondition":"users"}]}]}]`,
			[]partRead{partRuleObjects, partRuleText, partJSON}},
		{"[{\"appliedConditionalAccessPolicies\":[{\"id\":\"p\",\"excludeRulesSatisfied\": [\n  \"{\\\"conditionalAccessCondition\\\":\\\"users\\\"}\"]}]}]",
			[]partRead{partRuleText, partJSON}},
		{`[{"appliedConditionalAccessPolicies":[{"id":"p","includeRulesSatisfied":[]}]}]`,
			[]partRead{partRuleObjects, partRuleText, partJSON}},
	} {
		if got := partReads([]byte(c.head)); !slices.Equal(got, c.want) {
			t.Errorf("partReads(%s) = %v, want %v", c.head, got, c.want)
		}
	}
}

func TestPagesBackToBack(t *testing.T) {
	page := `[{"id":"a","createdDateTime":"2025-03-01T00:00:00Z","x":"] ["},{"id":"b"}]`
	long := `[{"id":"a","pad":"` + strings.Repeat("x", sniffBytes) + `"}]`
	for _, c := range []struct {
		name, body string
		want       bool
	}{
		{"one array", page, false},
		{"one array and space", page + "\r\n\r\n", false},
		{"two arrays", page + "\r\n" + page, true},
		{"an array, then an object", page + "\n" + `{"id":"c"}`, true},
		{"a BOM, indented pages", "\ufeff[\n  {\"id\": \"a\"}\n]\n[\n  {\"id\": \"b\"}\n]\n", true},
		{"the first page past the head", long + "\n" + page, true},
		{"one array past the head", long, false},
		{"the first page past the look", `[{"pad":"` + strings.Repeat("x", 3*sniffBytes) + `"}]` + page, false},
		{"a broken array", `[{"id":"a"`, false},
		{"an object", `{"value":[]}` + page, false},
		{"the first page past the head of a file too small to cut", "small:" + long + "\n" + page, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			oldLook, oldMin := pagesLook, splitGraphMin
			pagesLook, splitGraphMin = 2*sniffBytes, 1
			t.Cleanup(func() { pagesLook, splitGraphMin = oldLook, oldMin })
			dir := t.TempDir()
			p := filepath.Join(dir, "x.json")
			body, small := strings.CutPrefix(c.body, "small:")
			if small {
				splitGraphMin = int64(len(body)) + 1
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			sn, err := sniffFile(inputFile{disk: p, display: p}, dir, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := pagesBackToBack(sn); got != c.want {
				t.Errorf("pagesBackToBack = %v, want %v", got, c.want)
			}
		})
	}
}

// A part is copied (copyTo) or joined (joinTo) from its span of the file; a
// span the file no longer holds whole (the file changed under the load) is
// an error naming the file and the bytes missing, also when what was read
// ends between two records and so makes a valid array.
func TestGraphSpanShortRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "SignIns.json")
	body := `{"id":"a"},{"id":"b"}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, join := range []bool{false, true} {
		out := filepath.Join(dir, "part.json")
		whole := graphSpan{from: 0, to: int64(len(body)), prefix: "[", suffix: "]", join: join}
		copyPart := whole.copyTo
		if join {
			copyPart = whole.joinTo
		}
		if err := copyPart(f, out); err != nil {
			t.Fatalf("join=%v, whole span: %v", join, err)
		}
		if got, _ := os.ReadFile(out); string(got) != "["+body+"]" {
			t.Fatalf("join=%v: part = %s", join, got)
		}
		past := whole
		past.to += 40
		copyPart = past.copyTo
		if join {
			copyPart = past.joinTo
		}
		err := copyPart(f, out)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), path) ||
			!strings.Contains(err.Error(), fmt.Sprintf("read %d of the %d bytes at offset 0", len(body), len(body)+40)) {
			t.Fatalf("join=%v, span past the end: err = %v", join, err)
		}
	}
}
