-- id: legacy-auth-success
-- title: Accounts signing in successfully over legacy authentication protocols
-- severity: high
-- sources: signins
-- description: Successful sign-ins whose client app is a legacy protocol (IMAP4,
--   POP3, Authenticated SMTP, Exchange ActiveSync, MAPI, EWS, Other clients…),
--   one finding per account, with the protocols, apps and addresses used.
-- risk: Legacy protocols cannot perform MFA, so a single stolen or sprayed password
--   gives mailbox access. Attackers favour them precisely because Conditional
--   Access MFA does not apply.
-- remediation: Block legacy authentication with a Conditional Access policy
--   (client apps Exchange ActiveSync and Other clients → Block); move the device,
--   scanner or app to modern authentication, or document a time-boxed exception
--   in the register with an approved alternative.
-- false_positives: Multifunction printers and line-of-business apps that still use
--   SMTP AUTH while an approved migration is under way; they belong in the
--   exception register.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/LegacyAuthAttempt.yaml
--   https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/signin_logs/azure_legacy_authentication_protocols.yml
--   https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication
-- mitre: T1078.004
-- status: stable
with legacy_success as (
  select *
  from signins
  where succeeded
    and is_legacy_auth
    and created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id, service_principal_name, 'unknown') as subject,
  coalesce(user_principal_name, user_id, service_principal_name, 'unknown')
    || ' signed in ' || count(*) || ' time' || case when count(*) = 1 then '' else 's' end
    || ' over ' || array_to_string(mfagap_sorted_set(client_app_used), ', ')
    || ' without the possibility of MFA.' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  mfagap_sorted_set(client_app_used) as protocols,
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries,
  mfagap_sorted_set(event_type) as event_types,
  any_value(user_display_name order by created_at desc) as display_name
from legacy_success
group by tenant_id, subject
order by tenant_id, subject;
