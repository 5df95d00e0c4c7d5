package ingest

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLACSV loads a Log Analytics CSV export of 20,000 sign-ins, and
// one of 200 (a tenant's in an MSP's folder, where the load's fixed cost
// shows: planning and the like), made of the well-formed rows of
// testdata/la repeated, each with its own Id, and, on the same file,
// DuckDB's own read_csv into a table: the floor the load is compared with.
//
//	go test ./ingest -run '^$' -bench LACSV -benchtime 3x
func BenchmarkLACSV(b *testing.B) {
	in, err := os.Open("testdata/la/SigninLogs_export.csv")
	if err != nil {
		b.Fatal(err)
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	all, err := cr.ReadAll()
	in.Close()
	if err != nil {
		b.Fatal(err)
	}
	recs := all[:1]
	for _, r := range all[1:] {
		if len(r) == len(all[0]) { // the fixture's broken rows are left out
			recs = append(recs, r)
		}
	}
	id := -1
	for i, h := range recs[0] {
		if h == "Id" {
			id = i
		}
	}
	ctx := context.Background()
	for _, rows := range []int{20000, 200} {
		path := filepath.Join(b.TempDir(), "SigninLogs_export.csv")
		out, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := csv.NewWriter(out)
		w.Write(recs[0])
		for i := 0; i < rows; i++ {
			r := append([]string(nil), recs[1+i%(len(recs)-1)]...)
			r[id] = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
			w.Write(r)
		}
		w.Flush()
		if err := out.Close(); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rows=%d/floor", rows), func(b *testing.B) {
			for b.Loop() {
				db, err := Open(ctx, DBOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.Exec("create table t as select * from read_csv(" + quote(path) + ")"); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(fmt.Sprintf("rows=%d/ingest", rows), func(b *testing.B) {
			for b.Loop() {
				db, err := Open(ctx, DBOptions{})
				if err != nil {
					b.Fatal(err)
				}
				s, err := Files(ctx, db, []string{path}, Options{TempDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				if got := s.Sources[0].Loaded; got != int64(rows) {
					b.Fatalf("loaded %d of %d rows", got, rows)
				}
				db.Close()
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
