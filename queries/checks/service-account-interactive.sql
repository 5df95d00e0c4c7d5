-- id: service-account-interactive
-- title: Service accounts signing in interactively or from undocumented addresses
-- severity: high
-- sources: signins
-- description: User sign-ins by accounts classed as service accounts (register
--   type Service Account, or the naming convention svc-, service-, sa-, app-),
--   one finding per account, when the account signed in interactively or from an
--   IP address that its register line does not list. Documented addresses are the
--   IPv4 addresses written anywhere on the account's valid register lines
--   (solution, justification, notes, extra columns); CIDR ranges are not read.
--   Service principals are workload identities, not service accounts, and are
--   never counted.
-- risk: A service account is a user with a password that nobody types: an
--   interactive sign-in means a person (or an attacker who found the password in
--   a script) is using it, usually without MFA and often with broad rights.
-- remediation: Ask the owner who signed in. Replace the account with a managed
--   identity or a service principal with a certificate; until then restrict it
--   with a Conditional Access policy to its documented named location and block
--   interactive use.
-- false_positives: Initial setup or password rotation done by an administrator in
--   a browser; accounts that only match the naming convention.
-- references: https://learn.microsoft.com/entra/architecture/secure-service-accounts
--   https://learn.microsoft.com/entra/identity/conditional-access/workload-identity
-- mitre: T1078.004
-- status: test
with service_account as (
  -- one row per account: the same account can be classed in several tenants
  -- (or 'unknown') and by several signals
  select
    min(upn) as upn, min(object_id) as object_id,
    list_distinct(list(tenant_id)) as tenants,
    mfagap_sorted_set(source) as identified_by
  from account_classes
  where class = 'service'
  group by coalesce(upn, object_id)
),
documented_ip as (
  select
    coalesce(r.account_upn, i.upn) as upn,
    coalesce(r.account_object_id, i.object_id) as object_id,
    list_distinct(flatten(list(regexp_extract_all(
      concat_ws(' ', r.approved_solution, r.justification, r.notes, cast(r.extra as varchar)),
      '(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})')))) as ips,
    min(r.source_record) as register_line
  from register_entries r
  left join identities i on i.upn = r.account_upn or i.object_id = r.account_object_id
  where r.review_on is null or r.review_on >= cast(getvariable('as_of') as date)
  group by all
),
signin as (
  select
    s.*,
    a.identified_by,
    d.ips as documented_ips,
    d.register_line,
    len(coalesce(d.ips, [])) > 0 and not list_contains(d.ips, s.ip_address) as undocumented_ip
  from signins s
  join service_account a
    on (s.user_principal_name = a.upn or lower(s.user_id) = a.object_id)
   and (list_contains(a.tenants, s.tenant_id) or list_contains(a.tenants, 'unknown') or s.tenant_id = 'unknown')
  left join documented_ip d
    on s.user_principal_name = d.upn or lower(s.user_id) = d.object_id
  where s.event_type in ('interactive', 'non_interactive')
    and s.created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id) as subject,
  coalesce(user_principal_name, user_id) || ', a service account, '
    || case when count(*) filter (where event_type = 'interactive') > 0
            then 'signed in interactively ' || count(*) filter (where event_type = 'interactive') || ' time'
                 || case when count(*) filter (where event_type = 'interactive') = 1 then '' else 's' end
            else '' end
    || case when count(*) filter (where event_type = 'interactive') > 0 and count(*) filter (where undocumented_ip) > 0 then ' and ' else '' end
    || case when count(*) filter (where undocumented_ip) > 0
            then 'signed in from ' || count(distinct ip_address) filter (where undocumented_ip)
                 || ' address' || case when count(distinct ip_address) filter (where undocumented_ip) = 1 then '' else 'es' end
                 || ' its register line does not list'
            else '' end
    || '.' as reason,
  min(created_at) filter (where event_type = 'interactive' or undocumented_ip) as first_seen,
  max(created_at) filter (where event_type = 'interactive' or undocumented_ip) as last_seen,
  count(*) filter (where event_type = 'interactive' or undocumented_ip) as event_count,
  any_value(identified_by) as identified_by,
  count(*) filter (where event_type = 'interactive') as interactive_signins,
  count(*) filter (where event_type = 'interactive' and succeeded) as interactive_successes,
  coalesce(list_sort(list_distinct(list(ip_address) filter (where undocumented_ip))), []) as undocumented_ips,
  coalesce(any_value(documented_ips), []) as documented_ips,
  any_value(register_line) as register_line,
  list_sort(list_distinct(list(app_display_name) filter (where event_type = 'interactive' or undocumented_ip))) as apps,
  list_sort(list_distinct(list(client_app_used) filter (where event_type = 'interactive' or undocumented_ip))) as client_apps,
  list_sort(list_distinct(list(country) filter (where event_type = 'interactive' or undocumented_ip))) as countries
from signin
group by tenant_id, subject
having count(*) filter (where event_type = 'interactive' or undocumented_ip) > 0
order by tenant_id, subject;
