package ingest

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed portal_csv.sql
var portalCSVSQL string

func init() {
	register(&format{
		id:       "portal-csv",
		why:      "CSV with Date (UTC), Request ID and Sign-in error code or Status (Entra portal sign-in download, any supported language)",
		kind:     "signins",
		priority: 20,
		detect: func(s *sniff) bool {
			_, known, _ := portalLayout(s)
			return known["date"] && known["request_id"] && (known["error_code"] || known["status"]) &&
				(known["user_principal_name"] || known["service_principal_id"] || known["app_id"] || known["ip_address"])
		},
		load: loadPortalCSV,
	})
	register(&format{
		id:       "portal-csv-authdetails",
		why:      "CSV with Request ID, Authentication method and Succeeded (portal *_AuthDetails_* companion)",
		kind:     "signin_auth_details",
		priority: 19,
		detect: func(s *sniff) bool {
			_, known := csvColumns(s.norm, headerAliases)
			return known["request_id"] && known["ad_method"] && (known["ad_succeeded"] || known["ad_result_detail"])
		},
		load: loadPortalAuthDetails,
	})
}

// portalEventType reads the event type of a portal CSV from its file name,
// the only place the portal records it (FORMATS.md §1.2).
func portalEventType(src *source, known map[string]bool) string {
	t, assumed := portalEventTypeOf(src, known)
	if assumed {
		src.note("event type not in the file name (InteractiveSignIns / NonInteractiveSignIns…); assumed interactive")
	}
	return t
}

// portalEventTypeOf is portalEventType without the note: the event type,
// and whether it was assumed.
func portalEventTypeOf(src *source, known map[string]bool) (string, bool) {
	if t := eventTypeHint(src.file.display); t != "" {
		return t, false
	}
	if known["service_principal_id"] && !known["user_principal_name"] {
		return "service_principal", false
	}
	return "interactive", true
}

func loadPortalCSV(ctx context.Context, l *loader, src *source) error {
	names, known, positional := portalLayout(src.sniff)
	if positional {
		src.note("header language not recognised; columns mapped by the portal's %d-column order, checked on the first row", len(names))
	}
	vars := fmt.Sprintf("set variable source_id = %d; set variable event_type = %s; set variable fallback_tenant = %s",
		src.id, quote(portalEventType(src, known)), quote(src.tenant))
	if _, err := l.db.ExecContext(ctx, vars); err != nil {
		return err
	}
	t := time.Now()
	err := l.readCSV(ctx, src, csvRead{
		names:  names,
		want:   portalKeys,
		extra:  []string{"getvariable('source_id') as __source_id", "getvariable('event_type') as __event_type", "getvariable('fallback_tenant') as __fallback_tenant"},
		insert: portalStmts[0],
		table:  "signins", rec: "source_record", scope: fmt.Sprintf("source_id = %d", src.id),
	})
	if err != nil {
		return err
	}
	Trace("portal csv: read_csv into signins", t)
	if err := l.portalNotSignins(ctx, src); err != nil {
		return err
	}
	return l.finishInPlace(ctx, src)
}

// portalStmts are portal_csv.sql's statements: the insert, then the rows
// that are not sign-ins, to reject and to drop.
var portalStmts = splitStatements(portalCSVSQL)

// portalNotSignins moves the rows of src that are not sign-ins (marked
// 'mfagap:rejected' by the insert) to rejected rows; the variable source_id
// names src.
func (l *loader) portalNotSignins(ctx context.Context, src *source) error {
	defer Trace("portal csv: rows that are not sign-ins", time.Now())
	if err := l.rejectWhere(ctx, src, portalStmts[1]); err != nil {
		return err
	}
	_, err := l.db.ExecContext(ctx, portalStmts[2])
	return err
}

// portalKeys are the canonical keys of portal_headers.csv, sorted: the
// columns portal_csv.sql may read.
var portalKeys = func() []string {
	seen := map[string]bool{}
	var keys []string
	for _, k := range headerAliases {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}()

func loadPortalAuthDetails(ctx context.Context, l *loader, src *source) error {
	// One pass: rows without a request id go in too, with '' as request id
	// and, in result_detail, their text as the JSON of their cells (rec is
	// added once the rows are numbered), then move to rejected_rows. Reading
	// the file into a table of text first and converting it after took twice
	// as long (issue 5).
	t := time.Now()
	err := l.readCSV(ctx, src, csvRead{
		names:  authDetailsLayout(src.sniff),
		want:   authDetailsKeys,
		extra:  []string{fmt.Sprintf("%d as __source_id", src.id)},
		insert: authDetailsInsert,
		table:  "portal_auth_details", rec: "source_record", scope: fmt.Sprintf("source_id = %d", src.id),
	})
	if err != nil {
		return err
	}
	Trace("auth details: read_csv into portal_auth_details", t)
	return l.settleAuthDetails(ctx, src)
}

// authDetailsLayout names the columns of an AuthDetails CSV: its Date
// column is the step's time.
func authDetailsLayout(sn *sniff) []string {
	names, known := csvColumns(sn.norm, headerAliases)
	if known["date"] && !known["ad_step_at"] {
		for i, n := range names {
			if n == "date" {
				names[i] = "ad_step_at"
			}
		}
	}
	return names
}

// authDetailsKeys are the columns of an AuthDetails CSV authDetailsInsert
// reads.
var authDetailsKeys = []string{"request_id", "ad_step_at", "ad_method", "ad_method_detail", "ad_requirement", "ad_succeeded", "ad_result_detail"}

// authDetailsInsert writes the rows of csv_read (one AuthDetails file, or a
// batch of them) to portal_auth_details, each with its file's __source_id.
const authDetailsInsert = `insert into portal_auth_details
select
  coalesce(rid, ''),
  case when rid is not null then mfagap_time(ad_step_at) end,
  nullif(ad_method, ''), nullif(ad_method_detail, ''), nullif(ad_requirement, ''),
  case when lower(trim(ad_succeeded)) in ('true', 'yes') then true
       when lower(trim(ad_succeeded)) in ('false', 'no') then false end,
  case when rid is null
    then to_json(struct_pack(request_id := request_id, ad_step_at := ad_step_at, ad_method := ad_method,
      ad_method_detail := ad_method_detail, ad_requirement := ad_requirement, ad_succeeded := ad_succeeded,
      ad_result_detail := ad_result_detail))::varchar
    else nullif(ad_result_detail, '') end,
  __source_id, 0
from (select *, nullif(trim(request_id), '') as rid from csv_read)`

// settleAuthDetails moves an AuthDetails file's rows without a request id
// to rejected rows and counts what it loaded.
func (l *loader) settleAuthDetails(ctx context.Context, src *source) error {
	mine := fmt.Sprintf("source_id = %d and request_id = ''", src.id)
	if err := l.rejectWhere(ctx, src, `select source_record, 'no Request ID',
  left(result_detail, length(result_detail) - 1) || ',"rec":' || source_record || '}'
from portal_auth_details where `+mine+` order by source_record`); err != nil {
		return err
	}
	if src.rejected > 0 {
		if _, err := l.db.ExecContext(ctx, "delete from portal_auth_details where "+mine); err != nil {
			return err
		}
	}
	// Counted, not derived, so the row accounting can fail (issue 6).
	return l.db.QueryRowContext(ctx, "select count(*) from portal_auth_details where source_id = ?", src.id).Scan(&src.loaded)
}

// attachAuthDetails makes portal AuthDetails rows the authentication steps
// of the sign-ins they belong to and re-derives those sign-ins' MFA verdict.
// It runs once after all files are loaded, so file order does not matter.
//
// The steps are the view signin_auth_steps (schema.sql), which numbers each
// sign-in's AuthDetails rows as it is read; attachAuthDetails only chooses
// its variant (stepsView) and writes the verdicts. Copying the steps into a
// table took 1.4 s of the 2.7 s attach of a 1 M-sign-in portal download
// (1.6 M AuthDetails rows), numbering them 0.85 s (issue 5).
//
// A sign-in's verdict flags are those of its Request ID's rows, taken as
// the AuthDetails are scanned and grouped by Request ID, before the join:
// computed after it, their four text inputs went through the join too.
// Each step's flags are worked out once per distinct set of those inputs
// (12 sets among the 1.6 M rows of a 1 M download: method, requirement,
// result and success name a handful of cases) and joined back: the verdicts
// 0.70-0.83 s → 0.43-0.51 s, the same rows (issue 5). DuckDB updates rows
// that arrive out of the table's order one by one: the update joined on
// tenant, request id and event type took 14 s for 950 k sign-ins, in the
// table's order (source and record number) 0.1 s.
func (l *loader) attachAuthDetails(ctx context.Context) error {
	defer Trace("auth details: attach to sign-ins", time.Now())
	overlap, err := authDetailsOverlap(ctx, l.db)
	if err != nil {
		return err
	}
	for _, stmt := range []string{
		stepsView(overlap),
		fmt.Sprintf(`create or replace temp table attach_verdicts as
select s.source_id as signin_source, s.source_record as signin_record, d.mfa, d.claim
from (select a.request_id, bool_or(v.mfa) as mfa, bool_or(v.claim) as claim
      from %s a
      join (select *, mfagap_step_mfa(succeeded, method, requirement, result_detail) as mfa,
              mfagap_step_claim(method, result_detail) as claim
            from (select distinct succeeded, method, requirement, result_detail from portal_auth_details)) v
        on a.succeeded is not distinct from v.succeeded and a.method is not distinct from v.method
          and a.requirement is not distinct from v.requirement and a.result_detail is not distinct from v.result_detail
      group by a.request_id) d
join signins s on s.request_id = d.request_id
where not exists (select 1 from graph_auth_steps x
                  where x.tenant_id = s.tenant_id and x.request_id = s.request_id and x.event_type = s.event_type)
order by signin_source, signin_record`, authDetailsRows(overlap)),
		`update signins set mfa_satisfied = mfagap_mfa_satisfied(v.mfa, v.claim, signins.additional_details,
    signins.authentication_requirement, signins.error_code)
from attach_verdicts v
where signins.source_id = v.signin_source and signins.source_record = v.signin_record
  and signins.mfa_satisfied <> 'unknown'`,
		`drop table attach_verdicts`,
	} {
		t := time.Now()
		if _, err := l.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
		Trace("auth details: "+firstLine(stmt), t)
	}
	return nil
}

// authDetailsRows is the AuthDetails rows that are steps: every row, or,
// when files may overlap, a Request ID's rows from its first file only
// (two downloads of overlapping dates both hold them, and both copies were
// steps, the sign-in's steps twice). Half a second over the 1.6 M rows of a
// 1 M download, so only when files may overlap.
func authDetailsRows(overlap bool) string {
	if overlap {
		return "(from portal_auth_details qualify source_id = min(source_id) over (partition by request_id))"
	}
	return "portal_auth_details"
}

// stepsView is the statements that make the views signin_auth_steps and
// signin_auth_step_results, as schema.sql makes them, over
// authDetailsRows(overlap).
func stepsView(overlap bool) string {
	const from = "from portal_auth_details) d"
	var out []string
	for _, view := range []string{"signin_auth_steps", "signin_auth_step_results"} {
		for _, stmt := range splitStatements(schemaSQL) {
			if i := strings.Index(stmt, "create view if not exists "+view+" as"); i >= 0 && strings.Contains(stmt, from) {
				stmt = strings.Replace(stmt[i:], "create view if not exists", "create or replace view", 1)
				out = append(out, strings.Replace(stmt, from, "from "+authDetailsRows(overlap)+") d", 1))
			}
		}
	}
	if len(out) != 2 {
		panic("schema.sql: no views signin_auth_steps and signin_auth_step_results over portal_auth_details")
	}
	return strings.Join(out, "\n")
}

// authDetailsOverlap says whether the AuthDetails files loaded may hold the
// same sign-ins: two of one kind (interactive, non-interactive, by their
// names), or two of which one does not say. A portal download has one of
// each kind, which cannot overlap.
func authDetailsOverlap(ctx context.Context, db *sql.DB) (bool, error) {
	paths, err := queryColumn[string](ctx, db, "select path from sources where format = 'portal-csv-authdetails' and rows_loaded > 0")
	if err != nil {
		return false, err
	}
	seen := map[string]bool{}
	for _, p := range paths {
		hint := eventTypeHint(p)
		if seen[hint] || (hint == "" && len(paths) > 1) {
			return true, nil
		}
		seen[hint] = true
	}
	return false, nil
}

// portalColumns are the user sign-in CSV's columns in the portal's order:
// the Oct-2024 55-column layout (FORMATS.md §1.3), in English.
var portalColumns = strings.Split("Date (UTC)|Request ID|User agent|Correlation ID|User ID|User|Username|User type|"+
	"Cross tenant access type|Incoming token type|Authentication Protocol|Unique token identifier|Original transfer method|"+
	"Client credential type|Token Protection - Sign In Session|Token Protection - Sign In Session StatusCode|Application|"+
	"Application ID|Resource|Resource ID|Resource tenant ID|Home tenant ID|Home tenant name|IP address|Location|Status|"+
	"Sign-in error code|Failure reason|Client app|Device ID|Browser|Operating System|Compliant|Managed|Join Type|"+
	"Multifactor authentication result|Multifactor authentication auth method|Multifactor authentication auth detail|"+
	"Authentication requirement|Sign-in identifier|Session ID|IP address (seen by resource)|Through Global Secure Access|"+
	"Global Secure Access IP address|Autonomous system number|Flagged for review|Token issuer type|Incoming token type|"+
	"Token issuer name|Latency|Conditional Access|Managed Identity type|Associated Resource Id|Federated Token Id|"+
	"Federated Token Issuer", "|")

// portalColumns2026 inserts the owner-tenant columns of the 2026 header.
var portalColumns2026 = func() []string {
	var out []string
	for _, c := range portalColumns {
		out = append(out, c)
		switch c {
		case "Application ID":
			out = append(out, "App owner tenant ID")
		case "Resource tenant ID":
			out = append(out, "Resource owner tenant ID")
		}
	}
	return out
}()

// portalLayout names the columns of a portal CSV. Headers in a language we
// know map by name. A header in another language still maps when it has the
// portal's exact column count and the first data row has a timestamp, a
// request id and a numeric error code where the layout puts them; otherwise
// the file stays unknown and its header is quoted in the skip reason.
func portalLayout(s *sniff) (names []string, known map[string]bool, positional bool) {
	names, known = csvColumns(s.norm, headerAliases)
	if known["date"] && known["request_id"] {
		return names, known, false
	}
	for _, layout := range [][]string{portalColumns, portalColumns2026} {
		if len(s.norm) != len(layout) {
			continue
		}
		norm := make([]string, len(layout))
		for i, h := range layout {
			norm[i] = normHeader(h)
		}
		pn, pk := csvColumns(norm, headerAliases)
		if firstRowFits(s, pn) {
			return pn, pk, true
		}
	}
	return names, known, false
}

// firstRowFits checks the first data row against a column naming.
func firstRowFits(s *sniff, names []string) bool {
	lines := bytes.SplitN(s.head, []byte("\n"), 3)
	if len(lines) < 3 {
		return false
	}
	r := csv.NewReader(bytes.NewReader(lines[1]))
	r.Comma = rune(s.delim)
	r.LazyQuotes = true
	row, err := r.Read()
	if err != nil || len(row) != len(names) {
		return false
	}
	for i, n := range names {
		v := strings.TrimSpace(row[i])
		switch n {
		case "date":
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				return false
			}
		case "request_id":
			if v == "" {
				return false
			}
		case "error_code":
			if _, err := strconv.Atoi(v); err != nil {
				return false
			}
		}
	}
	return true
}
