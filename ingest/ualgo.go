package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The Go paths of an audit log load (issue 5; ualfast.go says where each
// starts). Each record is read once, in Go, with the careful path's own
// rules (ualRead), where the SQL path they replace parsed each AuditData
// four times in DuckDB (15 s of the 19 s 1 M JSON lines took).
//
// JSON lines and CSV: DuckDB calls mfagap_ual_lines, a table function of
// ours, on all its threads; each takes the file a block of lines at a
// time, reads each record in one pass (scanRecord, ualLine; a CSV line's
// AuditData cell, ualcsv.go, with ualCell) and fills DuckDB's chunk with
// the sign-in's columns, which graph.sql's insert into signins reads as
// they come (ualGo). JSON arrays, and a CSV the Go reader does not take as
// it is written: DuckDB's reader hands each AuditData to mfagap_ual_cell or
// mfagap_ual_csv_cell (ualCell), scalar functions of ours, into a stage.
// A record the careful path would
// reject or note (bad JSON, not an object, a time or error code it
// refuses, bytes that are not UTF-8) sends the file the careful way, which
// names it. The paths load the same sign-ins (TestUALFastMatchesCareful,
// TestUALFastJSONMatchesCareful, TestUALGoBlocks, FuzzUALFast and
// TestUALFastGenerated compare them).

// ualGoReads counts the files the Go path loaded, ualGoHashed those whose
// SHA-256 a Go reader took from its blocks (the Log Analytics exports'
// too: lago.go) (tests).
var ualGoReads, ualGoHashed atomic.Int64

// ualGoBlock is the bytes of lines a thread takes at a time (tests make it
// small, to cut records across blocks).
var ualGoBlock = 4 << 20

// ualGoColumns are the table function's columns: the record number, then
// ualSignin's members.
var ualGoColumns = []struct{ name, typ string }{
	{"rec", "BIGINT"}, {"tenant", "VARCHAR"}, {"event_type", "VARCHAR"}, {"id", "VARCHAR"}, {"upn", "VARCHAR"},
	{"user_id", "VARCHAR"}, {"app_id", "VARCHAR"}, {"resource_id", "VARCHAR"}, {"ip", "VARCHAR"}, {"user_agent", "VARCHAR"},
	{"os", "VARCHAR"}, {"browser", "VARCHAR"}, {"created", "VARCHAR"}, {"code", "BIGINT"}, {"failure", "VARCHAR"},
}

// ualGoJobs are the reads in progress, by the name the table function is
// given (one database may run several loads one after the other, tests
// several databases at once).
var (
	ualGoJobs   sync.Map
	ualGoJobSeq atomic.Int64
)

// ualGoJob is one file's read.
type ualGoJob struct {
	ctx context.Context
	mu  sync.Mutex
	in  io.Reader
	// carry is the start of a line the last block read cut off.
	carry []byte
	// line and rec are the next line's number and the next record's
	// (splitJSON's: records are the lines that hold more than white space).
	line, rec int64
	eof       bool
	// stop is why the read stopped (another path reads the file), nil
	// while it goes on.
	stop atomic.Pointer[ualGoStop]
	// csv, when set, takes each line apart as an audit CSV's (ualcsv.go);
	// the lines are then numbered as the file's, the header line 1, and
	// crlf says whether the header's line ends with "\r\n" (every line's
	// must end as it does: DuckDB fails a file whose line ends are mixed,
	// and the careful path reads it from a copy, which it notes).
	csv  *ualCSV
	crlf bool
	// la, when set, names the cells of a Log Analytics export (a CSV, or
	// records one a line) the function gives, as text, after each row's
	// number (lago.go), where it otherwise gives ualSignin's.
	la []string
	// laJSON, for Log Analytics records one a line, gives the place in la
	// of each name the first record spells.
	laJSON map[string]int
	// laTrim marks the cells of la the reader trims as la_trim trims them
	// (laColumns': every rule that reads them trims them first); laPol
	// numbers each row's pair of policy cells (la's places laPolAt, -1
	// where absent), as mfagap_la_pol does (laRelation.pol).
	laTrim  []bool
	laPol   *laPolRead
	laPolAt [2]int
	// laText is the table function's columns of la's cells (fillLA).
	laText []int
	// other counts the records that are not sign-ins, by ualRead's name.
	other map[string]int64
	// sum, when set, is the file's SHA-256, fed each block as it is read
	// (readerHashes).
	sum hash.Hash
	// rows counts the sign-ins the function gave.
	rows atomic.Int64
}

// ualGoStop is why a read stopped: shape when the Go reader does not take
// the file as it is written (an audit CSV's quirk: the SQL path may read it
// fast), otherwise a record the careful path must read.
type ualGoStop struct {
	why   string
	shape bool
}

// ualGoLine is one record of a block.
type ualGoLine struct {
	rec, line int64
	raw       []byte
}

func (j *ualGoJob) halt(why string) {
	j.stop.CompareAndSwap(nil, &ualGoStop{why: why})
}

func (j *ualGoJob) haltShape(why string) {
	j.stop.CompareAndSwap(nil, &ualGoStop{why: why, shape: true})
}

// ended says whether the read reached the end of the file.
func (j *ualGoJob) ended() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.eof
}

func (j *ualGoJob) stopped() string {
	if p := j.stop.Load(); p != nil {
		return p.why
	}
	return ""
}

// block takes the next lines of the file into buf (reused: the previous
// block's lines are done with), numbered: at least one record, none only
// at the end of the file or when the read stopped.
func (j *ualGoJob) block(buf []byte, lines []ualGoLine) ([]ualGoLine, []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		lines, buf = j.next(buf, lines)
		if len(lines) > 0 || j.eof || j.stopped() != "" {
			return lines, buf
		}
	}
}

// next is block's one read (which may hold only blank lines); j.mu is held.
func (j *ualGoJob) next(buf []byte, lines []ualGoLine) ([]ualGoLine, []byte) {
	if j.eof || j.stopped() != "" {
		return lines[:0], buf
	}
	if cap(buf) < ualGoBlock+len(j.carry) {
		buf = make([]byte, ualGoBlock+len(j.carry))
	}
	// The part line the previous block left, then as much again as fits,
	// and on until a line ends (a line longer than a block grows it).
	buf = append(buf[:0], j.carry...)
	for {
		n, err := io.ReadFull(j.in, buf[len(buf):cap(buf)])
		if j.sum != nil {
			j.sum.Write(buf[len(buf) : len(buf)+n])
		}
		buf = buf[:len(buf)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			j.eof = true
			break
		}
		if err != nil {
			j.eof = true
			j.halt("read: " + err.Error())
			return lines[:0], buf
		}
		if bytes.IndexByte(buf[len(j.carry):], '\n') >= 0 {
			break
		}
		if j.csv != nil && len(buf) >= csvMaxLine {
			j.eof = true
			j.haltShape(fmt.Sprintf("line %d is %d bytes or more", j.line, csvMaxLine))
			return lines[:0], buf
		}
		if len(buf) > maxRecordBytes {
			// The careful path rejects the line as too large.
			j.eof = true
			j.halt(fmt.Sprintf("line %d is longer than %d bytes", j.line, maxRecordBytes))
			return lines[:0], buf
		}
		buf = slices.Grow(buf, ualGoBlock)
	}
	j.carry = j.carry[:0]
	if !j.eof {
		// The block ends at the end of a line.
		end := bytes.LastIndexByte(buf, '\n')
		j.carry = append(j.carry, buf[end+1:]...)
		buf = buf[:end+1]
	}
	lines = lines[:0]
	for rest := buf; len(rest) > 0; {
		end := bytes.IndexByte(rest, '\n')
		line := rest
		if end >= 0 {
			line, rest = rest[:end], rest[end+1:]
		} else {
			rest = nil
		}
		if j.csv != nil {
			// Every line is a record, space and all (a blank one halts).
			// The last line, without an end, may end in "\r" only in a
			// CRLF file.
			if cr := bytes.HasSuffix(line, []byte{'\r'}); end >= 0 && cr != j.crlf || end < 0 && cr && !j.crlf {
				j.haltShape(fmt.Sprintf("line %d: line ends mixed (CRLF and LF)", j.line))
				return lines[:0], buf
			}
			lines = append(lines, ualGoLine{rec: j.line, line: j.line, raw: trimLineEnd(line)})
		} else if t := bytes.TrimSpace(line); len(t) > 0 {
			j.rec++
			lines = append(lines, ualGoLine{rec: j.rec, line: j.line, raw: t})
		}
		j.line++
	}
	return lines, buf
}

// ualGoState is one thread's block and its place in it.
type ualGoState struct {
	buf   []byte
	lines []ualGoLine
	next  int
	other map[string]int64
	// cell holds an audit CSV line's AuditData, its quotes undone, or the
	// cells of a Log Analytics row as read (a CSV's quotes, a JSON
	// string's escapes undone), which cells points into.
	cell  []byte
	cells [][]byte
	// laNames memoises ualGoState.laKnown, laOrder laMember.
	laNames map[string]bool
	laOrder []laMemberAt
	// polKey is laPolNumber's buffer; polRaw a record's policy members as
	// written (laPolRaw).
	polKey []byte
	polRaw [2][]byte
	// text gathers a chunk's text cells (fillLA, ualGoRow); repeat keeps
	// Log Analytics JSON lines' long values (scanRecordRepeat).
	text   chunkText
	repeat scanRepeat
}

// read reads one record: a sign-in, or false for a record that is not
// one (counted in st.other). A record the careful path would reject or
// note halts the job, as does a sign-in graph.sql would reject (no Id, an
// error code beyond 32 bits: graphUnusable).
func (j *ualGoJob) read(st *ualGoState, l ualGoLine) (ualSignin, bool) {
	var other, halt string
	var s ualSignin
	if j.csv != nil {
		var audit []byte
		var shape string
		if audit, st.cell, shape = j.csv.cell(l.raw, st.cell); shape != "" {
			j.haltShape(fmt.Sprintf("line %d: %s", l.line, shape))
			return s, false
		}
		other, s, halt = ualCell(audit, true)
	} else {
		other, s, halt = ualLine(l.raw)
	}
	switch {
	case halt == "" && other == "" && s.id == "":
		halt = "a sign-in without Id"
	case halt == "" && other == "" && s.code != int64(int32(s.code)):
		halt = fmt.Sprintf("ErrorNumber %d is beyond 32 bits", s.code)
	}
	switch {
	case halt != "" && j.csv != nil:
		j.halt(fmt.Sprintf("line %d: %s", l.line, halt))
		return s, false
	case halt != "":
		j.halt(fmt.Sprintf("record %d (line %d): %s", l.rec, l.line, halt))
		return s, false
	case other != "":
		st.other[other]++
		return s, false
	}
	return s, true
}

// ualLine reads one line of audit records in JSON as loadUAL reads it
// (splitJSON's checks, eachJSONRecord's, then record's): other names a
// record that is not a sign-in, halt says why the careful path must read
// the file instead ("" when it need not).
func ualLine(raw []byte) (other string, s ualSignin, halt string) {
	get, ok, high := ualScan(raw)
	switch {
	case (high || !ok) && !utf8.Valid(raw):
		return "", s, "bytes that are not UTF-8"
	case len(raw) > maxRecordBytes:
		return "", s, fmt.Sprintf("larger than %d bytes", maxRecordBytes)
	}
	if !ok {
		// The careful path's own checks decide (an escaped name, say).
		if raw[0] != '{' || depthOf(raw) > maxJSONDepth || !json.Valid(raw) {
			return "", s, "the careful path rejects it"
		}
		obj, _ := topMembers(raw)
		get = func(name string) json.RawMessage { return obj[name] }
	}
	creationDate := ""
	if ad := get("AuditData"); ad != nil {
		// The Search-UnifiedAuditLog shape: AuditData as text.
		creationDate = jsonText(get("CreationDate"))
		a, valid := auditObject(ad)
		if !valid {
			return "", s, "AuditData is not a JSON object"
		}
		get = func(name string) json.RawMessage { return a[name] }
	}
	other, s, err := ualRead(get, creationDate, 0)
	if err != nil {
		return "", s, err.Error()
	}
	return other, s, ""
}

// ualCell reads one AuditData text, a CSV cell or what the SQL read of a
// JSON array gives (ualFastJSON), as loadUAL's record reads it, with one
// more reason to halt: a sign-in whose CreationTime is missing or a slash
// date, which the careful path reads with the file's CreationDate or its
// day order. quoted says the text may be the object written as a JSON
// string (a CSV cell, which auditObject decodes); otherwise it is the
// record or its member already decoded, and must be an object.
func ualCell(raw []byte, quoted bool) (other string, s ualSignin, halt string) {
	if t := bytes.TrimSpace(raw); !quoted && (len(t) == 0 || t[0] != '{') {
		return "", s, "not a JSON object"
	}
	get, ok, _ := ualScan(raw)
	if !ok {
		a, valid := auditObject(raw)
		if !valid {
			return "", s, "AuditData is not a JSON object"
		}
		get = func(name string) json.RawMessage { return a[name] }
	}
	other, s, err := ualRead(get, "", 0)
	if other != "" {
		return other, s, ""
	}
	if ts := strings.TrimSpace(jsonText(get("CreationTime"))); ts == "" || strings.Contains(ts, "/") {
		return "", s, "CreationTime missing or a slash date"
	}
	if err != nil {
		return "", s, err.Error()
	}
	return "", s, ""
}

// ualScan reads raw with scanRecord, keeping the members the audit rules
// read: get gives them (nil when absent) when ok, scanRecord's verdict.
func ualScan(raw []byte) (get func(string) json.RawMessage, ok, high bool) {
	var members [ualGoMembers][]byte
	ok, high = scanRecord(raw, func(name, v []byte) {
		if i := ualGoMember(name); i >= 0 {
			members[i] = v
		}
	})
	return func(name string) json.RawMessage { return members[ualGoMember([]byte(name))] }, ok, high
}

// ualGoMembers is the number of members ualGoMember knows.
const ualGoMembers = 15

// ualGoMember is the index of a member ualRead or read reads, -1 for any
// other.
func ualGoMember(name []byte) int {
	switch string(name) {
	case "Operation":
		return 0
	case "Id":
		return 1
	case "UserId":
		return 2
	case "UserKey":
		return 3
	case "ApplicationId":
		return 4
	case "ObjectId":
		return 5
	case "ClientIP":
		return 6
	case "CreationTime":
		return 7
	case "ErrorNumber":
		return 8
	case "LogonError":
		return 9
	case "OrganizationId":
		return 10
	case "ExtendedProperties":
		return 11
	case "DeviceProperties":
		return 12
	case "AuditData":
		return 13
	case "CreationDate":
		return 14
	}
	return -1
}

// The table function's interface (duckdb.ParallelChunkTableSource).

func (j *ualGoJob) ColumnInfos() []duckdb.ColumnInfo {
	if j.la != nil {
		return j.laColumnInfos()
	}
	var out []duckdb.ColumnInfo
	for _, c := range ualGoColumns {
		t := duckdb.TYPE_VARCHAR
		if c.typ == "BIGINT" {
			t = duckdb.TYPE_BIGINT
		}
		info, _ := duckdb.NewTypeInfo(t)
		out = append(out, duckdb.ColumnInfo{Name: c.name, T: info})
	}
	return out
}

func (j *ualGoJob) Cardinality() *duckdb.CardinalityInfo { return nil }

// Init lets DuckDB run as many threads as it has; with MaxThreads 0 it ran one.
func (j *ualGoJob) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: 256}
}

func (j *ualGoJob) NewLocalState() any { return &ualGoState{other: map[string]int64{}} }

func (j *ualGoJob) FillChunk(local any, chunk duckdb.DataChunk) error {
	st := local.(*ualGoState)
	if j.la != nil {
		return j.fillLA(st, chunk)
	}
	capacity := duckdb.GetDataChunkCapacity()
	st.text.start(&chunk, ualGoText, true)
	row := 0
	for row < capacity {
		l, more, err := j.nextLine(st)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		s, ok := j.read(st, l)
		if !ok {
			continue
		}
		if err := ualGoRow(chunk, row, l.rec, s, &st.text); err != nil {
			return err
		}
		row++
	}
	st.text.flush()
	j.rows.Add(int64(row))
	if row == 0 {
		// This thread is done: its counts join the job's.
		j.mu.Lock()
		for k, n := range st.other {
			j.other[k] += n
		}
		clear(st.other)
		j.mu.Unlock()
	}
	return chunk.SetSize(row)
}

// csvHeader reads the header line of the CSV the job reads and sets the
// job to read the lines after it (numbered from 2; each must end as the
// header does). It returns the line as read, its end included (a copy: the
// file's SHA-256 starts with it), or why the Go reader does not take the
// file (a header over 1 MiB).
func (j *ualGoJob) csvHeader() ([]byte, string) {
	r := bufio.NewReaderSize(j.in, 1<<20)
	head, err := r.ReadSlice('\n')
	if err != nil && err != io.EOF {
		return nil, err.Error()
	}
	j.in, j.line, j.crlf = r, 2, bytes.HasSuffix(head, []byte("\r\n"))
	return slices.Clone(head), ""
}

// nextLine returns the thread's next line, taking the next block of the
// file when it has read its own, or false at the end of the file or when
// the read stopped.
func (j *ualGoJob) nextLine(st *ualGoState) (ualGoLine, bool, error) {
	if st.next >= len(st.lines) {
		if err := j.ctx.Err(); err != nil {
			return ualGoLine{}, false, err
		}
		st.lines, st.buf = j.block(st.buf, st.lines)
		st.next = 0
		if len(st.lines) == 0 {
			return ualGoLine{}, false, nil
		}
	}
	if j.stopped() != "" {
		return ualGoLine{}, false, nil
	}
	st.next++
	return st.lines[st.next-1], true, nil
}

// ualGoRow writes one sign-in into row of chunk, in ualGoColumns' order
// ("" as NULL where the careful path leaves the member out), its text
// cells through text (in ualGoText's order).
func ualGoRow(chunk duckdb.DataChunk, row int, rec int64, s ualSignin, text *chunkText) error {
	if err := duckdb.SetChunkValue(chunk, 0, row, rec); err != nil {
		return err
	}
	var err error
	if s.hasCode {
		err = duckdb.SetChunkValue(chunk, 13, row, s.code)
	} else {
		err = chunk.SetValue(13, row, nil)
	}
	if err != nil {
		return err
	}
	texts := [...]string{s.tenant, s.eventType, s.id, s.upn, s.userID, s.appID, s.resourceID, s.ip, s.userAgent, s.os, s.browser, s.created, s.failure}
	var cells [len(texts)][]byte
	for i, v := range texts {
		cells[i] = unsafeBytes(v)
	}
	return text.add(cells[:]) // an empty cell is NULL
}

// ualGoText is the table function's text columns (ualGoColumns'), in
// ualGoRow's order.
var ualGoText = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14}

// registerUALGo registers the table function mfagap_ual_lines(job) on the
// database.
func registerUALGo(conn *sql.Conn) error {
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.RegisterTableUDF(conn, "mfagap_ual_lines", duckdb.ParallelChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			name, _ := args[0].(string)
			j, ok := ualGoJobs.Load(name)
			if !ok {
				return nil, fmt.Errorf("mfagap_ual_lines: no read named %q", name)
			}
			return j.(*ualGoJob), nil
		},
	})
}

// ualGoCSV lets ualGo read audit CSV exports; tests turn it off to have
// the SQL path (ualFastCSV) read them.
var ualGoCSV = true

// ualGoTakes says whether ualGo reads a file of format fm, while the fast
// paths are on: audit records one a line, or an audit CSV export.
func ualGoTakes(fm *format, sn *sniff) bool {
	return ualFast && fm != nil && (fm.id == "ual-json" && sn.ndjson || fm.id == "ual-csv" && ualGoCSV)
}

// ualGo loads src, audit records one a line or an audit CSV export, through
// the Go path, and says whether it did; when it did not, nothing is left
// behind, and shape says whether the SQL path may read the file (the Go
// reader did not take the CSV as it is written: ualcsv.go) or the careful
// path must.
//
// The records are read once, by the insert into signins itself: raw_graph
// is a view over the table function, which a statement can read only once,
// so the statements graph.sql runs before the insert (the unusable rows
// rejected, the lookup map) see it over no rows, and those after it (the
// steps and policy results, which audit sign-ins do not have) do not run.
// No stage is written: on 1 M records the stage and the insert from it
// took 6.6-6.7 s, the insert from the table function 5.8-5.9 s, and the
// statements after it 0.5-0.7 s more (issue 5). A read that halts
// (ualGoJob.read) leaves sign-ins written: they are deleted again.
func (l *loader) ualGo(ctx context.Context, src *source) (done, shape bool, err error) {
	types, err := l.startFast(ctx, src)
	if err != nil {
		return false, false, err
	}
	in, err := openJSON(src)
	if err != nil {
		return false, false, err
	}
	defer in.Close()
	job := &ualGoJob{ctx: ctx, in: in, line: 1, other: map[string]int64{}}
	var header []byte
	if src.format.id == "ual-csv" {
		var why string
		var c ualCSV
		if header, why = job.csvHeader(); why == "" {
			c, why = ualCSVHeader(header, src.sniff.delim)
		}
		if why != "" {
			Trace("audit log: the Go reader leaves the CSV ("+why+")", time.Now())
			return false, true, nil
		}
		job.csv = &c
	}
	defer l.hashBlocks(src, job, header)()
	name := fmt.Sprintf("ual-%d", ualGoJobSeq.Add(1))
	ualGoJobs.Store(name, job)
	defer ualGoJobs.Delete(name)

	have := ualGoHave(types, func(name string) string { return name })
	sel := []string{"rec", rawGraphEnvelope}
	view := []string{"rec", rawGraphEnvelopeNames}
	sel, view = stageColumns(sel, view, have, "%s")
	viewOf := func(from string) string {
		return "create or replace temp view raw_graph as select " + strings.Join(view, ", ") +
			"\nfrom (select " + strings.Join(sel, ",\n  ") + "\nfrom " + from + ")"
	}
	if _, err := l.db.ExecContext(ctx, viewOf(ualGoNoRows)); err != nil {
		return false, false, err
	}
	srcs := []*source{src}
	signins, _ := graphParts()
	if err := l.beforeGraphSignins(ctx, srcs, nil); err != nil {
		return false, false, err
	}
	if err := l.graphStatements(ctx, signins[:len(signins)-1]); err != nil {
		return false, false, err
	}
	if _, err := l.db.ExecContext(ctx, viewOf("mfagap_ual_lines("+quote(name)+")")); err != nil {
		return false, false, err
	}
	// The insert is the file's read: run without a step of its own, the
	// progress display goes on showing the bytes read and the time left.
	t := time.Now()
	if _, err = l.db.ExecContext(ctx, signins[len(signins)-1]); err != nil {
		err = fmt.Errorf("map sign-ins: %w", err)
	}
	why := job.stopped()
	if err != nil && (why == "" || ctx.Err() != nil || outOfSpace(err)) {
		return false, false, err
	}
	var n, unusable int64
	if why == "" {
		// What graphUnusable would find in raw_graph (the read halts on an
		// error code beyond 32 bits), and every row the function gave.
		err := l.db.QueryRowContext(ctx, "select count(*), count(*) filter (where request_id is null or created_at is null) from signins where source_id = ?", src.id).Scan(&n, &unusable)
		switch {
		case err != nil:
			return false, false, err
		case n != job.rows.Load():
			return false, false, fmt.Errorf("audit log: %d sign-ins read, %d written", job.rows.Load(), n)
		case unusable > 0:
			why = fmt.Sprintf("%d sign-ins without an id or a time", unusable)
		}
	}
	drop := "drop view raw_graph; drop table raw_graph_rejects"
	if why != "" {
		Trace("audit log: the Go path stopped ("+why+")", t)
		l.bar.restartFile()
		_, err := l.db.ExecContext(ctx, fmt.Sprintf("delete from signins where source_id = %d; %s", src.id, drop))
		stop := job.stop.Load()
		return false, stop != nil && stop.shape, err
	}
	Trace("audit log: Go reader into signins", t)
	job.deliverHash(src)
	ualCounted(src, n, job.other)
	if err := l.finishSources(ctx, srcs); err != nil {
		return false, false, err
	}
	if _, err := l.db.ExecContext(ctx, drop); err != nil {
		return false, false, err
	}
	ualGoReads.Add(1)
	return true, false, nil
}

// hashBlocks has job take the SHA-256 of src from the blocks it reads,
// when the hash is still to be taken of the file as it is on disk: header
// is what was read of it before the job (openJSON's BOM is added). The
// function it returns, deferred, gives the hash back to the background
// (which takes it from the file) unless deliverHash delivered it.
func (l *loader) hashBlocks(src *source, job *ualGoJob, header []byte) (abandon func()) {
	if src.hash == nil || src.hash.path != src.sniff.disk || !src.hash.claim() {
		return func() {}
	}
	job.sum = sha256.New()
	l.bar.readOnce()
	if src.sniff.bom() {
		job.sum.Write([]byte{0xEF, 0xBB, 0xBF}) // openJSON reads past it
	}
	job.sum.Write(header)
	return func() {
		if job.sum != nil {
			src.hash.abandon()
		}
	}
}

// deliverHash delivers the hash job took to src, if it took one and read
// the whole file (counted in ualGoHashed).
func (j *ualGoJob) deliverHash(src *source) {
	if j.sum == nil || !j.ended() {
		return
	}
	src.hash.deliver(hex.EncodeToString(j.sum.Sum(nil)))
	j.sum = nil
	ualGoHashed.Add(1)
}

// ualGoNoRows is the table function's columns over no rows.
var ualGoNoRows = func() string {
	var cols []string
	for _, c := range ualGoColumns {
		cols = append(cols, "null::"+c.typ+" as "+c.name)
	}
	return "(select " + strings.Join(cols, ", ") + " where false)"
}()

// ualGoHave maps the Graph record's columns the audit log fills to the
// expressions that give them from ualSignin's fields (field gives the
// expression of a field, by its name in ualGoColumns).
func ualGoHave(types map[string]string, field func(name string) string) map[string]string {
	f := field
	return map[string]string{
		"__tenant": f("tenant"), "__event_type": f("event_type"), "__mfa_satisfied": "'unknown'", "id": f("id"),
		"userPrincipalName": f("upn"), "userId": f("user_id"), "appId": f("app_id"), "resourceId": f("resource_id"),
		"ipAddress": f("ip"), "userAgent": f("user_agent"), "createdDateTime": f("created"),
		"deviceDetail": fmt.Sprintf("case when %s is not null or %s is not null then %s end", f("os"), f("browser"),
			structOf(types["deviceDetail"], map[string]string{"operatingSystem": f("os"), "browser": f("browser")})),
		"status": fmt.Sprintf("case when %s is not null or %s is not null then %s end", f("code"), f("failure"),
			structOf(types["status"], map[string]string{"errorCode": f("code"), "failureReason": f("failure")})),
	}
}

// ualCellFields are the fields of mfagap_ual_cell's text, in order: why
// the careful path must read the file, the name of a record that is not a
// sign-in, then ualGoColumns' but rec.
var ualCellFields = func() []string {
	out := []string{"halt", "other"}
	for _, c := range ualGoColumns[1:] {
		out = append(out, c.name)
	}
	return out
}()

// ualCellSep separates the fields of mfagap_ual_cell's text (ASCII's unit
// separator); a value that holds it sends the file the careful way.
const ualCellSep = '\x1f'

// ualCellUDF is mfagap_ual_cell(audit), or mfagap_ual_csv_cell(audit) when
// quoted: ualCell of an AuditData text, as the text of ualCellFields
// joined by ualCellSep ("" for NULL, the error code in decimal). A STRUCT
// result, set field by field through a map, cost 8 µs a record, twice the
// reading itself (1 M audit CSV records: the read 2.5 s, through the
// function 10.5 s); the text is taken apart in SQL.
type ualCellUDF struct{ quoted bool }

func (ualCellUDF) Config() duckdb.ScalarFuncConfig {
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: varchar}
}

func (f ualCellUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		vec, err := st.GetInputChunk().GetVector(0)
		if err != nil {
			return err
		}
		in, err := duckdb.GetVectorView[string](vec)
		if err != nil {
			return err
		}
		out, err := duckdb.GetVectorWriter[string](st.GetResultVector())
		if err != nil {
			return err
		}
		var buf []byte
		for row := range in.Len() {
			text, ok, err := in.GetValueBorrowed(row)
			if err != nil {
				return err
			}
			if !ok {
				continue // NULL in, NULL out
			}
			// Read in place: nothing ualCell returns holds on to it.
			other, s, halt := ualCell(unsafeBytes(text), f.quoted)
			buf = ualCellText(buf[:0], halt, other, s)
			// DuckDB copies the value.
			if err := out.Set(row, unsafe.String(&buf[0], len(buf))); err != nil {
				return err
			}
		}
		return nil
	}}
}

// ualCellText appends the fields of one record's reading to buf.
func ualCellText(buf []byte, halt, other string, s ualSignin) []byte {
	code := ""
	if s.hasCode {
		code = strconv.FormatInt(s.code, 10)
	}
	fields := []string{halt, other, s.tenant, s.eventType, s.id, s.upn, s.userID, s.appID, s.resourceID, s.ip, s.userAgent,
		s.os, s.browser, s.created, code, s.failure}
	if halt == "" && slices.ContainsFunc(fields, func(v string) bool { return strings.IndexByte(v, ualCellSep) >= 0 }) {
		fields = []string{"a value holds the byte 0x1f", ""}
	}
	buf = append(buf, strings.ReplaceAll(fields[0], string(rune(ualCellSep)), " ")...)
	for _, v := range fields[1:] {
		buf = append(buf, ualCellSep)
		buf = append(buf, v...)
	}
	return buf
}

// ualGoCells reads the relation from (its column __ual_a holds each
// record's AuditData text, quoted as ualCell takes it, in the file's
// order, the first numbered first; __ual_src_bad is true for a record the
// careful path would read otherwise before its AuditData) into raw_graph
// through mfagap_ual_cell, if every row is clean and check (after the
// read) agrees, and says whether it did; when it did not, nothing is left
// behind. A NULL AuditData is not clean. what names the read in traces.
func (l *loader) ualGoCells(ctx context.Context, src *source, from string, quoted bool, first int64, what string, check func() (bool, error)) (bool, error) {
	types, err := l.startFast(ctx, src)
	if err != nil {
		return false, err
	}
	sel := []string{rawGraphEnvelope}
	view := []string{fmt.Sprintf("(rowid + %d)::bigint as rec", first), rawGraphEnvelopeNames}
	field := func(name string) string {
		i := slices.Index(ualCellFields, name)
		if name == "code" {
			return fmt.Sprintf("nullif(__f[%d], '')::bigint", i+1)
		}
		return fmt.Sprintf("nullif(__f[%d], '')", i+1)
	}
	sel, view = stageColumns(sel, view, ualGoHave(types, field), "case when __ual_signin then %s end")
	sel = append(sel, "__ual_signin", "__ual_other", "__ual_unclean")
	udf := "mfagap_ual_cell"
	if quoted {
		udf = "mfagap_ual_csv_cell"
	}
	q := fmt.Sprintf(`select %[1]s
from (select __f, __f is not null and %[2]s is null and %[3]s is null as __ual_signin, %[3]s as __ual_other,
    coalesce(__f is null or %[2]s is not null or __ual_src_bad, true) as __ual_unclean
  from (select string_split(%[4]s(__ual_a), chr(31)) as __f, __ual_src_bad from %[5]s))`,
		strings.Join(sel, ",\n  "), field("halt"), field("other"), udf, from)
	clean := func() (bool, error) {
		if ok, err := check(); err != nil || !ok {
			return false, err
		}
		var unclean int64
		err := l.db.QueryRowContext(ctx, "select count(*) filter (where __ual_unclean) from "+stageDB+".raw_graph").Scan(&unclean)
		return unclean == 0, err
	}
	if ok, err := l.stageFast(ctx, "audit log: "+what+" through "+udf, q, true, clean); err != nil || !ok {
		return false, err
	}
	return l.ualFinish(ctx, src, view, "__ual_other")
}
