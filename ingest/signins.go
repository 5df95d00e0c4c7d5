package ingest

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"
)

//go:embed dedup.sql
var dedupSQL string

// sourceIDs is the ids of srcs separated by commas, for SQL lists.
func sourceIDs(srcs []*source) string {
	ids := make([]string, len(srcs))
	for i, s := range srcs {
		ids[i] = strconv.Itoa(s.id)
	}
	return strings.Join(ids, ", ")
}

// finishInPlace finishes the sign-ins of src, which its loader wrote straight
// to signins with every derived column set and an empty tenant_id where the data
// names no tenant: it gives those rows the file's tenant, drops the repeats
// (dedup.sql) and counts what was kept. Auth steps and CA policies are written
// after it, for the sign-ins kept.
func (l *loader) finishInPlace(ctx context.Context, src *source) error {
	return l.finishSources(ctx, []*source{src})
}

// finishSources is finishInPlace for the files of a batch (batch.go) at
// once, each finished as if loaded alone, in the order of srcs (the order of
// their source ids).
func (l *loader) finishSources(ctx context.Context, srcs []*source) error {
	t := time.Now()
	byID := make(map[int]*source, len(srcs))
	for _, s := range srcs {
		byID[s.id] = s
	}
	ids := sourceIDs(srcs)
	list := "[" + ids + "]::integer[]"
	mine := "source_id in (" + ids + ")"
	// One pass over the files' sign-ins: those with rows that name no
	// tenant, and those none of whose sign-ins has an error code (a Graph
	// $select or a KQL project that left the status out: all read as
	// failures).
	var untenanted []int
	rows, err := l.db.QueryContext(ctx, "select source_id, bool_or(tenant_id = ''), count(error_code) = 0 from signins where "+mine+" group by source_id order by 1")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int
		var noTenant, blind bool
		if err := rows.Scan(&id, &noTenant, &blind); err != nil {
			rows.Close()
			return err
		}
		if noTenant {
			untenanted = append(untenanted, id)
		}
		if blind {
			byID[id].note("%s", noStatusWarning)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range untenanted {
		one := fmt.Sprintf("source_id = %d", id)
		tenant, err := l.commonTenant(ctx, "signins", one)
		if err != nil {
			return err
		}
		if tenant == "" {
			tenant = "unknown"
		}
		if _, err := l.db.ExecContext(ctx, "update signins set tenant_id = ? where tenant_id = '' and "+one, tenant); err != nil {
			return err
		}
	}
	// The time range is taken before the repeats go: it covers every sign-in read.
	if _, err := l.db.ExecContext(ctx, `
update sources set
  first_event = (select min(created_at) from signins s where s.source_id = sources.source_id),
  last_event = (select max(created_at) from signins s where s.source_id = sources.source_id)
where `+mine); err != nil {
		return err
	}
	Trace("finish in place: tenant and time range", t)
	if _, err := l.db.ExecContext(ctx, "set variable finish_sources = "+list); err != nil {
		return err
	}
	err = l.findRepeats(ctx, byID, "select source_id, source_record, tenant_id, request_id, event_type from signins where request_id is not null and "+mine)
	if err != nil {
		return err
	}
	t = time.Now()
	for _, s := range srcs {
		if s.dupes > 0 {
			q := fmt.Sprintf("delete from signins where source_id = %[1]d and source_record in (select source_record from stage_drop where source_id = %[1]d)", s.id)
			if _, err := l.db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	_, err = l.db.ExecContext(ctx, "drop table stage_drop")
	Trace("finish in place: drop the repeats", t)
	if err != nil {
		return err
	}
	// The tenant of each file's sign-ins when they have one.
	_, err = l.db.ExecContext(ctx, `
update sources set
  tenant_id = (select case when count(distinct tenant_id) = 1 then min(tenant_id) end from signins s where s.source_id = sources.source_id)
where `+mine)
	return err
}

// noStatusWarning is the note on a sign-in file none of whose sign-ins has
// an error code.
const noStatusWarning = "warning: no sign-in of this file has a status (error code): whether one succeeded cannot be told, so each counts as failed and the checks of successful sign-ins see none of them. Export it again with the status (Graph: status; Log Analytics: ResultType; portal: Status and Sign-in error code)"

// commonTenant is the tenant most sign-ins of table where cond holds name,
// lower-cased; "" when none names one. Rows without a tenant of their own
// take it: an export comes from one tenant.
func (l *loader) commonTenant(ctx context.Context, table, cond string) (string, error) {
	var t *string
	err := l.db.QueryRowContext(ctx, fmt.Sprintf(`
select lower(tenant_id) from %s where %s and nullif(trim(tenant_id), '') is not null
group by lower(tenant_id) order by count(*) desc, lower(tenant_id) limit 1`, table, cond)).Scan(&t)
	if err == sql.ErrNoRows || t == nil {
		return "", nil
	}
	return *t, err
}

// findRepeats lists in stage_drop the sign-ins not to keep (dedup.sql)
// among keys, a query of source_id, source_record, tenant_id, request_id and
// event_type over the sign-ins of srcs, and counts them in each source's dupes.
func (l *loader) findRepeats(ctx context.Context, srcs map[int]*source, keys string) error {
	t := time.Now()
	if _, err := l.db.ExecContext(ctx, "create or replace temp view finish_keys as "+keys); err != nil {
		return err
	}
	if _, err := l.db.ExecContext(ctx, dedupSQL); err != nil {
		return fmt.Errorf("find repeated sign-ins: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, "drop view finish_keys"); err != nil {
		return err
	}
	rows, err := l.db.QueryContext(ctx, "select source_id, count(distinct source_record) from stage_drop group by source_id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for _, s := range srcs {
		s.dupes = 0
	}
	for rows.Next() {
		var id int
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		if s := srcs[id]; s != nil {
			s.dupes = n
		}
	}
	Trace("finish: repeated sign-ins", t)
	return rows.Err()
}

// splitStatements splits an embedded SQL file at lines ending in ';'.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(sql, "\n") {
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimRight(line, " \t\r\n"), ";") && !strings.HasPrefix(strings.TrimSpace(line), "--") {
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" && !onlyComments(s) {
		out = append(out, s)
	}
	return out
}

func onlyComments(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			return false
		}
	}
	return true
}
