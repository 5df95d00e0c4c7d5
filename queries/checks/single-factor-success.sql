-- id: single-factor-success
-- title: Users signing in interactively without any MFA
-- severity: high
-- sources: interactive
-- description: Successful interactive user sign-ins where MFA was neither performed
--   during the sign-in nor satisfied by a claim in the token, one finding per
--   account. Non-interactive token refreshes ("Previously satisfied") are not
--   counted: they ride on an earlier sign-in.
-- risk: A password alone opened a session. Phished, sprayed or reused passwords
--   give an attacker the same access, and nothing records a second factor that an
--   investigator could check.
-- remediation: Require MFA for the account with a Conditional Access policy (or
--   Security Defaults) and make sure it is registered for MFA; if the account must
--   stay single-factor, record the exception, the compensating control and a
--   review date in the exception register.
-- false_positives: Sign-ins from trusted locations exempted by policy, accounts in
--   an approved exception (break-glass), and sources that omit authentication
--   details (the portal CSV without its AuthDetails file reports only the
--   requirement).
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/UserAccounts-NewSingleFactorAuth.yaml
--   https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins
-- mitre: T1078.004
-- status: stable
with single_factor as (
  select *
  from signins
  where event_type = 'interactive'
    and succeeded
    and mfa_satisfied = 'none'
    and coalesce(user_principal_name, user_id) is not null
    and created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id) as subject,
  coalesce(user_principal_name, user_id)
    || ' completed ' || count(*) || ' interactive sign-in' || case when count(*) = 1 then '' else 's' end
    || ' with no MFA performed or satisfied by claim.' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  coalesce(list_sort(list(distinct app_display_name) filter (where app_display_name is not null)), []) as apps,
  coalesce(list_sort(list(distinct client_app_used) filter (where client_app_used is not null)), []) as client_apps,
  count(*) filter (where is_legacy_auth) as legacy_events,
  coalesce(list_sort(list(distinct authentication_requirement) filter (where authentication_requirement is not null)), []) as requirements,
  coalesce(list_sort(list(distinct ip_address) filter (where ip_address is not null)), [])[1:20] as ip_addresses,
  coalesce(list_sort(list(distinct country) filter (where country is not null)), []) as countries,
  any_value(user_display_name order by created_at desc) as display_name
from single_factor
group by tenant_id, subject
order by tenant_id, subject;
