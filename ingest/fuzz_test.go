package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// Fuzz targets for every parser that reads attacker-controlled bytes. The
// seeds (f.Add and testdata/fuzz/<Name>/) run as ordinary tests; run a target
// for real with e.g.  go test ./ingest -run '^$' -fuzz '^FuzzSplitJSON$' -fuzztime 10m
// (docs/fuzzing.md).

// fixtureSeeds returns the bytes of small fixture files, to seed the corpora.
func fixtureSeeds(f *testing.F, max int) [][]byte {
	f.Helper()
	var out [][]byte
	for _, root := range []string{"testdata", filepath.Join("..", "testdata", "exports")} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".zip") || strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".xlsx") {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && len(b) <= max {
				out = append(out, b)
			}
			return nil
		})
	}
	return out
}

func FuzzSplitJSON(f *testing.F) {
	for _, s := range fixtureSeeds(f, 64<<10) {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Add([]byte(`[{"a":1},{"b":`), false)
	f.Add([]byte(`{"value":[{"a":"]"},{"b":"\"}"}]}`), false)
	f.Add([]byte("[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]"), false)
	f.Fuzz(func(t *testing.T, data []byte, ndjson bool) {
		var last int64
		err := splitJSON(bytes.NewReader(data), ndjson, func(r jsonRecord) error {
			if r.N != last+1 {
				t.Fatalf("record numbers not consecutive: %d after %d", r.N, last)
			}
			last = r.N
			if r.Line < 1 {
				t.Fatalf("record %d has line %d", r.N, r.Line)
			}
			if r.Err == "" && !json.Valid(r.Raw) {
				t.Fatalf("record %d reported valid but is not JSON: %q", r.N, r.Raw)
			}
			if r.Err != "" && len(r.Raw) > maxRawBytes {
				t.Fatalf("rejected record %d keeps %d raw bytes, more than %d", r.N, len(r.Raw), maxRawBytes)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("splitJSON on in-memory bytes returned %v", err)
		}
		// The same records, lines and reasons whether the reader hands over
		// the whole buffer (plain string bytes are copied in runs) or one
		// byte at a time (every byte goes through the state machine).
		var whole, bytewise []jsonRecord
		splitJSON(bytes.NewReader(data), ndjson, func(r jsonRecord) error { whole = append(whole, r); return nil })
		splitJSON(iotest.OneByteReader(bytes.NewReader(data)), ndjson, func(r jsonRecord) error { bytewise = append(bytewise, r); return nil })
		if !reflect.DeepEqual(whole, bytewise) {
			t.Fatalf("records differ by read size:\n%+v\n%+v", whole, bytewise)
		}
		// Nothing lost: a valid array of objects gives one valid record per
		// element, in order (issue 6: every record is accounted for).
		var elems []map[string]json.RawMessage
		if !ndjson && json.Unmarshal(data, &elems) == nil && depthOf(data) <= maxJSONDepth &&
			!slices.ContainsFunc(elems, func(m map[string]json.RawMessage) bool { return m == nil }) {
			var got int64
			splitJSON(bytes.NewReader(data), false, func(r jsonRecord) error {
				if r.Err != "" {
					t.Fatalf("record %d of a valid array rejected: %s", r.N, r.Err)
				}
				got++
				return nil
			})
			if got != int64(len(elems)) {
				t.Fatalf("%d records from an array of %d objects", got, len(elems))
			}
		}
	})
}

func FuzzHeaders(f *testing.F) {
	f.Add("Date (UTC),Request ID,Sign-in error code,Username")
	f.Add(`"Fecha (UTC)";"Id. de solicitud";"Estado"`)
	f.Add("\ufeffa,\"b\"\"c\",,\t")
	f.Fuzz(func(t *testing.T, line string) {
		s := &sniff{head: []byte(line + "\n")}
		s.sniffCSV()
		names, known := csvColumns(s.norm, headerAliases)
		if len(names) != len(s.norm) {
			t.Fatalf("%d names for %d columns", len(names), len(s.norm))
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("column name %q given twice in %q", n, names)
			}
			seen[n] = true
		}
		for k := range known {
			if !seen[k] {
				t.Fatalf("known key %q not among names", k)
			}
		}
		for _, f := range formats {
			f.detect(s) // must not panic
		}
	})
}

func FuzzDetect(f *testing.F) {
	for _, s := range fixtureSeeds(f, 16<<10) {
		f.Add(s)
	}
	f.Add([]byte{0xFF, 0xFE, '{', 0})
	f.Add([]byte{0xFE, 0xFF, 0, '['})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "in.bin")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := sniffFile(inputFile{display: p, disk: p}, dir, 1)
		if err != nil {
			return // unreadable is an answer
		}
		for _, f := range formats {
			f.detect(s)
		}
	})
}

// FuzzFiles loads arbitrary bytes as a .json and as a .csv file end to end:
// never a crash, and the row accounting always holds.
func FuzzFiles(f *testing.F) {
	for _, s := range fixtureSeeds(f, 8<<10) {
		f.Add(s)
	}
	// In Windows-1252 (an accent as one byte), and the same beside a
	// character written in UTF-8 (UTF-8 with a bad byte).
	for _, p := range []string{filepath.Join("testdata", "encodings", "utf8.json"),
		filepath.Join("..", "testdata", "exports", "contoso", "InteractiveSignIns_2025-03-01_2025-03-08.csv")} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.Replace(b, []byte("@"), []byte("Zo\xeb@"), 1))
		f.Add(bytes.Replace(b, []byte("@"), []byte("Zo\xeb\xc3\xab@"), 1))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		a := filepath.Join(dir, "x.json")
		b := filepath.Join(dir, "InteractiveSignIns_x.csv")
		os.WriteFile(a, data, 0o644)
		os.WriteFile(b, data, 0o644)
		db := memDB(t)
		sum, err := Files(ctx, db, []string{a, b}, Options{})
		if err != nil {
			t.Fatalf("Files: %v", err)
		}
		// --explain detects as the load does, and says Windows-1252 exactly
		// where the load read the file as such (also when only its load
		// found the bytes).
		ds, err := Explain([]string{a, b}, Options{})
		if err != nil {
			t.Fatalf("Explain: %v", err)
		}
		explained := map[string]Detection{}
		for _, d := range ds {
			explained[d.Path] = d
		}
		for _, s := range sum.Sources {
			if s.Kind != "skipped" && s.Read != s.Loaded+s.Rejected+s.Duplicates+s.Ignored {
				t.Fatalf("%s (%s): read %d != loaded %d + rejected %d + duplicates %d + ignored %d",
					s.Path, s.Format, s.Read, s.Loaded, s.Rejected, s.Duplicates, s.Ignored)
			}
			d, ok := explained[s.Path]
			if !ok || d.Format != s.Format {
				t.Fatalf("%s: loaded as %q, explained as %q (%v)", s.Path, s.Format, d.Format, ok)
			}
			if cp := strings.Contains(s.Note, "read as Windows-1252"); cp != (d.Encoding == "windows-1252") && s.Kind != "skipped" {
				t.Fatalf("%s: load note %q, explained encoding %q", s.Path, s.Note, d.Encoding)
			}
		}
	})
}

func FuzzTimeMacro(f *testing.F) {
	for _, s := range []string{"2025-05-01T10:00:00Z", "2022-01-24T05:10:08.6816663-05:00", "/Date(1700000000000)/",
		"9/19/2023, 1:45:17.287 PM", "", "'; drop table signins; --", "\x00", "99999-99-99"} {
		f.Add(s)
	}
	ctx := context.Background()
	db, err := Open(ctx, DBOptions{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			// DuckDB strings cannot hold NUL and are always UTF-8; loaders
			// strip the one and replace the other. Binding such a string
			// fails in the driver: that is how the file-name bug was found.
			return
		}
		var v any
		if err := db.QueryRow("select mfagap_time(?)", s).Scan(&v); err != nil {
			t.Fatalf("mfagap_time(%q): %v", s, err)
		}
	})
}

// FuzzParseTime feeds parseTime, the Go reader of side-input and Log
// Analytics dates, in every day/month order. A value it accepts is a
// timestamp of years 1-9999 that isoTime writes and parseTime reads back
// unchanged (graph.sql and the side tables read that text), and the
// file-wide vote never contradicts a value it decided alone.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-05-01T10:00:00Z", "2022-01-24T05:10:08.6816663-05:00", "/Date(1700000000000)/",
		"/Date(-62135596800001)/", "/Date(99999999999999999)/", "9/19/2023, 1:45:17.287 PM", "19.09.2023 13:45",
		"3/12/2025 7:22:01 AM", "12/12/2025 0:00", "2/30/2024 10:00", "13/13/2024 10:00", "", "0001-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v dateVote
		v.observe(s)
		fileOrder, _ := v.order()
		for _, ord := range []dayOrder{orderUnknown, orderMonthFirst, orderDayFirst} {
			tm, err := parseTime(s, ord)
			if err != nil {
				continue
			}
			if tm.Year() < 1 || tm.Year() > 9999 {
				t.Fatalf("parseTime(%q, %s) = %v: outside years 1-9999", s, ord, tm)
			}
			back, err := parseTime(isoTime(tm), orderUnknown)
			if err != nil || !back.Equal(tm) {
				t.Fatalf("parseTime(%q, %s) = %v; isoTime %q reads back as %v, %v", s, ord, tm, isoTime(tm), back, err)
			}
			if ord == orderUnknown && fileOrder != orderUnknown {
				// a value that decides alone must agree with the file's order it voted for
				if other, err := parseTime(s, fileOrder); err != nil || !other.Equal(tm) {
					t.Fatalf("parseTime(%q) = %v alone but %v, %v in a %s file", s, tm, other, err, fileOrder)
				}
			}
		}
	})
}
