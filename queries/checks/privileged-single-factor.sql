-- id: privileged-single-factor
-- title: Administrators signing in interactively without any MFA
-- severity: critical
-- sources: interactive, roles|mfa_registration
-- description: Successful interactive sign-ins with no MFA performed or satisfied
--   by claim, by accounts that hold a directory role (role or administrator
--   export) or that the MFA registration report marks isAdmin, one finding per
--   account with its roles. Non-interactive refreshes ("Previously satisfied")
--   are not counted. Sentinel's PrivilegedSigninsWithoutConditionalAccessSuccess
--   looks at the CA status instead; an admin can pass CA without MFA, so this
--   check looks at the authentication itself.
-- risk: A password alone opened an administrator session. Phished or sprayed
--   admin passwords give tenant-wide control; Microsoft enforces MFA for admin
--   portals for this reason.
-- remediation: Require phishing-resistant MFA for every directory role with a
--   Conditional Access policy (authentication strength), check the account is
--   registered, and move standing roles to PIM eligible assignments.
-- false_positives: Break-glass accounts used in a drill (also reported by
--   breakglass-signin); role exports older than the sign-ins.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/PrivilegedSigninsWithoutConditionalAccessSuccess.yaml
--   https://learn.microsoft.com/entra/identity/conditional-access/policy-admin-phish-resistant-mfa
-- mitre: T1078.004
-- status: test
with admin as (
  select tenant_id, upn, lower(object_id) as object_id, role_name as role
  from role_assignments
  union all
  select tenant_id, upn, lower(object_id), 'isAdmin (MFA registration report)'
  from mfa_registration
  where is_admin
),
single_factor as (
  select s.*, a.role
  from signins s
  join admin a
    on (s.user_principal_name = a.upn or lower(s.user_id) = a.object_id)
   and (s.tenant_id = a.tenant_id or 'unknown' in (s.tenant_id, a.tenant_id))
  where s.event_type = 'interactive'
    and s.succeeded
    and s.mfa_satisfied = 'none'
    and s.created_at <= getvariable('as_of')
),
per_signin as (
  select
    tenant_id, coalesce(user_principal_name, user_id) as account, created_at,
    any_value(app_display_name) as app, any_value(client_app_used) as client_app,
    any_value(ip_address) as ip_address, any_value(country) as country,
    any_value(conditional_access_status) as ca_status, list(distinct role) as roles
  from single_factor
  group by tenant_id, account, created_at, source_id, source_record
)
select
  tenant_id,
  account as subject,
  account || ' (' || array_to_string(list_sort(list_distinct(flatten(list(roles)))), ', ')
    || ') completed ' || count(*) || ' interactive sign-in' || case when count(*) = 1 then '' else 's' end
    || ' without MFA.' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  list_sort(list_distinct(flatten(list(roles)))) as roles,
  mfagap_sorted_set(app) as apps,
  mfagap_sorted_set(client_app) as client_apps,
  mfagap_sorted_set(ca_status) as ca_statuses,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries
from per_signin
group by tenant_id, account
order by tenant_id, subject;
