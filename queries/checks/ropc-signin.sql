-- id: ropc-signin
-- title: Password-only ROPC sign-ins that look like modern authentication
-- severity: medium
-- sources: signins
-- description: Sign-ins that used the resource-owner password credentials flow
--   (authenticationProtocol ropc, or a BAV2ROPC / AConsumerV2ROPC user agent)
--   while the client app is not a legacy protocol, so legacy-auth checks and
--   legacy-block policies miss them. One finding per account, successes and
--   failures counted apart. Mirrors Microsoft-Analyzer-Suite's ROPC checks;
--   the Sentinel and Sigma legacy-auth rules only look at clientAppUsed.
-- risk: ROPC sends the password straight to the token endpoint and cannot
--   complete an interactive MFA challenge. Attackers use it (BAV2ROPC) to test
--   sprayed passwords and to reach mailboxes where MFA is not enforced for
--   every client.
-- remediation: Find the app behind the flow (app id, user agent). For a
--   script or service, move it to a workload identity with a certificate; for
--   an unknown agent, reset the password, revoke sessions and require MFA for
--   all client apps in Conditional Access.
-- false_positives: Old PowerShell modules and line-of-business scripts that
--   still authenticate with username and password; Exchange hybrid tools.
-- references: https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc
--   https://github.com/LETHAL-FORENSICS/Microsoft-Analyzer-Suite
-- mitre: T1078.004, T1110.003
-- status: test
with ropc as (
  select *
  from signins
  where is_ropc
    and not is_legacy_auth
    and created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id, 'unknown') as subject,
  coalesce(user_principal_name, user_id, 'unknown')
    || ' used the ROPC password flow ' || count(*) || ' time' || case when count(*) = 1 then '' else 's' end
    || ' (' || count(*) filter (where succeeded) || ' succeeded).' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  count(*) filter (where succeeded) as successes,
  count(*) filter (where not succeeded) as failures,
  coalesce(list_sort(list_distinct(list(error_code) filter (where not succeeded))), []) as error_codes,
  mfagap_sorted_set(authentication_protocol) as protocols,
  mfagap_sorted_set(user_agent)[1:10] as user_agents,
  mfagap_sorted_set(client_app_used) as client_apps,
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries
from ropc
group by tenant_id, subject
order by tenant_id, subject;
