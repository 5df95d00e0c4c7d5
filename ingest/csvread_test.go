package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadCSVFailure: an insert that fails part way through readCSV leaves
// no row behind, and the connection is usable afterwards with insertion
// order off again (Open's setting; ordered turns it on for the load), the
// next load numbered from 1, in memory and in a database file.
func TestReadCSVFailure(t *testing.T) {
	ctx := context.Background()
	for _, inMemory := range []bool{true, false} {
		path := ""
		if !inMemory {
			path = filepath.Join(t.TempDir(), "t.duckdb")
		}
		db, err := Open(ctx, DBOptions{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		csvPath := write(t, t.TempDir(), "t.csv", "a,b\n1,2\n3,x\n5,6\n")
		src := &source{id: 1, sniff: &sniff{disk: csvPath, delim: ','}}
		l := &loader{db: db, tmp: t.TempDir()}
		if _, err := db.Exec("create table t (a integer, b integer, rec bigint)"); err != nil {
			t.Fatal(err)
		}
		read := func(insert string) error {
			return l.readCSV(ctx, src, csvRead{names: []string{"a", "b"}, want: []string{"a", "b"},
				insert: insert, table: "t", rec: "rec", scope: "true"})
		}
		if err := read("insert into t select a::integer, b::integer, 0 from csv_read"); err == nil || !strings.Contains(err.Error(), "x") {
			t.Fatalf("in memory %v: want the conversion error, got %v", inMemory, err)
		}
		var n int
		var order string
		db.QueryRow("select count(*) from t").Scan(&n)
		db.QueryRow("select current_setting('preserve_insertion_order')::varchar").Scan(&order)
		if n != 0 || order != "false" {
			t.Errorf("in memory %v: after the failure %d rows, insertion order %s; want 0 and false", inMemory, n, order)
		}
		if err := read("insert into t select a::integer, try_cast(b as integer), 0 from csv_read"); err != nil {
			t.Fatalf("in memory %v: %v", inMemory, err)
		}
		got := strings.Join(queryStrings(t, db, "select a || ':' || rec from t order by a"), ",")
		if got != "1:1,3:2,5:3" || src.read != 3 {
			t.Errorf("in memory %v: rows %s, read %d; want 1:1,3:2,5:3 and 3", inMemory, got, src.read)
		}
		db.Close()
	}
}

// The Log Analytics and audit exports' SQL paths read their CSV with
// DuckDB's rejects tables; a portal CSV read after one of them in the same
// run failed whole ("Reject Error Table name csv_rejects is already in
// use"), found by loading ../shared/samples with testdata/exports. Every
// CSV loads whatever was read before it.
func TestCSVAfterSQLPathCSV(t *testing.T) {
	portal, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, first := range []string{"testdata/la/SigninLogs_export.csv", "testdata/ual/purview-audit.csv"} {
		b, err := os.ReadFile(first)
		if err != nil {
			t.Fatal(err)
		}
		// Files are loaded in the order of their names.
		dir := t.TempDir()
		_, sum := load(t, Options{}, write(t, dir, "1-"+filepath.Base(first), string(b)), write(t, dir, "2-InteractiveSignIns.csv", string(portal)))
		for _, s := range sum.Sources {
			if s.Loaded == 0 || strings.Contains(s.Note, "load failed") {
				t.Errorf("after %s: %s loaded %d: %s", first, s.Path, s.Loaded, s.Note)
			}
		}
	}
}

// A CRLF CSV with an LF line (a blank line added at the end, a line joined
// from elsewhere) failed whole in DuckDB's strict reader; it is read again
// from a copy with LF line endings, and a row with a column too many is
// still rejected with its line number (DuckDB's lenient mode would have
// dropped the extra cell without a word). Quoted line breaks stay.
func TestMixedLineEnds(t *testing.T) {
	b, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\r\n")
	lines[3] = strings.TrimSuffix(lines[3], "\r\n") + "\n"                     // line 4 ends in LF alone
	lines[5] = strings.TrimSuffix(lines[5], "\r\n") + ",one cell too many\r\n" // line 6 is rejected
	dir := t.TempDir()
	p := write(t, dir, "InteractiveSignIns_mixed.csv", strings.Join(lines, "")+"\n")
	db, sum := load(t, Options{}, p)
	s := sum.Sources[0]
	if s.Read != 13 || s.Loaded != 12 || s.Rejected != 1 || !strings.Contains(s.Note, "line endings mixed") {
		t.Fatalf("read %d, loaded %d, rejected %d, note %q; want 13, 12, 1 and the line endings named", s.Read, s.Loaded, s.Rejected, s.Note)
	}
	if got := queryStrings(t, db, "select source_record::varchar from rejected_rows"); len(got) != 1 || got[0] != "6" {
		t.Errorf("rejected lines %v, want [6]", got)
	}

	var buf strings.Builder
	in := write(t, dir, "in.csv", "a,b\r\n\"x\r\ny\",1\r\n2,3\n\r")
	out := filepath.Join(dir, "out.csv")
	if err := lfLineEnds(in, out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	buf.Write(got)
	if want := "a,b\n\"x\r\ny\",1\n2,3\n\n"; buf.String() != want {
		t.Errorf("lfLineEnds: %q, want %q", buf.String(), want)
	}
}
