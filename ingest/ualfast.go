package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
)

// The SQL path of a unified audit log CSV load (issue 5). loadUAL takes each
// row's AuditData apart in Go and writes a Graph record that DuckDB reads
// back: 6.8 × DuckDB's own read of the file at 1 M rows. ualFastCSV instead
// reads the file once with DuckDB's CSV reader straight into raw_graph,
// applying ualRead's rules as SQL, and graph.sql maps it as it maps any
// Graph record. Rows that are not sign-ins are staged too (mostly NULL), so
// that a row keeps its number, and counted as ignored as loadUAL counts
// them. A row the careful path would reject or might read otherwise sends
// the whole file the careful way, which names each such row; the two paths
// load the same rows the same way (TestUALFastMatchesCareful,
// TestUALFastGenerated).

// ualFast turns the SQL path on; tests turn it off to compare it with the
// careful path, and read ualFastReads (files the SQL path loaded).
var (
	ualFast      = true
	ualFastReads atomic.Int64
)

// ualClientIP is clientIP of the text x, then trimmed, as ualRead sets
// ipAddress: a value without a colon or a bracket has no port to strip and
// is its own host, whatever it is (net.ParseIP gives a valid IPv4 address
// back as it was written); any other goes through clientIP itself.
func ualClientIP(x string) string {
	return fmt.Sprintf("la_text(case when contains(%[1]s, ':') or contains(%[1]s, '[') or contains(%[1]s, ']') then mfagap_client_ip(%[1]s) else %[1]s end)", x)
}

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

// ualMembers are the AuditData members ualRead reads as text (jsonText),
// in the order of the lists the SQL takes them into (__s[1] is Operation).
var ualMembers = []string{"Operation", "Id", "UserId", "UserKey", "ApplicationId", "ObjectId", "ClientIP",
	"CreationTime", "ErrorNumber", "LogonError", "OrganizationId"}

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

// ualFastCSV reads src into raw_graph in one pass of DuckDB's CSV reader if
// every row is clean, and says whether it did; when it did not, nothing is
// left behind and the careful path reads the file again. Rows are numbered
// as csvRows numbers them (the header is line 1).
//
// A row is clean when its AuditData is a JSON object written as Go reads it
// ('{' first, '}' last, no member the rules read given twice, nothing
// DuckDB's parser takes and Go's refuses, see la_json_differs), its
// Operation is text (a string, or an integer or boolean, which both write
// alike) in ASCII (Go compares it with strings.EqualFold, which folds some
// non-ASCII letters onto ASCII ones), and, for a sign-in, when every member
// ualRead reads is text, the two {Name, Value} lists are lists of exactly
// such pairs (DuckDB's reading of them, written back as JSON, is the list
// as the file gives it), the RequestType is ASCII and ErrorNumber, if any,
// is an integer. A sign-in whose CreationTime la_iso does not take (another
// form, or none, where the careful path falls back to CreationDate) has no
// createdDateTime, so raw_graph calls it unusable and the file goes the
// careful way too. ClientIP goes through clientIP itself (mfagap_client_ip,
// udf.go) when it holds a colon or a bracket; any other value is its own
// host.
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
	return l.ualFast(ctx, src, from, 2, "read_csv", func() (bool, error) {
		return l.noCSVRejects(ctx)
	})
}

// ualFastJSON is ualFastCSV for AuditData records in JSON (an array, or one
// object per line, in UTF-8 without a BOM), numbered from 1 as eachJSON
// numbers them. A record that holds an AuditData member is read as the
// careful path reads it, from that member, when it is a string (the
// Search-UnifiedAuditLog shape: AuditData as text, CreationDate beside it);
// such a record whose AuditData is anything else, or given twice, or whose
// own text Go's decoder refuses, sends the file the careful way. Any other
// record is the AuditData object itself.
func (l *loader) ualFastJSON(ctx context.Context, src *source) (bool, error) {
	if src.sniff.ndjson {
		return l.ualGoJSON(ctx, src)
	}
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
	return l.ualFast(ctx, src, from, 1, "read_json_objects", func() (bool, error) { return true, nil })
}

// ualFast reads the relation from (its column __ual_a holds each record's
// AuditData text, in the file's order, the first numbered first;
// __ual_src_bad is true for a record the careful path would read otherwise
// before its AuditData) into raw_graph, ualRead's rules as SQL, if every
// row is clean and check (after the read) agrees, and says whether it did;
// when it did not, nothing is left behind. what names the read in traces.
func (l *loader) ualFast(ctx context.Context, src *source, from string, first int64, what string, check func() (bool, error)) (bool, error) {
	types, err := l.startFast(ctx, src)
	if err != nil {
		return false, err
	}
	var paths, names []string
	for _, m := range ualMembers {
		paths = append(paths, quote(`$."`+m+`"`))
		names = append(names, quote(m))
	}
	names = append(names, "'ExtendedProperties'", "'DeviceProperties'")
	member := func(name string) string {
		for i, m := range ualMembers {
			if m == name {
				return fmt.Sprintf("__s[%d]", i+1)
			}
		}
		panic("ualFast reads " + name + ", not in ualMembers")
	}
	// The Value of the last pair of the list whose Name, lowered, is name
	// (nameValues: a later pair of the name wins); lowered holds the list's
	// names lowered. A lambda per name read cost twice as much.
	nameValue := func(list, lowered, name string) string {
		return fmt.Sprintf("case when list_contains(%[2]s, %[3]s) then %[1]s[len(%[2]s) + 1 - list_position(list_reverse(%[2]s), %[3]s)].Value end",
			list, lowered, quote(name))
	}
	expr := map[string]string{
		"__tenant":          fmt.Sprintf("nullif(%s, '')", member("OrganizationId")),
		"__event_type":      "case when lower(__ual_rt) = 'oauth2:token' then 'non_interactive' else 'interactive' end",
		"__mfa_satisfied":   "'unknown'",
		"id":                "la_text(" + member("Id") + ")",
		"userPrincipalName": "la_text(" + member("UserId") + ")",
		"userId": fmt.Sprintf("case when regexp_full_match(%[1]s, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}') then %[1]s end",
			member("UserKey")),
		"appId":      "la_text(" + member("ApplicationId") + ")",
		"resourceId": "la_text(" + member("ObjectId") + ")",
		"ipAddress":  ualClientIP(member("ClientIP")),
		"userAgent":  "la_text(__ual_ua)",
		"deviceDetail": fmt.Sprintf(`case when coalesce(__ual_os, '') <> '' or coalesce(__ual_browser, '') <> ''
      then %s end`, structOf(types["deviceDetail"], map[string]string{"operatingSystem": "nullif(__ual_os, '')", "browser": "nullif(__ual_browser, '')"})),
		"createdDateTime": "la_iso(" + member("CreationTime") + ")",
		"status": fmt.Sprintf(`case when __ual_code is not null or coalesce(%[1]s, '') <> ''
      then {'errorCode': __ual_code, 'failureReason': nullif(%[1]s, ''), 'additionalDetails': null}::%[2]s end`,
			member("LogonError"), types["status"]),
	}
	// The stage's columns: raw_graph's (the record number and the envelope
	// come from the view), then whether the row is a sign-in, its Operation
	// and whether it is clean.
	sel := []string{"'' as tenant_hint", "getvariable('event_type_hint')::varchar as event_type_hint",
		"getvariable('source_id')::integer as source_id", "getvariable('fallback_tenant')::varchar as fallback_tenant"}
	view := []string{fmt.Sprintf("(rowid + %d)::bigint as rec", first), "tenant_hint", "event_type_hint", "source_id", "fallback_tenant"}
	// A column the audit log never fills is NULL in the view, not stored
	// in the stage: without its columns of NULLs (the typed lists of steps
	// and policies among them) 1 M audit records load 0.7-4.4 s faster, of
	// 20-26 s (issue 5, docs/performance.md).
	sel, view = stageColumns(sel, view, expr, "case when __ual_signin then %s end")
	sel = append(sel, "__ual_signin", "__ual_op", "__ual_unclean")
	// A {Name, Value} list as ualRead reads it (nameValues): the list
	// DuckDB reads, if writing it back gives the file's JSON.
	const pairs = `'[{"Name":"VARCHAR","Value":"VARCHAR"}]'`
	listUnclean := func(list, parsed string) string {
		return fmt.Sprintf("(%[1]s is not null and json_type(%[1]s) <> 'NULL' and (json_type(%[1]s) <> 'ARRAY' or to_json(%[2]s)::varchar <> %[1]s::varchar))",
			list, parsed)
	}
	// In the checks, list_has_all passes over the NULL types of absent
	// members and list_count counts the members found; the -0 test runs
	// only on records with a signed integer among the members read.
	// Each AuditData is parsed four times, each time whole (its names, its
	// members' types, their text, the two lists as JSON); DuckDB's parser
	// fails the read on one it cannot parse, and the careful path names it.
	q := fmt.Sprintf(`select %[1]s
from (select *,
    coalesce(not __ual_obj or __ual_src_bad or la_json_differs(__ual_a, __ual_a)
      or len(list_filter(__ual_k, k -> k in (%[12]s))) <> list_count(__t)
        + (__ual_ext is not null)::integer + (__ual_dev is not null)::integer
      or not list_contains(['VARCHAR', 'BOOLEAN', 'NULL', 'BIGINT', 'UBIGINT'], coalesce(__t[1], 'NULL'))
      or coalesce(__t[1] = 'BIGINT' and __s[1] = '0', false) or strlen(coalesce(__ual_op, '')) <> length(coalesce(__ual_op, ''))
      or (__ual_signin and (
        not list_has_all(['VARCHAR', 'BOOLEAN', 'NULL', 'BIGINT', 'UBIGINT'], __t)
        or case when list_contains(__t, 'BIGINT') then len(list_filter(range(1, len(__t) + 1), i -> __t[i] = 'BIGINT' and __s[i] = '0')) > 0 else false end
        or %[2]s or %[3]s
        or strlen(coalesce(__ual_rt, '')) <> length(coalesce(__ual_rt, ''))
        or (coalesce(la_trim(%[4]s), '') <> '' and la_int(%[4]s) is null))), true) as __ual_unclean,
    case when coalesce(la_trim(%[4]s), '') <> '' then la_int(%[4]s)
         when lower(__ual_op) = 'userloggedin' and coalesce(%[5]s, '') = '' then 0 end as __ual_code
  from (select *,
      %[6]s as __ual_rt, %[7]s as __ual_os, %[8]s as __ual_browser, %[13]s as __ual_ua
    from (select *, list_transform(__ual_extl, x -> lower(x.Name)) as __ual_extn, list_transform(__ual_devl, x -> lower(x.Name)) as __ual_devn
    from (select *,
        case when __ual_signin then from_json(__ual_ext, %[9]s) end as __ual_extl,
        case when __ual_signin then from_json(__ual_dev, %[9]s) end as __ual_devl
      from (select *, __s[1] as __ual_op, coalesce(lower(__s[1]) in ('userloggedin', 'userloginfailed'), false) as __ual_signin,
          __ual_lists[1] as __ual_ext, __ual_lists[2] as __ual_dev
        from (select *,
            case when __ual_obj then json_keys(__ual_a) end as __ual_k,
            case when __ual_obj then json_type(__ual_a, [%[10]s]) end as __t,
            case when __ual_obj then json_extract_string(__ual_a, [%[10]s]) end as __s,
            case when __ual_obj then json_extract(__ual_a, ['$.ExtendedProperties', '$.DeviceProperties']) end as __ual_lists
          from (select __ual_a, __ual_src_bad, coalesce(starts_with(__ual_a, '{') and ends_with(__ual_a, '}'), false) as __ual_obj
            from %[11]s)))))))`,
		strings.Join(sel, ",\n  "), listUnclean("__ual_ext", "__ual_extl"), listUnclean("__ual_dev", "__ual_devl"),
		member("ErrorNumber"), member("LogonError"),
		nameValue("__ual_extl", "__ual_extn", "requesttype"), nameValue("__ual_devl", "__ual_devn", "os"),
		nameValue("__ual_devl", "__ual_devn", "browsertype"),
		pairs, strings.Join(paths, ", "), from, strings.Join(names, ", "), nameValue("__ual_extl", "__ual_extn", "useragent"))
	// After check, every row clean: the careful path names each other row.
	clean := func() (bool, error) {
		if ok, err := check(); err != nil || !ok {
			return false, err
		}
		var unclean int64
		err := l.db.QueryRowContext(ctx, "select count(*) filter (where __ual_unclean) from "+stageDB+".raw_graph").Scan(&unclean)
		return unclean == 0, err
	}
	if ok, err := l.stageFast(ctx, "audit log: "+what, q, clean); err != nil || !ok {
		return false, err
	}
	other := map[string]int64{}
	rows, err := l.db.QueryContext(ctx, "select coalesce(nullif(__ual_op, ''), 'without Operation'), count(*) from "+stageDB+".raw_graph where not __ual_signin group by all")
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var op string
		var n int64
		if err := rows.Scan(&op, &n); err != nil {
			rows.Close()
			return false, err
		}
		other["operation "+op] = n
	}
	if err := rows.Close(); err != nil {
		return false, err
	}
	viewSQL := "select " + strings.Join(view, ", ") + " from %[1]s.raw_graph where __ual_signin"
	n, ok, err := l.finishFast(ctx, viewSQL)
	if err != nil || !ok {
		return false, err
	}
	src.read = n
	for _, count := range other {
		src.read += count
	}
	if len(other) > 0 {
		src.ignoreOther(other, n, true, "audit")
	}
	ualFastReads.Add(1)
	return true, nil
}
