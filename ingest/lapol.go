package ingest

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The policy cells of a Log Analytics read, kept once each (issue 5). The
// ConditionalAccessPolicies cell is half of a Log Analytics CSV (1.8 KB a
// row in the 1 M benchmark) and repeats a few distinct values in millions
// of rows. laFast trimmed it and stored it, with
// AppliedConditionalAccessPolicies, in every row of the stage, and
// laPolicyCells typed each distinct pair after the read. Now the read hands
// each row's pair to mfagap_la_pol, a scalar function of ours, which trims
// it, keeps each distinct pair once, in Go, and gives its number; the stage
// stores the number. On the 1 M file's cells, from a table in memory into
// another: the trim and the text 1.54 s, the function's number 0.54-0.64 s.
// The pairs reach laPolicyCells through mfagap_la_pol_cells, a table
// function. Past laPolLimit bytes of distinct pairs the function gives
// NULL for a pair it has not seen, and the stage keeps that row's texts as
// before: memory stays bounded whatever the file holds, and each pair is
// read the same either way (TestLAPolLimit).

// laPolHashed is the bit that marks a pair's hash in the stage's
// __la_pol_h, where mfagap_la_pol had no room for the pair (the texts are
// then in the row); without it the number is mfagap_la_pol's.
const laPolHashed uint64 = 1 << 63

// laPolLimit is the bytes of distinct policy cells a read keeps in Go
// (tests make it small).
var laPolLimit = 64 << 20

// laPolOverflows counts the reads that had no room for every pair (tests).
var laPolOverflows atomic.Int64

// laPolReads are the reads in progress, by the name mfagap_la_pol is given.
var (
	laPolReads   sync.Map
	laPolReadSeq atomic.Int64
)

// laPolRead is one read's distinct pairs of policy cells.
type laPolRead struct {
	mu    sync.Mutex
	ids   map[string]uint64
	pairs [][2]*string
	bytes int
	// full says a pair was not kept for want of room.
	full bool
}

// laPolKey appends a pair's key to buf: a byte of which cells are NULL, the
// first cell's length, then both cells.
func laPolKey(buf []byte, t1, t2 string, ok1, ok2 bool) []byte {
	var nulls byte
	if !ok1 {
		nulls |= 1
	}
	if !ok2 {
		nulls |= 2
	}
	buf = append(buf, nulls)
	buf = binary.AppendUvarint(buf, uint64(len(t1)))
	buf = append(buf, t1...)
	return append(buf, t2...)
}

// id returns the number of the pair whose key is key (the cells t1 and t2,
// NULL where not ok), keeping the pair when it is new and there is room;
// false when there is none. r.mu is held.
func (r *laPolRead) id(key []byte, t1, t2 string, ok1, ok2 bool) (uint64, bool) {
	if id, ok := r.ids[string(key)]; ok {
		return id, true
	}
	// Kept: the map's copy of the key, the cells' copies, their headers.
	need := 2*len(key) + 64
	if r.bytes+need > laPolLimit {
		r.full = true
		return 0, false
	}
	// t1 and t2 are DuckDB's memory, borrowed for the call: copied.
	var pair [2]*string
	if ok1 {
		s := strings.Clone(t1)
		pair[0] = &s
	}
	if ok2 {
		s := strings.Clone(t2)
		pair[1] = &s
	}
	id := uint64(len(r.pairs))
	r.ids[string(key)] = id
	r.pairs = append(r.pairs, pair)
	r.bytes += need
	return id, true
}

// number returns the number of the pair of policy cells t1 and t2 (NULL
// where not ok), as laFast's polCells read them: the first trimmed as
// la_trim trims (strings.TrimSpace), each NULL unless it starts like JSON;
// false when there was no room to keep a new pair. key is a buffer the
// caller reuses (returned grown). r.mu is held; t1 and t2 may be borrowed.
func (r *laPolRead) number(key []byte, t1, t2 string, ok1, ok2 bool) (uint64, []byte, bool) {
	t1, t2, ok1, ok2 = laPolTexts(t1, t2, ok1, ok2)
	key = laPolKey(key[:0], t1, t2, ok1, ok2)
	id, ok := r.id(key, t1, t2, ok1, ok2)
	return id, key, ok
}

// laPolTexts reads a pair of policy cells (NULL where not ok) as laFast's
// polCells do: the first trimmed, each NULL ("", false) unless it starts
// like JSON.
func laPolTexts(t1, t2 string, ok1, ok2 bool) (string, string, bool, bool) {
	t1 = strings.TrimSpace(t1)
	ok1 = ok1 && laJSONText(t1)
	ok2 = ok2 && laJSONText(t2)
	if !ok1 {
		t1 = ""
	}
	if !ok2 {
		t2 = ""
	}
	return t1, t2, ok1, ok2
}

// laPolUDF is mfagap_la_pol(read, policies, applied): the number of the
// pair of cells, as laFast's polCells read them (the first trimmed as
// la_trim trims, with strings.TrimSpace; each NULL unless it starts like
// JSON), in the read named read, as text, or NULL when there was no room
// to keep a new pair.
type laPolUDF struct{}

func (laPolUDF) Config() duckdb.ScalarFuncConfig {
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{
		InputTypeInfos: []duckdb.TypeInfo{varchar, varchar, varchar}, ResultTypeInfo: varchar,
		// NULL cells are pairs too; and the number depends on the read's
		// state, so DuckDB must call it for each row.
		SpecialNullHandling: true, Volatile: true,
	}
}

func (laPolUDF) Executor() duckdb.ScalarFuncExecutor {
	// The read's name is read from each chunk's first row: duckdb-go's
	// ScalarBinder, which would read it once, aborts the process when
	// another argument is a constant NULL (a file without one of the two
	// columns).
	return duckdb.ScalarFuncExecutor{
		ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
			chunk := st.GetInputChunk()
			var views [3]duckdb.VectorView[string]
			for i := range views {
				vec, err := chunk.GetVector(i)
				if err != nil {
					return err
				}
				if views[i], err = duckdb.GetVectorView[string](vec); err != nil {
					return err
				}
			}
			if views[0].Len() == 0 {
				return nil
			}
			name, _, err := views[0].GetValueBorrowed(0)
			if err != nil {
				return err
			}
			found, ok := laPolReads.Load(name)
			if !ok {
				return fmt.Errorf("mfagap_la_pol: no read named %q", name)
			}
			r := found.(*laPolRead)
			out, err := duckdb.GetVectorWriter[string](st.GetResultVector())
			if err != nil {
				return err
			}
			var key, num []byte
			r.mu.Lock()
			defer r.mu.Unlock()
			for row := range views[0].Len() {
				t1, ok1, err := views[1].GetValueBorrowed(row)
				if err != nil {
					return err
				}
				t2, ok2, err := views[2].GetValueBorrowed(row)
				if err != nil {
					return err
				}
				var id uint64
				id, key, ok = r.number(key, t1, t2, ok1, ok2)
				if !ok {
					if err := out.SetNull(row); err != nil {
						return err
					}
					continue
				}
				num = fmt.Appendf(num[:0], "%d", id)
				if err := out.Set(row, unsafe.String(&num[0], len(num))); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// laPolCells is mfagap_la_pol_cells(read): the read's pairs, (h, t1, t2).
type laPolCells struct {
	r    *laPolRead
	next int
}

func (c *laPolCells) ColumnInfos() []duckdb.ColumnInfo {
	ubig, _ := duckdb.NewTypeInfo(duckdb.TYPE_UBIGINT)
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return []duckdb.ColumnInfo{{Name: "h", T: ubig}, {Name: "t1", T: varchar}, {Name: "t2", T: varchar}}
}

func (c *laPolCells) Cardinality() *duckdb.CardinalityInfo { return nil }

func (c *laPolCells) Init() {}

func (c *laPolCells) FillRow(row duckdb.Row) (bool, error) {
	if c.next >= len(c.r.pairs) {
		return false, nil
	}
	p := c.r.pairs[c.next]
	if err := duckdb.SetRowValue(row, 0, uint64(c.next)); err != nil {
		return false, err
	}
	for i, t := range p {
		var err error
		if t == nil {
			err = row.SetRowValue(i+1, nil)
		} else {
			err = duckdb.SetRowValue(row, i+1, *t)
		}
		if err != nil {
			return false, err
		}
	}
	c.next++
	return true, nil
}

// registerLAPol registers mfagap_la_pol and mfagap_la_pol_cells.
func registerLAPol(conn *sql.Conn) error {
	if err := duckdb.RegisterScalarUDF(conn, "mfagap_la_pol", laPolUDF{}); err != nil {
		return err
	}
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.RegisterTableUDF(conn, "mfagap_la_pol_cells", duckdb.RowTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.RowTableSource, error) {
			name, _ := args[0].(string)
			r, ok := laPolReads.Load(name)
			if !ok {
				return nil, fmt.Errorf("mfagap_la_pol_cells: no read named %q", name)
			}
			return &laPolCells{r: r.(*laPolRead)}, nil
		},
	})
}

// newLAPolRead starts a read's pairs and returns its name, the read and a
// function that ends it.
func newLAPolRead() (string, *laPolRead, func()) {
	name := fmt.Sprintf("la-%d", laPolReadSeq.Add(1))
	r := &laPolRead{ids: map[string]uint64{}}
	laPolReads.Store(name, r)
	return name, r, func() {
		laPolReads.Delete(name)
		if r.full {
			laPolOverflows.Add(1)
		}
	}
}

// laJSONText is la_json_text's test: the text starts like a JSON object or
// array.
func laJSONText(t string) bool {
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}
