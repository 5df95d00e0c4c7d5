package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// signinTables keep the tenant their loader gave them: it is part of the
// duplicate key, and AuthDetails rows take their sign-in's.
var signinTables = map[string]bool{"signins": true, "graph_auth_steps": true}

// adoptTenant gives the rows of side inputs that name no tenant ('unknown':
// a register, a CA export or a user list without a tenant column, outside a
// folder-per-tenant layout and without --tenant) the tenant of the run, when
// every table of the run that names a tenant names the same one. A
// single-tenant report then has no "unknown" tenant; a run over several
// tenants leaves such rows 'unknown', where the checks match them with any
// tenant. MSP register lines that name their tenant by name keep 'unknown'.
// Each source whose rows took the tenant says so in its note.
func (l *loader) adoptTenant(ctx context.Context) error {
	tables, err := tenantTables(ctx, l.db)
	if err != nil {
		return err
	}
	var union string
	for i, t := range tables {
		if i > 0 {
			union += " union "
		}
		union += fmt.Sprintf("select distinct tenant_id from %s where tenant_id <> 'unknown'", ident(t))
	}
	var tenant sql.NullString
	q := "select case when count(*) = 1 then min(tenant_id) end from (" + union + ")"
	if err := l.db.QueryRowContext(ctx, q).Scan(&tenant); err != nil {
		return fmt.Errorf("ingest: tenant of the run: %w", err)
	}
	if !tenant.Valid {
		return nil
	}
	adopted := map[int64]string{} // source id -> its table
	for _, t := range tables {
		if signinTables[t] {
			continue
		}
		cond := "tenant_id = 'unknown'"
		if t == "register_entries" {
			cond += " and tenant_name is null"
		}
		q := fmt.Sprintf("update %s set tenant_id = ? where %s returning source_id", ident(t), cond)
		ids, err := queryColumn[int64](ctx, l.db, q, tenant.String)
		if err != nil {
			return fmt.Errorf("ingest: give %s the tenant of the run: %w", t, err)
		}
		for _, id := range ids {
			adopted[id] = t
		}
	}
	ids := make([]int64, 0, len(adopted))
	for id := range adopted {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		// The file's tenant is set when all its rows now have it (an MSP
		// register naming other tenants by name stays mixed).
		_, err := l.db.ExecContext(ctx, fmt.Sprintf(`
update sources set
  tenant_id = case when tenant_id is null and not exists (
    select 1 from %s x where x.source_id = ? and x.tenant_id <> ?
  ) then ? else tenant_id end,
  note = concat_ws('; ', note, 'no tenant in the file: given the only tenant of this run (' || ? || ')')
where source_id = ?`, ident(adopted[id])), id, tenant.String, tenant.String, tenant.String, id)
		if err != nil {
			return fmt.Errorf("ingest: note the tenant of source %d: %w", id, err)
		}
	}
	return nil
}

// tenantTables lists the canonical tables that carry a tenant_id, sorted.
func tenantTables(ctx context.Context, db *sql.DB) ([]string, error) {
	out, err := queryColumn[string](ctx, db, `
select c.table_name
from information_schema.columns c
join information_schema.tables t using (table_catalog, table_schema, table_name)
where c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
  and c.table_schema = 'main' and c.table_name <> 'sources'
  and c.table_catalog = current_database()
order by 1`)
	if err != nil {
		return nil, fmt.Errorf("ingest: list tables: %w", err)
	}
	return out, nil
}
