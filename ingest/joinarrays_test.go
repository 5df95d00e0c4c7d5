package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// joinArrays makes one array of a file's top-level arrays and objects, whatever
// the brackets, quotes and backslashes inside strings, and wherever the reads
// cut the file; anything else at the top level is an error.
func TestJoinArrays(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, in string
		values   int
		want     string // the records, as JSON; "" when joinArrays must fail
	}{
		{"one array", `[{"a":1},{"b":2}]`, 1, `[{"a":1},{"b":2}]`},
		{"PowerShell pages", "\uFEFF[\r\n    {\r\n        \"id\":  \"x][\\\"\",\r\n        \"n\":  [1, [2]]\r\n    }\r\n]\r\n[\r\n    {\"id\":  \"\\\\\"}\r\n]\r\n",
			2, `[{"id":"x][\"","n":[1,[2]]},{"id":"\\"}]`},
		{"empty pages and a bare object", "[]\n{\"a\":\"{\"}\n[ ]\n[{\"b\":2},\n{\"c\":3}][]", 5, `[{"a":"{"},{"b":2},{"c":3}]`},
		{"only empty arrays", "[][]", 2, `[]`},
		{"a string at the top", `[{"a":1}] "x"`, 0, ""},
		{"garbage after the arrays", "[{\"a\":1}]\n[{\"b\":2}]\nnot json", 0, ""},
		{"unterminated array", `[{"a":1}][{"b":2}`, 0, ""},
		{"unterminated string", `[{"a":1}][{"b":"2}]`, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := write(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".json", tc.in)
			var first string
			for _, chunk := range []int{1, 2, 3, 5, 1 << 20} {
				old := joinChunk
				joinChunk = chunk
				out := filepath.Join(dir, fmt.Sprintf("out-%d.json", chunk))
				values, err := joinArrays(in, out)
				joinChunk = old
				if tc.want == "" {
					if err == nil || !strings.Contains(err.Error(), in) {
						t.Fatalf("chunk %d: want an error naming the file, got %v", chunk, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("chunk %d: %v", chunk, err)
				}
				b, _ := os.ReadFile(out)
				if first == "" {
					first = string(b)
				} else if string(b) != first {
					t.Fatalf("chunk %d wrote %q, chunk 1 %q", chunk, b, first)
				}
				var got, want any
				if err := json.Unmarshal(b, &got); err != nil {
					t.Fatalf("chunk %d: not JSON: %v\n%s", chunk, err, b)
				}
				json.Unmarshal([]byte(tc.want), &want)
				if !reflect.DeepEqual(got, want) || values != tc.values {
					t.Fatalf("chunk %d: %d values %s, want %d %s", chunk, values, b, tc.values, tc.want)
				}
			}
		})
	}
}

// A Microsoft-Extractor-Suite file (UTF-8 BOM, PowerShell's indentation,
// CRLF, one array per Graph page appended back to back, a one-record page as a
// bare object) is read by DuckDB once joined, and loads exactly what the
// careful path loads. With a broken record among the pages it falls back to
// the careful path, which names the record.
func TestGraphJoinedPages(t *testing.T) {
	var buf bytes.Buffer
	if err := gen.Write(&buf, "graph-json", gen.Options{Rows: 700, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &recs); err != nil {
		t.Fatal(err)
	}
	pages := func(recs []json.RawMessage) string {
		var out strings.Builder
		out.WriteString("\uFEFF")
		for i := 0; i < len(recs); i += 250 {
			page := recs[i:min(i+250, len(recs))]
			var v any = page
			if len(page) == 1 {
				v = page[0] // PowerShell unwraps a one-element array
			}
			b, err := json.MarshalIndent(v, "", "    ")
			if err != nil {
				t.Fatal(err)
			}
			out.WriteString(strings.ReplaceAll(strings.ReplaceAll(string(b), "\n", "\r\n"), `": `, `":  `) + "\r\n")
		}
		return out.String()
	}
	if len(recs) < 600 {
		t.Fatalf("generator wrote %d records", len(recs))
	}
	dir := t.TempDir()
	clean := write(t, dir, "clean/20250301120000-interactiveUser-SignInLogs.json", pages(recs[:501])) // pages of 250, 250, 1
	broken := append([]json.RawMessage(nil), recs...)
	broken[300] = json.RawMessage(`{"id":"x","createdDateTime":"not a time"}`)
	bad := write(t, dir, "bad/20250301120000-interactiveUser-SignInLogs.json", pages(broken))

	for _, tc := range []struct {
		name, path string
		joined     bool
		want       string // in the dump
	}{
		{"pages", clean, true, "graph-json|signins|11111111-1111-1111-1111-000000000001|501|501|0|0|0|"},
		{"a broken record", bad, false, "record 301: createdDateTime \"not a time\" is not a timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := int64(0)
			if tc.joined {
				want = 1
			}
			got := loadBothWays(t, &graphJoin, &graphJoinReads, want, tc.path)
			if !strings.Contains(got, tc.want) || strings.Count(got, "\n") < 1000 {
				t.Errorf("want %q in the load:\n%.800s", tc.want, got)
			}
		})
	}
}
