package ingest

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Side inputs (issue #4): exception registers, Conditional Access policies and
// directory exports. Tabular files (CSV, XLSX) are read in Go only as far as
// needed to match headers and report broken lines; they are rewritten as a
// clean CSV with one column per canonical field and DuckDB does the mapping
// (side_*.sql). JSON files go through splitJSON and read_json.

//go:embed side_aliases.sql
var sideAliasesSQL string

// sideAliases maps layout → squashed header → field ("-" = known, ignored).
var sideAliases = map[string]map[string]string{}

// sideFields lists the fields of each layout in a stable order.
var sideFields = map[string][]string{}

func init() {
	re := regexp.MustCompile(`\('([a-z_]+)', '([^']*)', '([^']*)'\)`)
	for _, m := range re.FindAllStringSubmatch(sideAliasesSQL, -1) {
		layout, alias, field := m[1], m[2], m[3]
		if sideAliases[layout] == nil {
			sideAliases[layout] = map[string]string{}
		}
		if _, dup := sideAliases[layout][alias]; !dup {
			sideAliases[layout][alias] = field
		}
		if field != "-" && !contains(sideFields[layout], field) {
			sideFields[layout] = append(sideFields[layout], field)
		}
	}
	for _, f := range sideFields {
		sort.Strings(f)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// squash folds a header cell further than normHeader: spaces, '_' and '-'
// removed, so "Account Name", "account_name" and "AccountName" meet.
func squash(h string) string {
	return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(normHeader(h))
}

// headerFields maps the columns of a header to the fields of a layout: the
// first column naming a field wins. Unknown columns are returned as extra.
func headerFields(layout string, header []string) (fields map[string]int, extra []int) {
	fields = map[string]int{}
	for i, h := range header {
		f, ok := sideAliases[layout][squash(h)]
		switch {
		case !ok:
			if strings.TrimSpace(h) != "" {
				extra = append(extra, i)
			}
		case f == "-":
		default:
			if _, seen := fields[f]; !seen {
				fields[f] = i
			}
		}
	}
	return fields, extra
}

// hasFields reports whether a header maps all the fields of a layout.
func hasFields(layout string, header []string, want ...string) bool {
	if len(header) == 0 {
		return false
	}
	got, _ := headerFields(layout, header)
	for _, w := range want {
		if _, ok := got[w]; !ok {
			return false
		}
	}
	return true
}

// isRegisterHeader: an account column and at least one column only an
// exception register has.
func isRegisterHeader(header []string) bool {
	got, _ := headerFields("register", header)
	if _, ok := got["account"]; !ok {
		return false
	}
	// Sign-in and audit exports also have a UPN and a "Category" or "Type"
	// column; a register has at least two columns of its own.
	for _, h := range header {
		switch normHeader(h) {
		case "timegenerated", "timegenerated [utc]", "createddatetime", "resulttype", "date (utc)", "creationdate", "auditdata":
			return false
		}
	}
	n := 0
	for _, f := range []string{"exception_type", "approved_solution", "justification", "approved_by", "review_on", "approved_on", "policy"} {
		if _, ok := got[f]; ok {
			n++
		}
	}
	return n >= 2
}

// table is a tabular input rewritten as a clean CSV for DuckDB.
type table struct {
	path   string
	fields []string // canonical fields, in column order after __rec
	// Day/month evidence over the date fields: values like 13/02/2025 (d/m),
	// 02/13/2025 (m/d) and 02/03/2025 (either).
	dm, md, ambiguous int
	example           string // an ambiguous value, for the note
}

// rowSource yields the rows of a tabular input: the header first, then data
// rows with their record number (CSV line, XLSX row). Every row is taken
// apart (sideCells reads any line); a row writeTable cannot use is a
// rejected row there, not a failed file.
type rowSource interface {
	next() (rec int64, row []string, err error)
}

// csvRows reads a delimited file a record at a time (sideCells). It used
// encoding/csv with lax quotes, which let a quoted cell with a stray quote
// ("y" z) run on past its line to the next quote before a delimiter,
// swallowing the rows between into one bogus row: the CFO's line of a
// register vanished that way, unseen (TestSideCSVStrayQuote).
type csvRows struct {
	br    *bufio.Reader
	delim byte
	// line is the number of lines read, rec the record's bytes.
	line int64
	rec  []byte
}

func openCSVRows(src *source) (*csvRows, io.Closer, error) {
	f, err := os.Open(src.sniff.disk)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	if src.sniff.encoding == "utf-8-bom" {
		br.Discard(3)
	}
	delim := src.sniff.delim
	if delim == 0 {
		delim = ','
	}
	return &csvRows{br: br, delim: delim}, f, nil
}

// next is the next record that is not an empty line (as encoding/csv
// skips them), numbered by its first line.
func (c *csvRows) next() (int64, []string, error) {
	for {
		start := c.line + 1
		cells, err := c.record()
		if err != nil {
			return 0, nil, err
		}
		if len(trimLineEnd(c.rec)) > 0 {
			return start, cells, nil
		}
	}
}

// record reads the next record into c.rec, a line and the next ones while
// a quoted cell is open at a line's end, and returns its cells; io.EOF when
// the file has nothing left.
func (c *csvRows) record() ([]string, error) {
	c.rec = c.rec[:0]
	for {
		before := len(c.rec)
		line, err := c.br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			c.rec = append(c.rec, line...)
			line, err = c.br.ReadSlice('\n')
		}
		c.rec = append(c.rec, line...)
		if len(c.rec) > before {
			c.line++
		}
		switch {
		case err == io.EOF && len(c.rec) == 0:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		}
		if cells, open := sideCells(c.rec, c.delim); !open || err == io.EOF {
			return cells, nil
		}
	}
}

// sideCells takes a record apart (its line end off) as encoding/csv does
// a well-formed one, and says whether a quoted cell is still open at its
// end. A quoted cell ends at its first quote that is not doubled, the rest
// of the cell read as written ("Service" Account is Service Account); a
// quote in a plain cell is a character; "\r\n" in a quoted cell is "\n".
func sideCells(rec []byte, delim byte) (cells []string, open bool) {
	rec = trimLineEnd(rec)
	var cell []byte
	quoted, cellStart := false, true
	for i := 0; i < len(rec); i++ {
		c := rec[i]
		switch {
		case quoted && c == '"' && i+1 < len(rec) && rec[i+1] == '"':
			cell = append(cell, '"')
			i++
		case quoted && c == '"':
			quoted = false
		case cellStart && c == '"':
			quoted = true
		case !quoted && c == delim:
			cells = append(cells, string(cell))
			cell = cell[:0]
			cellStart = true
			continue
		case quoted && c == '\r' && i+1 < len(rec) && rec[i+1] == '\n':
		default:
			cell = append(cell, c)
		}
		cellStart = false
	}
	return append(cells, string(cell)), quoted
}

// writeTable rewrites rows as a CSV with __rec, one column per field of the
// layout (empty when the input has no such column) and __extra, a JSON object
// of the unknown columns. Broken rows become rejected rows here.
func (l *loader) writeTable(ctx context.Context, src *source, rows rowSource, layout string, header []string, dateFields ...string) (*table, error) {
	fields, extra := headerFields(layout, header)
	t := &table{path: filepath.Join(l.tmp, fmt.Sprintf("side-%d.csv", src.id)), fields: sideFields[layout]}
	out, err := os.Create(t.path)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(append(append([]string{"__rec"}, t.fields...), "__extra"))
	rej, err := l.newRejectBatch(ctx, src)
	if err != nil {
		return nil, err
	}
	defer rej.close()
	datePat := regexp.MustCompile(`^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b`)
	rec := make([]string, 0, len(t.fields)+2)
	for {
		n, row, err := rows.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if blank(row) {
			continue
		}
		src.read++
		if len(row) > len(header) && !blank(row[len(header):]) {
			raw := strings.Join(row, string(rune(src.sniff.delim)))
			if err := rej.add(n, fmt.Sprintf("line %d: %d fields, the header has %d", n, len(row), len(header)), []byte(raw)); err != nil {
				return nil, err
			}
			continue
		}
		for len(row) < len(header) {
			row = append(row, "")
		}
		rec = append(rec[:0], strconv.FormatInt(n, 10))
		for _, f := range t.fields {
			v := ""
			if i, ok := fields[f]; ok {
				v = strings.ToValidUTF8(strings.TrimSpace(row[i]), "\uFFFD")
			}
			if contains(dateFields, f) {
				if m := datePat.FindStringSubmatch(v); m != nil {
					a, _ := strconv.Atoi(m[1])
					b, _ := strconv.Atoi(m[2])
					switch {
					case a > 12 && b <= 12:
						t.dm++
					case b > 12 && a <= 12:
						t.md++
					case a != b:
						t.ambiguous++
						if t.example == "" {
							t.example = v
						}
					}
				}
			}
			rec = append(rec, v)
		}
		ex := map[string]string{}
		for _, i := range extra {
			if v := strings.TrimSpace(row[i]); v != "" {
				ex[strings.TrimSpace(header[i])] = strings.ToValidUTF8(v, "\uFFFD")
			}
		}
		exs := ""
		if len(ex) > 0 {
			b, _ := json.Marshal(ex)
			exs = string(b)
		}
		if err := w.Write(append(rec, exs)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return t, bw.Flush()
}

func blank(row []string) bool {
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// dayFirst decides the day/month order of a file's slash dates from its own
// values; it never guesses silently: without evidence it reads month/day
// (the en-US culture of the PowerShell collectors) and says so in a note.
func (t *table) dayFirst(src *source) bool {
	switch {
	case t.dm > 0 && t.md > 0:
		src.note("dates mix day/month (%d values) and month/day (%d values); ambiguous ones read as month/day", t.dm, t.md)
		return false
	case t.dm > 0:
		return true
	case t.md > 0:
		return false
	case t.ambiguous > 0:
		src.note("day/month order of dates like %q cannot be told from the file; read as month/day (en-US)", t.example)
	}
	return false
}

// sideCSV is how a CSV side format is loaded (and the XLSX register, whose
// rows take the same path): its layout in side_aliases.sql, its SQL, the
// canonical table whose distinct records of a file are its loaded rows, and
// the fields whose slash dates tell the file's day/month order.
type sideCSV struct {
	layout, sql, main string
	dateFields        []string
	// vars, when set, are a file's own SQL variables besides day_first and
	// from_xlsx, from its header (the register's layout and record label).
	vars func(header []string, xlsx bool) string
	// after, when set, runs for each file once the SQL has loaded them
	// all, in load order (the register's repeated lines).
	after func(ctx context.Context, l *loader, f sideFile) error
}

// sideFormat loads the files of a side format (CSV or JSON): one file, or
// small files of the format together (sidebatch.go).
type sideFormat interface {
	// loadAll loads the files of srcs, all of the format, in their order.
	loadAll(ctx context.Context, l *loader, srcs []*source) error
	// batches says whether a file may load with others, where it loads
	// as it would alone.
	batches(sn *sniff) bool
}

// newSideCSV describes a CSV side format; register() makes its load func.
func newSideCSV(layout, sqlText, main string, dateFields ...string) *sideCSV {
	return &sideCSV{layout: layout, sql: sqlText, main: main, dateFields: dateFields}
}

// batches: any CSV, and the register's workbooks. Its rows are read in Go
// from the UTF-8 file to read (sniff.disk: the file, or its UTF-8 copy from
// UTF-16 or Windows-1252) or from the workbook, in a batch as alone.
func (s *sideCSV) batches(sn *sniff) bool { return !sn.isJSON }

func (s *sideCSV) loadAll(ctx context.Context, l *loader, srcs []*source) error {
	fs := make([]sideFile, len(srcs))
	for i, src := range srcs {
		rewrite := l.rewriteCSV
		if isXLSX(src.sniff) { // a register's workbook (register-xlsx)
			rewrite = l.rewriteXLSX
		}
		f, err := rewrite(ctx, s, src)
		if err != nil {
			return err
		}
		fs[i] = f
	}
	return l.loadSideFiles(ctx, s, fs)
}

// rewriteCSV rewrites the CSV side file of src for s (writeSide).
func (l *loader) rewriteCSV(ctx context.Context, s *sideCSV, src *source) (f sideFile, err error) {
	err = withCSV(src, func(rows rowSource, header []string) error {
		f, err = l.writeSide(ctx, s, src, rows, header, false)
		return err
	})
	return f, err
}

// sideFile is a side file rewritten by writeTable, with the SQL variables
// its SQL runs under.
type sideFile struct {
	src  *source
	t    *table
	xlsx bool
	vars string
}

// writeSide rewrites the rows of src for s and settles its variables.
func (l *loader) writeSide(ctx context.Context, s *sideCSV, src *source, rows rowSource, header []string, xlsx bool) (sideFile, error) {
	t, err := l.writeTable(ctx, src, rows, s.layout, header, s.dateFields...)
	if err != nil {
		return sideFile{}, err
	}
	vars := fmt.Sprintf("set variable day_first = %t; set variable from_xlsx = %t", t.dayFirst(src), xlsx)
	if s.vars != nil {
		vars += "; " + s.vars(header, xlsx)
	}
	return sideFile{src: src, t: t, xlsx: xlsx, vars: vars}, nil
}

// loadSideFiles reads rewritten files of s into the temp table side_raw,
// one read_csv for the files that share their variables (a batch of small
// files of one format, sidebatch.go, or one file), each row with its
// file's source and tenant, and runs s's SQL over them.
func (l *loader) loadSideFiles(ctx context.Context, s *sideCSV, fs []sideFile) error {
	var groups [][]sideFile
	at := map[string]int{}
	for _, f := range fs {
		i, ok := at[f.vars]
		if !ok {
			i = len(groups)
			at[f.vars] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], f)
	}
	for _, g := range groups {
		types := "{'__rec': 'BIGINT'"
		for _, f := range g[0].t.fields {
			types += ", " + quote(f) + ": 'VARCHAR'"
		}
		types += ", '__extra': 'VARCHAR'}"
		srcs := make([]*source, len(g))
		paths := make([]string, len(g))
		for i, f := range g {
			srcs[i], paths[i] = f.src, f.t.path
		}
		q := sideRead("side_raw", srcs, paths, "read_csv(getvariable('side_paths'), header = true, delim = ',', quote = '\"', escape = '\"', columns = "+
			types+", auto_detect = false, filename = true)")
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("read rewritten table: %w", err)
		}
		if err := l.runSide(ctx, srcs, s.sql, s.main, g[0].vars); err != nil {
			return err
		}
	}
	if s.after == nil {
		return nil
	}
	fs = slices.Clone(fs)
	sort.Slice(fs, func(i, j int) bool { return fs[i].src.id < fs[j].src.id })
	for _, f := range fs {
		if err := s.after(ctx, l, f); err != nil {
			return err
		}
	}
	return nil
}

// sideRead is the SQL that makes table from reader, a read_csv or
// read_json over getvariable('side_paths') with filename = true, the files
// of srcs at paths, each row with its file's source (__source_id) and
// tenant (__side_tenant), as a portal batch's rows (perFile).
func sideRead(table string, srcs []*source, paths []string, reader string) string {
	qpaths, ids, tenants := make([]string, len(srcs)), make([]string, len(srcs)), make([]string, len(srcs))
	for i, src := range srcs {
		qpaths[i], ids[i], tenants[i] = quote(paths[i]), strconv.Itoa(src.id), quote(sideTenant(src))
	}
	vars, exprs := perFile("side", qpaths, map[string]string{
		"source_id":   "[" + strings.Join(ids, ", ") + "]::integer[]",
		"side_tenant": "[" + strings.Join(tenants, ", ") + "]::varchar[]",
	})
	return fmt.Sprintf("%s;\ncreate or replace temp table %s as\nselect %s,\n  * exclude (filename)\nfrom %s",
		vars, table, strings.Join(exprs, ",\n  "), reader)
}

// sideTenant is the tenant of a side file's rows that name none.
func sideTenant(src *source) string {
	if src.tenant == "" {
		return "unknown"
	}
	return src.tenant
}

//go:embed side_common.sql
var sideCommonSQL string

// sideRejectsTable is side_common.sql's first statement, the one that is
// the file's, not the connection's: its rejected rows.
var sideRejectsTable = splitStatements(sideCommonSQL)[0]

// runSide runs a side SQL file under vars (set variable statements) over
// the rows of srcs' files in side_raw (or side_json): its statements write
// the canonical tables and side_rejects(source_id, rec, reason, raw). It
// then records the rejected rows and each file's loaded rows and tenant.
func (l *loader) runSide(ctx context.Context, srcs []*source, sqlText, main, vars string) error {
	if _, err := l.db.ExecContext(ctx, vars); err != nil {
		return err
	}
	stmts := splitStatements(sqlText)
	if !l.sideMacros {
		// The macros of side_common.sql are the connection's (temporary):
		// made once per load, not once per file (ten statements, a fifth
		// of a small register's load).
		stmts = append(splitStatements(sideCommonSQL), stmts...)
		l.sideMacros = true
	} else {
		stmts = append([]string{sideRejectsTable}, stmts...)
	}
	for _, stmt := range stmts {
		if _, err := l.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", firstLine(strings.TrimSpace(stmt)), err)
		}
	}
	if _, err := l.db.ExecContext(ctx, `
insert into rejected_rows select source_id, rec, reason,
  -- at most 4 KiB: left() counts characters, which may take 4 bytes each
  case when strlen(left(raw, 4096)) <= 4096 then left(raw, 4096) else left(raw, 1024) end
from side_rejects order by source_id, rec`); err != nil {
		return err
	}
	// Each file's loaded rows and, when they all name one, its tenant.
	ids := make([]string, len(srcs))
	bySource := map[int]*source{}
	for i, src := range srcs {
		ids[i] = strconv.Itoa(src.id)
		bySource[src.id] = src
		src.loaded = 0
	}
	rows, err := l.db.QueryContext(ctx, fmt.Sprintf(`select source_id, count(distinct source_record),
  case when count(distinct tenant_id) = 1 then min(tenant_id) end
from %s where source_id in (%s) group by source_id`, ident(main), strings.Join(ids, ", ")))
	if err != nil {
		return err
	}
	var tenants []string
	var args []any
	for rows.Next() {
		var id int
		var n int64
		var one *string
		if err := rows.Scan(&id, &n, &one); err != nil {
			rows.Close()
			return err
		}
		bySource[id].loaded = n
		if one != nil && *one != "unknown" {
			tenants = append(tenants, "(?::integer, ?::varchar)")
			args = append(args, id, *one)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(tenants) > 0 {
		if _, err := l.db.ExecContext(ctx, `update sources set tenant_id = v.tenant_id
from (values `+strings.Join(tenants, ", ")+`) v(source_id, tenant_id) where sources.source_id = v.source_id`, args...); err != nil {
			return err
		}
	}
	_, err = l.db.ExecContext(ctx, "drop table if exists side_raw; drop table if exists side_json; drop table if exists side_rejects")
	return err
}

// withCSV opens a CSV side input and hands its header and rows to fn.
func withCSV(src *source, fn func(rows rowSource, header []string) error) error {
	rows, closer, err := openCSVRows(src)
	if err != nil {
		return err
	}
	defer closer.Close()
	_, header, err := rows.next()
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	return fn(rows, header)
}

// sideJSON is how a JSON side format is loaded: records are split to NDJSON
// (broken ones rejected with record and line) and read with the explicit
// columns of the layout into side_json.
type sideJSON struct {
	columns, sql, main string
}

// newSideJSON describes a JSON side format; register() makes its load func.
func newSideJSON(columns, sqlText, main string) *sideJSON {
	return &sideJSON{columns: columns, sql: sqlText, main: main}
}

// batches: JSON read as it is alone. A file that says UTF-8 (no BOM) and
// holds bytes that are not may load again as Windows-1252 when loaded
// alone (asWindows1252), so it joins only when it is UTF-8 throughout; a
// UTF-16 or Windows-1252 file is read from its UTF-8 copy.
func (s *sideJSON) batches(sn *sniff) bool {
	if !sn.isJSON {
		return false
	}
	if sn.encoding != "utf-8" {
		return true
	}
	valid, err := sn.validUTF8()
	return err == nil && valid
}

func (s *sideJSON) loadAll(ctx context.Context, l *loader, srcs []*source) error {
	var read []*source
	var paths []string
	for _, src := range srcs {
		path := filepath.Join(l.tmp, fmt.Sprintf("side-%d.ndjson", src.id))
		if err := l.splitToNDJSON(ctx, src, path, false); err != nil {
			return err
		}
		if st, err := os.Stat(path); err == nil && st.Size() == 0 {
			continue // no usable record: all read, all rejected
		}
		read, paths = append(read, src), append(paths, path)
	}
	if len(read) == 0 {
		return nil
	}
	q := sideRead("side_json", read, paths, fmt.Sprintf(`read_json(getvariable('side_paths'), format = 'newline_delimited',
  maximum_object_size = 67108864, columns = {__rec: 'BIGINT', %s}, filename = true)`, s.columns))
	if _, err := l.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("read records: %w", err)
	}
	if err := l.runSide(ctx, read, s.sql, s.main, "set variable day_first = false; set variable from_xlsx = false"); err != nil {
		return err
	}
	return l.fillRejectedRaw(ctx, read, paths)
}

// fillRejectedRaw gives the rejected records of srcs that the side SQL
// rejected without their text (it reads typed columns only) the text of
// their line in the file's split NDJSON (at paths), so every rejected row
// shows what was rejected (issue 6).
func (l *loader) fillRejectedRaw(ctx context.Context, srcs []*source, paths []string) error {
	ids := make([]string, len(srcs))
	at := map[int]string{}
	for i, src := range srcs {
		ids[i] = strconv.Itoa(src.id)
		at[src.id] = paths[i]
	}
	rows, err := l.db.QueryContext(ctx, `select source_id, source_record from rejected_rows
where source_id in (`+strings.Join(ids, ", ")+`) and raw is null and source_record > 0`)
	if err != nil {
		return err
	}
	want := map[int]map[int64]bool{}
	for rows.Next() {
		var id int
		var rec int64
		if err := rows.Scan(&id, &rec); err != nil {
			rows.Close()
			return err
		}
		if want[id] == nil {
			want[id] = map[int64]bool{}
		}
		want[id][rec] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(want) == 0 {
		return err
	}
	fill := filepath.Join(l.tmp, fmt.Sprintf("side-%d.raw.ndjson", srcs[0].id))
	f, err := os.Create(fill)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, src := range srcs {
		if len(want[src.id]) == 0 {
			continue
		}
		for rec, raw := range lookupRecords(at[src.id], want[src.id]) {
			enc.Encode(struct {
				Source int    `json:"source_id"`
				Rec    int64  `json:"rec"`
				Raw    string `json:"raw"`
			}{src.id, rec, strings.ToValidUTF8(string(raw), "\uFFFD")})
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx, fmt.Sprintf(`update rejected_rows r set raw = f.raw
from read_json(%s, format = 'newline_delimited', columns = {source_id: 'INTEGER', rec: 'BIGINT', raw: 'VARCHAR'}) f
where r.source_id = f.source_id and r.source_record = f.rec and r.raw is null`, quote(fill)))
	return err
}

// accountPatterns applies Options.AccountPatterns to the account_patterns table.
func (l *loader) accountPatterns(ctx context.Context) error {
	keys := make([]string, 0, len(l.opts.AccountPatterns))
	for k := range l.opts.AccountPatterns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, pattern := range keys {
		class := strings.TrimSpace(l.opts.AccountPatterns[pattern])
		if _, err := regexp.Compile(pattern); err != nil {
			return fmt.Errorf("ingest: account pattern %q: %w", pattern, err)
		}
		var err error
		if class == "" {
			_, err = l.db.ExecContext(ctx, "delete from account_patterns where pattern = ?", pattern)
		} else {
			_, err = l.db.ExecContext(ctx, "insert or replace into account_patterns values (?, ?)", pattern, class)
		}
		if err != nil {
			return fmt.Errorf("ingest: account pattern %q: %w", pattern, err)
		}
	}
	return nil
}
