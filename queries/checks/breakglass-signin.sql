-- id: breakglass-signin
-- title: Break-glass account sign-ins, successful or not
-- severity: critical
-- sources: signins
-- description: Every user sign-in (interactive or not, success or failure) by a
--   break-glass account, one finding per account. Break-glass accounts come from
--   the exception register (documented), the breakglass.accounts parameter (a
--   comma list of UPNs or object ids) and the naming convention (break-glass,
--   emergency-, bg-; a heuristic); identified_by says which. Like Sentinel's
--   BreakGlassAccountSignIn with its BreakGlassAccounts watchlist, but the
--   register replaces the watchlist.
-- risk: Emergency access accounts hold Global Administrator and are usually
--   excluded from Conditional Access. Any use outside a declared emergency or
--   drill is either misuse or an attacker holding the most powerful credential.
-- remediation: Confirm with the owners of the emergency procedure that the
--   sign-in was a declared emergency or a scheduled drill; otherwise rotate the
--   credential, revoke sessions and investigate from the IP addresses listed.
-- false_positives: Scheduled drills and credential checks; accounts that only
--   match the naming convention but are not emergency accounts.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/BreakGlassAccountSignIn.yaml
--   https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
-- mitre: T1078.004
-- params: breakglass.accounts=
-- status: test
with parameter_accounts as (
  select distinct lower(trim(a)) as account
  from (select unnest(string_split(getvariable('breakglass.accounts'), ',')) as a)
  where trim(a) <> ''
),
breakglass as (
  select tenant_id, upn, object_id, source, detail
  from account_classes
  where class = 'break-glass'
),
signin_match as (
  select s.*, b.source, b.detail
  from signins s
  join breakglass b
    on (s.user_principal_name = b.upn or lower(s.user_id) = b.object_id)
   and (s.tenant_id = b.tenant_id or 'unknown' in (s.tenant_id, b.tenant_id))
  where s.event_type in ('interactive', 'non_interactive')
    and s.created_at <= getvariable('as_of')
  union all
  select s.*, 'parameter' as source, 'breakglass.accounts' as detail
  from signins s
  join parameter_accounts p
    on s.user_principal_name = p.account or lower(s.user_id) = p.account
  where s.event_type in ('interactive', 'non_interactive')
    and s.created_at <= getvariable('as_of')
),
signin as (
  select
    tenant_id, request_id, event_type, created_at,
    any_value(coalesce(user_principal_name, user_id)) as account,
    any_value(succeeded) as succeeded, any_value(error_code) as error_code,
    any_value(app_display_name) as app_display_name, any_value(ip_address) as ip_address,
    any_value(country) as country, any_value(mfa_satisfied) as mfa_satisfied,
    mfagap_sorted_set(source) as identified_by,
    mfagap_sorted_set(detail) as matched
  from signin_match
  group by tenant_id, request_id, event_type, created_at, source_id, source_record
)
select
  tenant_id,
  account as subject,
  account || ', a break-glass account (' || array_to_string(list_sort(list_distinct(flatten(list(identified_by)))), ', ')
    || ') had ' || count(*) filter (where succeeded) || ' successful and '
    || count(*) filter (where not succeeded) || ' failed sign-in' || case when count(*) = 1 then '' else 's' end
    || '.' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  list_sort(list_distinct(flatten(list(identified_by)))) as identified_by,
  list_sort(list_distinct(flatten(list(matched)))) as matched,
  count(*) filter (where succeeded) as successes,
  count(*) filter (where not succeeded) as failures,
  coalesce(list_sort(list_distinct(list(error_code) filter (where not succeeded))), []) as error_codes,
  mfagap_sorted_set(mfa_satisfied) as mfa,
  mfagap_sorted_set(event_type) as event_types,
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries
from signin
group by tenant_id, account
order by tenant_id, subject;
