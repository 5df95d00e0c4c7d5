package ingest

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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
// rows with their record number (CSV line, XLSX row). A row error is a
// rejected row, not a failed file.
type rowSource interface {
	next() (rec int64, row []string, err error)
}

type rowError struct {
	rec    int64
	reason string
	raw    string
}

func (e *rowError) Error() string { return e.reason }

// csvRows reads a delimited file with encoding/csv.
type csvRows struct {
	r     *csv.Reader
	width int
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
	r := csv.NewReader(br)
	r.Comma = rune(src.sniff.delim)
	if r.Comma == 0 {
		r.Comma = ','
	}
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	return &csvRows{r: r}, f, nil
}

func (c *csvRows) next() (int64, []string, error) {
	row, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return int64(pe.StartLine), nil, &rowError{rec: int64(pe.StartLine), reason: fmt.Sprintf("line %d: %v", pe.StartLine, pe.Err)}
		}
		return 0, nil, err
	}
	line, _ := c.r.FieldPos(0)
	return int64(line), row, nil
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
		var re *rowError
		if errors.As(err, &re) {
			src.read++
			if err := rej.add(re.rec, re.reason, []byte(re.raw)); err != nil {
				return nil, err
			}
			continue
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

// loadTable reads a rewritten table into the temp table side_raw and runs
// the layout's SQL. main is the canonical table whose distinct records of
// this source are the loaded rows.
func (l *loader) loadTable(ctx context.Context, src *source, t *table, sqlText, main string, xlsx bool) error {
	types := "{'__rec': 'BIGINT'"
	for _, f := range t.fields {
		types += ", " + quote(f) + ": 'VARCHAR'"
	}
	types += ", '__extra': 'VARCHAR'}"
	q := fmt.Sprintf(`create or replace temp table side_raw as
select * from read_csv(%s, header = true, delim = ',', quote = '"', escape = '"', columns = %s, auto_detect = false)`, quote(t.path), types)
	if _, err := l.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("read rewritten table: %w", err)
	}
	return l.runSide(ctx, src, sqlText, main, t.dayFirst(src), xlsx)
}

//go:embed side_common.sql
var sideCommonSQL string

// runSide sets the per-source variables and runs a side SQL file, whose
// statements read side_raw (or side_json) and write the canonical tables and
// side_rejects(rec, reason, raw).
// sideRejectsTable is side_common.sql's first statement, the one that is
// the file's, not the connection's: its rejected rows.
var sideRejectsTable = splitStatements(sideCommonSQL)[0]

func (l *loader) runSide(ctx context.Context, src *source, sqlText, main string, dayFirst, xlsx bool) error {
	tenant := src.tenant
	if tenant == "" {
		tenant = "unknown"
	}
	vars := fmt.Sprintf("set variable source_id = %d; set variable side_tenant = %s; set variable day_first = %t; set variable from_xlsx = %t",
		src.id, quote(tenant), dayFirst, xlsx)
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
insert into rejected_rows select getvariable('source_id'), rec, reason,
  -- at most 4 KiB: left() counts characters, which may take 4 bytes each
  case when strlen(left(raw, 4096)) <= 4096 then left(raw, 4096) else left(raw, 1024) end
from side_rejects order by rec`); err != nil {
		return err
	}
	q := fmt.Sprintf("select count(distinct source_record) from %s where source_id = ?", ident(main))
	if err := l.db.QueryRowContext(ctx, q, src.id).Scan(&src.loaded); err != nil {
		return err
	}
	var tenants int
	var one *string
	q = fmt.Sprintf("select count(distinct tenant_id), min(tenant_id) from %s where source_id = ?", ident(main))
	if err := l.db.QueryRowContext(ctx, q, src.id).Scan(&tenants, &one); err != nil {
		return err
	}
	if tenants == 1 && one != nil && *one != "unknown" {
		if _, err := l.db.ExecContext(ctx, "update sources set tenant_id = ? where source_id = ?", *one, src.id); err != nil {
			return err
		}
	}
	_, err := l.db.ExecContext(ctx, "drop table if exists side_raw; drop table if exists side_json; drop table if exists side_rejects")
	return err
}

// loadSideCSV is the load func of every CSV side format.
func loadSideCSV(layout, sqlText, main string, dateFields ...string) func(context.Context, *loader, *source) error {
	return func(ctx context.Context, l *loader, src *source) error {
		return withCSV(src, func(rows rowSource, header []string) error {
			t, err := l.writeTable(ctx, src, rows, layout, header, dateFields...)
			if err != nil {
				return err
			}
			return l.loadTable(ctx, src, t, sqlText, main, false)
		})
	}
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

// loadSideJSON is the load func of every JSON side format: records are split
// to NDJSON (broken ones rejected with record and line) and read with the
// explicit columns of the layout.
func loadSideJSON(columns, sqlText, main string) func(context.Context, *loader, *source) error {
	return func(ctx context.Context, l *loader, src *source) error {
		path := filepath.Join(l.tmp, fmt.Sprintf("side-%d.ndjson", src.id))
		if err := l.splitToNDJSON(ctx, src, path, false); err != nil {
			return err
		}
		if st, err := os.Stat(path); err == nil && st.Size() == 0 {
			return nil // no usable record: all read, all rejected
		}
		q := fmt.Sprintf(`create or replace temp table side_json as
select * from read_json(%s, format = 'newline_delimited', maximum_object_size = 67108864, columns = {__rec: 'BIGINT', %s})`, quote(path), columns)
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("read records: %w", err)
		}
		if err := l.runSide(ctx, src, sqlText, main, false, false); err != nil {
			return err
		}
		return l.fillRejectedRaw(ctx, src, path)
	}
}

// fillRejectedRaw gives the rejected records of src that the side SQL
// rejected without their text (it reads typed columns only) the text of
// their line in the split NDJSON file, so every rejected row shows what was
// rejected (issue 6).
func (l *loader) fillRejectedRaw(ctx context.Context, src *source, ndjson string) error {
	recs, err := queryColumn[int64](ctx, l.db, "select source_record from rejected_rows where source_id = ? and raw is null and source_record > 0", src.id)
	if err != nil || len(recs) == 0 {
		return err
	}
	want := make(map[int64]bool, len(recs))
	for _, rec := range recs {
		want[rec] = true
	}
	found := lookupRecords(ndjson, want)
	if len(found) == 0 {
		return nil
	}
	fill := filepath.Join(l.tmp, fmt.Sprintf("side-%d.raw.ndjson", src.id))
	f, err := os.Create(fill)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for rec, raw := range found {
		enc.Encode(struct {
			Rec int64  `json:"rec"`
			Raw string `json:"raw"`
		}{rec, strings.ToValidUTF8(string(raw), "\uFFFD")})
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx, fmt.Sprintf(`update rejected_rows r set raw = f.raw
from read_json(%s, format = 'newline_delimited', columns = {rec: 'BIGINT', raw: 'VARCHAR'}) f
where r.source_id = ? and r.source_record = f.rec and r.raw is null`, quote(fill)), src.id)
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
