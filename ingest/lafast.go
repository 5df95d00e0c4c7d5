package ingest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// The SQL path of a Log Analytics CSV load (issue 5). loadLA rewrote every
// row into a Graph record in Go and DuckDB read those records back as JSON:
// 4 × DuckDB's own read of the file. laFastCSV instead reads the file once
// with DuckDB's CSV reader straight into raw_graph, applying laRecord's
// rules as SQL, and graph.sql maps it as it maps any Graph record. A row
// the careful path would reject or judge itself (a timestamp or error code
// it cannot read, a table that is not a sign-in log, a line DuckDB rejects,
// day/month order the file cannot decide, JSON that Go and DuckDB read
// differently) sends the whole file down the careful path, which names each
// such row; the two paths load the same rows the same way
// (TestLAFastMatchesCareful, TestLAFastMatchesCarefulGenerated).

// laFast turns the SQL path on; tests turn it off to compare it with the
// careful path, and read laFastReads (files the SQL path loaded).
var (
	laFast      = true
	laFastReads atomic.Int64
)

// laFastMacros are laRecord's rules as SQL. la_trim is Go's
// strings.TrimSpace: trim over unicode.IsSpace's characters, for cells that
// do not start and end with printable ASCII (trim with a set of characters
// takes 0.5 µs a cell, 3.4 × a plain copy of ten columns of 1 M rows; the
// test of both ends 0.4 ×, a regular expression 0.8 ×). A JSON
// cell is trimmed and parsed once, in the stage's first layers
// (laFastCSV); la_json is laRecord's test for it (a non-empty object or
// array that parses); la_json_differs marks a cell DuckDB's JSON parser and
// Go's judge differently (DuckDB takes trailing commas, NaN and Infinity, Go
// takes lone surrogate escapes): such a file takes the careful path. The
// tests are substring searches, with a regular expression only for a comma
// followed by white space, and only where white space stands before a
// closing bracket (a regular expression over every JSON cell took a third of
// the read; run wherever a comma and a space met, it ran on every audit
// record with a browser's user agent). la_slash takes a culture date apart
// with slashDate's own pattern; la_iso takes the ISO 8601 forms parseTime
// takes. la_space is one literal (laSpace): as 25 chr() calls joined by ||
// it was bound again in every la_trim of the stage's select, and binding
// took 0.40 of the 0.63 s DuckDB spent on that select for a 30-row file
// (planner_binding in its detailed profile; 0.03 s with the literal).
var laFastMacros = fmt.Sprintf(`
create or replace temp macro la_space() as %[2]s;
create or replace temp macro la_trim(v) as
  case when ascii(v) between 33 and 126 and ascii(v[-1]) between 33 and 126 then v else trim(v, la_space()) end;
create or replace temp macro la_text(v) as nullif(la_trim(v), '');
create or replace temp macro la_bool_trimmed(v) as
  case lower(v) when '1' then true when 't' then true when 'true' then true
                when '0' then false when 'f' then false when 'false' then false end;
create or replace temp macro la_bool(v) as la_bool_trimmed(la_trim(v));
create or replace temp macro la_json_text(t) as
  case when starts_with(t, '{') or starts_with(t, '[') then t end;
create or replace temp macro la_json(t, p) as
  case when t not in ('{}', '[]') then p end;
create or replace temp macro la_json_differs(t, p) as
  case when t is null then false
       when p is not null then contains(t, 'NaN') or contains(t, 'Infinity') or contains(t, ',}') or contains(t, ',]')
         or ((contains(t, ' }') or contains(t, ' ]') or contains(t, chr(9)) or contains(t, chr(10)) or contains(t, chr(12))
              or contains(t, chr(13))) and regexp_matches(t, ',\s*[}\]]'))
       else contains(t, '\u') end;
create or replace temp macro la_int(v) as
  case when regexp_full_match(la_trim(v), '[+-]?\d+') then try_cast(la_trim(v) as bigint) end;
create or replace temp macro la_slash(t) as
  regexp_extract(la_trim(t), %[1]s, ['a', 'sep', 'b', 'y', 'h', 'mi', 's', 'f', 'ap']);
create or replace temp macro la_iso(t) as
  case when regexp_full_match(la_trim(t), '\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?')
        and left(la_trim(t), 4) <> '0000' then la_trim(t) end;
`, quote(slashDate.String()), quote(laSpace))

// laSpace is every character unicode.IsSpace takes: la_trim's set.
const laSpace = "\u0020\t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

// laRelation is what laFast reads: a relation of one text cell per column
// (NULL for an absent one), its column names as the file spells them, the
// number of its first row, and a condition over its columns that makes a
// row unclean ("false" for none).
type laRelation struct {
	from    string
	cols    []string
	first   int64
	unclean string
	what    string // for traces
	// rec, when set, is the column that numbers each row (the Go reader's,
	// which gives its rows in no order); otherwise the rows come in the
	// file's order and are numbered from first on.
	rec string
	// trimmed says the cells of laColumns come trimmed as la_trim trims
	// them, an empty one NULL (the Go reader's: every rule that reads
	// them trims them first).
	trimmed bool
	// pol, when set, names the read (newLAPolRead) into which the reader
	// numbered each row's pair of policy cells, as mfagap_la_pol does, in
	// the column polNo: NULL where it had no room, and the cells are then
	// there; NULL otherwise.
	pol, polNo string
}

// laFastCSV reads src into raw_graph in one pass, of the Go reader
// (lago.go) or else of DuckDB's CSV reader, if every row is clean, and says
// whether it did; when it did not, nothing is left behind and the careful
// path reads the file again. DuckDB's reader's rows are numbered
// by line from the stage's order (the header is line 1), as csvRows numbers
// them; a line DuckDB rejects sends the file the careful way, which names it.
func (l *loader) laFastCSV(ctx context.Context, src *source) (bool, error) {
	if laGoTakes(src.format, src.sniff) {
		// The Go reader first (lago.go); DuckDB's reader when it leaves
		// the file as a matter of shape.
		done, shape, err := l.laterEncoding(ctx, src, l.laGo)
		if err != nil || done || !shape {
			return done, err
		}
	}
	read, cols, ok, err := l.csvColumns(ctx, src)
	if err != nil || !ok {
		return false, err
	}
	return l.laFast(ctx, src, laRelation{from: read, cols: cols, first: 2, unclean: "false", what: "read_csv"}, func() (bool, error) {
		return l.noCSVRejects(ctx)
	})
}

// csvColumns returns the read of src an SQL path takes (csvTextRead) and
// its columns, as DuckDB names them, and whether that path may read it; it
// leaves no table behind. It may not when DuckDB cannot tell the columns
// (the careful path reads the file and says why) or when the file is not
// UTF-8 throughout: the SQL paths read some of its columns, which DuckDB
// cannot do safely then (validUTF8), where the careful path reads them all.
//
// The SQL paths read lines up to csvReadLine (16 MiB, as the portal read):
// with csvTable's 64 MiB lines in 128 MiB buffers the 1 M Log Analytics
// CSV's read took 34.7-35.0 s, with these 28.4-29.5 s (issue 5). A longer
// line is taken out first (cutLongRows) and the careful path rejects it.
func (l *loader) csvColumns(ctx context.Context, src *source) (string, []string, bool, error) {
	if ok, err := src.sniff.validUTF8(); err != nil || !ok {
		return "", nil, false, err
	}
	if err := l.cutLongRows(src); err != nil || len(src.longRows) > 0 {
		return "", nil, false, err // their markers are rejected rows
	}
	read := csvTextRead(src, min(csvTableMaxLine, csvReadLine))
	if err := l.dropCSVTables(ctx); err != nil {
		return "", nil, false, err
	}
	cols, err := queryColumn[string](ctx, l.db, "select column_name from (describe (select * from "+read+"))")
	if err := l.dropCSVTables(ctx); err != nil {
		return "", nil, false, err
	}
	return read, cols, err == nil, nil
}

// laFast reads rel into raw_graph, laRecord's rules as SQL, if every row is
// clean and check (after the read) agrees, and says whether it did; when it
// did not, nothing is left behind. Day/month order is voted over the whole
// file, so each slash date is staged read both ways with its vote; the view
// raw_graph then shows the one the file decides.
func (l *loader) laFast(ctx context.Context, src *source, rel laRelation, check func() (bool, error)) (bool, error) {
	read, cols := rel.from, rel.cols
	col := map[string]string{}
	for _, c := range cols {
		k := laKey(c)
		if _, dup := col[k]; dup {
			return false, nil // two columns of one name: the careful path takes the later one's cells row by row
		}
		col[k] = ident(c)
	}
	cell := func(k string) string {
		if !slices.Contains(laReadKeys(), k) {
			panic("laFast reads " + k + ", not in laReadKeys")
		}
		if c, ok := col[k]; ok {
			return c
		}
		return "null::varchar"
	}
	types, err := l.startFast(ctx, src)
	if err != nil {
		return false, err
	}
	expr := map[string]string{}
	var differs []string
	// A JSON cell is trimmed in the stage's first layer (textCell,
	// __la_jt_…) and parsed in its second (jsonCell, __la_jp_…), once for
	// every rule that reads it.
	var trims, parses []string
	// jsonText names a JSON cell's trimmed text (textCell's column) by the
	// Graph column it goes to: a cell that parses is an array or an object
	// as its first character says (nothing stands before it), which
	// json_type would parse it again to say.
	jsonText := map[string]string{}
	textOf := func(k string) (t string, ok bool) {
		if _, ok := col[k]; !ok {
			return "null::varchar", false
		}
		return "__la_jt_" + k, true
	}
	textCell := func(k, x string, trim bool) string {
		t, ok := textOf(k)
		if !ok {
			return t
		}
		if trim {
			x = "la_trim(" + x + ")"
		}
		trims = append(trims, fmt.Sprintf("la_json_text(%s) as %s", x, t))
		return t
	}
	jsonCell := func(k, x string, trim bool) (parsed string) {
		if _, ok := col[k]; !ok {
			return "null::JSON"
		}
		t, p := textCell(k, x, trim), "__la_jp_"+k
		parses = append(parses, fmt.Sprintf("try_cast(%s as JSON) as %s", t, p))
		differs = append(differs, fmt.Sprintf("la_json_differs(%s, %s)", t, p))
		return fmt.Sprintf("la_json(%s, %s)", t, p)
	}
	// The policy cells (ConditionalAccessPolicies, then
	// AppliedConditionalAccessPolicies: polRaw as written, polCells as
	// laRecord reads them, trimmed) are half a Log Analytics CSV and
	// repeat a few distinct values in millions of rows (issue 5).
	// mfagap_la_pol (lapol.go) reads each row's pair, in Go, and numbers
	// each distinct pair once; the stage stores the number, and a pair's
	// texts only where the function had no room for it; laPolicyCells
	// parses, checks and types each distinct pair after the read.
	polRaw := [2]string{"null::varchar", cell("appliedconditionalaccesspolicies")}
	for _, c := range laColumns {
		x := cell(c.la)
		switch {
		case c.graph == "appliedConditionalAccessPolicies":
			polRaw[0] = x
		case c.kind == laText && rel.trimmed:
			expr[c.graph] = x
		case c.kind == laText:
			expr[c.graph] = "la_text(" + x + ")"
		case c.kind == laBool && rel.trimmed:
			expr[c.graph] = "la_bool_trimmed(" + x + ")"
		case c.kind == laBool:
			expr[c.graph] = "la_bool(" + x + ")"
		case c.graph == "status":
			expr["__la_status"] = jsonCell(c.la, x, !rel.trimmed) // laStatus, below
			jsonText["status"], _ = textOf(c.la)
		case types[c.graph] == "JSON":
			expr[c.graph] = jsonCell(c.la, x, !rel.trimmed)
			jsonText[c.graph], _ = textOf(c.la)
		default:
			expr[c.graph] = fmt.Sprintf("from_json(%s, %s)", jsonCell(c.la, x, !rel.trimmed), quote(jsonStructure(types[c.graph])))
		}
	}
	// laRecord: AppliedConditionalAccessPolicies as it is (untrimmed, "[]"
	// too) when ConditionalAccessPolicies gives none (laPolicyCells). Not
	// columns of the stage's first layer: computed only where the stage
	// keeps them.
	polCells := [2]string{"la_json_text(la_trim(" + polRaw[0] + "))", "la_json_text(" + polRaw[1] + ")"}
	if rel.trimmed {
		polCells[0] = "la_json_text(" + polRaw[0] + ")"
	}
	polName := rel.pol
	if polName != "" {
		parses = append(parses, ident(rel.polNo)+" as __la_pol_id")
	} else {
		var polEnd func()
		polName, _, polEnd = newLAPolRead()
		defer polEnd()
		parses = append(parses, fmt.Sprintf("mfagap_la_pol(%s, %s, %s) as __la_pol_id", quote(polName), polRaw[0], polRaw[1]))
	}
	// laStatus: the Status cell's object, its errorCode (a number, else a
	// string of digits, else ResultType), its failureReason (else
	// ResultDescription); no status when none of that is there.
	expr["status"] = fmt.Sprintf(`case when __la_keys > 0 or __la_code is not null or __la_reason is not null
    then {'errorCode': __la_code, 'failureReason': __la_reason, 'additionalDetails': __la_sto.additionalDetails}::%s end`, types["status"])

	// The stage's columns: raw_graph's (the record number comes from the
	// view), the date both ways instead of createdDateTime, and its vote.
	sel := []string{rawGraphEnvelope, "nullif(" + cell("aadtenantid") + ", '') as __tenant", "__la_event as __event_type"}
	recView := fmt.Sprintf("(rowid + %d)::bigint as rec", rel.first)
	if rel.rec != "" {
		sel = append(sel, ident(rel.rec)+" as __la_rec")
		recView = "__la_rec as rec"
	}
	view := []string{recView, rawGraphEnvelopeNames, "null::bigint as __rec", "__tenant", "__event_type", "null::varchar as __mfa_satisfied"}
	for _, c := range graphRecordColumns() {
		name := c[0]
		switch {
		case strings.HasPrefix(name, "__"):
			continue
		case name == "createdDateTime":
			// Day-first only where it may differ (not ISO): the view takes
			// the month-first text where it is NULL, one unique text a row
			// less to store.
			sel = append(sel, "coalesce(__la_iso, __la_mf) as __la_created_mf", "case when __la_iso is null then __la_df end as __la_created_df")
			view = append(view, "%[2]s as createdDateTime")
			continue
		case name == "appliedConditionalAccessPolicies":
			sel = append(sel, fmt.Sprintf(`case when __la_pol_id is null then %[1]s end as __la_pol1,
  case when __la_pol_id is null then %[2]s end as __la_pol2,
  coalesce(__la_pol_id::ubigint, hash(%[1]s, %[2]s) | %[3]d::ubigint) as __la_pol_h`, polCells[0], polCells[1], laPolHashed))
			view = append(view, "null::JSON as appliedConditionalAccessPolicies")
			continue
		}
		e, ok := expr[name]
		if !ok {
			// NULL in the view, not stored in the stage (as ualFast).
			view = append(view, fmt.Sprintf("null::%s as %s", c[1], name))
			continue
		}
		if name == "id" {
			// A row the careful path would reject or read otherwise has
			// no id here: raw_graph calls it unusable, and the file goes
			// the careful way.
			e = "case when not __la_unclean then " + e + " end"
		}
		switch name {
		case "authenticationDetails":
			// The steps typed here, in the parallel read, as graph.sql
			// would type them (mfagap_auth_steps): graph.sql then looks
			// their verdicts up and does not parse them twice more.
			sel = append(sel, fmt.Sprintf("(case when starts_with(%s, '[') then mfagap_auth_steps_array(%s) end)::%s as steps_typed",
				jsonText[name], e, stepsType))
			view = append(view, "null::JSON as authenticationDetails")
			continue
		}
		sel = append(sel, fmt.Sprintf("(%s)::%s as %s", e, c[1], name))
		view = append(view, name)
	}
	sel = append(sel, "__la_vote")
	// The policy results typed once per distinct pair of cells, each rule
	// as text (la_policy_cells' policies_text, as the diagnostic read gives
	// them: the JSON string a Log Analytics export writes for a rule, or the
	// text of an object, which ca_rule_text reads alike), and each sign-in
	// its pair's number (policies_ref), which graph.sql looks them up by.
	view = append(view, typedSelect(map[string]string{"steps_typed": "steps_typed", "policies_ref": "__la_pol_h"}))
	var cats []string
	for _, k := range slices.Sorted(maps.Keys(signinCategories)) {
		cats = append(cats, fmt.Sprintf("when %s then %s", quote(k), quote(signinCategories[k])))
	}
	// A Status object naming a member twice: Go keeps the last, DuckDB's
	// JSON paths the first.
	unclean := "(" + rel.unclean + ") or __la_code_bad or (__la_table is not null and __la_event is null)" +
		"\n      or coalesce(len(__la_stk) <> len(list_distinct(__la_stk)), false)"
	for _, d := range differs {
		unclean += "\n      or " + d
	}
	var times []string
	for _, k := range laTimeColumns {
		times = append(times, "nullif("+cell(k)+", '')")
	}
	// Layer by layer, each adding columns (named __la_… so that no column
	// of the file is shadowed): the cells the rules read; their parts; the
	// error code and the date's order; the date's fields; the timestamp.
	// The date's vote is dateVote.observe's: 1 day-first, 2 month-first, 3
	// either.
	q := fmt.Sprintf(`select %[1]s
from (select *,
    case when __la_h24 between 0 and 23 and __la_mi <= 59 and __la_s <= 59 and __la_y >= 1
      then printf('%%04d-%%02d-%%02dT%%02d:%%02d:%%02d.%%sZ', __la_y, __la_mon_mf, __la_day_mf, __la_h24, __la_mi, __la_s, __la_frac) end as __la_mf,
    case when __la_h24 between 0 and 23 and __la_mi <= 59 and __la_s <= 59 and __la_y >= 1
      then printf('%%04d-%%02d-%%02dT%%02d:%%02d:%%02d.%%sZ', __la_y, __la_mon_df, __la_day_df, __la_h24, __la_mi, __la_s, __la_frac) end as __la_df,
    coalesce(%[2]s, true) as __la_unclean
  from (select *,
      case when __la_a = __la_b or __la_o_mf = 1 then __la_a else __la_b end as __la_mon_mf,
      case when __la_a = __la_b or __la_o_mf = 1 then __la_b else __la_a end as __la_day_mf,
      case when __la_a = __la_b or __la_o_df = 1 then __la_a else __la_b end as __la_mon_df,
      case when __la_a = __la_b or __la_o_df = 1 then __la_b else __la_a end as __la_day_df,
      case when __la_m.ap = '' then __la_h when __la_h between 1 and 12
           then __la_h %% 12 + case when lower(__la_m.ap) = 'pm' then 12 else 0 end end as __la_h24,
      left(substr(__la_m.f, 2) || '000000', 6) as __la_frac
    from (select *,
        case when __la_m.sep = '.' or __la_a > 12 then 2 when __la_b > 12 then 1 else 1 end as __la_o_mf,
        case when __la_m.sep = '.' or __la_a > 12 then 2 when __la_b > 12 then 1 else 2 end as __la_o_df,
        case when __la_m.sep = '.' or __la_a > 12 then 1 when __la_b > 12 then 2 when __la_a <> __la_b then 3 end as __la_vote,
        case __la_ect when 'num' then try_cast(trunc(try_cast((__la_ec->>'$') as double)) as bigint)
                      when 'str' then la_int((__la_ec->>'$'))
                      when 'rt' then la_int(%[3]s) end as __la_code,
        case __la_ect when 'num' then abs(try_cast((__la_ec->>'$') as double)) > 9007199254740992
                      when 'str' then la_int((__la_ec->>'$')) is null
                      when 'rt' then nullif(%[3]s, '') is not null and la_int(%[3]s) is null
                      else true end as __la_code_bad,
        case when list_contains(__la_stk, 'failureReason') then __la_sto.failureReason else nullif(%[4]s, '') end as __la_reason
      from (select *,
          case when __la_m.a <> '' then __la_m.a::integer end as __la_a,
          case when __la_m.a <> '' then __la_m.b::integer end as __la_b,
          case when __la_m.a <> '' then __la_m.y::integer end as __la_y,
          case when __la_m.a <> '' then __la_m.h::integer end as __la_h,
          case when __la_m.a <> '' then __la_m.mi::integer end as __la_mi,
          case when __la_m.a <> '' then coalesce(nullif(__la_m.s, '')::integer, 0) end as __la_s,
          case when json_type(__la_ec) in ('UBIGINT', 'BIGINT', 'DOUBLE') then 'num'
               when json_type(__la_ec) = 'VARCHAR' and (__la_ec->>'$') <> '' then 'str'
               when __la_ec is null or json_type(__la_ec) in ('NULL', 'VARCHAR') then 'rt'
               else 'other' end as __la_ect,
          coalesce(len(list_filter(__la_stk, k -> k <> 'errorCode')), 0) as __la_keys,
          from_json(__la_st, '{"failureReason":"VARCHAR","additionalDetails":"VARCHAR"}') as __la_sto
        from (select *,
            case when __la_iso is null then la_slash(__la_t) end as __la_m,
            (__la_st->'$.errorCode') as __la_ec,
            json_keys(__la_st) as __la_stk,
            case lower(__la_table) %[5]s end as __la_event
          from (select *, coalesce(%[6]s) as __la_t, la_iso(coalesce(%[6]s)) as __la_iso,
              case when starts_with(%[13]s, '{') then %[7]s end as __la_st,
              coalesce(nullif(%[8]s, ''), nullif(%[9]s, '')) as __la_table
            from (select *, %[11]s
              from (select *, %[12]s
                from %[10]s))))))))`,
		strings.Join(sel, ",\n  "), unclean, cell("resulttype"), cell("resultdescription"), strings.Join(cats, " "),
		strings.Join(times, ", "), expr["__la_status"], cell("type"), cell("category"), read,
		strings.Join(append(parses, "null as __la_none"), ", "), strings.Join(append(trims, "null as __la_none0"), ", "), jsonText["status"])
	// DuckDB's common-subexpression optimizer took 0.07 s planning this
	// statement, whatever the file's size (its fixed cost in an MSP folder
	// of small exports), and saved nothing measurable in the 1 M-row read
	// (docs/performance.md).
	checkCells := func() (bool, error) {
		if ok, err := check(); err != nil || !ok {
			return false, err
		}
		return l.laPolicyCells(ctx, polName)
	}
	if ok, err := l.stageFast(ctx, "log analytics: "+rel.what, q, rel.rec == "", checkCells, "common_subexpressions"); err != nil || !ok {
		return false, err
	}
	// The day/month vote of dateVote over the whole file.
	var v dateVote
	err = l.db.QueryRowContext(ctx, `select coalesce(bool_or(__la_vote = 1), false), coalesce(bool_or(__la_vote = 2), false),
  count(*) filter (where __la_vote = 3) from `+stageDB+`.raw_graph`).Scan(&v.dayFirst, &v.monthFirst, &v.ambiguous)
	if err != nil {
		return false, err
	}
	ord, note := v.order()
	if note != "" {
		return l.dropFast(ctx) // the careful path says which values could not be read
	}
	created := "__la_created_mf"
	if ord == orderDayFirst {
		created = "coalesce(__la_created_df, __la_created_mf)" // __la_mf is NULL where __la_df is
	}
	viewSQL := fmt.Sprintf("select "+strings.Join(view, ", ")+" from %[1]s.raw_graph", "%[1]s", created)
	n, ok, err := l.finishFast(ctx, viewSQL)
	if err != nil || !ok {
		return false, err
	}
	src.read = n
	laFastReads.Add(1)
	return true, nil
}

// laPolicyCells types the distinct pairs of policy cells laFast read
// (ConditionalAccessPolicies trimmed, and AppliedConditionalAccessPolicies
// as it is, each when it starts like JSON) into la_policy_cells, by the
// pair's number in the stage's __la_pol_h, as laRecord reads them: the
// first when it holds a non-empty object or array, else the second when it
// holds an array. The pairs are those mfagap_la_pol kept, in the read named
// pol, and those the stage kept (__la_pol1, __la_pol2, numbered by their
// hash: lapol.go). It says whether the file may go on the SQL path: not
// when a cell is one that DuckDB's JSON parser and Go's read differently
// (la_json_differs, which sends the whole file the careful way as it did
// row by row), nor when typing one fails (which failed the read before),
// nor when two pairs share a number.
func (l *loader) laPolicyCells(ctx context.Context, pol string) (bool, error) {
	t := time.Now()
	q := fmt.Sprintf(`create or replace temp table la_policy_cells as
select h, case when json_type(e) = 'ARRAY' then mfagap_policies_text(e) end::%[1]s as policies_text,
  coalesce(la_json_differs(t1, p1) or la_json_differs(t2, p2), true) as bad
from (select *, coalesce(la_json(t1, p1), case when starts_with(t2, '[') then p2 end) as e
  from (select *, try_cast(t1 as JSON) as p1, try_cast(t2 as JSON) as p2
    from (select h, t1, t2 from mfagap_la_pol_cells(%[3]s)
      union all
      select distinct __la_pol_h as h, __la_pol1 as t1, __la_pol2 as t2 from %[2]s.raw_graph where __la_pol_h >= %[4]d::ubigint)))`,
		policiesTextType, stageDB, quote(pol), laPolHashed)
	if _, err := l.db.ExecContext(ctx, q); err != nil {
		if ctx.Err() != nil || outOfSpace(err) {
			return false, err
		}
		// A cell the typing cannot take failed the read itself before:
		// the careful path reads the file.
		Trace("log analytics: policy cells failed ("+err.Error()+")", t)
		return false, nil
	}
	var bad, shared int64
	err := l.db.QueryRowContext(ctx, "select count(*) filter (where bad), count(*) - count(distinct h) from la_policy_cells").Scan(&bad, &shared)
	Trace("log analytics: policy cells", t)
	return err == nil && bad == 0 && shared == 0, err
}

// loadFast loads src through an SQL path, if on: csvRead for a CSV source,
// jsonRead for any other, then graph.sql's mapping. It says whether it did; when it
// did not, the caller's careful path reads the file.
func (l *loader) loadFast(ctx context.Context, src *source, on bool, csvRead, jsonRead func(context.Context, *source) (bool, error)) (bool, error) {
	if !on {
		return false, nil
	}
	read := jsonRead
	if strings.HasSuffix(src.format.id, "-csv") {
		read = csvRead
	}
	ok, err := read(ctx, src)
	if err != nil || !ok {
		return false, err
	}
	return true, l.mapGraph(ctx, src, nil)
}

// startFast sets the variables and macros an SQL path's read uses and
// returns the DuckDB types of the Graph record's columns, by name.
func (l *loader) startFast(ctx context.Context, src *source) (map[string]string, error) {
	if err := l.setGraphVars(ctx, src); err != nil {
		return nil, err
	}
	if _, err := l.db.ExecContext(ctx, laFastMacros); err != nil {
		return nil, err
	}
	types := map[string]string{}
	for _, c := range graphRecordColumns() {
		types[c[0]] = c[1]
	}
	return types, nil
}

// stageFast makes the stage's raw_graph from q, an SQL path's read, and says
// whether it did: not when the read failed (a value the rules did not
// foresee: the careful path reads the file row by row rather than failing
// it whole) or check, run after the read, says no; then nothing is left
// behind. ordered keeps the rows in the order q gives them (rowid numbers
// them); off names optimizers to turn off for the read (optimized).
func (l *loader) stageFast(ctx context.Context, what, q string, ordered bool, check func() (bool, error), off ...string) (bool, error) {
	if err := l.attachStage(ctx); err != nil {
		return false, err
	}
	t := time.Now()
	if err := l.optimized(ctx, "create or replace table "+stageDB+".raw_graph as\n"+q, ordered, off...); err != nil {
		if ctx.Err() != nil || outOfSpace(err) {
			return false, err
		}
		Trace(what+": the SQL path failed ("+err.Error()+")", t)
		_, err := l.db.ExecContext(ctx, "drop table if exists "+stageDB+".raw_graph")
		return false, err
	}
	Trace(what+" into raw_graph", t)
	if ok, err := check(); err != nil || !ok {
		if err != nil {
			return false, err
		}
		return l.dropFast(ctx)
	}
	return true, nil
}

// finishFast makes the view raw_graph (finishRawGraph) over the stage
// stageFast made and returns its row count, if no row of it is unusable;
// otherwise it leaves nothing behind and the careful path, which names such
// rows, reads the file.
func (l *loader) finishFast(ctx context.Context, view string) (int64, bool, error) {
	n, bad, err := l.finishRawGraph(ctx, view, graphUnusable)
	if err != nil || bad == 0 {
		return n, err == nil, err
	}
	_, err = l.db.ExecContext(ctx, "drop view raw_graph; drop table "+stageDB+".raw_graph; "+dropPolicyCells)
	return 0, false, err
}

// dropFast drops the stage's raw_graph stageFast made, for a check after it
// that sends the file the careful way, and says the SQL path did not load it.
func (l *loader) dropFast(ctx context.Context) (bool, error) {
	_, err := l.db.ExecContext(ctx, "drop table "+stageDB+".raw_graph; "+dropPolicyCells)
	return false, err
}

// dropPolicyCells drops what laPolicyCells made, if it made it: the raw_graph
// it served is gone (TestNoLeftoversBetweenFiles).
const dropPolicyCells = "drop table if exists la_policy_cells"

// laReads says whether a column (or member) named name is one laRecord and
// laFast read.
func laReads(name string) bool {
	return slices.Contains(laReadKeys(), laKey(name))
}

// laReadKeys are the columns laRecord and laFast read (laKey's names).
func laReadKeys() []string {
	keys := []string{"aadtenantid", "resulttype", "resultdescription", "type", "category", "appliedconditionalaccesspolicies"}
	for _, c := range laColumns {
		keys = append(keys, c.la)
	}
	return append(keys, laTimeColumns...)
}

// laFastJSON is laFastCSV for a Log Analytics query export in JSON (an
// array, or one object per line, in UTF-8 without a BOM): DuckDB's JSON
// reader takes each record apart and hands laFast the members it reads as
// the careful path's text (jsonText: a string's content; true, false or an
// integer as written). A record the careful path would read otherwise sends
// the file the careful way: a member that is another number, an object or
// an array (DuckDB writes 1E2 as 100.0, 1.50 as 1.5 and an integer -0 as 0,
// where the careful path keeps the text); a member named twice (the careful
// path keeps the last, DuckDB the first); a member the careful path reads
// under another spelling than the first record's (it matches names as
// laKey does: case, white space and " [UTC]" aside); a record DuckDB reads
// and Go's decoder refuses (NaN, Infinity, a trailing comma, anywhere in it:
// la_json_differs on the record's text). A record that is not
// an object has no id, so raw_graph calls it unusable; one DuckDB cannot
// parse fails the read. The careful path names both.
func (l *loader) laFastJSON(ctx context.Context, src *source) (bool, error) {
	if laGoTakes(src.format, src.sniff) {
		// The Go reader first (lago.go); DuckDB's reader when it does
		// not take the first record. Once it has read the file, a record
		// it refuses sends the file the careful way.
		done, shape, err := l.laGoLines(ctx, src)
		if err != nil || done || !shape {
			return done, err
		}
	}
	objects, ok := jsonObjectsRead(src)
	if !ok {
		return false, nil
	}
	first, err := queryColumn[string](ctx, l.db, "select unnest(json_keys(json)) from (select json from "+objects+" limit 1)")
	if err != nil || len(first) == 0 {
		return false, nil // the careful path says why
	}
	read := laReadKeys()
	var cols, paths, cells, known, names []string
	for _, k := range read {
		known = append(known, quote(k)) // letters only, as the name test below leaves a name
	}
	spelled := map[string]bool{}
	for _, name := range first {
		if spelled[name] || strings.ContainsAny(name, `"\`) {
			return false, nil
		}
		spelled[name] = true
		names = append(names, quote(name))
		if !laReads(name) {
			continue
		}
		cols = append(cols, name)
		paths = append(paths, quote(`$."`+name+`"`))
		cells = append(cells, fmt.Sprintf("__s[%d] as %s", len(cols), ident(name)))
	}
	if len(cols) == 0 {
		return false, nil
	}
	list := "[" + strings.Join(names, ", ") + "]"
	// Each record is taken apart three times, each time whole: its names
	// (__k), its members' JSON types (__t) and their text (__s: a string's
	// content, another value's JSON). Reading each member as JSON and then
	// its type and text took twice as long. A record whose names are the
	// first record's, in its order, is clean as far as names go; any other
	// is looked at name by name: a name given twice, or one not the first
	// record's that is not ASCII or, lowered and left with its letters and
	// digits alone, is a column the rules read (this may send a file the
	// careful way for nothing, never the reverse). An integer DuckDB types
	// BIGINT (signed) and writes 0 was -0 (0 is UBIGINT). The tests are
	// CASE branches: written as "__k <> first and (…)" inside the OR, the
	// relation took 11.6 s instead of 6.7 s on 200 k records, as if the
	// name by name test ran for every record.
	from := fmt.Sprintf(`(select %s,
    not list_has_all(['VARCHAR', 'BOOLEAN', 'NULL', 'BIGINT', 'UBIGINT'], __t)
    or case when list_contains(__t, 'BIGINT')
      then len(list_filter(range(1, len(__t) + 1), i -> __t[i] = 'BIGINT' and __s[i] = '0')) > 0 else false end
    or case when __k = %[2]s then false
      else len(__k) <> len(list_distinct(__k))
        or len(list_filter(__k, x -> not list_contains(%[2]s, x)
          and (strlen(x) <> length(x) or list_contains([%[3]s], regexp_replace(replace(lower(x), '[utc]', ''), '[^a-z0-9]', '', 'g'))))) > 0 end
    or la_json_differs(__j, __j)
    as __la_src_bad
  from (select json::varchar as __j, json_keys(json) as __k, json_type(json, [%[4]s]) as __t, json_extract_string(json, [%[4]s]) as __s
    from %[5]s))`,
		strings.Join(cells, ",\n    "), list, strings.Join(known, ", "), strings.Join(paths, ", "), objects)
	return l.laFast(ctx, src, laRelation{from: from, cols: cols, first: 1, unclean: "__la_src_bad", what: "read_json_objects"},
		func() (bool, error) { return true, nil })
}

// jsonObjectsRead is DuckDB's read of src's JSON records as the SQL paths
// take them (read_json_objects: each record's text as it is), if src is an
// array or one record a line in UTF-8 without a BOM (DuckDB's NDJSON reader
// refuses the mark); otherwise the careful path reads it.
func jsonObjectsRead(src *source) (string, bool) {
	sn := src.sniff
	if sn.bom() {
		return "", false
	}
	format := "array"
	if sn.ndjson {
		format = "newline_delimited"
	}
	return fmt.Sprintf("read_json_objects(%s, format = %s, maximum_object_size = 67108864)", quote(sn.disk), quote(format)), true
}

// jsonStructure renders a DuckDB type of read_graph's columns (a STRUCT of
// plain types, or a list of one) as the structure from_json takes, which
// converts JSON as read_json does.
func jsonStructure(typ string) string {
	if inner, ok := strings.CutSuffix(typ, "[]"); ok {
		return `["` + inner + `"]`
	}
	var parts []string
	for _, f := range structFields(typ) {
		parts = append(parts, fmt.Sprintf("%q:%q", f[0], f[1]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// structFields takes a STRUCT type of read_graph's columns apart: each
// member's name and type, in order.
func structFields(typ string) [][2]string {
	var out [][2]string
	for _, f := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(typ, "STRUCT("), ")"), ", ") {
		name, t, _ := strings.Cut(f, " ")
		out = append(out, [2]string{name, t})
	}
	return out
}
