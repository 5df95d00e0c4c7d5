package ingest

import (
	"context"
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
