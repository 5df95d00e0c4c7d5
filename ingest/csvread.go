package ingest

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
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

// readCSV inserts the rows of src's CSV into table by name, reading every
// column as text under the given names; only the columns in keep are inserted
// (the others are read, so that column counts are checked, then dropped).
// Rows DuckDB cannot parse (wrong column count, broken quoting) become
// rejected rows with their line number and text. It returns the rows read.
// extra are more select expressions (with their alias) computed during the
// read, in parallel, instead of in a later pass over the table.
func (l *loader) readCSV(ctx context.Context, src *source, table string, names []string, keep map[string]bool, extra ...string) error {
	cols := make([]string, len(names))
	var sel []string
	for i, n := range names {
		cols[i] = fmt.Sprintf("%s: 'VARCHAR'", quote(n))
		if keep[n] {
			sel = append(sel, ident(n))
		}
	}
	if len(sel) == 0 {
		return fmt.Errorf("no known column in the header")
	}
	sel = append(sel, extra...)
	// rec is numbered after the insert from rowid, which follows the file
	// order (preserve_insertion_order): row_number() over () in the insert
	// made DuckDB read the file on one thread, twice as slow (issue 5).
	q := fmt.Sprintf(`insert into %s by name
select %s
from read_csv(%s, header = true, auto_detect = false, delim = %s, quote = '"', escape = '"',
  columns = {%s}, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_rejects_scan',
  max_line_size = 16777216, null_padding = false)`,
		table, strings.Join(sel, ", "), quote(src.sniff.disk), quote(string(src.sniff.delim)), strings.Join(cols, ", "))
	defer l.db.ExecContext(ctx, "drop table if exists csv_rejects; drop table if exists csv_rejects_scan")
	if err := l.ordered(ctx, q); err != nil {
		return err
	}
	t := time.Now()
	if _, err := l.db.ExecContext(ctx, fmt.Sprintf("update %[1]s set rec = rowid + 1 - (select min(rowid) from %[1]s)", table)); err != nil {
		return err
	}
	var good int64
	if err := l.db.QueryRowContext(ctx, "select count(*) from "+table).Scan(&good); err != nil {
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
	b, err := l.newRejectBatch(ctx, src)
	if err != nil {
		return err
	}
	for _, r := range rejs {
		if err := b.add(r.line, fmt.Sprintf("line %d: %s", r.line, r.reason), []byte(r.rw)); err != nil {
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
func (l *loader) ordered(ctx context.Context, q string) error {
	if _, err := l.db.ExecContext(ctx, "set preserve_insertion_order = true"); err != nil {
		return err
	}
	_, err := l.db.ExecContext(ctx, q)
	if _, rerr := l.db.ExecContext(ctx, "set preserve_insertion_order = false"); err == nil {
		err = rerr
	}
	return err
}
