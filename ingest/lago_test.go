package ingest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// laGoText is a Log Analytics CSV of laCleanRows' rows (CRLF, as
// writeLACSV writes it) but those with a line break in a cell, which the Go
// reader leaves to DuckDB's, and extra rows.
func laGoText(t *testing.T, extra ...map[string]string) string {
	t.Helper()
	var rows [][]string
	for i, set := range append(slices.Clone(laCleanRows), extra...) {
		row := laTestRow(i, set)
		if i >= len(laCleanRows) || !slices.ContainsFunc(row, func(c string) bool { return strings.ContainsAny(c, "\r\n") }) {
			rows = append(rows, row)
		}
	}
	b, err := os.ReadFile(writeLACSV(t, filepath.Join(t.TempDir(), "SigninLogs_export.csv"), rows))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLAGoCSVShapes: each shape of a Log Analytics CSV loads through the
// fast paths as the careful path loads it, and through the Go reader as
// through DuckDB's reader; the Go reader takes the file only as DuckDB
// reads it and leaves the rest to DuckDB's reader (lago.go).
func TestLAGoCSVShapes(t *testing.T) {
	text := laGoText(t)
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\r\n"), "\r\n")
	withLine := func(i int, fn func(string) string) string {
		out := slices.Clone(lines)
		out[i] = fn(out[i])
		return strings.Join(out, "") + "\r\n"
	}
	for _, tc := range []struct {
		name    string
		text    string
		goReads bool
	}{
		{"as written (CRLF)", text, true},
		{"LF", strings.ReplaceAll(text, "\r\n", "\n"), true},
		{"BOM", "\xef\xbb\xbf" + text, true},
		{"no final line end", strings.TrimSuffix(text, "\r\n"), true},
		{"empty cells quoted", strings.ReplaceAll(strings.ReplaceAll(text, ",,", `,"",`), ",,", `,"",`), true},
		{"spaces around plain cells", strings.ReplaceAll(text, ",Browser,", ", Browser ,"), true},
		{"the header quoted", withLine(0, func(s string) string {
			return `"` + strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), ",", `","`) + "\"\r\n"
		}), true},
		{"a blank line between rows", withLine(5, func(s string) string { return "\r\n" + s }), false},
		{"a quoted line break in a cell", laGoText(t, laCleanRows[len(laCleanRows)-1]), false},
		{"a quote inside a plain cell", withLine(3, func(s string) string { return strings.Replace(s, ",Browser,", `,Bro"wser,`, 1) }), false},
		{"a cell too many", withLine(4, func(s string) string { return strings.Replace(s, "\r\n", ",x\r\n", 1) }), false},
		{"line ends mixed", withLine(6, func(s string) string { return strings.Replace(s, "\r\n", "\n", 1) }), false},
		{"bytes that are not UTF-8", withLine(7, func(s string) string { return strings.Replace(s, ",Browser,", ",Bro\xffwser,", 1) }), false},
		{"a column named as laFast's own", withLine(0, func(s string) string { return strings.Replace(s, "TenantId", "__la_line", 1) }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			laGoShape(t, "SigninLogs_export.csv", "la-csv", tc.text, tc.goReads, &laGoCSV)
		})
	}
}

// TestLAGoDirtyRows: a row laFast's rules do not take sends a file the Go
// reader read the careful way, as it does one DuckDB's reader read
// (TestLAFastMatchesCareful runs every dirty row through DuckDB's reader;
// the rules are the same SQL after either reader: one row of each kind
// here, to keep the package's tests within go test's default 10 minutes).
func TestLAGoDirtyRows(t *testing.T) {
	for _, name := range []string{"error code not a number", "another table", "not a date", "no id", "trailing comma",
		"status member twice", "policy cell trailing comma"} {
		set := laDirtyRows[name]
		if set == nil {
			t.Fatalf("no dirty row %q", name)
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "SigninLogs_export.csv")
			if err := os.WriteFile(path, []byte(laGoText(t, set)), 0o644); err != nil {
				t.Fatal(err)
			}
			before := laGoReads.Load()
			loadBothWays(t, &laFast, &laFastReads, 0, path)
			if n := laGoReads.Load() - before; n != 0 {
				t.Errorf("the Go reader loaded %d files", n)
			}
		})
	}
}

// TestLAGoJSONShapes: Log Analytics records one a line load through the Go
// reader as through DuckDB's reader and as the careful path loads them; a
// record it does not take sends the file the careful way, a first record
// it does not take leaves the file to DuckDB's reader.
func TestLAGoJSONShapes(t *testing.T) {
	recs := laJSONCleanRecords()
	lines := strings.Join(recs, "\n") + "\n"
	last := func(fn func(string) string) string {
		out := slices.Clone(recs)
		out[len(out)-1] = fn(out[len(out)-1])
		return strings.Join(out, "\n") + "\n"
	}
	for _, tc := range []struct {
		name    string
		text    string
		goReads bool
	}{
		{"as written", lines, true},
		{"CRLF and blank lines", strings.Join(recs, "\r\n\r\n") + "\r\n", true},
		{"BOM", "\xef\xbb\xbf" + lines, true},
		{"the first record's name with an escape", strings.Replace(lines, `"UserType"`, `"User\u0054ype"`, 1), false},
		{"bytes that are not UTF-8", last(func(r string) string { return strings.Replace(r, `"Member"`, "\"Mem\xffber\"", 1) }), false},
		{"a name with an escape", last(func(r string) string { return strings.Replace(r, `"UserType"`, `"User\u0054ype"`, 1) }), false},
		{"a record the careful path rejects", last(func(r string) string { return strings.Replace(r, "{", "[", 1) }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			laGoShape(t, "SigninLogs.json", "la-json", tc.text, tc.goReads, &laGoJSON)
		})
	}
}

// laGoShape loads text, written as name, both ways (it must read as
// format) and checks whether the Go reader took it; when it did, it loads
// it with the reader on and off (the switch on) and compares those too.
func laGoShape(t *testing.T, name, format, text string, goReads bool, on *bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	before := laGoReads.Load()
	got := loadBothWays(t, &laFast, &laFastReads, -1, path)
	if n := laGoReads.Load() - before; (n == 1) != goReads {
		t.Errorf("the Go reader took %d files, want it to take it: %v", n, goReads)
	}
	if !strings.Contains(got, "|"+format+"|signins|") {
		t.Errorf("not read as %s:\n%.500s", format, got)
	}
	if goReads {
		loadBothWays(t, on, &laGoReads, 1, path)
	}
}

// TestLAJSONCell: laJSONCell reads a member's value as jsonText does, the
// careful path's reading.
func TestLAJSONCell(t *testing.T) {
	for _, v := range []string{`"plain"`, `""`, `"a\"b"`, `"\\\/\b\f\n\r\t"`, `"x\\"`, `"\u00e9t\u00e9"`, `"\ud800"`,
		`"\ud83d\ude00 and \n"`, `"é\"é"`, "\"\xff\\n\"", "\"\xff\"", `null`, `12`, `-0`, `1E2`, `true`, `{"a": "b\"c"}`, `[1, 2]`} {
		buf := []byte("left")
		got, buf := laJSONCell([]byte(v), buf)
		if string(got) != jsonText([]byte(v)) {
			t.Errorf("%s: %q, jsonText %q", v, got, jsonText([]byte(v)))
		}
		if string(buf[:4]) != "left" {
			t.Errorf("%s: the buffer's start was overwritten: %q", v, buf)
		}
	}
}

// TestLAGoJSONPolicyMembers: the Go reader numbers a record's policy
// members by their JSON as written (laPolRaw) and reads each pair's texts
// once; what the careful path reads from them must not depend on how they
// are written: escapes that read alike, white space around them, an array
// where a string is usual, a member given twice, one of the two alone. Each
// load, with room for every pair and with none, against the careful path's.
func TestLAGoJSONPolicyMembers(t *testing.T) {
	p := `[{"id": "p1", "displayName": "CA 1/2 \"MFA\"", "result": "success", "enforcedGrantControls": ["Mfa"]}]`
	p2 := `[{"id": "p2", "displayName": "CA 2", "result": "failure"}]`
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	slash := strings.ReplaceAll(str(p), "/", `\/`)
	u := strings.ReplaceAll(str(p), `\"`, `\u0022`)
	var recs []string
	for i, pair := range [][2]string{
		{str(p), "null"},
		{str(p), "null"},
		{slash, "null"},
		{u, "null"},
		{str("\n  " + p + " \u00a0"), "null"},
		{p, "null"},
		{str("[]"), str(p2)},
		{"null", str(p2)},
		{`""`, str(" " + p2)},
		{str("not JSON"), str(p2)},
		{str(p2), str(p)},
	} {
		recs = append(recs, laJSONRecord(300+i, nil, map[string]string{"ConditionalAccessPolicies": pair[0], "AppliedConditionalAccessPolicies": pair[1]}))
	}
	twice := func(r, v string) string {
		return strings.TrimSuffix(r, "}") + `, "ConditionalAccessPolicies": ` + v + "}"
	}
	recs = append(recs, twice(recs[0], "null"), twice(recs[6], `""`), twice(recs[0], str(p2)), twice(recs[7], str(" ")))
	for i := len(recs) - 4; i < len(recs); i++ {
		recs[i] = strings.Replace(recs[i], "-000000000300", fmt.Sprintf("-%012d", 400+i), 1)
		recs[i] = strings.Replace(recs[i], "-000000000306", fmt.Sprintf("-%012d", 400+i), 1)
		recs[i] = strings.Replace(recs[i], "-000000000307", fmt.Sprintf("-%012d", 400+i), 1)
	}
	text := strings.Join(recs, "\n") + "\n"
	old := laPolLimit
	defer func() { laPolLimit = old }()
	for _, limit := range []int{old, 0} {
		laPolLimit = limit
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			laGoShape(t, "SigninLogs.json", "la-json", text, true, &laGoJSON)
		})
	}
}

// TestGoReadersCheckEncodingLater: a Log Analytics or audit CSV whose
// first MiB is UTF-8 is not read through before its load (sniffFile leaves
// the Windows-1252 check for later, checkEncoding): the Go reader, which
// checks each line, reads it once. One whose bytes past its first MiB are
// Windows-1252 loads from a UTF-8 copy, as when the file was checked whole
// before its load (the Go readers off), noted alike (its last line repeats
// an earlier sign-in, which the load then drops: the comparison of the two
// loads covers it).
func TestGoReadersCheckEncodingLater(t *testing.T) {
	const note = "not UTF-8: read as Windows-1252"
	// A file of ASCII throughout (a UTF-8 character would make it UTF-8
	// with bad bytes), past the first MiB, of the lines of text.
	ascii := func(text, end string) string {
		lines := strings.SplitAfter(text, end)
		out := lines[0]
		for len(out) < sniffBytes {
			for _, l := range lines[1:] {
				if !strings.ContainsFunc(l, func(r rune) bool { return r >= 0x80 }) {
					out += l
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		name, file, text string
		// from, to: a cell's text, and what the Windows-1252 line holds instead
		from, to string
		reads    *atomic.Int64
		on       *bool
	}{
		{"Log Analytics", "SigninLogs_export.csv", ascii(laGoText(t), "\r\n"), "Browser", "Navigateur é", &laGoReads, &laGoCSV},
		{"audit", "AuditLog_2025-03-01.csv", ascii(ualCSVText(t, ualCleanRecords(t)), "\n"), "Windows10", "Windows é", &ualGoReads, &ualGoCSV},
	} {
		t.Run(c.name+", UTF-8", func(t *testing.T) {
			path := write(t, t.TempDir(), c.file, c.text)
			before, read := preReads.Load(), c.reads.Load()
			load(t, Options{}, path)
			if n := preReads.Load() - before; n != 0 {
				t.Errorf("read through %d bytes before the Go reader", n)
			}
			if c.reads.Load()-read != 1 {
				t.Errorf("the Go reader did not read it")
			}
		})
		t.Run(c.name+", Windows-1252 past the first MiB", func(t *testing.T) {
			line := strings.SplitAfter(c.text, "\n")[1]
			if !strings.Contains(line, c.from) {
				t.Fatalf("no %q in %q", c.from, line)
			}
			text := c.text + cp1252(t, strings.Replace(line, c.from, c.to, 1))
			path := write(t, t.TempDir(), c.file, text)
			read := c.reads.Load()
			got := loadBothWays(t, c.on, c.reads, -1, path)
			if c.reads.Load()-read != 1 {
				t.Errorf("the Go reader did not read the copy")
			}
			if !strings.Contains(got, note) {
				t.Errorf("not read as Windows-1252:\n%.800s", got)
			}
		})
	}
}
