package ingest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Small portal CSVs load together, as small Graph files do (batch.go): an
// MSP's folder holds a download per tenant, and each file cost 42 ms
// whatever its rows (100 files of 13 rows: 4.25 s against 0.72 s for
// DuckDB's own read of each), 22 ms of it binding and optimising the one
// insert that maps its rows (portal_csv.sql). A batch is files of one
// layout (the same columns in the same order, delimiter and encoding),
// clean UTF-8, read by one read_csv over their files, mapped by one insert;
// each file keeps its own source, event type, tenant, record numbers,
// repeats and counts, settled in load order as if loaded alone. A line
// DuckDB rejects, or any error, makes each file load on its own, where the
// rejected lines are named.

// portalBatchKind is the batch kind of a portal CSV that may join a batch,
// or "": "portal " and its layout, so that only files of one layout batch.
func portalBatchKind(p *prepared) string {
	sn := p.src.sniff
	if !batchableText(sn) {
		return ""
	}
	names, known, positional := portalLayout(sn)
	if positional {
		return ""
	}
	event, _ := portalEventTypeOf(p.src, known)
	return fmt.Sprintf("portal %s %s %q %s", event, sn.encoding, sn.delim, strings.Join(names, ","))
}

// authDetailsBatchKind is the batch kind of an AuthDetails CSV that may
// join a batch, or "": "authdetails " and its layout. AuthDetails load in a
// lane of their own (sideAdd): they are attached to the sign-ins after
// every file.
func authDetailsBatchKind(p *prepared) string {
	sn := p.src.sniff
	if !batchableText(sn) {
		return ""
	}
	return fmt.Sprintf("authdetails %s %q %s", sn.encoding, sn.delim, strings.Join(authDetailsLayout(sn), ","))
}

// loadAuthDetailsBatch loads the AuthDetails CSVs of b as one batch, or
// each on its own when the batch cannot take them whole.
func (l *loader) loadAuthDetailsBatch(ctx context.Context, kind string, b []*prepared) error {
	return l.loadTogether(ctx, kind, b, func(srcs []*source) (bool, error) {
		r := csvRead{names: authDetailsLayout(b[0].src.sniff), want: authDetailsKeys, insert: authDetailsInsert,
			table: "portal_auth_details", rec: "source_record"}
		ok, err := l.readCSVBatch(ctx, b, r, map[string]string{})
		if err != nil || !ok {
			return false, err
		}
		for _, src := range srcs {
			if err := l.settleAuthDetails(ctx, src); err != nil {
				return false, err
			}
		}
		return true, nil
	})
}

// batchableText says whether a CSV may be read in a batch: UTF-8 as
// written (with or without a BOM; a transcoded copy is read alone) and
// valid throughout, so that no line of it is rejected for its bytes, and
// with no row too long to read (hasLongRow).
func batchableText(sn *sniff) bool {
	if sn.encoding != "utf-8" && sn.encoding != "utf-8-bom" {
		return false
	}
	valid, err := sn.validUTF8()
	return err == nil && valid && !hasLongRow(sn)
}

// portalBatchEvent is the event type of a portal batch kind, or "" for
// another kind.
func portalBatchEvent(kind string) string {
	if f := strings.Fields(kind); len(f) > 1 && f[0] == "portal" {
		return f[1]
	}
	return ""
}

// loadPortalBatch loads the portal CSVs of b as one batch, or each on its
// own when the batch cannot take them whole.
func (l *loader) loadPortalBatch(ctx context.Context, kind string, b []*prepared) error {
	return l.loadTogether(ctx, kind, b, func(srcs []*source) (bool, error) {
		ok, err := l.readPortalBatch(ctx, b)
		if err != nil || !ok {
			return false, err
		}
		if err := l.portalBatchNotSignins(ctx, srcs); err != nil {
			return false, err
		}
		return true, l.finishSources(ctx, srcs)
	})
}

// readPortalBatch inserts the rows of b's files into signins, numbered
// within their files, and sets each source's rows read; ok is false when
// DuckDB rejected a line.
func (l *loader) readPortalBatch(ctx context.Context, b []*prepared) (ok bool, err error) {
	names, _, _ := portalLayout(b[0].src.sniff)
	var types, tenants []string
	for _, p := range b {
		_, known, _ := portalLayout(p.src.sniff)
		types = append(types, quote(portalEventType(p.src, known)))
		tenants = append(tenants, quote(p.src.tenant))
	}
	return l.readCSVBatch(ctx, b, csvRead{names: names, want: portalKeys, insert: portalStmts[0], table: "signins", rec: "source_record"},
		map[string]string{
			"event_type":      "[" + strings.Join(types, ", ") + "]::varchar[]",
			"fallback_tenant": "[" + strings.Join(tenants, ", ") + "]::varchar[]",
		})
}

// readCSVBatch runs r.insert over the CSV files of b (one layout: r.names)
// read by one read_csv, csv_read giving each row its file's __source_id and
// a column __NAME per entry of cols (a typed SQL list, one value per file,
// in b's order); then numbers r.table's rows of each file from 1 in its
// line order (r.rec) and sets each source's rows read. ok is false, and
// nothing is numbered, when DuckDB rejected a line.
func (l *loader) readCSVBatch(ctx context.Context, b []*prepared, r csvRead, cols map[string]string) (ok bool, err error) {
	var paths, ids []string
	for _, p := range b {
		paths = append(paths, quote(p.src.sniff.disk))
		ids = append(ids, strconv.Itoa(p.src.id))
	}
	cols["source_id"] = "[" + strings.Join(ids, ", ") + "]::integer[]"
	vars, extra := perFile("batch", paths, cols)
	r.extra = append(r.extra, extra...)
	if _, err := l.db.ExecContext(ctx, vars); err != nil {
		return false, err
	}
	view, err := csvView(r)
	if err != nil {
		return false, err
	}
	if _, err := l.db.ExecContext(ctx, csvReadTables); err != nil {
		return false, err
	}
	defer l.db.ExecContext(ctx, csvReadTables)
	read := csvReadSQL("getvariable('batch_paths')", b[0].src.sniff.delim, r.names, ", filename = true")
	if _, err := l.db.ExecContext(ctx, view+read); err != nil {
		return false, err
	}
	if err := l.ordered(ctx, r.insert); err != nil {
		return false, err
	}
	var rejected int64
	if err := l.db.QueryRowContext(ctx, "select count(*) from csv_rejects").Scan(&rejected); err != nil {
		return false, err
	}
	if rejected > 0 {
		return false, nil
	}
	// Each file's rows in its line order (preserve_insertion_order keeps
	// the files' order and each file's), numbered from 1 within it.
	mine := "source_id in (" + strings.Join(ids, ", ") + ")"
	if _, err := l.db.ExecContext(ctx, fmt.Sprintf(`update %[1]s set %[2]s = %[1]s.rowid + 1 - f.first
from (select source_id, min(rowid) as first from %[1]s where %[3]s group by source_id) f
where %[1]s.source_id = f.source_id`, r.table, r.rec, mine)); err != nil {
		return false, err
	}
	counts, err := queryPairs(ctx, l, "select source_id, count(*) from "+r.table+" where "+mine+" group by source_id")
	if err != nil {
		return false, err
	}
	for _, p := range b {
		p.src.read = counts[p.src.id]
	}
	return true, nil
}

// perFile is the SQL that gives each row of files read with filename = true
// values of its own file: vars, the statements that set <prefix>_paths to
// paths (quoted) and <prefix>_<name> to each entry of cols (a typed SQL
// list, one value per file, in paths' order), and per name, in name order,
// the expression "… as __<name>" that finds the row's value by its file
// name. list_position over the paths keeps the files' order (a join would
// not keep it).
func perFile(prefix string, paths []string, cols map[string]string) (vars string, exprs []string) {
	stmts := []string{fmt.Sprintf("set variable %s_paths = [%s]", prefix, strings.Join(paths, ", "))}
	for _, name := range slices.Sorted(maps.Keys(cols)) {
		stmts = append(stmts, fmt.Sprintf("set variable %s_%s = %s", prefix, name, cols[name]))
		exprs = append(exprs, fmt.Sprintf("getvariable('%[1]s_%[2]s')[list_position(getvariable('%[1]s_paths'), filename)] as __%[2]s", prefix, name))
	}
	return strings.Join(stmts, "; "), exprs
}

// portalBatchNotSignins does for each file of a batch what loadPortalCSV
// does after its read: its rows that are not sign-ins become rejected rows.
// The files are finished together after it (finishSources).
func (l *loader) portalBatchNotSignins(ctx context.Context, srcs []*source) error {
	for _, src := range srcs {
		if _, err := l.db.ExecContext(ctx, fmt.Sprintf("set variable source_id = %d", src.id)); err != nil {
			return err
		}
		if err := l.portalNotSignins(ctx, src); err != nil {
			return err
		}
	}
	return nil
}

// queryPairs returns the integer pairs (key, value) a query returns.
func queryPairs(ctx context.Context, l *loader, q string) (map[int]int64, error) {
	rows, err := l.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int]int64{}
	for rows.Next() {
		var k int
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}
