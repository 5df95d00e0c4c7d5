package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// chunkTextSource is a table function of a BIGINT column (the row's
// number) and three text columns, written by chunkText: rows rows, each
// cell chunkTextCell's.
type chunkTextSource struct {
	rows    int
	checked bool
	next    atomic.Int64
	fast    atomic.Int64 // chunks chunkText wrote
}

func chunkTextCell(row, col int) string {
	if row%997 == 5 {
		return "not UTF-8: \xff" // NULL when checked, as duckdb-go's writes give it
	}
	switch (row + col) % 5 {
	case 0:
		return "" // NULL
	case 1:
		return fmt.Sprintf("s%d", row) // inlined by DuckDB (≤ 12 bytes)
	case 2:
		return fmt.Sprintf("a longer cell, row %d column %d: ünïcödé ✓", row, col)
	case 3:
		return strings.Repeat("x", row%300+13)
	}
	return "'; drop table t; --\x00"
}

func (s *chunkTextSource) ColumnInfos() []duckdb.ColumnInfo {
	bigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return []duckdb.ColumnInfo{{Name: "n", T: bigint}, {Name: "c0", T: varchar}, {Name: "c1", T: varchar}, {Name: "c2", T: varchar}}
}
func (s *chunkTextSource) Cardinality() *duckdb.CardinalityInfo { return nil }
func (s *chunkTextSource) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: 4}
}
func (s *chunkTextSource) NewLocalState() any { return &chunkText{} }
func (s *chunkTextSource) FillChunk(local any, chunk duckdb.DataChunk) error {
	t := local.(*chunkText)
	if !t.start(&chunk, []int{1, 2, 3}, s.checked) {
		return fmt.Errorf("chunkText cannot read this duckdb-go's chunk")
	}
	row := 0
	cells := make([][]byte, 3)
	for ; row < duckdb.GetDataChunkCapacity(); row++ {
		n := int(s.next.Add(1)) - 1
		if n >= s.rows {
			break
		}
		if err := duckdb.SetChunkValue(chunk, 0, row, int64(n)); err != nil {
			return err
		}
		for c := range cells {
			cells[c] = []byte(chunkTextCell(n, c))
		}
		t.add(cells)
	}
	t.flush()
	s.fast.Add(1)
	return chunk.SetSize(row)
}

// TestChunkText: chunkText writes text cells, NULLs and every length, in
// chunks filled on several threads, whichever columns the query projects;
// it reads duckdb-go's private fields (chunkInternals), which this checks
// against the version go.mod pins.
func TestChunkText(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	src := &chunkTextSource{}
	err = duckdb.RegisterTableUDF(conn, "chunk_text", duckdb.ParallelChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duckdb.ParallelChunkTableSource, error) { return src, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	const rows = 5000 // three chunks
	for _, q := range []struct {
		cols    string // "20": c1 not projected, c2 before c0
		checked bool
	}{{"012", false}, {"20", false}, {"1", false}, {"012", true}, {"20", true}} {
		cols := q.cols
		src.rows, src.checked = rows, q.checked
		src.next.Store(0)
		src.fast.Store(0)
		sel := "n"
		for _, c := range cols {
			sel += ", c" + string(c)
		}
		r, err := conn.QueryContext(ctx, "select "+sel+" from chunk_text() order by n")
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for r.Next() {
			var n int64
			cells := make([]sql.NullString, len(cols))
			dest := []any{&n}
			for i := range cells {
				dest = append(dest, &cells[i])
			}
			if err := r.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				want := chunkTextCell(int(n), int(c-'0'))
				if q.checked && !utf8.ValidString(want) {
					want = ""
				}
				if cells[i].Valid != (want != "") || cells[i].String != want {
					t.Fatalf("select %s: row %d column c%c: %q (valid %v), want %q", sel, n, c, cells[i].String, cells[i].Valid, want)
				}
			}
			got++
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if got != rows || src.fast.Load() < 3 {
			t.Errorf("select %s: %d rows in %d chunks, want %d rows in 3 or more", sel, got, src.fast.Load(), rows)
		}
	}
}
