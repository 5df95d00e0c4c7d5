package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// ualCSVText is writeUALCSV's text for cells, lines ended by "\n".
func ualCSVText(t *testing.T, cells []string) string {
	t.Helper()
	data, err := os.ReadFile(writeUALCSV(t, filepath.Join(t.TempDir(), "audit.csv"), cells))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestUALGoCSVShapes: an audit CSV as Purview writes it, and as editors
// and scripts rewrite it, loads exactly as the careful path loads it. The
// Go reader (ualGo, ualcsv.go) takes what DuckDB's reader reads the same
// way; a file it does not take as written goes to the SQL path, which
// takes it when DuckDB reads every row, and otherwise to the careful path.
func TestUALGoCSVShapes(t *testing.T) {
	clean := ualCleanRecords(t)
	text := ualCSVText(t, clean)
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	// withLine is the file with line i (the header is 0) made by fn.
	withLine := func(i int, fn func(string) string) string {
		out := append([]string{}, lines...)
		out[i] = fn(out[i])
		return strings.Join(out, "")
	}
	firstCell := func(s string) string { return s[:strings.IndexByte(s, ',')+1] }
	for _, tc := range []struct {
		name string
		text string
		// goReads and fastReads: whether the Go reader loads the file,
		// whether a fast path (Go or SQL) does.
		goReads, fastReads bool
	}{
		{"as written", text, true, true},
		{"CRLF", strings.ReplaceAll(text, "\n", "\r\n"), true, true},
		{"BOM", "\xef\xbb\xbf" + text, true, true},
		{"no final line end", strings.TrimSuffix(text, "\n"), true, true},
		{"cells joined by semicolons under a comma header", strings.ReplaceAll(text, ",3/4/2025 2:05:00 PM,15,UserLoggedIn,,", ";3/4/2025 2:05:00 PM;15;UserLoggedIn;;"), false, false},
		{"spaces around plain cells", strings.ReplaceAll(text, ",15,UserLoggedIn,", ", 15 ,UserLoggedIn ,"), true, true},
		{"a record's first cell opening with #", withLine(3, func(s string) string { return "#" + s }), true, true},
		{"the header quoted", withLine(0, func(s string) string {
			return `"RecordId","CreationDate","RecordType","Operation","UserId","AuditData","AssociatedAdminUnits","AssociatedAdminUnitsNames"` + "\n"
		}), true, true},
		{"line ends mixed", strings.ReplaceAll(text, "\n", "\r\n") + "\n", false, false},
		{"an LF file's last line ending in CR", strings.TrimSuffix(text, "\n") + "\r", false, true},
		{"a blank line between records", withLine(5, func(s string) string { return "\n" + s }), false, true},
		{"a quoted line break in a cell", withLine(4, func(s string) string { return strings.Replace(s, ",UserLoggedIn,", `,"User`+"\n"+`LoggedIn",`, 1) }), false, true},
		{"a carriage return in AuditData", withLine(4, func(s string) string { return strings.Replace(s, `""Id""`, "\r"+`""Id""`, 1) }), false, true},
		{"a quote inside a plain cell", withLine(6, func(s string) string { return strings.Replace(s, ",UserLoggedIn,", `,User"LoggedIn,`, 1) }), false, true},
		{"a cell too many", withLine(7, func(s string) string { return strings.Replace(s, "\n", ",x\n", 1) }), false, false},
		{"a cell too few", withLine(8, func(s string) string { return strings.Replace(s, ",15,", ",", 1) }), false, false},
		{"bytes that are not UTF-8 in a plain cell", withLine(9, func(s string) string { return strings.Replace(s, ",UserLoggedIn,", ",User\xffLoggedIn,", 1) }), false, false},
		// DuckDB names the second AuditData_1, which the SQL path and
		// the careful path leave alone; the Go reader leaves the file.
		{"two AuditData columns", withLine(0, func(s string) string { return strings.Replace(s, "AssociatedAdminUnits,", "AuditData,", 1) }), false, true},
		{"a bad AuditData", withLine(10, func(s string) string {
			return firstCell(s) + strings.Replace(s[len(firstCell(s)):], `""CreationTime"":""`, `""CreationTime"":""x`, 1)
		}), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.csv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if tc.fastReads {
				want = 1
			}
			before := ualGoReads.Load()
			got := loadBothWays(t, &ualFast, &ualFastReads, want, path)
			if n := ualGoReads.Load() - before; (n == 1) != tc.goReads {
				t.Errorf("the Go reader took %d files, want it to take it: %v", n, tc.goReads)
			}
			if !strings.Contains(got, "|ual-csv|signins|") {
				t.Errorf("not read as an audit CSV:\n%.500s", got)
			}
		})
	}
}

// TestUALCSVCells: the Go reader's cells, against the lines it leaves to
// DuckDB.
func TestUALCSVCells(t *testing.T) {
	c, why := ualCSVHeader([]byte("a,\" AUDITDATA\",c\r\n"), ',')
	if why != "" || c.cells != 3 || c.audit != 1 {
		t.Fatalf("header read as %+v (%s)", c, why)
	}
	for line, want := range map[string]string{
		`1,"{""x"":1}",3`: `{"x":1}`,
		`1,{},3`:          `{}`,
		`,"",`:            ``,
		`1,"a,b",""""`:    `a,b`,
		` 1 ,"x"" ",`:     `x" `,
	} {
		got, _, why := c.cell([]byte(line), nil)
		if why != "" || string(got) != want {
			t.Errorf("%q: %q (%s), want %q", line, got, why, want)
		}
	}
	for _, line := range []string{``, `1,2`, `1,2,3,4`, `1,"2,3`, `1,"2"x,3`, `1,2"x,3`, "1,\"2\r\",3", "1,\xff,3", `1,2,"3`} {
		if got, _, why := c.cell([]byte(line), nil); why == "" {
			t.Errorf("%q read as %q, want it left to DuckDB", line, got)
		}
	}
	for _, head := range []string{"a,b", "AuditData,auditdata", `a,"AuditData`, ""} {
		if _, why := ualCSVHeader([]byte(head), ','); why == "" {
			t.Errorf("header %q taken", head)
		}
	}
}

// TestCSVSniffFailure: a line DuckDB's dialect detection cannot parse (a
// quote left open, text after a quoted cell, a CRLF file's blank LF line
// at the end) failed the whole of a small audit export ("Error when
// sniffing file"): now that line alone is a rejected row, named by its
// line, and every other record loads, by every path alike.
func TestCSVSniffFailure(t *testing.T) {
	clean := ualCleanRecords(t)
	text := ualCSVText(t, clean)
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	n := int64(len(lines) - 1)
	for _, tc := range []struct {
		name, text string
		rejected   int64 // the line rejected, 0 for none
	}{
		{"a quote left open", strings.Join(lines[:4], "") + `x,"y,3,UserLoggedIn,,"{}",,` + "\n" + strings.Join(lines[4:], ""), 5},
		{"text after a quoted cell", strings.Join(lines[:6], "") + `x,"y"z,3,UserLoggedIn,,"{}",,` + "\n" + strings.Join(lines[6:], ""), 7},
		{"a CRLF file's blank LF line at the end", strings.ReplaceAll(text, "\n", "\r\n") + "\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.csv")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got := loadBothWays(t, &ualFast, &ualFastReads, 0, path)
			db, _ := load(t, Options{TempDir: t.TempDir()}, path)
			var read, loaded, ignored, rejected int64
			if err := db.QueryRow("select rows_read, rows_loaded, rows_ignored, rows_rejected from sources").Scan(&read, &loaded, &ignored, &rejected); err != nil {
				t.Fatalf("%v\n%.1000s", err, got)
			}
			want := int64(0)
			if tc.rejected > 0 {
				want = 1
			}
			if read != n+want || loaded+ignored != n || rejected != want {
				t.Errorf("read %d, loaded %d, ignored %d, rejected %d; want %d read, %d rejected", read, loaded, ignored, rejected, n+want, want)
			}
			if tc.rejected > 0 {
				if r := rejectReasons(t, db); len(r) != 1 || !strings.HasPrefix(r[0], fmt.Sprintf("line %d: ", tc.rejected)) {
					t.Errorf("rejected %q, want line %d named", r, tc.rejected)
				}
			}
		})
	}
}

// TestCSVSniffFailureLogAnalytics: the Log Analytics CSV, which the careful
// path reads through the same csvTable, keeps every line but the one
// DuckDB's detection could not parse.
func TestCSVSniffFailureLogAnalytics(t *testing.T) {
	paths, err := gen.WriteFiles(t.TempDir(), "la-csv", gen.Options{Rows: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	path := filepath.Join(t.TempDir(), "SigninLogs.csv")
	bad := strings.Join(lines[:5], "") + `x,"y"z` + "\n" + strings.Join(lines[5:], "")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	loadBothWays(t, &laFast, &laFastReads, 0, path)
	db, _ := load(t, Options{TempDir: t.TempDir()}, path)
	var read, loaded, rejected int64
	if err := db.QueryRow("select rows_read, rows_loaded, rows_rejected from sources").Scan(&read, &loaded, &rejected); err != nil {
		t.Fatal(err)
	}
	if r := rejectReasons(t, db); read != 21 || loaded != 20 || rejected != 1 || len(r) != 1 || !strings.HasPrefix(r[0], "line 6: ") {
		t.Errorf("read %d, loaded %d, rejected %d %q; want 21, 20 and line 6", read, loaded, rejected, r)
	}
}
