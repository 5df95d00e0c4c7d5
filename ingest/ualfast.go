package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
)

// The fast paths of a unified audit log load (issue 5). The careful path,
// loadUAL, takes each record's AuditData apart in Go, writes a Graph record
// and has DuckDB read the records back: 6.8 × DuckDB's own read of the file
// at 1 M rows. The fast paths read the file once, with the careful path's
// own Go rules (ualRead), into the Graph record's columns: AuditData JSON
// lines and CSV exports through a table function of ours that DuckDB runs
// on all its threads, read by graph.sql's insert into signins itself
// (ualGo); JSON arrays, and a CSV the Go reader does not take as written
// (ualcsv.go), through DuckDB's reader, each AuditData handed to a scalar
// function of ours (ualGoCells), into a stage (raw_graph) that graph.sql
// then maps as it maps any Graph record. A record the careful path would
// reject or might read otherwise
// sends the whole file the careful way, which names each such record; the
// paths load the same records the same way (TestUALFastMatchesCareful,
// TestUALFastJSONMatchesCareful, TestUALFastGenerated, FuzzUALFast).
//
// Until stop 51 the CSV and array paths applied the rules as SQL, parsing
// each AuditData four times: 1 M audit records as CSV took 22.5-24.0 s
// that way against 17.0-17.9 s through the scalar function, alternated
// (docs/performance.md).

// ualFast turns the fast paths on; tests turn it off to compare them with
// the careful path, and read ualFastReads (files a fast path loaded).
var (
	ualFast      = true
	ualFastReads atomic.Int64
)

// structOf is a value of the STRUCT type typ (a type of graphRecordColumns)
// with the members given in vals as SQL expressions and the others NULL.
func structOf(typ string, vals map[string]string) string {
	var parts []string
	for _, f := range structFields(typ) {
		v, ok := vals[f[0]]
		if !ok {
			v = "null"
		}
		parts = append(parts, fmt.Sprintf("%s := (%s)::%s", ident(f[0]), v, f[1]))
	}
	return "struct_pack(" + strings.Join(parts, ", ") + ")"
}

// stageColumns appends to a stage's select (sel) and the view over it
// (view) the Graph record's columns: a column expr gives is selected as
// wrap (a format with one %s) of its expression, cast to its type, and
// named in the view; any other is NULL of its type in the view, not stored.
// The view ends with typedNulls.
func stageColumns(sel, view []string, expr map[string]string, wrap string) ([]string, []string) {
	for _, c := range graphRecordColumns() {
		e, ok := expr[c[0]]
		if !ok {
			view = append(view, fmt.Sprintf("null::%s as %s", c[1], ident(c[0])))
			continue
		}
		sel = append(sel, fmt.Sprintf("("+wrap+")::%s as %s", e, c[1], ident(c[0])))
		view = append(view, ident(c[0]))
	}
	return sel, append(view, typedNulls)
}

// ualFastCSV loads src, an audit CSV export, through ualGoCells over
// DuckDB's CSV reader if every row is clean, and says whether it did; when
// it did not, nothing is left behind and the careful path reads the file
// again. Rows are numbered as csvRows numbers them (the header is line 1).
// A file with two AuditData columns (csvRows takes the later one's
// non-empty cells) or whose read DuckDB rejects rows of goes the careful
// way.
func (l *loader) ualFastCSV(ctx context.Context, src *source) (bool, error) {
	read, cols, ok, err := l.csvColumns(ctx, src)
	if err != nil || !ok {
		return false, err
	}
	audit := ""
	for _, c := range cols {
		if normHeader(c) == "auditdata" {
			if audit != "" {
				return false, nil // two: csvRows takes the later one's non-empty cells
			}
			audit = ident(c)
		}
	}
	if audit == "" {
		return false, nil
	}
	from := fmt.Sprintf("(select %s as __ual_a, false as __ual_src_bad from %s)", audit, read)
	return l.ualGoCells(ctx, src, from, true, 2, "read_csv", func() (bool, error) {
		return l.noCSVRejects(ctx)
	})
}

// ualFastJSON loads src, AuditData records in a JSON array (in UTF-8
// without a BOM; loadUAL hands records one a line to ualGo), through
// ualGoCells over DuckDB's read_json_objects, numbered from 1 as eachJSON
// numbers them. A record of an array that holds an AuditData
// member is read as the careful path reads it, from that member, when it
// is a string (the Search-UnifiedAuditLog shape: AuditData as text,
// CreationDate beside it); such a record whose AuditData is anything else,
// or given twice, or whose own text Go's decoder refuses, sends the file
// the careful way. Any other record is the AuditData object itself.
func (l *loader) ualFastJSON(ctx context.Context, src *source) (bool, error) {
	objects, ok := jsonObjectsRead(src)
	if !ok {
		return false, nil
	}
	// Only a record whose text names AuditData is looked at for the member
	// (a fifth parse of every record otherwise). A member that is not a
	// string leaves __ual_a NULL, which is not an object: unclean.
	from := fmt.Sprintf(`(select case when not __w then __j when json_type(__j, '$.AuditData') = 'VARCHAR' then __j->>'$.AuditData' end as __ual_a,
    __w and (len(list_filter(json_keys(__j), k -> k = 'AuditData')) > 1 or la_json_differs(__j, __j)) as __ual_src_bad
  from (select json::varchar as __j, contains(json::varchar, '"AuditData"') as __w from %s))`, objects)
	return l.ualGoCells(ctx, src, from, false, 1, "read_json_objects", func() (bool, error) { return true, nil })
}

// ualFinish ends an audit load whose stage (raw_graph in the stage
// database) holds every record, __ual_signin true for the sign-ins: the
// view raw_graph over the sign-ins (its columns view), the other records
// counted by the name otherKey gives them (an SQL expression), and says
// whether the load is done (not when a sign-in is unusable: the careful
// path names it).
func (l *loader) ualFinish(ctx context.Context, src *source, view []string, otherKey string) (bool, error) {
	other := map[string]int64{}
	rows, err := l.db.QueryContext(ctx, "select "+otherKey+", count(*) from "+stageDB+".raw_graph where not __ual_signin group by all")
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var key string
		var n int64
		if err := rows.Scan(&key, &n); err != nil {
			rows.Close()
			return false, err
		}
		other[key] = n
	}
	if err := rows.Close(); err != nil {
		return false, err
	}
	viewSQL := "select " + strings.Join(view, ", ") + " from %[1]s.raw_graph where __ual_signin"
	n, ok, err := l.finishFast(ctx, viewSQL)
	if err != nil || !ok {
		return false, err
	}
	ualCounted(src, n, other)
	return true, nil
}

// ualCounted counts what a fast audit load read: n sign-ins and the other
// records (other, by name), which are ignored.
func ualCounted(src *source, n int64, other map[string]int64) {
	src.read = n
	for _, count := range other {
		src.read += count
	}
	if len(other) > 0 {
		src.ignoreOther(other, n, true, "audit")
	}
	ualFastReads.Add(1)
}
