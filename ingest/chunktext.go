package ingest

/*
#include <stdint.h>

// DuckDB's C API (duckdb.h), as duckdb-go's bindings link it: the few
// functions chunkText calls, declared here rather than included (the
// header is in another module).
typedef uint64_t idx_t;
typedef struct _duckdb_data_chunk { void *internal_ptr; } *duckdb_data_chunk;
typedef struct _duckdb_vector { void *internal_ptr; } *duckdb_vector;
idx_t duckdb_data_chunk_get_column_count(duckdb_data_chunk chunk);
duckdb_vector duckdb_data_chunk_get_vector(duckdb_data_chunk chunk, idx_t col_idx);
void duckdb_unsafe_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len);
void duckdb_vector_assign_string_element_len(duckdb_vector vector, idx_t index, const char *str, idx_t str_len);
void duckdb_vector_ensure_validity_writable(duckdb_vector vector);
uint64_t *duckdb_vector_get_validity(duckdb_vector vector);
void duckdb_validity_set_row_invalid(uint64_t *validity, idx_t row);

// mfagap_chunk_text writes rows rows of ncols text columns into chunk:
// the cell of row r and column c (at[r*ncols+c]) is buf[at[i]] for len[i]
// bytes, NULL where at[i] is negative; the column goes to the chunk's
// column col[c], none where that is negative. checked has DuckDB check
// each cell's UTF-8 (NULL where it is not), as duckdb-go's writes do.
static void mfagap_chunk_text(duckdb_data_chunk chunk, const int64_t *col, idx_t ncols, idx_t rows,
		const char *buf, const int64_t *at, const int64_t *len, int checked) {
	for (idx_t c = 0; c < ncols; c++) {
		if (col[c] < 0) {
			continue;
		}
		duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, (idx_t)col[c]);
		uint64_t *validity = 0;
		for (idx_t r = 0; r < rows; r++) {
			idx_t i = r * ncols + c;
			if (at[i] < 0) {
				if (!validity) {
					duckdb_vector_ensure_validity_writable(vec);
					validity = duckdb_vector_get_validity(vec);
				}
				duckdb_validity_set_row_invalid(validity, r);
				continue;
			}
			if (checked) {
				duckdb_vector_assign_string_element_len(vec, r, buf + at[i], (idx_t)len[i]);
			} else {
				duckdb_unsafe_vector_assign_string_element_len(vec, r, buf + at[i], (idx_t)len[i]);
			}
		}
	}
}

static idx_t mfagap_chunk_columns(duckdb_data_chunk chunk) {
	return duckdb_data_chunk_get_column_count(chunk);
}
*/
import "C"

import (
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
)

// chunkText gathers the text cells of a table function's chunk in Go and
// writes them to DuckDB in one call (issue 5): duckdb-go's SetChunkValue
// makes a cgo call for each string, and DuckDB's checked assign reads each
// string's UTF-8 again; on the 1 M Log Analytics JSON lines, about 33 cells
// a row, those were ≈ 7 % of the ingest's CPU samples. Unless told to
// check (start's checked), the caller vouches that every cell is UTF-8
// (the Log Analytics readers check each line or record and hand over its
// parts).
//
// The chunk's C handle and its column projection are duckdb-go's private
// fields, read by reflection: when they are not what this version of
// duckdb-go has (TestChunkText), or chunkTextDirect is off, chunkText sets
// the cells one by one through duckdb-go, each checked by DuckDB.
type chunkText struct {
	dc      *duckdb.DataChunk
	cols    []int // the table function's column of each text column
	direct  bool  // written in one call by flush, not one by one by add
	checked bool
	col     []int64 // the chunk's column of each text column, -1 if not projected
	buf     []byte
	at      []int64
	len     []int64
	rows    int
	chunk   unsafe.Pointer
}

// chunkTextDirect lets chunkText write a chunk's cells in one call; tests
// turn it off to run the one-by-one path. chunkTextChunks counts the
// chunks written in one call.
var (
	chunkTextDirect = true
	chunkTextChunks atomic.Int64
)

// start readies t for chunk, whose text columns are cols (the table
// function's), in the order add takes their cells; checked has DuckDB
// check each cell's UTF-8 (NULL where it is not).
func (t *chunkText) start(chunk *duckdb.DataChunk, cols []int, checked bool) {
	t.dc, t.cols, t.rows, t.checked = chunk, cols, 0, checked
	t.buf, t.at, t.len = t.buf[:0], t.at[:0], t.len[:0]
	t.direct = chunkTextDirect && t.project(chunk)
}

// project reads chunk's internals and maps t.cols to the chunk's columns;
// false when it cannot.
func (t *chunkText) project(chunk *duckdb.DataChunk) bool {
	ptr, proj, ok := chunkInternals(chunk)
	if !ok {
		return false
	}
	t.chunk = ptr
	t.col = t.col[:0]
	for _, i := range t.cols {
		switch {
		case proj == nil:
			t.col = append(t.col, int64(i))
		case i < len(proj):
			t.col = append(t.col, int64(proj[i]))
		default:
			return false
		}
	}
	return true
}

// add takes the chunk's next row's cells (len(cells) == len(cols); an
// empty cell is NULL, DuckDB's reading of an empty cell): rows 0, 1, 2, …
// in turn.
func (t *chunkText) add(cells [][]byte) error {
	row := t.rows
	t.rows++
	if !t.direct {
		for i, c := range cells {
			var err error
			if len(c) == 0 {
				err = t.dc.SetValue(t.cols[i], row, nil)
			} else {
				// DuckDB copies the text.
				err = duckdb.SetChunkValue(*t.dc, t.cols[i], row, unsafe.String(&c[0], len(c)))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range cells {
		if len(c) == 0 {
			t.at = append(t.at, -1)
			t.len = append(t.len, 0)
			continue
		}
		t.at = append(t.at, int64(len(t.buf)))
		t.len = append(t.len, int64(len(c)))
		t.buf = append(t.buf, c...)
	}
	return nil
}

// flush writes the rows added to the chunk, when add has not.
func (t *chunkText) flush() {
	if !t.direct || t.rows == 0 || len(t.cols) == 0 {
		return
	}
	var buf *C.char
	if len(t.buf) > 0 {
		buf = (*C.char)(unsafe.Pointer(&t.buf[0]))
	}
	C.mfagap_chunk_text(C.duckdb_data_chunk(t.chunk), (*C.int64_t)(unsafe.Pointer(&t.col[0])), C.idx_t(len(t.cols)), C.idx_t(t.rows),
		buf, (*C.int64_t)(unsafe.Pointer(&t.at[0])), (*C.int64_t)(unsafe.Pointer(&t.len[0])), C.int(b2i(t.checked)))
	chunkTextChunks.Add(1)
}

// chunkInternals reads duckdb-go's private fields of chunk: the C
// duckdb_data_chunk and the projection (the table function's column i is
// the chunk's column projection[i], -1 when not projected; nil when every
// column is). ok is false when the fields are not as expected or the C
// chunk's column count is not the chunk's.
func chunkInternals(chunk *duckdb.DataChunk) (ptr unsafe.Pointer, projection []int, ok bool) {
	v := reflect.ValueOf(chunk).Elem()
	h := v.FieldByName("chunk")
	p := v.FieldByName("projection")
	if !h.IsValid() || h.Kind() != reflect.Struct || h.NumField() != 1 || h.Type().Field(0).Type.Kind() != reflect.UnsafePointer ||
		!p.IsValid() || p.Type() != reflect.TypeFor[[]int]() {
		return nil, nil, false
	}
	ptr = *(*unsafe.Pointer)(unsafe.Pointer(h.UnsafeAddr()))
	projection = *(*[]int)(unsafe.Pointer(p.UnsafeAddr()))
	if ptr == nil || int(C.mfagap_chunk_columns(C.duckdb_data_chunk(ptr))) != chunk.ColumnCount() {
		return nil, nil, false
	}
	return ptr, projection, true
}
