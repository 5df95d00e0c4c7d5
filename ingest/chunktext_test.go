package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/mfagap/mfagap/gen"
)

// chunkTextSource is a table function of a BIGINT column (the row's
// number) and three text columns, written by chunkText: rows rows, each
// cell chunkTextCell's.
type chunkTextSource struct {
	rows    int
	checked bool
	next    atomic.Int64
	chunks  atomic.Int64 // chunks filled
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
	t.start(&chunk, []int{1, 2, 3}, s.checked)
	if t.direct != chunkTextDirect {
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
		if err := t.add(cells); err != nil {
			return err
		}
	}
	t.flush()
	s.chunks.Add(1)
	return chunk.SetSize(row)
}

// TestChunkText: chunkText writes text cells, NULLs and every length, in
// chunks filled on several threads, whichever columns the query projects,
// in one call a chunk and one by one (chunkTextDirect off, the path taken
// when duckdb-go's internals cannot be read). The one call reads
// duckdb-go's private fields (chunkInternals), which this checks against
// the version go.mod pins.
func TestChunkText(t *testing.T) {
	for _, direct := range []bool{true, false} {
		t.Run(fmt.Sprint("direct ", direct), func(t *testing.T) {
			old := chunkTextDirect
			chunkTextDirect = direct
			defer func() { chunkTextDirect = old }()
			before := chunkTextChunks.Load()
			testChunkText(t)
			if n := chunkTextChunks.Load() - before; (n > 0) != direct {
				t.Errorf("%d chunks written in one call", n)
			}
		})
	}
}

func testChunkText(t *testing.T) {
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
		src.chunks.Store(0)
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
				if (q.checked || !chunkTextDirect) && !utf8.ValidString(want) { // duckdb-go's writes check
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
		if got != rows || src.chunks.Load() < 3 {
			t.Errorf("select %s: %d rows in %d chunks, want %d rows in 3 or more", sel, got, src.chunks.Load(), rows)
		}
	}
}

// TestChunkTextLoads: the Go readers that write through chunkText (Log
// Analytics CSV and JSON lines, audit CSV and JSON lines) load generated
// exports alike whether it writes a chunk's cells in one call or one by
// one, and the Go readers read them.
func TestChunkTextLoads(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, f := range []string{"la-csv", "la-json", "ual-csv", "ual-json"} {
		// 2500 rows: two chunks a file, the second part full.
		sub := filepath.Join(dir, f)
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		p, err := gen.WriteFiles(sub, f, gen.Options{Rows: 2500, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p...)
	}
	la, ual := laGoReads.Load(), ualGoReads.Load()
	got := loadBothWays(t, &chunkTextDirect, &chunkTextChunks, -1, paths...)
	if n, m := laGoReads.Load()-la, ualGoReads.Load()-ual; n != 4 || m != 4 {
		t.Errorf("the Go readers read %d Log Analytics and %d audit files, want 4 and 4 (two loads of two each)", n, m)
	}
	if !strings.Contains(got, "|la-json|signins|") || !strings.Contains(got, "|ual-csv|signins|") {
		t.Errorf("not read as expected:\n%.1500s", got)
	}
}
