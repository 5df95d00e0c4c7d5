package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
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
//
// A Log Analytics query export in JSON, one record a line, goes through the
// same function (laGoLines): each record is scanned once (scanRecord) and
// each member laFast reads given as the careful path's text (jsonText: a
// string's content, any other value as written), where DuckDB's JSON
// reader took each record apart three times and wrote numbers, objects and
// arrays otherwise than the careful path reads them. A record the careful
// path would read otherwise (not an object, not valid JSON or UTF-8, a
// name with an escape, a member the rules read under a spelling other
// than the first record's) sends the file the careful way, which names it.

// laGoCSV and laGoJSON let laFast's loads read through the Go reader;
// tests turn them off to have DuckDB's readers read the file.
var laGoCSV, laGoJSON = true, true

// laGoReads counts the files the Go reader read (tests).
var laGoReads atomic.Int64

// laGoTakes says whether the Go reader reads a file of format fm first: a
// Log Analytics CSV (laGo), or JSON records one a line (laGoLines).
func laGoTakes(fm *format, sn *sniff) bool {
	return laFast && fm != nil && (fm.id == "la-csv" && laGoCSV || fm.id == "la-json" && sn.ndjson && laGoJSON)
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
	leave := func(why string) (bool, bool, error) {
		Trace("log analytics: the Go reader leaves the CSV ("+why+")", time.Now())
		return false, true, nil
	}
	job := &ualGoJob{ctx: ctx, in: in}
	header, why := job.csvHeader()
	if why != "" {
		return leave(why)
	}
	names, why := csvHeaderCells(header, src.sniff.delim)
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
		if laReads(name) {
			c.keep[i] = true
			cols = append(cols, name)
		}
	}
	job.csv, job.la = &c, cols
	defer l.hashBlocks(src, job, header)() // the file's SHA-256, as ualGo takes it
	ok, err := l.laGoRead(ctx, src, job, cols, "Go reader")
	if err != nil || !ok {
		stop := job.stop.Load()
		return false, err == nil && stop != nil && stop.shape, err
	}
	return true, false, nil
}

// laGoNo is the Go reader's column that numbers the rows: a CSV's line,
// the record of JSON lines; laGoPol its column of the numbers of the
// policy cells (laRelation.polNo).
const (
	laGoNo  = "__la_no"
	laGoPol = "__la_pol_no"
)

// laGoLines reads src, Log Analytics records one a line, through the Go
// reader into laFast's stage, and says whether it did; when it did not,
// nothing is left behind, and shape says whether DuckDB's reader may read
// the file (the Go reader does not take its first record) or the careful
// path must, as laGo's.
func (l *loader) laGoLines(ctx context.Context, src *source) (done, shape bool, err error) {
	cols, ok, err := laJSONColumns(src)
	if err != nil || !ok {
		if err == nil {
			Trace("log analytics: the Go reader leaves the JSON (its first record)", time.Now())
		}
		return false, err == nil, err
	}
	in, err := openJSON(src)
	if err != nil {
		return false, false, err
	}
	defer in.Close()
	idx := map[string]int{}
	for i, c := range cols {
		idx[c] = i
	}
	job := &ualGoJob{ctx: ctx, in: in, line: 1, la: cols, laJSON: idx}
	defer l.hashBlocks(src, job, nil)()
	ok, err = l.laGoRead(ctx, src, job, cols, "Go reader of JSON lines")
	return ok, false, err
}

// laJSONColumns reads src's first record and returns the names of its
// members laFast reads, in order, or false when it is not a record the Go
// reader takes.
func laJSONColumns(src *source) ([]string, bool, error) {
	in, err := openJSON(src)
	if err != nil {
		return nil, false, err
	}
	defer in.Close()
	r := bufio.NewReaderSize(in, 1<<20)
	for {
		line, err := r.ReadSlice('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 && (err == nil || err == io.EOF) {
			var cols []string
			ok, _ := scanRecord(t, func(name, _ []byte) {
				if laReads(string(name)) {
					cols = append(cols, string(name))
				}
			})
			return cols, ok && len(cols) > 0 && utf8.Valid(t), nil
		}
		switch {
		case err == bufio.ErrBufferFull || err == io.EOF:
			return nil, false, nil // a first record over 1 MiB, or none
		case err != nil:
			return nil, false, err
		}
	}
}

// laGoRead has laFast read job's rows, the cells cols names, into the
// stage and says whether it did (what names the read in traces).
func (l *loader) laGoRead(ctx context.Context, src *source, job *ualGoJob, cols []string, what string) (bool, error) {
	name := fmt.Sprintf("la-go-%d", ualGoJobSeq.Add(1))
	// The reader trims laColumns' cells and numbers the policy cells
	// itself (fillLA).
	pol, polRead, polEnd := newLAPolRead()
	defer polEnd()
	job.laPol, job.laPolAt, job.laTrim = polRead, [2]int{-1, -1}, make([]bool, len(cols))
	for i, c := range cols {
		job.laText = append(job.laText, i+2) // after laGoNo and laGoPol
		k := laKey(c)
		switch k {
		case "conditionalaccesspolicies":
			job.laPolAt[0] = i
		case "appliedconditionalaccesspolicies":
			job.laPolAt[1] = i
		}
		job.laTrim[i] = laColumnKey(k)
	}
	ualGoJobs.Store(name, job)
	defer ualGoJobs.Delete(name)
	rel := laRelation{from: "mfagap_ual_lines(" + quote(name) + ")", cols: cols, rec: laGoNo, unclean: "false", what: what,
		trimmed: true, pol: pol, polNo: laGoPol}
	ok, err := l.laFast(ctx, src, rel, func() (bool, error) { return job.stopped() == "", nil })
	if err != nil || !ok {
		if why := job.stopped(); why != "" {
			Trace("log analytics: the Go reader stopped ("+why+")", time.Now())
		}
		l.bar.restartFile() // another path reads the file again
		return false, err
	}
	job.deliverHash(src)
	laGoReads.Add(1)
	return true, nil
}

// laJSONCells reads one record of JSON lines into st.cells, the texts of
// the members j.la names (nil where the record has none, or an empty
// one), as the careful path's loadLA reads them (jsonText; of a name given
// twice, the later non-empty member), or says why the careful path must
// read the file.
func (j *ualGoJob) laJSONCells(st *ualGoState, raw []byte) string {
	st.cells = st.cells[:0]
	for range j.la {
		st.cells = append(st.cells, nil)
	}
	if len(raw) > maxRecordBytes {
		return fmt.Sprintf("larger than %d bytes", maxRecordBytes)
	}
	why := ""
	st.cell = st.cell[:0]
	st.polRaw = [2][]byte{}
	at := 0
	ok, high := scanRecordRepeat(raw, &st.repeat, func(name, v []byte, plain bool) {
		i, found := st.laMember(j, at, name)
		at++
		if !found {
			if why == "" && st.laKnown(name) {
				why = fmt.Sprintf("the member %q, which the first record names otherwise or not at all", name)
			}
			return
		}
		if j.laPol != nil && (i == j.laPolAt[0] || i == j.laPolAt[1]) {
			// Numbered as written (laPolRaw); read only when new.
			if string(v) != "null" && string(v) != `""` {
				st.polRaw[b2i(i == j.laPolAt[1])] = v
			}
			return
		}
		var t []byte
		if plain {
			t = v[1 : len(v)-1] // UTF-8 checked with the record's
		} else {
			t, st.cell = laJSONCell(v, st.cell)
		}
		if len(t) > 0 {
			st.cells[i] = t
		}
	})
	switch {
	case !ok:
		return "not a JSON object the Go reader reads"
	case high && !utf8.Valid(raw):
		return "bytes that are not UTF-8"
	}
	return why
}

// laJSONCell is jsonText of a member's value, as bytes: a plain string's
// own bytes, without a copy; a string whose escapes are all of one
// character unescaped into buf (reused; the cell may point into it); any
// other through jsonText. v is valid JSON (scanRecord).
func laJSONCell(v, buf []byte) (cell, rest []byte) {
	if len(v) >= 2 && v[0] == '"' {
		in := v[1 : len(v)-1]
		if plainJSONString(in) {
			return in, buf
		}
		start := len(buf)
		if out, ok := unescapeShort(in, buf); ok {
			return out[start:], out
		}
	}
	if string(v) == "null" {
		return nil, buf
	}
	return []byte(jsonText(v)), buf
}

// unescapeShort appends the JSON string content in (valid JSON) to buf,
// its escapes undone, if each is one of \" \\ \/ \b \f \n \r \t and in is
// UTF-8, as encoding/json decodes it; false for any other (a \u escape,
// which json.Unmarshal decodes with its rules for surrogates).
func unescapeShort(in, buf []byte) ([]byte, bool) {
	if !utf8.Valid(in) {
		return buf, false
	}
	for len(in) > 0 {
		i := bytes.IndexByte(in, '\\')
		if i < 0 {
			return append(buf, in...), true
		}
		buf = append(buf, in[:i]...)
		var c byte
		switch in[i+1] {
		case '"', '\\', '/':
			c = in[i+1]
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default:
			return buf, false
		}
		buf = append(buf, c)
		in = in[i+2:]
	}
	return buf, true
}

// laMember looks name up in j.laJSON, the member at place at of a record:
// by the place first, as the thread's last record of as many members or
// more had it (an export writes its members in one order), then by name.
func (st *ualGoState) laMember(j *ualGoJob, at int, name []byte) (int, bool) {
	if at < len(st.laOrder) && st.laOrder[at].name == string(name) {
		return st.laOrder[at].i, st.laOrder[at].found
	}
	i, found := j.laJSON[string(name)]
	switch e := (laMemberAt{string(name), i, found}); {
	case at < len(st.laOrder):
		st.laOrder[at] = e
	case at == len(st.laOrder) && at < 1024:
		st.laOrder = append(st.laOrder, e)
	}
	return i, found
}

// laMemberAt is a member's look-up in j.laJSON, by its place (laMember).
type laMemberAt struct {
	name  string
	i     int
	found bool
}

// laKnown is laReads, memoised for the thread.
func (st *ualGoState) laKnown(name []byte) bool {
	known, ok := st.laNames[string(name)]
	if !ok {
		if st.laNames == nil {
			st.laNames = map[string]bool{}
		}
		known = laReads(string(name))
		st.laNames[string(name)] = known
	}
	return known
}

func (j *ualGoJob) laColumnInfos() []duckdb.ColumnInfo {
	bigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	ubigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_UBIGINT)
	out := []duckdb.ColumnInfo{{Name: laGoNo, T: bigint}, {Name: laGoPol, T: ubigint}}
	for _, name := range j.la {
		out = append(out, duckdb.ColumnInfo{Name: name, T: varchar})
	}
	return out
}

// fillLA is FillChunk for a Log Analytics export: each row's number (a
// CSV's line, the record of JSON lines), then its cells j.la names.
func (j *ualGoJob) fillLA(st *ualGoState, chunk duckdb.DataChunk) error {
	capacity := duckdb.GetDataChunkCapacity()
	st.text.start(&chunk, j.laText, false)
	row := 0
	for row < capacity {
		l, more, err := j.nextLine(st)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		no := l.line
		if j.csv != nil {
			var why string
			st.cells, st.cell, why = j.csv.split(l.raw, st.cell, st.cells[:0])
			if why != "" {
				j.haltShape(fmt.Sprintf("line %d: %s", l.line, why))
				break
			}
		} else {
			no = l.rec
			if why := j.laJSONCells(st, l.raw); why != "" {
				j.halt(fmt.Sprintf("record %d (line %d): %s", l.rec, l.line, why))
				break
			}
		}
		if err := duckdb.SetChunkValue(chunk, 0, row, no); err != nil {
			return err
		}
		for i, trim := range j.laTrim {
			if trim {
				st.cells[i] = laTrimCell(st.cells[i])
			}
		}
		if err := j.laPolNumber(st, chunk, row); err != nil {
			return err
		}
		if err := st.text.add(st.cells); err != nil {
			return err
		}
		row++
	}
	st.text.flush()
	j.rows.Add(int64(row))
	return chunk.SetSize(row)
}

// laPolNumber numbers the row's pair of policy cells (st.cells, trimmed),
// as mfagap_la_pol would, into the chunk's column laGoPol, and leaves the
// cells NULL; where there is no room for a new pair it leaves the number
// NULL and the cells as they are.
func (j *ualGoJob) laPolNumber(st *ualGoState, chunk duckdb.DataChunk, row int) error {
	j.laPol.mu.Lock()
	var id uint64
	var ok bool
	if j.csv != nil {
		var t [2][]byte
		for i, at := range j.laPolAt {
			if at >= 0 {
				t[i] = st.cells[at]
			}
		}
		id, st.polKey, ok = j.laPol.number(st.polKey, unsafeString(t[0]), unsafeString(t[1]), len(t[0]) > 0, len(t[1]) > 0)
	} else {
		id, ok = j.laPolRaw(st)
	}
	j.laPol.mu.Unlock()
	if !ok {
		return chunk.SetValue(1, row, nil)
	}
	for _, at := range j.laPolAt {
		if at >= 0 {
			st.cells[at] = nil
		}
	}
	return duckdb.SetChunkValue(chunk, 1, row, id)
}

// laPolRaw numbers the pair of policy members of a record of JSON lines
// by their JSON as written (st.polRaw: what a member is read as depends on
// nothing else), and reads their texts into st.cells only for a pair not
// seen so far: their escapes undone, as laJSONCells reads the others,
// where every row's 1.8 KB took as long as the rest of its cells (issue
// 5). A pair written otherwise and read alike gets a number of its own,
// typed alike. laPol.mu is held.
func (j *ualGoJob) laPolRaw(st *ualGoState) (uint64, bool) {
	// Apart from laPolKey's keys: the null byte's 4 bit.
	key := append(st.polKey[:0], 4)
	key = binary.AppendUvarint(key, uint64(len(st.polRaw[0])))
	key = append(append(key, st.polRaw[0]...), st.polRaw[1]...)
	st.polKey = key
	if id, ok := j.laPol.ids[string(key)]; ok {
		return id, true
	}
	var t [2][]byte
	for i, at := range j.laPolAt {
		if at < 0 || st.polRaw[i] == nil {
			continue
		}
		t[i], st.cell = laJSONCell(st.polRaw[i], st.cell)
		if j.laTrim[at] {
			t[i] = laTrimCell(t[i])
		}
		st.cells[at] = t[i]
	}
	t1, t2, ok1, ok2 := laPolTexts(unsafeString(t[0]), unsafeString(t[1]), len(t[0]) > 0, len(t[1]) > 0)
	return j.laPol.id(key, t1, t2, ok1, ok2)
}

// laTrimCell is la_trim of a cell (strings.TrimSpace: laSpace's
// characters), with la_trim's test of its ends first.
func laTrimCell(c []byte) []byte {
	if len(c) == 0 || c[0] > ' ' && c[0] < 0x7f && c[len(c)-1] > ' ' && c[len(c)-1] < 0x7f {
		return c
	}
	return bytes.TrimSpace(c)
}

// unsafeBytes is s as bytes, without a copy: they must not be changed.
func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// unsafeString is b as a string, without a copy: b must not change while
// the string is in use.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// laColumnKey says whether k (laKey's) is a column of laColumns.
func laColumnKey(k string) bool {
	for _, c := range laColumns {
		if c.la == k {
			return true
		}
	}
	return false
}
