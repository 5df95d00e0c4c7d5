package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pieces is a reader that hands out at most n bytes a read.
type pieces struct {
	b []byte
	n int
}

func (p *pieces) Read(out []byte) (int, error) {
	if len(p.b) == 0 {
		return 0, io.EOF
	}
	k := copy(out[:min(len(out), p.n)], p.b)
	p.b = p.b[k:]
	return k, nil
}

// cutRows runs cutLongRowsFrom over in, read piece bytes at a time.
func cutRows(in string, max int64, piece int) (string, []longRow, error) {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	rows, err := cutLongRowsFrom(&pieces{[]byte(in), piece}, w, ',', max)
	if err == nil {
		err = w.Flush()
	}
	return out.String(), rows, err
}

// TestCutLongRows: rows over the maximum become marker lines with the
// same line ends and as many lines, quoted line breaks and doubled quotes
// followed; every other byte is copied as it was, whatever the pieces the
// file is read in.
func TestCutLongRows(t *testing.T) {
	row := func(line int64, text string) longRow {
		return longRow{line: line, size: int64(len(text)), head: []byte(text)}
	}
	for _, tc := range []struct {
		name, in, out string
		rows          []longRow
	}{
		{"none", "h,h\na,b\n\"c\nd\",e\n", "h,h\na,b\n\"c\nd\",e\n", nil},
		{"LF", "h,h\na,b\nx,0123456789abc\ne,f\n", "h,h\na,b\nmfagap-long-row-0\ne,f\n", []longRow{row(3, "x,0123456789abc\n")}},
		{"CRLF, quoted line breaks", "h,h\r\n\"a\r\nbbbbbbbbbbbb\r\nc\",d\r\ne,f\r\n",
			"h,h\r\nmfagap-long-row-0\r\n\r\n\r\ne,f\r\n", []longRow{row(2, "\"a\r\nbbbbbbbbbbbb\r\nc\",d\r\n")}},
		{"CR only", "h,h\ra,b\rxxxxxxxxxxxxxx\re,f", "h,h\ra,b\rmfagap-long-row-0\re,f", []longRow{row(3, "xxxxxxxxxxxxxx\r")}},
		{"last row without a line end", "h,h\na,b\nx,yyyyyyyyyyyyyy", "h,h\na,b\nmfagap-long-row-0", []longRow{row(3, "x,yyyyyyyyyyyyyy")}},
		{"a stray quote in an unquoted field", "h,h\nab\"c,d\nx,0123456789abc\ne,\"f\"\n", "h,h\nab\"c,d\nmfagap-long-row-0\ne,\"f\"\n", []longRow{row(3, "x,0123456789abc\n")}},
		{"a quoted field holding delimiters and line ends", "h,h\n\"a,\nb\",c\nd,\"e\r\nffffffff,\"\"\"\n", "h,h\n\"a,\nb\",c\nmfagap-long-row-0\n\n", []longRow{row(4, "d,\"e\r\nffffffff,\"\"\"\n")}},
		{"doubled quotes, two long rows", "h,h\n\"a\"\"\nb\",cccccccccc\n\"q,\"\"\",r\nzzzzzzzzzzzz,z\n",
			"h,h\nmfagap-long-row-0\n\n\"q,\"\"\",r\nmfagap-long-row-1\n",
			[]longRow{row(2, "\"a\"\"\nb\",cccccccccc\n"), row(5, "zzzzzzzzzzzz,z\n")}},
		{"rows of the maximum and one byte over", "h,h\n012345678\n0123456789\n", "h,h\n012345678\nmfagap-long-row-0\n", []longRow{row(3, "0123456789\n")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, piece := range []int{1, 2, 3, 7, 1 << 20} {
				out, rows, err := cutRows(tc.in, 10, piece)
				if err != nil {
					t.Fatalf("pieces of %d: %v", piece, err)
				}
				if out != tc.out || !reflect.DeepEqual(rows, tc.rows) {
					t.Errorf("pieces of %d:\n got %q %+v\nwant %q %+v", piece, out, rows, tc.out, tc.rows)
				}
			}
		})
	}
	if _, _, err := cutRows("hhhhhhhhhhhhhhh,h\na,b\n", 10, 4); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("a header over the maximum: err %v, want one naming the header", err)
	}
	// The text kept is the row's first maxRawBytes bytes.
	long := "x," + strings.Repeat("y", 3*maxRawBytes) + "\n"
	if _, rows, _ := cutRows("h,h\n"+long, 100, 1000); len(rows) != 1 || string(rows[0].head) != long[:maxRawBytes] {
		t.Errorf("kept %d rows, the first with %d bytes of text, want 1 with the first %d", len(rows), len(rows[0].head), maxRawBytes)
	}
}

// TestRowRuns: fed in pieces of any size, rowRuns never reports more than
// the longest row (LFs outside quotes end rows, quotes counted by parity),
// and reports it exactly when it is longer than a piece; checked against a
// byte-by-byte count on random text of letters, commas, quotes and LFs.
func TestRowRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	alphabet := []byte("aaaaaaa,,\"\"\n\n")
	for round := 0; round < 2000; round++ {
		b := make([]byte, rng.Intn(300))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		var want, start int64
		odd := false
		for i, c := range b {
			switch {
			case c == '"':
				odd = !odd
			case c == '\n' && !odd:
				want, start = max(want, int64(i)-start), int64(i)+1
			}
		}
		want = max(want, int64(len(b))-start)
		for _, k := range []int{1, 2, 3, 7, 64, 1 << 10} {
			var r rowRuns
			for rest := b; len(rest) > 0; rest = rest[min(k, len(rest)):] {
				r.feed(rest[:min(k, len(rest))])
			}
			if got := r.longest(); got > want || want > int64(k) && got != want {
				t.Fatalf("%q in pieces of %d: longest %d, want %d", b, k, got, want)
			}
		}
	}
}

// TestScanTextLongRow: the file scan finds a row longer than its pieces,
// to the byte, in UTF-8, after bytes that end the encoding checks early,
// made of short lines inside a quoted field, and in the UTF-8 copy of a
// Windows-1252 file.
func TestScanTextLongRow(t *testing.T) {
	dir := t.TempDir()
	long := 9<<20 + 12345
	short := strings.Repeat("b\n", 3<<20) + strings.Repeat("\"x\ny\",\"\"\"z\"\n", 1<<18) // quoted line ends and quotes in rows that stay short
	body := func(first string) string {
		return first + "h\n" + short + strings.Repeat("a", long) + "\nc\n"
	}
	quotedLines := "h\n" + short + `"` + strings.Repeat("a\n", (long-5)/2) + `""` + "a\"\nc\n" // one row of many lines, a doubled quote in it
	for _, tc := range []struct{ name, text string }{
		{"UTF-8", body("é,")},
		{"neither UTF-8 nor Windows-1252", body("\x81\xff,")}, // known at once: the scan goes on for the rows only
		{"short lines in a quoted field", quotedLines},
	} {
		p := write(t, dir, tc.name+".csv", tc.text)
		scan, err := scanText(p)
		if err != nil {
			t.Fatal(err)
		}
		if scan.longRow != int64(long) {
			t.Errorf("%s: longest row %d, want %d", tc.name, scan.longRow, long)
		}
	}
	shortRows := write(t, dir, "short.csv", "h\n"+short)
	if scan, err := scanText(shortRows); err != nil || scan.longRow > 4<<20 {
		t.Errorf("short rows: longest %d (%v), want at most a piece", scan.longRow, err)
	}
	// Windows-1252: each é of the long line takes two bytes in the copy.
	in := filepath.Join(dir, "cp1252.csv")
	if err := os.WriteFile(in, []byte("h\xe9\n"+strings.Repeat("\xe9", long)+"\nc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := transcodeWindows1252(in, filepath.Join(dir, "cp1252-utf8.csv"))
	if err != nil || got != int64(2*long) {
		t.Errorf("Windows-1252 copy: longest row %d (%v), want %d", got, err, 2*long)
	}
}

// TestCSVRowsOverMaximum: a row over csvMaxLine is a rejected row naming
// its line and size, whichever reader takes the file (a portal CSV alone or
// in a batch, the Log Analytics and audit CSVs by the careful path), and
// every other row loads. DuckDB itself dropped the portal's unquoted 40 MiB
// row without a word, and rejected its quoted one for an unterminated quote.
func TestCSVRowsOverMaximum(t *testing.T) {
	dir := t.TempDir()
	huge := 40 << 20
	portalFile := func(name string, agents ...int) string {
		var b strings.Builder
		b.WriteString(portalHeader + "\n")
		for i, n := range agents {
			agent := strings.Repeat("a", max(n, -n))
			if n == 1 { // 17 MiB of short lines in a quoted field
				agent = strings.Repeat("a\n", 17<<19)
			}
			row := portalRow(map[int]string{0: "2025-03-04T08:19:41Z", 1: fmt.Sprintf("%s%d", name[:3], i), 2: agent, 6: "alice@contoso.com", 20: tenantA, 25: "Success", 26: "0", 28: "Browser"})
			if n < 0 {
				row = strings.ReplaceAll(row, `"`, "")
			}
			b.WriteString(row + "\n")
		}
		return write(t, dir, name, b.String())
	}
	// Lines 5, 7 and 9 over the maximum: the second unquoted, the third 17
	// MiB of short lines.
	portal := portalFile("InteractiveSignIns_2025-03-01_2025-03-31.csv", 10, 20, 30, huge, 40, -huge, 50, 1, 60)
	// A row of short lines alone over the maximum, line 4, which the scan
	// measuring lines did not see: DuckDB was left to read such a row (it
	// rejected this one with its own reason, a row of 200 000 quoted lines
	// line by line, each a row).
	lines := portalFile("NonInteractiveSignIns_2025-03-01_2025-03-31.csv", 10, 20, 1, 30)
	other := write(t, dir, "InteractiveSignIns_2025-04-01_2025-04-30.csv", portalHeader+"\n"+
		portalSignIn("2025-04-04T08:00:00Z", "q1", "bob@contoso.com", "Browser", "0", "Single-factor authentication", "", "Paris, Ile-de-France, FR")+"\n")
	var la [][]string
	for i, n := range []int{10, 20, 17 << 20, 30} { // the third row, line 4, of 17 MiB
		la = append(la, laTestRow(i, map[string]string{"UserAgent": strings.Repeat("u", n)}))
	}
	laPath := writeLACSV(t, filepath.Join(dir, "SigninLogs_export.csv"), la)
	ual := ualCleanRecords(t)[:3]
	ual[1] = strings.Replace(ual[1], `"UserId":`, `"Padding":"`+strings.Repeat("p", 17<<20)+`","UserId":`, 1)
	ualPath := writeUALCSV(t, filepath.Join(dir, "audit.csv"), ual)

	for _, tc := range []struct {
		name  string
		paths []string
		// per file: rows read, and the lines of the rows over the maximum
		read  []int64
		lines [][]int
	}{
		{"portal CSV", []string{portal}, []int64{9}, [][]int{{5, 7, 9}}},
		{"portal CSVs in a batch", []string{portal, other}, []int64{9, 1}, [][]int{{5, 7, 9}, nil}},
		{"portal CSV, a long row of short lines", []string{other, lines}, []int64{1, 4}, [][]int{nil, {4}}},
		{"Log Analytics CSV", []string{laPath}, []int64{4}, [][]int{{4}}},
		{"audit CSV", []string{ualPath}, []int64{3}, [][]int{{3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, sum := load(t, Options{}, tc.paths...)
			for i, s := range sum.Sources {
				lines := tc.lines[i]
				if s.Read != tc.read[i] || s.Rejected != int64(len(lines)) {
					t.Errorf("%s: read %d rejected %d, want %d and %d (note %q)", s.Path, s.Read, s.Rejected, tc.read[i], len(lines), s.Note)
				}
				if len(lines) == 0 {
					continue
				}
				if !strings.Contains(s.Note, plural(int64(len(lines)), "1 row", fmt.Sprintf("%d rows", len(lines)))+" over the 16.0 MiB maximum") {
					t.Errorf("%s: note %q", s.Path, s.Note)
				}
				got := queryStrings(t, db, "select reason || ' / ' || length(raw) from rejected_rows where source_id = ? order by source_record", i+1)
				if len(got) != len(lines) {
					t.Fatalf("%s: rejected %q, want %d rows", s.Path, got, len(lines))
				}
				for k, line := range lines {
					want := fmt.Sprintf("line %d: a row of ", line)
					if !strings.HasPrefix(got[k], want) || !strings.Contains(got[k], "MiB, over the 16.0 MiB maximum of a CSV row: not read") || !strings.HasSuffix(got[k], fmt.Sprintf(" / %d", maxRawBytes)) {
						t.Errorf("%s: rejected %q, want %q… with %d bytes of text", s.Path, got[k], want, maxRawBytes)
					}
				}
			}
		})
	}
}
