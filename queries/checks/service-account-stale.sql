-- id: service-account-stale
-- title: Service accounts with no successful sign-in for 90 days
-- severity: medium
-- sources: users|signins
-- description: Accounts classed as service accounts (register or naming
--   convention) whose last successful sign-in is more than service.stale_days
--   (default 90) before as_of. The last sign-in is the newest of the directory's
--   last (successful, interactive or non-interactive) sign-in dates and the
--   successful sign-ins in the logs; last_seen_from says which. An account with
--   neither is reported only when the directory knows it was created before the
--   cut-off, or the logs cover the whole period. Disabled accounts are left out.
--   Follows the intent of Sentinel's DormantPrivilegedIdentities rather than its
--   1-day filter.
-- risk: A forgotten service account keeps its password and its rights, rarely
--   has MFA, and a sign-in from it would look routine: an ideal persistence
--   foothold.
-- remediation: Ask the owner on the register line whether the account is still
--   needed; disable it for a grace period, then delete it and remove its register
--   line and CA exclusions.
-- false_positives: Accounts used only for on-premises authentication (not in
--   cloud sign-in logs); yearly batch jobs.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/DormantPrivilegedIdentities.yaml
--   https://learn.microsoft.com/entra/identity/monitoring-health/howto-manage-inactive-user-accounts
-- params: service.stale_days=90
-- status: test
with service_account as (
  -- one row per account, whatever tenants and signals classed it
  select
    coalesce(min(tenant_id) filter (where tenant_id <> 'unknown'), 'unknown') as tenant_id,
    min(upn) as upn, min(object_id) as object_id,
    mfagap_sorted_set(source) as identified_by
  from account_classes
  where class = 'service'
  group by coalesce(upn, object_id)
),
cutoff as (
  select
    cast(getvariable('as_of') as timestamp) - to_days(cast(getvariable('service.stale_days') as integer)) as at,
    (select min(created_at) from signins) as logs_from
),
directory as (
  select
    a.tenant_id, a.upn, a.object_id,
    max(greatest(u.last_successful_sign_in_at, u.last_sign_in_at, u.last_non_interactive_sign_in_at)) as last_directory,
    min(u.created_at) as created_at,
    bool_and(coalesce(u.account_enabled, true)) as enabled
  from service_account a
  join users u on u.upn = a.upn or lower(u.object_id) = a.object_id
  group by all
),
logs as (
  select a.tenant_id, a.upn, a.object_id, max(s.created_at) as last_logs
  from service_account a
  join signins s on (s.user_principal_name = a.upn or lower(s.user_id) = a.object_id)
  where s.succeeded and s.created_at <= getvariable('as_of')
  group by all
),
judged as (
  select
    a.tenant_id, coalesce(a.upn, a.object_id) as account, a.identified_by,
    d.last_directory, l.last_logs, d.created_at, coalesce(d.enabled, true) as enabled,
    greatest(d.last_directory, l.last_logs) as last_success,
    case
      when l.last_logs is not null and (d.last_directory is null or l.last_logs >= d.last_directory) then 'logs'
      when d.last_directory is not null then 'directory'
    end as last_seen_from
  from service_account a
  left join directory d on d.upn is not distinct from a.upn and d.object_id is not distinct from a.object_id
  left join logs l on l.upn is not distinct from a.upn and l.object_id is not distinct from a.object_id
)
select
  j.tenant_id,
  j.account as subject,
  j.account || ', a service account, '
    || case when j.last_success is null
            then 'has no successful sign-in on record at all.'
            else 'last signed in successfully on ' || strftime(j.last_success, '%Y-%m-%d')
                 || ' (' || j.last_seen_from || '), more than ' || getvariable('service.stale_days') || ' days before as_of.' end as reason,
  coalesce(j.last_success, j.created_at, c.logs_from) as first_seen,
  cast(getvariable('as_of') as timestamp) as last_seen,
  0 as event_count,
  j.identified_by,
  j.last_seen_from,
  strftime(j.last_directory, '%Y-%m-%dT%H:%M:%SZ') as last_sign_in_directory,
  strftime(j.last_logs, '%Y-%m-%dT%H:%M:%SZ') as last_sign_in_logs,
  strftime(j.created_at, '%Y-%m-%dT%H:%M:%SZ') as created_at,
  strftime(c.logs_from, '%Y-%m-%dT%H:%M:%SZ') as logs_cover_from
from judged j, cutoff c
where j.enabled
  and (j.last_success < c.at
       or (j.last_success is null and (j.created_at < c.at or c.logs_from <= c.at)))
order by j.tenant_id, subject;
