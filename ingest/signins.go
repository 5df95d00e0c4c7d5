package ingest

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"time"
)

//go:embed finish.sql
var finishSQL string

// stage makes empty staging tables shaped like the canonical ones. A sign-in
// loader fills stage_signins (derived columns may stay null),
// stage_signin_auth_steps and stage_signin_ca_policies, keyed by
// source_record (unique per staged sign-in), then calls finishSignins. A
// loader may replace stage_signins with a view over its raw table.
func (l *loader) stage(ctx context.Context) error {
	for _, t := range []string{"signins", "signin_auth_steps", "signin_ca_policies"} {
		q := fmt.Sprintf("create or replace temp table stage_%s as select * from %s limit 0", t, t)
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("stage %s: %w", t, err)
		}
	}
	return nil
}

// finishSignins moves the staged rows of src into the canonical tables.
func (l *loader) finishSignins(ctx context.Context, src *source) error {
	tenant := src.tenant
	if tenant == "" {
		// Rows without a tenant of their own take the tenant most rows of the
		// same file name (an export comes from one tenant).
		var t *string
		err := l.db.QueryRowContext(ctx, `
select tenant_id from stage_signins
where nullif(trim(tenant_id), '') is not null
group by tenant_id order by count(*) desc, tenant_id limit 1`).Scan(&t)
		if err == nil && t != nil {
			tenant = strings.ToLower(*t)
		}
	}
	vars := fmt.Sprintf("set variable fallback_tenant = %s; set variable finish_source = %d", quote(tenant), src.id)
	if _, err := l.db.ExecContext(ctx, vars); err != nil {
		return err
	}
	for _, stmt := range splitStatements(finishSQL) {
		t := time.Now()
		if _, err := l.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("finish: %s: %w", firstLine(strings.TrimSpace(stmt)), err)
		}
		Trace("finish: "+firstLine(strings.TrimSpace(stmt)), t)
	}
	t := time.Now()
	if err := l.db.QueryRowContext(ctx, "select count(distinct source_record) from stage_drop").Scan(&src.dupes); err != nil {
		return err
	}
	_, err := l.db.ExecContext(ctx, `
update sources set
  tenant_id = (select case when count(distinct tenant_id) = 1 then min(tenant_id) end from signins where source_id = $1),
  first_event = (select min(created_at) from stage_signins),
  last_event = (select max(created_at) from stage_signins)
where source_id = $1`, src.id)
	if err != nil {
		return err
	}
	Trace("finish: duplicates, tenant and time range of the source", t)
	// A loader may stage sign-ins as a view over its raw table (portal CSV).
	var views int
	if err := l.db.QueryRowContext(ctx, "select count(*) from duckdb_views() where view_name = 'stage_signins' and temporary").Scan(&views); err != nil {
		return err
	}
	drop := "drop table if exists stage_signins"
	if views > 0 {
		drop = "drop view stage_signins"
	}
	if _, err := l.db.ExecContext(ctx, drop); err != nil {
		return err
	}
	for _, t := range []string{"stage_drop", "stage_signin_auth_steps", "stage_signin_ca_policies"} {
		if _, err := l.db.ExecContext(ctx, "drop table if exists "+t); err != nil {
			return err
		}
	}
	return nil
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
