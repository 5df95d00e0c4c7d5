package ingest

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"time"
)

//go:embed portal_headers.csv
var portalHeadersCSV string

// headerAliases maps a normalised header (see normHeader) to a canonical key.
var headerAliases = func() map[string]string {
	r := csv.NewReader(strings.NewReader(portalHeadersCSV))
	rows, err := r.ReadAll()
	if err != nil {
		panic("portal_headers.csv: " + err.Error())
	}
	m := map[string]string{}
	for _, row := range rows[1:] {
		h := normHeader(row[2])
		if prev, ok := m[h]; ok && prev != row[0] {
			panic(fmt.Sprintf("portal_headers.csv: %q maps to both %s and %s", row[2], prev, row[0]))
		}
		m[h] = row[0]
	}
	return m
}()

// csvColumns names every column of a CSV header by its canonical key: known
// headers by their alias, a repeated header with a _2, _3 suffix, unknown ones
// as col_N. It returns the names and the canonical keys found.
func csvColumns(norm []string, aliases map[string]string) (names []string, known map[string]bool) {
	known = map[string]bool{}
	seen := map[string]int{}
	for i, h := range norm {
		key, ok := aliases[h]
		if !ok {
			names = append(names, fmt.Sprintf("col_%d", i+1))
			continue
		}
		seen[key]++
		if seen[key] > 1 {
			names = append(names, fmt.Sprintf("%s_%d", key, seen[key]))
			continue
		}
		names = append(names, key)
		known[key] = true
	}
	return names, known
}

// csvLineSize renders read_csv's line maximum (longer lines become rejected
// rows) and its read buffer size. DuckDB's default buffer is 16 × the line
// maximum, 256 MiB for 16 MiB lines; buffers that large are handed back to
// the kernel when freed, so every byte of the file was read into freshly
// zeroed pages: a 10 M-row ingest had 3.5-3.8 M page faults and 17-79 s of
// system time, against 1.8-2.1 M and 10-11 s with 32 MiB, wall 68-76 s
// against 73-121 s (issue 5). DuckDB refuses a buffer below the maximum.
func csvLineSize(maxLine int) string {
	return fmt.Sprintf("max_line_size = %d, buffer_size = %d", maxLine, 2*maxLine)
}

// csvMaxLine is the longest CSV row read, its line end included: a longer
// one is a rejected row (cutLongRows).
const csvMaxLine = 16 << 20

// csvReadLine is the line maximum DuckDB's reader is told where rows are
// at most csvMaxLine: a little more, as its measure of a row counts its
// line end or not by where the row sits in its buffers (a row of exactly
// the maximum was read after the header and rejected 100 000 lines on).
const csvReadLine = csvMaxLine + 64<<10

// csvRead is one load of a CSV file through DuckDB's read_csv.
type csvRead struct {
	// names are the file's columns in order, by canonical key.
	names []string
	// want are the canonical keys insert reads. csv_read has those of the
	// file (as text) and NULL for the others, and raw_row: a struct of the
	// file's wanted columns, for the text of a rejected row.
	want []string
	// extra are more columns of csv_read, as select expressions.
	extra []string
	// insert is an INSERT … SELECT … FROM csv_read statement.
	insert string
	// The rows insert adds are those of table where scope holds; their
	// column rec is numbered 1, 2, … in file order once they are in.
	table, rec, scope string
}

// readCSV runs r.insert over src's CSV, every column read as text. Every
// column is read, so that column counts are checked; only the wanted ones
// reach the insert, which computes its expressions during the read, in
// parallel. Rows DuckDB cannot parse (wrong column count, broken quoting)
// become rejected rows with their line number and text. It sets src.read.
func (l *loader) readCSV(ctx context.Context, src *source, r csvRead) error {
	return l.withLineEnds(ctx, src, func() error { return l.readCSVOnce(ctx, src, r) })
}

// csvReadSQL is read_csv over files (a quoted path, or a list of them) of
// the given delimiter, every column (names, in the file's order) read as
// text, DuckDB's rejects kept; options adds to its options.
func csvReadSQL(files string, delim byte, names []string, options string) string {
	cols := make([]string, len(names))
	for i, n := range names {
		cols[i] = fmt.Sprintf("%s: 'VARCHAR'", quote(n))
	}
	return fmt.Sprintf(`read_csv(%s, header = true, auto_detect = false, delim = %s, quote = '"', escape = '"',
  columns = {%s}, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_rejects_scan',
  %s, null_padding = false%s)`,
		files, quote(string(delim)), strings.Join(cols, ", "), csvLineSize(csvReadLine), options)
}

// csvView is the statement that makes the view csv_read of r's columns, to
// be completed by the relation it reads (a read_csv, or the table of one):
// the wanted columns the file has, as text, NULL for the others, raw_row
// (the wanted columns the file has, in its order) and r.extra.
func csvView(r csvRead) (string, error) {
	have := map[string]bool{}
	for _, n := range r.names {
		have[n] = true
	}
	wanted := map[string]bool{}
	var sel, present []string
	for _, n := range r.want {
		wanted[n] = true
		if have[n] {
			sel = append(sel, ident(n))
		} else {
			sel = append(sel, "null::varchar as "+ident(n))
		}
	}
	for _, n := range r.names { // raw_row in the file's column order
		if wanted[n] {
			present = append(present, ident(n)+" := "+ident(n))
		}
	}
	if len(present) == 0 {
		return "", fmt.Errorf("no known column in the header")
	}
	sel = append(sel, "struct_pack("+strings.Join(present, ", ")+") as raw_row")
	sel = append(sel, r.extra...)
	return "create or replace temp view csv_read as\nselect " + strings.Join(sel, ", ") + "\nfrom ", nil
}

// csvReadTables drops what a read_csv through csv_read leaves: the view,
// the text copy of a file that is not UTF-8 throughout, DuckDB's rejects.
const csvReadTables = "drop view if exists csv_read; drop table if exists csv_all; drop table if exists csv_rejects; drop table if exists csv_rejects_scan; drop table if exists csv_scans"

// readCSVOnce is readCSV's read of src.sniff.disk.
func (l *loader) readCSVOnce(ctx context.Context, src *source, r csvRead) error {
	read := csvReadSQL(quote(src.sniff.disk), src.sniff.delim, r.names, "")
	view, err := csvView(r)
	if err != nil {
		return err
	}
	if _, err := l.db.ExecContext(ctx, csvReadTables); err != nil { // whatever another read left
		return err
	}
	defer l.db.ExecContext(ctx, csvReadTables)
	valid, err := src.sniff.validUTF8()
	if err != nil {
		return err
	}
	if !valid {
		// Every column read, in the file's order (validUTF8): the lines
		// holding bytes that are not UTF-8 are rejected, wherever they are.
		if err := l.ordered(ctx, "create or replace temp table csv_all as select * from "+read); err != nil {
			return err
		}
		read = "csv_all"
	}
	if _, err := l.db.ExecContext(ctx, view+read); err != nil {
		return err
	}
	// rec is numbered after the insert from rowid, which follows the file
	// order (preserve_insertion_order): row_number() over () in the insert
	// made DuckDB read the file on one thread, twice as slow (issue 5).
	if err := l.ordered(ctx, r.insert); err != nil {
		return err
	}
	t := time.Now()
	number := fmt.Sprintf("update %[1]s set %[2]s = rowid + 1 - (select min(rowid) from %[1]s where %[3]s) where %[3]s", r.table, r.rec, r.scope)
	if _, err := l.db.ExecContext(ctx, number); err != nil {
		return err
	}
	var good int64
	if err := l.db.QueryRowContext(ctx, fmt.Sprintf("select count(*) from %s where %s", r.table, r.scope)).Scan(&good); err != nil {
		return err
	}
	Trace("csv: number the records", t)
	rows, err := l.db.QueryContext(ctx, `
select line, lower(min(error_type)) || ': ' || min(error_message), min(csv_line)
from csv_rejects group by line order by line`)
	if err != nil {
		return err
	}
	type rej struct {
		line       int64
		reason, rw string
	}
	var rejs []rej
	for rows.Next() {
		var r rej
		var raw *string
		if err := rows.Scan(&r.line, &r.reason, &raw); err != nil {
			rows.Close()
			return err
		}
		if raw != nil {
			r.rw = *raw
		}
		rejs = append(rejs, r)
	}
	rows.Close()
	if n := len(rejs); n > 0 && cutShort(src.sniff.disk, rejs[n-1].rw) {
		rejs[n-1].reason = strings.TrimSuffix(rejs[n-1].reason, ".") + "; the file ends inside this row, as a download or copy cut short does: download it again"
	}
	b, err := l.newRejectBatch(ctx, src)
	if err != nil {
		return err
	}
	for _, r := range rejs {
		reason, raw := fmt.Sprintf("line %d: %s", r.line, r.reason), []byte(r.rw)
		if why, text, ok := src.longRowReject(r.line, r.rw); ok {
			reason, raw = why, text
		}
		if err := b.add(r.line, reason, raw); err != nil {
			b.close()
			return err
		}
	}
	src.read = good + int64(len(rejs))
	return b.close()
}

// rejectWhere records the rows a query returns (rec, reason, raw) as rejected.
func (l *loader) rejectWhere(ctx context.Context, src *source, query string) error {
	rows, err := l.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	type rej struct {
		rec         int64
		reason, raw string
	}
	var rejs []rej
	for rows.Next() {
		var r rej
		var raw *string
		if err := rows.Scan(&r.rec, &r.reason, &raw); err != nil {
			rows.Close()
			return err
		}
		if raw != nil {
			r.raw = *raw
		}
		rejs = append(rejs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	b, err := l.newRejectBatch(ctx, src)
	if err != nil {
		return err
	}
	for _, r := range rejs {
		if err := b.add(r.rec, fmt.Sprintf("record %d: %s", r.rec, r.reason), []byte(r.raw)); err != nil {
			b.close()
			return err
		}
	}
	return b.close()
}

// ordered runs a load whose rows must keep the file's order (records are
// numbered from rowid afterwards); Open turns order off for everything else.
//
// DuckDB keeps the order only through a plan without a join: with one, it
// inserts with its plain operator, which does not, and nothing says so.
// An IN list of constants (mfagap_is_legacy's client apps) is planned as a
// mark join with the list unless the optimizer in_clause is off: the
// records of a 600 k-line portal CSV were numbered from line 291,574 on in
// 4 loads of 6 (issue 5). The optimizer is off for these loads, and the
// tests check every plan (checkOrderedPlans). off names more optimizers to
// turn off for q.
func (l *loader) ordered(ctx context.Context, q string, off ...string) error {
	return l.optimized(ctx, q, true, off...)
}

// optimized runs q with the optimizers off names turned off, keeping the
// order when keep is set (ordered).
func (l *loader) optimized(ctx context.Context, q string, keep bool, off ...string) error {
	disabled := quote(strings.Join(append([]string{"in_clause"}, off...), ","))
	if _, err := l.db.ExecContext(ctx, fmt.Sprintf("set preserve_insertion_order = %t; set disabled_optimizers = %s", keep, disabled)); err != nil {
		return err
	}
	var err error
	if keep {
		err = checkOrderedPlan(ctx, l.db, q)
	}
	if err == nil {
		_, err = l.db.ExecContext(ctx, q)
	}
	if _, rerr := l.db.ExecContext(ctx, "set preserve_insertion_order = false; reset disabled_optimizers"); err == nil {
		err = rerr
	}
	return err
}

// checkOrderedPlans makes ordered check that the plan of each load keeps
// the order (no join in it); the tests turn it on. Planning a read_json
// with its schema detected reads the file's start, so it is off in use.
var checkOrderedPlans = false

// checkOrderedPlan returns an error when checkOrderedPlans is on and q's
// plan holds a join, through which DuckDB does not keep the rows' order.
func checkOrderedPlan(ctx context.Context, db *sql.DB, q string) error {
	if !checkOrderedPlans {
		return nil
	}
	rows, err := db.QueryContext(ctx, "explain "+q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var kind, text string
		if err := rows.Scan(&kind, &text); err != nil {
			return err
		}
		plan.WriteString(text)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if p := plan.String(); strings.Contains(p, "_JOIN") || strings.Contains(p, "CROSS_PRODUCT") {
		return fmt.Errorf("a load that must keep the file's order is planned with a join, through which DuckDB does not keep it:\n%s\n%s", firstLine(q), p)
	}
	return nil
}

// cutShort says whether the file at path ends with row (the text of its
// last rejected line) and no line break: a download or copy that stopped
// in the middle of a row, which DuckDB rejects as an unterminated quote or
// a row short of columns.
func cutShort(path, row string) bool {
	row = strings.TrimRight(row, "\r\n")
	if row == "" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	n := min(st.Size(), int64(len(row))+1)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, st.Size()-n); err != nil {
		return false
	}
	return !bytes.HasSuffix(tail, []byte("\n")) && bytes.HasSuffix(tail, []byte(row))
}
