package ingest

import (
	"context"
	"encoding/json"
	"fmt"
)

// csvTable reads a CSV source into the temp table csv_rows with DuckDB
// (header by name, every column VARCHAR, so a missing or extra column never
// breaks the read) and records the rows DuckDB rejects (store_rejects: wrong
// column count, bad quoting, invalid UTF-8) as rejected rows with their line
// and text. It counts them as read and returns the rejected line numbers.
// Every CSV loader of sign-ins goes through here, so reject handling is one
// piece of code.
func (l *loader) csvTable(ctx context.Context, src *source, g *graphSink) (map[int64]bool, error) {
	for _, t := range []string{"csv_rows", "csv_rejects", "csv_scans"} {
		if _, err := l.db.ExecContext(ctx, "drop table if exists "+t); err != nil {
			return nil, err
		}
	}
	q := fmt.Sprintf(`create temp table csv_rows as
select * from read_csv(%s, header = true, all_varchar = true, delim = %s, quote = '"', escape = '"',
  %s, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`,
		quote(src.sniff.disk), quote(string(src.sniff.delim)), csvLineSize(64<<20))
	if _, err := l.db.ExecContext(ctx, q); err != nil {
		return nil, err
	}
	rows, err := l.db.QueryContext(ctx, `select line, min_by(error_type || ': ' || error_message, coalesce(column_idx, 0)), any_value(csv_line)
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
		var rawb []byte
		if raw != nil {
			rawb = []byte(*raw)
		}
		if err := g.reject(line, fmt.Sprintf("line %d: %s", line, msg), rawb); err != nil {
			return nil, err
		}
	}
	return bad, rows.Err()
}

// csvRows calls fn for every row csvTable kept, in file order, with its line
// (counting one line per row and skipping rejected lines; a cell holding a
// line break shifts later numbers) and its cells keyed by normalised header
// name (normHeader). Empty cells are absent.
func (l *loader) csvRows(ctx context.Context, bad map[int64]bool, fn func(line int64, row map[string]string) error) error {
	rows, err := l.db.QueryContext(ctx, "select to_json(r)::varchar from csv_rows r")
	if err != nil {
		return err
	}
	defer rows.Close()
	line := int64(1) // the header
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return err
		}
		line++
		for bad[line] {
			line++
		}
		var cells map[string]*string
		if err := json.Unmarshal([]byte(text), &cells); err != nil {
			return err
		}
		row := make(map[string]string, len(cells))
		for k, v := range cells {
			if v != nil && *v != "" {
				row[normHeader(k)] = *v
			}
		}
		if err := fn(line, row); err != nil {
			return err
		}
	}
	return rows.Err()
}
