package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The Log Analytics CSV's cells read in Go (issue 5). DuckDB's CSV reader
// is most of the 1 M export's read into laFast's stage (3.6 GB): the
// columns laFast reads, as text, into a table in memory took it 15.7-17.6
// s, laFast's rules from that table into the stage 11-13 s more, against
// 24-29 s for the read and rules together. The audit CSV's reader
// (ualcsv.go, through the table function mfagap_ual_lines) splits the
// lines instead, on every thread, with no pass over the file before (the
// UTF-8 and long-line scans of csvColumns: the reader checks each line),
// and gives laFast the cells it reads, as text, numbered by line; laFast's
// rules then run on them as on DuckDB's read. The reader takes a file only
// as DuckDB reads it (ualcsv.go says what it leaves: a quoted line break,
// a blank line, a quote in a plain cell, mixed line ends, ...); a file it
// leaves goes to DuckDB's reader (laFastCSV), and a row laFast's rules
// would not take sends the file the careful way, as before. An empty cell,
// quoted or not, is NULL, as DuckDB reads it.

// laGoCSV lets laFastCSV read through the Go reader; tests turn it off to
// have DuckDB's reader read the file.
var laGoCSV = true

// laGoReads counts the files the Go reader read (tests).
var laGoReads atomic.Int64

// laGoTakes says whether laGo reads a file of format fm first.
func laGoTakes(fm *format) bool {
	return laFast && laGoCSV && fm != nil && fm.id == "la-csv"
}

// laGo reads src, a Log Analytics CSV, through the Go reader into laFast's
// stage, and says whether it did; when it did not, nothing is left behind,
// and shape says whether DuckDB's reader may read the file (the Go reader
// did not take it as it is written) or the careful path must.
func (l *loader) laGo(ctx context.Context, src *source) (done, shape bool, err error) {
	in, err := openJSON(src)
	if err != nil {
		return false, false, err
	}
	defer in.Close()
	r := bufio.NewReaderSize(in, 1<<20)
	head, err := r.ReadSlice('\n')
	leave := func(why string) (bool, bool, error) {
		Trace("log analytics: the Go reader leaves the CSV ("+why+")", time.Now())
		return false, true, nil
	}
	if err != nil && err != io.EOF {
		return leave(err.Error()) // a header over 1 MiB
	}
	names, why := csvHeaderCells(head, src.sniff.delim)
	if why != "" {
		return leave(why)
	}
	// The columns as DuckDB names them, those laFast reads given.
	c := ualCSV{delim: src.sniff.delim, cells: len(names), audit: -1, keep: make([]bool, len(names))}
	var cols []string
	for i, name := range duckCSVNames(names) {
		if strings.HasPrefix(name, "__la_") {
			return leave("a column named " + name) // laFast's own names
		}
		if slices.Contains(laReadKeys(), laKey(name)) {
			c.keep[i] = true
			cols = append(cols, name)
		}
	}
	header := slices.Clone(head)
	job := &ualGoJob{ctx: ctx, in: r, line: 2, csv: &c, crlf: bytes.HasSuffix(head, []byte("\r\n")), la: cols, other: map[string]int64{}}
	defer l.hashBlocks(src, job, header)() // the file's SHA-256, as ualGo takes it
	name := fmt.Sprintf("la-csv-%d", ualGoJobSeq.Add(1))
	ualGoJobs.Store(name, job)
	defer ualGoJobs.Delete(name)
	rel := laRelation{from: "mfagap_ual_lines(" + quote(name) + ")", cols: cols, rec: laGoLine, unclean: "false", what: "Go reader"}
	ok, err := l.laFast(ctx, src, rel, func() (bool, error) { return job.stopped() == "", nil })
	if err != nil || !ok {
		if why := job.stopped(); why != "" {
			Trace("log analytics: the Go reader stopped ("+why+")", time.Now())
		}
		l.bar.restartFile() // another path reads the file again
		stop := job.stop.Load()
		return false, err == nil && stop != nil && stop.shape, err
	}
	job.deliverHash(src)
	laGoReads.Add(1)
	return true, false, nil
}

// laGoLine is the Go reader's column of line numbers.
const laGoLine = "__la_line"

func (j *ualGoJob) laColumnInfos() []duckdb.ColumnInfo {
	bigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	out := []duckdb.ColumnInfo{{Name: laGoLine, T: bigint}}
	for _, name := range j.la {
		out = append(out, duckdb.ColumnInfo{Name: name, T: varchar})
	}
	return out
}

// fillLA is FillChunk for a Log Analytics CSV: each line's number, then its
// cells laGo named.
func (j *ualGoJob) fillLA(st *ualGoState, chunk duckdb.DataChunk) error {
	capacity := duckdb.GetDataChunkCapacity()
	row := 0
	for row < capacity {
		l, more, err := j.nextLine(st)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var why string
		st.cells, st.cell, why = j.csv.split(l.raw, st.cell, st.cells[:0])
		if why != "" {
			j.haltShape(fmt.Sprintf("line %d: %s", l.line, why))
			break
		}
		if err := duckdb.SetChunkValue(chunk, 0, row, l.line); err != nil {
			return err
		}
		for i, cell := range st.cells {
			var err error
			if len(cell) == 0 {
				err = chunk.SetValue(i+1, row, nil) // DuckDB's reading of an empty cell, quoted or not
			} else {
				// DuckDB copies the text.
				err = duckdb.SetChunkValue(chunk, i+1, row, unsafe.String(&cell[0], len(cell)))
			}
			if err != nil {
				return err
			}
		}
		row++
	}
	j.rows.Add(int64(row))
	return chunk.SetSize(row)
}
