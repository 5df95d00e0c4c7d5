package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	_ "embed"
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
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

//go:embed graph.sql
var graphSQL string

func init() {
	register(&format{
		id:       "graph-json",
		kind:     "signins",
		priority: 10,
		why:      "JSON records with createdDateTime, id and userPrincipalName, appId or status (Graph sign-ins: API, portal download, MES, Goose)",
		detect: func(s *sniff) bool {
			return s.isJSON && !s.has("category") && !s.has("TimeGenerated") &&
				(s.has("createdDateTime", "id") && (s.has("userPrincipalName") || s.has("appId") || s.has("status")))
		},
		load: loadGraph,
	})
	register(&format{
		id:       "graph-json-pascal",
		kind:     "signins",
		priority: 11,
		why:      "JSON records with PascalCase CreatedDateTime and Id (Graph PowerShell SDK objects: Hawk, DFIR-O365RC)",
		detect: func(s *sniff) bool {
			return s.isJSON && !s.has("TimeGenerated") && !s.has("Category") &&
				s.has("CreatedDateTime", "Id") && (s.has("UserPrincipalName") || s.has("AppId") || s.has("Status"))
		},
		load: loadGraph,
	})
}

// eventTypeHint reads the event type from a collector's file or folder name
// (MES: …-servicePrincipal-SignInLogs.json; Goose: signins_sp_…), used only
// when the records themselves do not say.
func eventTypeHint(display string) string {
	n := strings.ToLower(display)
	switch {
	case strings.Contains(n, "managedidentity") || strings.Contains(n, "msisignins") || strings.Contains(n, "signins_msi"):
		return "managed_identity"
	case strings.Contains(n, "serviceprincipal") || strings.Contains(n, "applicationsignins") || strings.Contains(n, "signins_sp"):
		return "service_principal"
	case strings.Contains(n, "noninteractive"):
		return "non_interactive"
	case strings.Contains(n, "interactivesignins"):
		return "interactive"
	}
	return ""
}

func loadGraph(ctx context.Context, l *loader, src *source) error {
	sn := src.sniff
	pascal := src.format.id == "graph-json-pascal"
	if err := l.setGraphVars(ctx, src); err != nil {
		return err
	}
	// Fast path: clean UTF-8 arrays and NDJSON go straight to DuckDB's reader
	// (a UTF-16 or Windows-1252 file as its UTF-8 copy).
	fast := !pascal
	if fast {
		fmtName := "array"
		if sn.ndjson {
			fmtName = "newline_delimited"
		}
		var err error
		if graphJoin && !sn.ndjson && pagesBackToBack(sn) {
			// Pages back to back from the first: joined from the start,
			// rather than after the reads below fail at the first page's
			// end (1.35 s for 200 k sign-ins in pages of 1000).
			err = errBackToBack
		} else {
			var n, bad int64
			var split bool
			if n, bad, split, err = l.readGraphSplit(ctx, src, false); err != nil {
				return err
			}
			if !split {
				n, bad, err = l.readGraph(ctx, sn.disk, fmtName, sn.ndjson)
			}
			if outOfSpace(err) {
				return err
			}
			if err == nil && bad == 0 {
				src.read = n
				return l.mapGraph(ctx, src, nil)
			}
		}
		// Several arrays back to back (or objects among them): joined
		// into one array, DuckDB reads them all the same.
		if err != nil && !sn.ndjson && graphJoin {
			if ok, err := l.readJoined(ctx, src); ok || err != nil {
				return err
			}
		}
		// A broken record, or a record of the wrong shape: the careful
		// path below says exactly which record and why.
	}
	ndjsonPath := filepath.Join(l.tmp, fmt.Sprintf("records-%d.ndjson", src.id))
	if err := l.splitToNDJSON(ctx, src, ndjsonPath, pascal); err != nil {
		return err
	}
	if err := l.readNumbered(ctx, ndjsonPath); err != nil {
		return err
	}
	return l.mapGraph(ctx, src, &ndjsonPath)
}

// graphJoin turns readJoined on; tests turn it off to compare it with the
// careful path, and read graphJoinReads (files it loaded).
var (
	graphJoin      = true
	graphJoinReads atomic.Int64
	batchReads     atomic.Int64 // files loaded in a batch (batch.go)
)

// errBackToBack stands for the read that pagesBackToBack spares.
var errBackToBack = errors.New("arrays back to back")

// pagesLook is how far pagesBackToBack looks for the end of the first array.
var pagesLook = 16 << 20

// pagesBackToBack says whether a Graph JSON array's first top-level array
// ends within the file's first MiB (the sniffed head), or for a file the
// cut read would take (splitGraphMin, 256 MiB) within its first pagesLook
// bytes, and another array or object follows it: pages appended one after
// the other (Out-File -Append). A smaller file's whole read fails at the
// first page's end soon enough; a larger one's cut read copies two parts
// first (1.35 s of 10 s for 1 GB). Looking costs a read of pagesLook
// bytes and a scan of them for every array file so large.
func pagesBackToBack(sn *sniff) bool {
	// follows answers from b, the file's first bytes (whole: all of it).
	follows := func(b []byte, whole bool) (yes, known bool) {
		i := skipSpace(b, 0)
		if i >= len(b) || b[i] != '[' {
			return false, true
		}
		end := valueEnd(b, i)
		if end >= len(b) {
			return false, false
		}
		j := skipSpace(b, end)
		if j >= len(b) {
			return false, whole
		}
		return b[j] == '[' || b[j] == '{', true
	}
	whole := len(sn.head) < sniffBytes
	if yes, known := follows(sn.head, whole); known || whole {
		return yes
	}
	if fi, err := os.Stat(sn.disk); err != nil || fi.Size() < splitGraphMin {
		return false
	}
	b, err := readHead(sn.disk, pagesLook)
	if err != nil {
		return false
	}
	yes, _ := follows(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), len(b) < pagesLook)
	return yes
}

// readJoined loads a Graph JSON file that holds several top-level arrays or
// objects through joinArrays and DuckDB's array reader. ok is false, with no
// error, when the file is not such a sequence or DuckDB finds a record it
// cannot use there: the careful path then loads the file.
//
// A large file is cut in parts, each joined as it is written, two at a
// time, and read as parts of one array are: 200 k sign-ins in 200 pages of
// 1000 (Out-File -Append, PowerShell 7) took 12.5-17.8 s joined whole and
// read on one core with the rules as JSON, 7.8-7.9 s so (with
// pagesBackToBack), as fast as the same records in one array (issue 5).
func (l *loader) readJoined(ctx context.Context, src *source) (ok bool, err error) {
	n, bad, split, rerr := l.readGraphSplit(ctx, src, true)
	if rerr != nil {
		return false, rerr
	}
	if !split {
		joined := l.joinedPath(src)
		defer os.Remove(joined)
		t := time.Now()
		values, jerr := joinArrays(src.sniff.disk, joined)
		Trace(fmt.Sprintf("graph: join %d top-level values", values), t)
		if outOfSpace(jerr) {
			return false, jerr
		}
		if jerr != nil || values < 2 {
			return false, nil
		}
		n, bad, rerr = l.readGraph(ctx, joined, "array", false)
		os.Remove(joined) // before the mapping
	}
	if rerr != nil || bad > 0 {
		return false, nil
	}
	src.read = n
	graphJoinReads.Add(1)
	return true, l.mapGraph(ctx, src, nil)
}

// joinedPath is where joinArrays copies src (readJoined, batches).
func (l *loader) joinedPath(src *source) string {
	return filepath.Join(l.tmp, fmt.Sprintf("joined-%d.json", src.id))
}

// The steps and policy results of a sign-in as DuckDB types: what
// mfagap_auth_steps (schema.sql) and the policy statements (graph.sql) make
// of the JSON. A reader that can type them while it reads fills raw_graph's
// steps_typed and one of policies_text (each rule as text: the JSON strings
// of diagnostic records, parsed again by ca_rule_text) or policies_typed
// (each rule an object, as Graph writes them), and leaves
// authenticationDetails and appliedConditionalAccessPolicies NULL; the
// others read the JSON and leave the three NULL (typedNulls). graph.sql
// takes whichever is there.
const (
	stepsType         = "STRUCT(authenticationStepDateTime VARCHAR, authenticationMethod VARCHAR, authenticationMethodDetail VARCHAR, succeeded BOOLEAN, authenticationStepResultDetail VARCHAR, authenticationStepRequirement VARCHAR)[]"
	policiesTextType  = "STRUCT(id VARCHAR, displayName VARCHAR, result VARCHAR, enforcedGrantControls VARCHAR[], conditionsSatisfied VARCHAR, conditionsNotSatisfied VARCHAR, includeRulesSatisfied VARCHAR[], excludeRulesSatisfied VARCHAR[])[]"
	policiesTypedType = "STRUCT(id VARCHAR, displayName VARCHAR, result VARCHAR, enforcedGrantControls VARCHAR[], conditionsSatisfied VARCHAR, conditionsNotSatisfied VARCHAR, includeRulesSatisfied STRUCT(conditionalAccessCondition VARCHAR, ruleSatisfied VARCHAR)[], excludeRulesSatisfied STRUCT(conditionalAccessCondition VARCHAR, ruleSatisfied VARCHAR)[])[]"
)

// typedColumns are raw_graph's typed columns, in their order, with their
// types; policies_ref, in place of policies_text, is the number of the
// sign-in's typed policy results in la_policy_cells (laPolicyCells, which
// types each distinct list once).
var typedColumns = [][2]string{{"steps_typed", stepsType}, {"policies_text", policiesTextType}, {"policies_typed", policiesTypedType},
	{"policies_ref", "UBIGINT"}}

// typedNulls selects every typed column as NULL.
var typedNulls = typedSelect(nil)

// typedSelect selects raw_graph's typed columns in order: expr[column] for
// those set, NULL for the rest.
func typedSelect(expr map[string]string) string {
	var sel []string
	for _, c := range typedColumns {
		e, ok := expr[c[0]]
		if !ok {
			e = "null::" + c[1]
		}
		sel = append(sel, e+" as "+c[0])
	}
	return strings.Join(sel, ", ")
}

// typedColumn says, for a member of a Graph record, the DuckDB type a typed
// read (the diagnostic fast path, the parts of a cut Graph array) gives it
// and the raw_graph column it fills, with the policy results' rules as
// objects when ruleObjects is set, else as text; ok is false for the
// members read as read_graph reads them. The member's own column is then
// NULL JSON.
func typedColumn(member string, ruleObjects bool) (typ, column string, ok bool) {
	switch {
	case member == "authenticationDetails":
		return stepsType, "steps_typed", true
	case member == "appliedConditionalAccessPolicies" && ruleObjects:
		return policiesTypedType, "policies_typed", true
	case member == "appliedConditionalAccessPolicies":
		return policiesTextType, "policies_text", true
	}
	return "", "", false
}

// graphColumnRe matches one member of read_graph's columns literal
// (graph.sql): name: 'DuckDB type'.
var graphColumnRe = regexp.MustCompile(`(\w+): '([^']+)'`)

// graphRecordColumns returns the members read_graph (graph.sql) reads from a
// Graph record, in order, with their DuckDB types, taken from its columns
// literal so that other readers of Graph-shaped records read the same.
func graphRecordColumns() [][2]string {
	macro := splitStatements(graphSQL)[0]
	macro = macro[strings.Index(macro, "columns = {"):]
	var out [][2]string
	for _, m := range graphColumnRe.FindAllStringSubmatch(macro, -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	return out
}

// setGraphVars sets the variables readGraph and graph.sql read.
func (l *loader) setGraphVars(ctx context.Context, src *source) error {
	vars := fmt.Sprintf("set variable source_id = %d; set variable event_type_hint = %s; set variable fallback_tenant = %s",
		src.id, quote(eventTypeHint(src.file.display)), quote(src.tenant))
	_, err := l.db.ExecContext(ctx, vars)
	return err
}

// defineReadGraph creates the read_graph macro (graph.sql's first statement).
func (l *loader) defineReadGraph(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, splitStatements(graphSQL)[0])
	return err
}

// readGraph fills raw_graph and returns its row count and the rows that are
// not usable sign-ins (unparseable, no id, no timestamp).
func (l *loader) readGraph(ctx context.Context, path, fmtName string, lenient bool) (n, bad int64, err error) {
	return l.readGraphWhere(ctx, path, fmtName, lenient, "true")
}

// readGraphWhere is readGraph keeping the records for which where holds.
func (l *loader) readGraphWhere(ctx context.Context, path, fmtName string, lenient bool, where string) (n, bad int64, err error) {
	if err := l.defineReadGraph(ctx); err != nil {
		return 0, 0, err
	}
	q := graphSelect(fmt.Sprintf("read_graph(%s, %s, %t, false)", quote(path), quote(fmtName), lenient)) + "\nwhere " + where
	return l.stageRawGraph(ctx, "graph", q, graphUnusable, "")
}

// readNumbered fills raw_graph from an NDJSON file of records this loader
// numbered (__rec: splitToNDJSON's, a graphSink's), leniently. A line
// DuckDB's reader cannot read (a lone surrogate escape, say) comes back as
// a row of NULLs without its number; it is left out, so that
// unreadRecords names it by its own number. Numbered by position instead,
// it took another record's number, and that record was rejected in its
// place.
func (l *loader) readNumbered(ctx context.Context, path string) error {
	_, _, err := l.readGraphWhere(ctx, path, "newline_delimited", true, "__rec is not null")
	return err
}

// rawGraphEnvelope selects raw_graph's columns after rec that every read of
// one file sets alike, from the variables setGraphVars sets; a view over a
// stage names them as rawGraphEnvelopeNames.
const (
	rawGraphEnvelope = "'' as tenant_hint, getvariable('event_type_hint')::varchar as event_type_hint,\n" +
		"  getvariable('source_id')::integer as source_id, getvariable('fallback_tenant')::varchar as fallback_tenant"
	rawGraphEnvelopeNames = "tenant_hint, event_type_hint, source_id, fallback_tenant"
)

// graphSelect is the select that fills raw_graph from read_graph (from).
func graphSelect(from string) string {
	return fmt.Sprintf(`select __rec as rec, %s, *, %s
from %s`, rawGraphEnvelope, typedNulls, from)
}

// graphUnusable is true for a raw_graph row that cannot be a sign-in: no id
// (request id), no readable createdDateTime, or an error code beyond the
// 32 bits of signins.error_code (Entra's are six digits at most; one such
// row failed the whole file). mapGraph rejects such rows.
const graphUnusable = "nullif(id, '') is null or mfagap_time(createdDateTime) is null or status.errorCode not between -2147483648 and 2147483647"

// stageRawGraph makes raw_graph from query (its columns: rec, tenant_hint,
// event_type_hint, source_id, fallback_tenant, then read_graph's) and
// returns its row count and the rows for which bad holds. rec is the record
// number: __rec from splitToNDJSON, else the position, numbered after the
// load from rowid (file order): row_number() over () in the load made DuckDB
// read on one thread (issue 5). The records land in the stage database
// (compressed on disk, see attachStage); the statements after read them
// through the view raw_graph. view, when set, is the select of the view
// instead, with the stage table's name in place of %[1]s, and rec is left
// as the query gives it (a batch numbers records by file in its view,
// batch.go).
func (l *loader) stageRawGraph(ctx context.Context, what, query, bad, view string) (n, nbad int64, err error) {
	if err := l.attachStage(ctx); err != nil {
		return 0, 0, err
	}
	t := time.Now()
	if err := l.ordered(ctx, "create or replace table "+stageDB+".raw_graph as\n"+query); err != nil {
		return 0, 0, err
	}
	Trace(what+": read_json into raw_graph", t)
	return l.finishRawGraph(ctx, view, bad)
}

// finishRawGraph numbers the records of the stage's raw_graph (unless view
// is set, see stageRawGraph), makes the view raw_graph over it and returns
// its row count and the rows for which bad holds.
func (l *loader) finishRawGraph(ctx context.Context, view, bad string) (n, nbad int64, err error) {
	number := "update %[1]s.raw_graph set rec = rowid + 1 where rec is null;"
	if view == "" {
		view = "select * from %[1]s.raw_graph"
	} else {
		number = ""
	}
	if _, err := l.db.ExecContext(ctx, fmt.Sprintf(number+"\ncreate or replace temp view raw_graph as "+view, stageDB)); err != nil {
		return 0, 0, err
	}
	err = l.db.QueryRowContext(ctx, "select count(*), count(*) filter (where "+bad+") from raw_graph").Scan(&n, &nbad)
	return n, nbad, err
}

// mapGraph rejects unusable rows of raw_graph and maps the rest. ndjson is the
// careful path's record file, where rejected rows' raw text is looked up.
func (l *loader) mapGraph(ctx context.Context, src *source, ndjson *string) error {
	return l.mapGraphSources(ctx, []*source{src}, ndjson)
}

// mapGraphSources maps raw_graph holding the records of srcs, in load order;
// several sources (a batch, batch.go) only when no row is unusable.
func (l *loader) mapGraphSources(ctx context.Context, srcs []*source, ndjson *string) error {
	if err := l.mapGraphSignins(ctx, srcs, ndjson); err != nil {
		return err
	}
	// The sign-ins are in: their tenant and repeats are settled, each
	// file's as if loaded alone, before the statements after write their
	// steps and policies.
	if err := l.finishSources(ctx, srcs); err != nil {
		return err
	}
	return l.mapGraphRest(ctx)
}

// mapGraphSignins is mapGraphSources up to the sign-ins written, not yet
// finished: the rows that are not sign-ins rejected, the sign-ins mapped.
// A joint batch (joint.go) reads portal CSVs beside them before they are
// finished together.
func (l *loader) mapGraphSignins(ctx context.Context, srcs []*source, ndjson *string) error {
	if err := l.beforeGraphSignins(ctx, srcs, ndjson); err != nil {
		return err
	}
	signins, _ := graphParts()
	return l.graphStatements(ctx, signins)
}

// beforeGraphSignins is mapGraphSignins up to graph.sql's statements: the
// unusable rows of raw_graph rejected (raw_graph_rejects), the variables
// those statements read set.
func (l *loader) beforeGraphSignins(ctx context.Context, srcs []*source, ndjson *string) error {
	src := srcs[0]
	_, err := l.db.ExecContext(ctx, `create or replace temp table raw_graph_rejects as
select source_id, rec,
  case
    when id is null and createdDateTime is null and status is null and userPrincipalName is null
      then 'record does not match the sign-in schema (a member has the wrong JSON type)'
    when nullif(id, '') is null then 'sign-in record has no id (request id)'
    when status.errorCode not between -2147483648 and 2147483647
      then 'status.errorCode ' || status.errorCode || ' is not a sign-in error code (beyond 32 bits)'
    else 'createdDateTime ' || coalesce('"' || createdDateTime || '"', 'missing') || ' is not a timestamp'
  end as reason
from raw_graph
where `+graphUnusable)
	if err != nil {
		return err
	}
	rows, err := l.db.QueryContext(ctx, "select rec, reason from raw_graph_rejects order by rec")
	if err != nil {
		return err
	}
	var rejs []recReject
	for rows.Next() {
		var r recReject
		if err := rows.Scan(&r.rec, &r.reason); err != nil {
			rows.Close()
			return err
		}
		rejs = append(rejs, r)
	}
	rows.Close()
	if ndjson != nil {
		lost, err := l.unreadRecords(ctx, src, *ndjson)
		if err != nil {
			return err
		}
		rejs = append(rejs, lost...)
		sort.Slice(rejs, func(i, j int) bool { return rejs[i].rec < rejs[j].rec })
	}
	if len(rejs) > 0 {
		raws := map[int64][]byte{}
		if ndjson != nil {
			want := make(map[int64]bool, len(rejs))
			for _, r := range rejs {
				want[r.rec] = true
			}
			raws = lookupRecords(*ndjson, want)
		}
		b, err := l.newRejectBatch(ctx, src)
		if err != nil {
			return err
		}
		for _, r := range rejs {
			if err := b.add(r.rec, fmt.Sprintf("record %d: %s", r.rec, r.reason), raws[r.rec]); err != nil {
				b.close()
				return err
			}
		}
		if err := b.close(); err != nil {
			return err
		}
	}
	// CA rules written as JSON strings (Log Analytics, diagnostic exports) in
	// the first sign-ins that have rules: the policy statement reads them as
	// text from the start instead of typed, then again as text (graph.sql).
	// Either way gives the same rows; on 1 M diagnostic sign-ins this took
	// the statement from 10.6-12.6 s to 6.6-6.8 s (issue 5).
	if _, err := l.db.ExecContext(ctx, `set variable ca_rules_text = (
  select coalesce(bool_or(json_type(r) = 'VARCHAR'), false)
  from (select unnest(json_extract(j, '$[*].includeRulesSatisfied[0]')) as r
        from (select appliedConditionalAccessPolicies as j from raw_graph
              where json_type(appliedConditionalAccessPolicies) = 'ARRAY' limit 1000)))`); err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx, "set variable map_sources = ["+sourceIDs(srcs)+"]::integer[]")
	return err
}

// graphNested holds for a row of raw_graph with steps or policy results,
// the columns graph.sql's statements after the insert into signins read.
const graphNested = "steps_typed is not null or authenticationDetails is not null or policies_typed is not null or policies_text is not null or policies_ref is not null or appliedConditionalAccessPolicies is not null"

// graphParts splits graph.sql's statements after its macro: those up to
// and including the insert into signins, and the rest (mapGraphSignins and
// mapGraphRest run them).
func graphParts() (signins, rest []string) {
	stmts := splitStatements(graphSQL)[1:]
	for i, s := range stmts {
		if strings.Contains("\n"+s, "\ninsert into signins by name\n") {
			return stmts[:i+1], stmts[i+1:]
		}
	}
	panic("graph.sql: no insert into signins")
}

// mapGraphRest is mapGraphSources after the sign-ins are finished: the
// steps and policy results of those kept, then raw_graph dropped.
func (l *loader) mapGraphRest(ctx context.Context) error {
	// Sign-ins without steps or policy results (the audit log's) skip the
	// statements that look for them: 0.4-0.7 s for 1 M sign-ins (issue 5).
	var nested bool
	t := time.Now()
	if err := l.db.QueryRowContext(ctx, "select exists (select 1 from raw_graph where "+graphNested+")").Scan(&nested); err != nil {
		return err
	}
	Trace(fmt.Sprintf("graph: steps or policy results to map: %t", nested), t)
	// graph.sql reads la_policy_cells, which only a Log Analytics read makes.
	if _, err := l.db.ExecContext(ctx, "create temp table if not exists la_policy_cells (h ubigint, policies_text "+policiesTextType+", bad boolean)"); err != nil {
		return err
	}
	if _, rest := graphParts(); nested {
		if err := l.graphStatements(ctx, rest); err != nil {
			return err
		}
	}
	_, err := l.db.ExecContext(ctx, "drop view raw_graph; drop table "+stageDB+".raw_graph; drop table raw_graph_rejects; "+dropPolicyCells)
	return err
}

// lookupMaps turns on graph.sql's lookup map (step_flag_map: the most
// repeated inputs of the step verdicts, each worked out once); tests turn
// it off, which leaves the map empty, to compare a load with and without
// it.
var lookupMaps = true

// graphStatements runs stmts of graph.sql in order (execByRecords).
func (l *loader) graphStatements(ctx context.Context, stmts []string) error {
	for _, stmt := range stmts {
		if !lookupMaps {
			stmt = strings.Replace(stmt, " limit 64));", " limit 0));", 1)
		}
		if what := graphStep(stmt); what != "" {
			l.bar.step(what)
		}
		t := time.Now()
		if err := l.execByRecords(ctx, stmt); err != nil {
			return fmt.Errorf("map sign-ins: %w", err)
		}
		Trace("graph: "+firstLine(stmt), t)
	}
	return nil
}

// graphStep is what the progress display shows while stmt, a statement of
// graph.sql, runs: by the table it writes; "" for a statement that writes
// none of them (the display keeps what it showed).
func graphStep(stmt string) string {
	switch {
	case strings.Contains(stmt, "insert into signins "):
		return "mapping sign-ins"
	case strings.Contains(stmt, "insert into graph_auth_steps "):
		return "mapping authentication steps"
	case strings.Contains(stmt, "insert into ca_policy_results\n"), strings.Contains(stmt, "insert into signin_ca_policy_refs\n"):
		return "mapping policy results"
	}
	return ""
}

// policyChunk is how many records one run of a statement of graph.sql that
// reads rec_lo and rec_hi covers.
var policyChunk int64 = 250_000

// execByRecords runs stmt; a statement that reads the variables rec_lo and
// rec_hi runs once per range of policyChunk records of raw_graph, each range
// its own transaction, so that what DuckDB holds outside its memory limit
// while it appends is bounded by the range, not the file (issue 5). Records
// are numbered from 1 in file order, and the stage table keeps that order,
// so each range reads only its own blocks.
func (l *loader) execByRecords(ctx context.Context, stmt string) error {
	if !strings.Contains(stmt, "getvariable('rec_lo')") {
		_, err := l.db.ExecContext(ctx, stmt)
		return err
	}
	var lo, hi sql.NullInt64
	if err := l.db.QueryRowContext(ctx, "select min(rec), max(rec) from raw_graph").Scan(&lo, &hi); err != nil {
		return err
	}
	if !lo.Valid {
		return nil
	}
	for from := lo.Int64; from <= hi.Int64; from += policyChunk {
		vars := fmt.Sprintf("set variable rec_lo = %d; set variable rec_hi = %d", from, from+policyChunk-1)
		if _, err := l.db.ExecContext(ctx, vars); err != nil {
			return err
		}
		if _, err := l.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// recReject is a record to reject, by number, with its reason.
type recReject struct {
	rec    int64
	reason string
}

// unreadRecords finds the records written to the NDJSON file that DuckDB's
// lenient reader skipped (ignore_errors drops a line it cannot read): each
// becomes a rejected row instead of vanishing. It costs a count when nothing
// was skipped, and a scan of the record file only when something was.
func (l *loader) unreadRecords(ctx context.Context, src *source, path string) ([]recReject, error) {
	var n int64
	if err := l.db.QueryRowContext(ctx, "select count(*) from raw_graph").Scan(&n); err != nil {
		return nil, err
	}
	if n >= src.staged {
		return nil, nil
	}
	recs, err := queryColumn[int64](ctx, l.db, "select rec from raw_graph where rec is not null")
	if err != nil {
		return nil, err
	}
	have := make(map[int64]bool, len(recs))
	for _, r := range recs {
		have[r] = true
	}
	var lost []recReject
	err = eachRecordLine(path, func(rec int64, _ []byte) bool {
		if !have[rec] {
			lost = append(lost, recReject{rec, "DuckDB's JSON reader could not read the record (a value of an unexpected type or encoding)"})
		}
		return true
	})
	return lost, err
}

// eachRecordLine calls fn with the record number and the line of every
// record of an NDJSON file written by splitToNDJSON or a graphSink (each line
// starts {"__rec":N), until fn returns false.
func eachRecordLine(path string, fn func(rec int64, line []byte) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if rec, ok := lineRecord(line); ok && !fn(rec, line) {
			return nil
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lineRecord reads N from a line starting {"__rec":N.
func lineRecord(line []byte) (int64, bool) {
	const prefix = `{"__rec":`
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return 0, false
	}
	rest := line[len(prefix):]
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return n, err == nil
}

// lookupRecords returns the raw text (bounded) of the wanted records of an
// NDJSON file written by splitToNDJSON or a graphSink.
func lookupRecords(path string, want map[int64]bool) map[int64][]byte {
	out := map[int64][]byte{}
	eachRecordLine(path, func(rec int64, line []byte) bool {
		if want[rec] {
			out[rec] = bounded(bytes.TrimSpace(line))
		}
		return len(out) < len(want)
	})
	return out
}

// splitToNDJSON rewrites any JSON shape as NDJSON for DuckDB, one compact
// record per line tagged with its record number; broken records become
// rejected rows naming the record and line.
func (l *loader) splitToNDJSON(ctx context.Context, src *source, out string, pascal bool) error {
	in, err := os.Open(src.sniff.disk)
	if err != nil {
		return err
	}
	defer in.Close()
	if src.sniff.encoding == "utf-8-bom" {
		in.Seek(3, 0)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	b, err := l.newRejectBatch(ctx, src)
	if err != nil {
		return err
	}
	var compact bytes.Buffer
	badUTF8 := 0
	defer func() {
		if badUTF8 > 0 {
			src.noteReplacedUTF8(badUTF8)
		}
	}()
	src.read = 0
	err = splitJSON(in, src.sniff.ndjson, func(r jsonRecord) error {
		src.read++
		if r.Err != "" {
			return b.add(r.N, fmt.Sprintf("record %d (line %d): %s", r.N, r.Line, r.Err), r.Raw)
		}
		raw := r.Raw
		if pascal {
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				return b.add(r.N, fmt.Sprintf("record %d (line %d): invalid JSON: %v", r.N, r.Line, err), r.Raw)
			}
			raw, _ = json.Marshal(camelKeys(v))
		}
		// A record on one line is a valid NDJSON line as it is (splitJSON
		// validated it); compacting every record cost as much as splitting
		// the file (issue 5). Line breaks outside strings are whitespace,
		// and a valid string holds none, so only those records need it.
		c := bytes.TrimSpace(raw)
		if bytes.IndexByte(c, '\n') >= 0 || bytes.IndexByte(c, '\r') >= 0 {
			compact.Reset()
			if err := json.Compact(&compact, raw); err != nil {
				return b.add(r.N, fmt.Sprintf("record %d (line %d): invalid JSON: %v", r.N, r.Line, err), r.Raw)
			}
			c = compact.Bytes()
		}
		if len(c) < 2 || c[0] != '{' {
			return b.add(r.N, fmt.Sprintf("record %d (line %d): expected a JSON object", r.N, r.Line), r.Raw)
		}
		if !utf8.Valid(c) {
			// Keep the evidence: bad bytes become U+FFFD, and the note says so.
			c = bytes.ToValidUTF8(c, []byte("\uFFFD"))
			badUTF8++
		}
		w.WriteString(`{"__rec":`)
		w.WriteString(strconv.FormatInt(r.N, 10))
		if len(c) > 2 {
			w.WriteByte(',')
		}
		w.Write(c[1:])
		src.staged++
		return w.WriteByte('\n')
	})
	if cerr := b.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// camelKeys turns the PascalCase keys of Graph PowerShell SDK objects
// (CreatedDateTime, IPAddress, Status.ErrorCode) into Graph's camelCase, and
// lifts AdditionalProperties members to their parent object.
func camelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if k == "AdditionalProperties" {
				if m, ok := val.(map[string]any); ok {
					for ak, av := range m {
						if _, exists := out[camelKey(ak)]; !exists {
							out[camelKey(ak)] = camelKeys(av)
						}
					}
				}
				continue
			}
			out[camelKey(k)] = camelKeys(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = camelKeys(t[i])
		}
		return t
	}
	return v
}

func camelKey(k string) string {
	r := []rune(k)
	if len(r) == 0 || !unicode.IsUpper(r[0]) {
		return k
	}
	i := 0
	for i < len(r) && unicode.IsUpper(r[i]) {
		i++
	}
	switch {
	case i == len(r):
		i = len(r) // ID → id
	case i > 1:
		i-- // IPAddress → ipAddress
	}
	for j := 0; j < i; j++ {
		r[j] = unicode.ToLower(r[j])
	}
	return string(r)
}
