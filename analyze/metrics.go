package analyze

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mfagap/mfagap/ingest"
)

// Queries of the metrics added by issue 7. Each ends with an order by, so
// the findings JSON stays byte-identical for identical inputs.
const (
	tenantMetricsSQL = `
select tenant_id,
  count(*) filter (where succeeded and event_type = 'interactive'),
  count(*) filter (where succeeded and event_type = 'interactive' and mfa_satisfied in ('performed', 'claim')),
  count(*) filter (where succeeded and is_legacy_auth)
from signins
where created_at <= getvariable('as_of')
group by tenant_id
order by tenant_id`

	protocolMetricsSQL = `
select tenant_id, client_app_used, count(*), count(*) filter (where succeeded),
  count(distinct coalesce(user_principal_name, user_id)) filter (where succeeded)
from signins
where is_legacy_auth and created_at <= getvariable('as_of')
group by all
order by tenant_id, count(*) desc, client_app_used`

	// Active users are accounts with a successful user sign-in; the report
	// is matched by UPN or object id, in the sign-in's tenant or 'unknown'.
	registrationMetricsSQL = `
with active as (
  select distinct tenant_id, user_principal_name as upn, lower(user_id) as object_id
  from signins
  where succeeded and event_type in ('interactive', 'non_interactive')
    and coalesce(user_principal_name, user_id) is not null
    and created_at <= getvariable('as_of')
),
judged as (
  select a.tenant_id, a.upn, a.object_id,
    bool_or(m.is_mfa_registered) as registered,
    count(m.source_id) > 0 as in_report
  from active a
  left join mfa_registration m
    on (m.upn = a.upn or lower(m.object_id) = a.object_id)
   and (m.tenant_id = a.tenant_id or 'unknown' in (m.tenant_id, a.tenant_id))
  group by all
)
select tenant_id,
  count(*) filter (where in_report),
  count(*) filter (where in_report and registered),
  count(*) filter (where not in_report)
from judged
group by tenant_id
order by tenant_id`

	classMetricsSQL = `
select tenant_id, class,
  count(distinct coalesce(upn, object_id)),
  count(distinct coalesce(upn, object_id)) filter (where confidence = 'documented')
from account_classes
group by all
order by tenant_id, class`
)

// moreMetrics fills the metrics that sit beside Daily.
func (r *Result) moreMetrics(ctx context.Context, db *sql.DB) error {
	err := scanRows(ctx, db, tenantMetricsSQL, func(rows *sql.Rows) error {
		var m TenantMetric
		if err := rows.Scan(&m.TenantID, &m.InteractiveSuccess, &m.InteractiveSuccessMFA, &m.LegacySuccess); err != nil {
			return err
		}
		m.MFAShare = ratio(m.InteractiveSuccessMFA, m.InteractiveSuccess)
		r.Metrics.Tenants = append(r.Metrics.Tenants, m)
		return nil
	})
	if err != nil {
		return err
	}
	err = scanRows(ctx, db, protocolMetricsSQL, func(rows *sql.Rows) error {
		var m ProtocolMetric
		if err := rows.Scan(&m.TenantID, &m.Protocol, &m.SignIns, &m.Successes, &m.Accounts); err != nil {
			return err
		}
		r.Metrics.LegacyProtocols = append(r.Metrics.LegacyProtocols, m)
		return nil
	})
	if err != nil {
		return err
	}
	if n, err := count(ctx, db, "mfa_registration"); err != nil {
		return err
	} else if n > 0 {
		err = scanRows(ctx, db, registrationMetricsSQL, func(rows *sql.Rows) error {
			var m RegistrationMetric
			if err := rows.Scan(&m.TenantID, &m.ActiveUsers, &m.Registered, &m.NotInReport); err != nil {
				return err
			}
			m.Rate = ratio(m.Registered, m.ActiveUsers)
			r.Metrics.Registration = append(r.Metrics.Registration, m)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return scanRows(ctx, db, classMetricsSQL, func(rows *sql.Rows) error {
		var m ClassMetric
		if err := rows.Scan(&m.TenantID, &m.Class, &m.Accounts, &m.Documented); err != nil {
			return err
		}
		r.Metrics.AccountClasses = append(r.Metrics.AccountClasses, m)
		return nil
	})
}

func scanRows(ctx context.Context, db *sql.DB, q string, each func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// count returns the rows of table, or 0 when the table does not exist.
func count(ctx context.Context, db *sql.DB, table string) (int64, error) {
	if exists, err := ingest.MainTable(ctx, db, table); err != nil || !exists {
		return 0, err
	}
	var n int64
	err := db.QueryRowContext(ctx, "select count(*) from "+table).Scan(&n)
	return n, err
}

// ratio is a / b rounded to four decimals, 0 when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(int64(float64(a)/float64(b)*10000+0.5)) / 10000
}
