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
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(client_app_used) as client_apps,
  count(*) filter (where is_legacy_auth) as legacy_events,
  mfagap_sorted_set(authentication_requirement) as requirements,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries,
  any_value(user_display_name order by created_at desc) as display_name
from single_factor
group by tenant_id, subject
order by tenant_id, subject;
