package analyze

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/big"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/mfagap/mfagap/ingest"
	"github.com/mfagap/mfagap/queries"
)

// Options configure one analysis.
type Options struct {
	// AsOf anchors time windows; nil means the newest sign-in event.
	AsOf *time.Time
	// Params override check thresholds by name (from --set name=value).
	Params map[string]string
	// Checks to run; nil means every embedded check.
	Checks []queries.Check
	// Only, when not empty, keeps the checks with these ids.
	Only []string
	// Progress, when set, is called before each check runs (done is 1-based).
	Progress func(done, total int, id string)
}

// fixedColumns are the leading columns every check returns, in order.
var fixedColumns = []string{"tenant_id", "subject", "reason", "first_seen", "last_seen", "event_count"}

var paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// Validate returns the checks opts selects (opts.Checks, else every
// embedded one; opts.Only keeps those ids) and checks opts.Params against
// them: every name is a parameter of one of them, and a parameter whose
// default is a whole number takes a whole number. Run calls it; the CLI
// calls it before a load that can take minutes, so that a mistyped --set is
// not found after it (a value such as spray.min_users=abc failed its check
// with a conversion error, after the load, and the run exited 0).
func Validate(opts Options) ([]queries.Check, error) {
	checks := opts.Checks
	if checks == nil {
		var err error
		if checks, err = queries.Load(queries.FS); err != nil {
			return nil, fmt.Errorf("load checks: %w", err)
		}
	}
	if len(opts.Only) > 0 {
		var kept []queries.Check
		for _, c := range checks {
			for _, id := range opts.Only {
				if c.ID == id {
					kept = append(kept, c)
				}
			}
		}
		if len(kept) != len(opts.Only) {
			return nil, fmt.Errorf("unknown check id in %v (see 'mfagap checks')", opts.Only)
		}
		checks = kept
	}
	defaults := map[string]string{}
	for _, c := range checks {
		for k, v := range c.Params {
			defaults[k] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(opts.Params)) {
		def, ok := defaults[k]
		if !ok {
			return nil, fmt.Errorf("--set %s: no check has a parameter of that name (see 'mfagap checks --params')", k)
		}
		if wholeNumber.MatchString(def) && !wholeNumber.MatchString(opts.Params[k]) {
			return nil, fmt.Errorf("--set %s=%s: expected a whole number, as its default %s", k, opts.Params[k], def)
		}
	}
	return checks, nil
}

// wholeNumber is a parameter value of digits alone.
var wholeNumber = regexp.MustCompile(`^[0-9]+$`)

// Run runs the checks against the canonical tables in db and builds the
// findings. One failing check never stops the others: it gets status error.
// A full disk (DuckDB's spill folder) does: the run ends with an
// *ingest.SpaceError, as a load does.
func Run(ctx context.Context, db *sql.DB, opts Options) (res *Result, err error) {
	defer func() {
		if ingest.OutOfSpace(err) {
			res, err = nil, ingest.SpaceErrorIn(err, spillDir(db))
		}
	}()
	checks, err := Validate(opts)
	if err != nil {
		return nil, err
	}

	r := &Result{Schema: Schema, Inputs: []Input{}, Checks: []CheckResult{}}
	if err := r.window(ctx, db, opts.AsOf); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("set variable as_of = timestamp '%s'", r.AsOf.Format("2006-01-02 15:04:05.999999"))); err != nil {
		return nil, fmt.Errorf("set as_of: %w", err)
	}
	if err := r.inputs(ctx, db); err != nil {
		return nil, err
	}
	have, err := available(ctx, db)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	cleanup, err := materializeShared(ctx, db)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ingest.Trace("shared views", t)
	for i, c := range checks {
		if opts.Progress != nil {
			opts.Progress(i+1, len(checks), c.ID)
		}
		t = time.Now()
		cr, err := runCheck(ctx, db, c, have, opts.Params)
		if ingest.OutOfSpace(err) {
			// Every check after it would fail the same way: the run stops
			// (a SpaceError), as a load does.
			return nil, fmt.Errorf("check %s: %w", c.ID, err)
		}
		r.Checks = append(r.Checks, cr)
		ingest.Trace("check "+c.ID, t)
	}
	sort.Slice(r.Checks, func(i, j int) bool { return r.Checks[i].ID < r.Checks[j].ID })
	t = time.Now()
	if err := r.metrics(ctx, db); err != nil {
		return nil, err
	}
	ingest.Trace("metrics", t)
	return r, nil
}

func (r *Result) window(ctx context.Context, db *sql.DB, asOf *time.Time) error {
	var first, last sql.NullTime
	if err := db.QueryRowContext(ctx, "select min(created_at), max(created_at) from signins").Scan(&first, &last); err != nil {
		return fmt.Errorf("read window: %w", err)
	}
	if first.Valid {
		f, l := first.Time.UTC(), last.Time.UTC()
		r.Window = Window{First: &f, Last: &l}
	}
	switch {
	case asOf != nil:
		r.AsOf = asOf.UTC()
	case last.Valid:
		r.AsOf = last.Time.UTC()
	default:
		r.AsOf = time.Unix(0, 0).UTC() // no events: never the wall clock
	}
	return nil
}

func (r *Result) inputs(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `
select path, format, kind, coalesce(tenant_id, ''), rows_read, rows_loaded, rows_rejected, rows_duplicate,
       coalesce(rows_ignored, 0), coalesce(sha256, ''), first_event, last_event, coalesce(note, '')
from sources order by path, sha256, source_id`)
	if err != nil {
		return fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var in Input
		var first, last sql.NullTime
		if err := rows.Scan(&in.Path, &in.Format, &in.Kind, &in.TenantID, &in.Read, &in.Loaded, &in.Rejected,
			&in.Duplicates, &in.Ignored, &in.SHA256, &first, &last, &in.Note); err != nil {
			return fmt.Errorf("read sources: %w", err)
		}
		if first.Valid {
			t := first.Time.UTC()
			in.FirstEvent = &t
		}
		if last.Valid {
			t := last.Time.UTC()
			in.LastEvent = &t
		}
		r.Inputs = append(r.Inputs, in)
	}
	return rows.Err()
}

// available reports which of queries.Sources the loaded data provides.
func available(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	have := map[string]bool{}
	rows, err := db.QueryContext(ctx, "select distinct event_type from signins")
	if err != nil {
		return nil, fmt.Errorf("read event types: %w", err)
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		have["signins"] = true
		have[strings.ReplaceAll(t, "non_interactive", "noninteractive")] = true
	}
	rows.Close()
	tables := map[string]string{
		"ca_policies":        "ca_policies",
		"users":              "users",
		"mfa_registration":   "mfa_registration",
		"register":           "register_entries",
		"roles":              "role_assignments",
		"ca_signin_policies": "signin_ca_policy_refs",
	}
	for src, table := range tables {
		n, err := count(ctx, db, table)
		if err != nil {
			return nil, err
		}
		have[src] = n > 0
	}
	return have, nil
}

var sourceNames = map[string]string{
	"interactive":        "interactive user sign-ins",
	"noninteractive":     "non-interactive user sign-ins",
	"service_principal":  "service principal sign-ins",
	"managed_identity":   "managed identity sign-ins",
	"signins":            "sign-in logs",
	"ca_policies":        "a Conditional Access policy export",
	"users":              "a user export",
	"mfa_registration":   "an MFA registration export",
	"register":           "an exception register",
	"roles":              "a role or administrator export",
	"ca_signin_policies": "sign-ins with per-policy Conditional Access results (JSON, not the portal CSV)",
}

// runCheck runs one check; a check that fails has status error, and the
// error is returned too.
func runCheck(ctx context.Context, db *sql.DB, c queries.Check, have map[string]bool, overrides map[string]string) (CheckResult, error) {
	cr := CheckResult{ID: c.ID, Title: c.Title, Severity: c.Severity, Findings: []Finding{},
		Description: c.Description, Risk: c.Risk, Remediation: c.Remediation,
		FalsePositives: c.FalsePositives, References: c.References}
	var missing []string
	for _, s := range c.Sources {
		// "roles|mfa_registration": any one of the alternatives will do.
		alts := strings.Split(s, "|")
		var names []string
		ok := false
		for _, a := range alts {
			ok = ok || have[a]
			names = append(names, sourceNames[a])
		}
		if !ok {
			missing = append(missing, strings.Join(names, " or "))
		}
	}
	if len(missing) > 0 {
		cr.Status = StatusSkip
		cr.SkipReason = "needs " + strings.Join(missing, " and ") + "; none was loaded"
		return cr, nil
	}
	if err := setParams(ctx, db, c, overrides); err != nil {
		cr.Status, cr.Error = StatusError, err.Error()
		return cr, err
	}
	findings, err := query(ctx, db, c.SQL)
	if err != nil {
		err = ingest.MemoryError(err)
		cr.Status, cr.Error = StatusError, err.Error()
		return cr, err
	}
	cr.Findings = findings
	cr.Status = StatusOK
	if len(findings) > 0 {
		cr.Status = StatusAlarm
	}
	return cr, nil
}

// spillDir is the folder DuckDB spills under: the one holding its own spill
// folder (ingest.Open), which is what --temp-dir names; its temp_directory
// itself for a database opened otherwise; "" when it cannot say, and
// SpaceErrorIn then names the system's temporary folder.
func spillDir(db *sql.DB) string {
	var dir string
	db.QueryRow("select current_setting('temp_directory')").Scan(&dir)
	if strings.HasPrefix(filepath.Base(dir), ingest.SpillPrefix) {
		return filepath.Dir(dir)
	}
	return dir
}

func setParams(ctx context.Context, db *sql.DB, c queries.Check, overrides map[string]string) error {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c.Params[k]
		if o, ok := overrides[k]; ok {
			v = o
		}
		if !paramName.MatchString(k) {
			return fmt.Errorf("parameter name %q is not lower-case dotted words", k)
		}
		lit := "'" + strings.ReplaceAll(v, "'", "''") + "'"
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			lit = v
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`set variable "%s" = %s`, k, lit)); err != nil {
			return fmt.Errorf("parameter %s=%s: %w", k, v, err)
		}
	}
	return nil
}

func query(ctx context.Context, db *sql.DB, q string) ([]Finding, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if len(cols) < len(fixedColumns) {
		return nil, fmt.Errorf("check returns %d columns; the first must be %v", len(cols), fixedColumns)
	}
	for i, want := range fixedColumns {
		if cols[i] != want {
			return nil, fmt.Errorf("column %d is %q; the first columns must be %v", i+1, cols[i], fixedColumns)
		}
	}
	out := []Finding{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		f := Finding{
			TenantID:  str(vals[0]),
			Subject:   str(vals[1]),
			Reason:    str(vals[2]),
			FirstSeen: timeOf(vals[3]),
			LastSeen:  timeOf(vals[4]),
			Events:    intOf(vals[5]),
			Details:   map[string]any{},
		}
		for i := len(fixedColumns); i < len(cols); i++ {
			f.Details[cols[i]] = plain(vals[i])
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.TenantID != b.TenantID {
			return a.TenantID < b.TenantID
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if !a.FirstSeen.Equal(b.FirstSeen) {
			return a.FirstSeen.Before(b.FirstSeen)
		}
		return a.Reason < b.Reason
	})
	return out, nil
}

func str(v any) string {
	switch t := plain(v).(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

func timeOf(v any) time.Time {
	if t, ok := v.(time.Time); ok {
		return t.UTC()
	}
	return time.Time{}
}

func intOf(v any) int64 {
	switch t := plain(v).(type) {
	case int64:
		return t
	case float64:
		return int64(t)
	}
	return 0
}

// plain turns a value scanned from DuckDB into a JSON-stable Go value.
func plain(v any) any {
	switch t := v.(type) {
	case nil, string, bool, float64:
		return t
	case []byte:
		return string(t)
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		n, _ := strconv.ParseInt(fmt.Sprint(t), 10, 64)
		return n
	case float32:
		return float64(t)
	case *big.Int:
		return t.Int64()
	case duckdb.Decimal:
		return t.Float64()
	case duckdb.UUID:
		return t.String()
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = plain(t[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = plain(x)
		}
		return out
	case duckdb.Map:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[fmt.Sprint(k)] = plain(x)
		}
		return out
	}
	return fmt.Sprint(v)
}

func (r *Result) metrics(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `
select tenant_id, strftime(created_at, '%Y-%m-%d') as day,
  count(*),
  count(*) filter (where not succeeded),
  count(*) filter (where succeeded and event_type = 'interactive'),
  count(*) filter (where succeeded and event_type = 'interactive' and mfa_satisfied in ('performed', 'claim')),
  count(*) filter (where succeeded and is_legacy_auth)
from signins
where created_at <= getvariable('as_of')
group by all
order by tenant_id, day`)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer rows.Close()
	r.Metrics.Daily = []DayMetric{}
	for rows.Next() {
		var d DayMetric
		if err := rows.Scan(&d.TenantID, &d.Day, &d.SignIns, &d.Failures, &d.InteractiveSuccess,
			&d.InteractiveSuccessMFA, &d.LegacySuccess); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		r.Metrics.Daily = append(r.Metrics.Daily, d)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return r.moreMetrics(ctx, db)
}

// sharedViews are views of the schema that many checks read. Each is computed
// once per analysis into a temporary table of the same name, which DuckDB
// resolves before the view: on 1M sign-ins, identities (a distinct over every
// sign-in) was recomputed by every account check, a third of the analysis
// (issue 5). Order matters: account_classes reads identities. A view whose
// rows are few but look many to DuckDB's estimates is here too, so that the
// checks' joins see its real size (policy_user_exclusions).
var sharedViews = []string{"identities", "account_classes", "policy_user_exclusions"}

func materializeShared(ctx context.Context, db *sql.DB) (func(), error) {
	var made []string
	cleanup := func() {
		for _, v := range made {
			db.ExecContext(context.Background(), "drop table if exists temp.main."+v)
		}
	}
	for _, v := range sharedViews {
		var n int
		if err := db.QueryRowContext(ctx, "select count(*) from duckdb_views() where schema_name = 'main' and view_name = ? and not temporary", v).Scan(&n); err != nil || n == 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf("create or replace temp table %s as select * from main.%s", v, v)); err != nil {
			cleanup()
			return nil, fmt.Errorf("prepare %s: %w", v, err)
		}
		made = append(made, v)
	}
	return cleanup, nil
}
