-- id: risky-single-factor
-- title: Risky sign-ins that succeeded without MFA
-- severity: critical
-- sources: signins
-- description: Successful user sign-ins (interactive or not) whose risk level
--   during sign-in is one of risk.levels (default medium and high) and where MFA
--   was neither performed nor satisfied by a claim in the token, one finding per
--   account. Refresh tokens "Previously satisfied" count as a claim and are left
--   out. Risk "hidden" (no Entra ID P2) cannot be judged and is ignored.
-- risk: Identity Protection judged the sign-in likely to be an attacker
--   (unfamiliar properties, anonymous IP, leaked credentials, password spray) and
--   nothing stopped it: no MFA challenge, no block. This is the pattern of a
--   compromised account.
-- remediation: Treat as a possible compromise: confirm with the user, revoke
--   sessions, reset the password, review mailbox rules and consents. Then require
--   MFA for medium and high sign-in risk with a risk-based Conditional Access
--   policy.
-- false_positives: Users on new devices or travelling, VPN or Tor use by the
--   user themselves; risk remediated later as a false positive (see risk_states).
-- references: https://learn.microsoft.com/entra/id-protection/howto-identity-protection-configure-risk-policies
--   https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/UserAccounts-NewSingleFactorAuth.yaml
-- mitre: T1078.004
-- params: risk.levels=medium,high
-- status: test
with risky_single_factor as (
  select *
  from signins
  where succeeded
    and event_type in ('interactive', 'non_interactive')
    and mfa_satisfied = 'none'
    and list_contains(
          list_transform(string_split(getvariable('risk.levels'), ','), x -> lower(trim(x))),
          lower(risk_level_during_signin))
    and created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id, 'unknown') as subject,
  coalesce(user_principal_name, user_id, 'unknown')
    || ' signed in ' || count(*) || ' time' || case when count(*) = 1 then '' else 's' end
    || ' at ' || array_to_string(list_sort(list_distinct(list(lower(risk_level_during_signin)))), ' and ')
    || ' sign-in risk without MFA.' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  list_sort(list_distinct(list(lower(risk_level_during_signin)))) as risk_levels,
  mfagap_sorted_set(risk_state) as risk_states,
  mfagap_sorted_set(event_type) as event_types,
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(client_app_used) as client_apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries,
  mfagap_sorted_set(conditional_access_status) as ca_statuses
from risky_single_factor
group by tenant_id, subject
order by tenant_id, subject;
