package ingest

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
	"time"
)

//go:embed dedup.sql
var dedupSQL string

// finishInPlace finishes the sign-ins of src, which its loader wrote straight
// to signins with every derived column set and an empty tenant_id where the data
// names no tenant: it gives those rows the file's tenant, drops the repeats
// (dedup.sql) and counts what was kept. Auth steps and CA policies are written
// after it, for the sign-ins kept.
func (l *loader) finishInPlace(ctx context.Context, src *source) error {
	t := time.Now()
	mine := fmt.Sprintf("source_id = %d", src.id)
	var untenanted bool
	if err := l.db.QueryRowContext(ctx, "select count(*) > 0 from signins where tenant_id = '' and "+mine).Scan(&untenanted); err != nil {
		return err
	}
	if untenanted {
		tenant, err := l.commonTenant(ctx, "signins", mine)
		if err != nil {
			return err
		}
		if tenant == "" {
			tenant = "unknown"
		}
		if _, err := l.db.ExecContext(ctx, "update signins set tenant_id = ? where tenant_id = '' and "+mine, tenant); err != nil {
			return err
		}
	}
	// The time range is taken before the repeats go: it covers every sign-in read.
	if err := l.sourceSpan(ctx, src, "signins", mine); err != nil {
		return err
	}
	Trace("finish in place: tenant and time range", t)
	if _, err := l.db.ExecContext(ctx, fmt.Sprintf("set variable finish_source = %d", src.id)); err != nil {
		return err
	}
	err := l.findRepeats(ctx, src, "select source_record, tenant_id, request_id, event_type from signins where request_id is not null and "+mine)
	if err != nil {
		return err
	}
	t = time.Now()
	if src.dupes > 0 {
		q := "delete from signins where " + mine + " and source_record in (select source_record from stage_drop)"
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	_, err = l.db.ExecContext(ctx, "drop table stage_drop")
	Trace("finish in place: drop the repeats", t)
	if err != nil {
		return err
	}
	return l.sourceTenant(ctx, src)
}

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

// findRepeats lists in stage_drop the sign-ins of src not to keep (dedup.sql)
// among keys, a query of source_record, tenant_id, request_id and event_type
// over its sign-ins, and counts them in src.dupes.
func (l *loader) findRepeats(ctx context.Context, src *source, keys string) error {
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
	err := l.db.QueryRowContext(ctx, "select count(distinct source_record) from stage_drop").Scan(&src.dupes)
	Trace("finish: repeated sign-ins", t)
	return err
}

// sourceSpan records the time range of src's sign-ins: those of table where
// cond holds.
func (l *loader) sourceSpan(ctx context.Context, src *source, table, cond string) error {
	_, err := l.db.ExecContext(ctx, fmt.Sprintf(`
update sources set
  first_event = (select min(created_at) from %[1]s where %[2]s),
  last_event = (select max(created_at) from %[1]s where %[2]s)
where source_id = $1`, table, cond), src.id)
	return err
}

// sourceTenant records the tenant of src's sign-ins when they have one.
func (l *loader) sourceTenant(ctx context.Context, src *source) error {
	_, err := l.db.ExecContext(ctx, `
update sources set
  tenant_id = (select case when count(distinct tenant_id) = 1 then min(tenant_id) end from signins where source_id = $1)
where source_id = $1`, src.id)
	return err
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
