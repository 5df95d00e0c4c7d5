package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// csvTable reads a CSV source into the temp table csv_rows with DuckDB
// (header by name, every column VARCHAR, so a missing or extra column never
// breaks the read) and records the rows DuckDB rejects (store_rejects: wrong
// column count, bad quoting, invalid UTF-8) as rejected rows with their line
// and text. It counts them as read and returns the rejected line numbers.
// Every CSV loader of sign-ins goes through here, so reject handling is one
// piece of code.
func (l *loader) csvTable(ctx context.Context, src *source, g *graphSink) (map[int64]bool, error) {
	err := l.withLineEnds(ctx, src, func() error {
		if err := l.dropCSVTables(ctx); err != nil {
			return err
		}
		err := l.ordered(ctx, "create temp table csv_rows as select * from "+csvTextRead(src, csvTableMaxLine))
		if !csvSniffFailed(err) || len(src.sniff.header) == 0 || ctx.Err() != nil {
			return err
		}
		if err := l.dropCSVTables(ctx); err != nil {
			return err
		}
		return l.ordered(ctx, "create temp table csv_rows as select * from "+csvHeaderRead(src, csvTableMaxLine))
	})
	if err != nil {
		return nil, err
	}
	rows, err := l.db.QueryContext(ctx, `select line, min_by(lower(error_type) || ': ' || error_message, coalesce(column_idx, 0)), any_value(csv_line)
from csv_rejects group by line order by line`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	bad := map[int64]bool{}
	for rows.Next() {
		var line int64
		var msg string
		var raw *string
		if err := rows.Scan(&line, &msg, &raw); err != nil {
			return nil, err
		}
		bad[line] = true
		src.read++
		reason := fmt.Sprintf("line %d: %s", line, msg)
		var rawb []byte
		if raw != nil {
			rawb = []byte(*raw)
			if why, text, ok := src.longRowReject(line, *raw); ok {
				reason, rawb = why, text
			}
		}
		if err := g.reject(line, reason, rawb); err != nil {
			return nil, err
		}
	}
	return bad, rows.Err()
}

// csvTextRead is DuckDB's read of src's CSV as csvTable and the SQL paths
// (csvColumns) take it: header by name, every column VARCHAR, lines up to
// maxLine, and the lines DuckDB rejects kept in csv_rejects and csv_scans.
func csvTextRead(src *source, maxLine int) string {
	return fmt.Sprintf(`read_csv(%s, header = true, all_varchar = true, delim = %s, quote = '"', escape = '"',
  %s, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`,
		quote(src.sniff.disk), quote(string(src.sniff.delim)), csvLineSize(maxLine))
}

// csvSniffFailed says whether err is DuckDB's failure to detect a CSV's
// dialect. Told the delimiter and quotes, DuckDB 1.5.6 still checks them
// against the lines it samples, and fails the whole file for one line it
// cannot parse there (a quote left open, a stray quote after a quoted
// cell, or in a small CRLF file the blank LF line an editor adds at the
// end): "Error when sniffing file".
func csvSniffFailed(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Error when sniffing file")
}

// csvHeaderRead is csvTextRead without DuckDB's detection, for a file it
// fails (csvSniffFailed): the columns are the header's as written (the
// sniff's), named as DuckDB names them, every one VARCHAR, so that each line
// DuckDB cannot parse is a rejected row, as in any other file, and the rest
// load.
func csvHeaderRead(src *source, maxLine int) string {
	var cols []string
	for _, name := range duckCSVNames(src.sniff.header) {
		cols = append(cols, quote(name)+": 'VARCHAR'")
	}
	return fmt.Sprintf(`read_csv(%s, header = true, auto_detect = false, columns = {%s}, delim = %s, quote = '"', escape = '"',
  %s, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`,
		quote(src.sniff.disk), strings.Join(cols, ", "), quote(string(src.sniff.delim)), csvLineSize(maxLine))
}

// duckCSVNames names a header's columns as DuckDB's reader does: an empty
// one columnN (N its place, from 0), a name given again (in any case) with
// _1, _2, ... after it.
func duckCSVNames(header []string) []string {
	seen := map[string]int{}
	out := make([]string, len(header))
	for i, h := range header {
		if h == "" {
			h = fmt.Sprintf("column%d", i)
		}
		k := strings.ToLower(h)
		out[i] = h
		if n := seen[k]; n > 0 {
			out[i] = fmt.Sprintf("%s_%d", h, n)
		}
		seen[k]++
	}
	return out
}

// noCSVRejects says whether the csvTextRead just done rejected no line. The
// SQL paths take a file only then: the careful path names each line DuckDB
// rejects.
func (l *loader) noCSVRejects(ctx context.Context) (bool, error) {
	var rejects int64
	err := l.db.QueryRowContext(ctx, "select count(*) from csv_rejects").Scan(&rejects)
	return rejects == 0, err
}

// dropCSVTables drops what csvTable and csvTextRead leave behind (loadOne,
// after every load, and the reads themselves, before theirs).
func (l *loader) dropCSVTables(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, "drop table if exists csv_rows; drop table if exists csv_rejects; drop table if exists csv_scans")
	return err
}

// csvTableMaxLine is csvTable's longest line; tests lower it (and with it
// the read buffer) to have DuckDB read a small file in parallel pieces.
var csvTableMaxLine = 64 << 20

// csvRows calls fn for every row csvTable kept, in file order, with its line
// (counting one line per row and skipping rejected lines; a cell holding a
// line break shifts later numbers) and its cells keyed by normalised header
// name (normHeader; when two headers normalise alike, the later column's
// non-empty cell wins). Empty cells are absent. want, when not nil, picks the
// columns read by their normalised name (a first pass that only looks at the
// dates reads only those).
//
// The cells are scanned column by column: each row as to_json text decoded
// into a map, and every header normalised again for every row, took 19 of the
// 30 s of a 100,000-row Log Analytics CSV load (issue 5).
func (l *loader) csvRows(ctx context.Context, bad map[int64]bool, want func(key string) bool, fn func(line int64, row map[string]string) error) error {
	sel := "*"
	if want != nil {
		all, err := queryColumn[string](ctx, l.db, "select column_name from (describe csv_rows)")
		if err != nil {
			return err
		}
		var names []string
		for _, c := range all {
			if want(normHeader(c)) {
				names = append(names, ident(c))
			}
		}
		if len(names) == 0 {
			names = []string{"null as none"}
		}
		sel = strings.Join(names, ", ")
	}
	var last sql.NullInt64
	if err := l.db.QueryRowContext(ctx, "select max(rowid) from csv_rows").Scan(&last); err != nil {
		return err
	}
	line := int64(1) // the header
	// Range by range: the driver holds a query's whole result, so one
	// query over the table held every cell of the file at once (17.4 GiB
	// for a 10 M-row audit export, issue 5).
	for lo := int64(0); last.Valid && lo <= last.Int64; lo += csvRowsBatch {
		if err := l.csvRowRange(ctx, sel, lo, lo+csvRowsBatch, &line, bad, fn); err != nil {
			return err
		}
	}
	return nil
}

// csvRowsBatch is how many rows of csv_rows csvRows asks for at a time.
var csvRowsBatch = int64(200_000)

// csvRowRange calls fn for the rows of csv_rows with lo <= rowid < hi, in
// order, numbering them on from *line.
func (l *loader) csvRowRange(ctx context.Context, sel string, lo, hi int64, line *int64, bad map[int64]bool, fn func(line int64, row map[string]string) error) error {
	rows, err := l.db.QueryContext(ctx, "select "+sel+" from csv_rows where rowid >= ? and rowid < ? order by rowid", lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = normHeader(c)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		*line++
		for bad[*line] {
			*line++
		}
		row := make(map[string]string, len(cols))
		for i, v := range vals {
			if v.Valid && v.String != "" {
				row[keys[i]] = v.String
			}
		}
		if err := fn(*line, row); err != nil {
			return err
		}
	}
	return rows.Err()
}
