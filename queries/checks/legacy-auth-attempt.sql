-- id: legacy-auth-attempt
-- title: Failed or blocked sign-in attempts over legacy authentication protocols
-- severity: medium
-- sources: signins
-- description: Sign-ins over a legacy protocol (IMAP4, POP3, Authenticated SMTP,
--   Exchange ActiveSync, Other clients…) that did not succeed, one finding per
--   account, with the protocols, error codes, addresses and whether Conditional
--   Access blocked them. Successful legacy sign-ins are legacy-auth-success; an
--   account can appear in both. Unlike Sentinel's LegacyAuthAttempt hunting query
--   (ResultType 0 only), this check looks at the failures.
-- risk: Someone is trying a password over a protocol that cannot do MFA: a
--   password spray or guessing against legacy endpoints, or a device or app still
--   configured with the account's password that will break, or start working,
--   when policy changes.
-- remediation: Check the error codes: 50126 (bad password) from unknown addresses
--   points to guessing, so block the addresses and watch for a later success;
--   53003 (blocked by Conditional Access) from a known device means a client
--   still needs moving to modern authentication. Disable the protocol per mailbox
--   (Set-CASMailbox) where it is not needed.
-- false_positives: Old phones and mail clients retrying a changed password;
--   printers and scanners still configured for SMTP AUTH after legacy
--   authentication was blocked.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/LegacyAuthAttempt.yaml
--   https://github.com/SigmaHQ/sigma/blob/master/rules/cloud/azure/signin_logs/azure_legacy_authentication_protocols.yml
--   https://learn.microsoft.com/entra/identity/conditional-access/block-legacy-authentication
-- mitre: T1110, T1078.004
-- status: test
with legacy_failure as (
  select *
  from signins
  where not succeeded
    and is_legacy_auth
    and created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id, service_principal_name, 'unknown') as subject,
  coalesce(user_principal_name, user_id, service_principal_name, 'unknown')
    || ' had ' || count(*) || ' failed sign-in attempt' || case when count(*) = 1 then '' else 's' end
    || ' over ' || array_to_string(mfagap_sorted_set(client_app_used), ', ')
    || ' (error code' || case when count(distinct error_code) = 1 then ' ' else 's ' end
    || array_to_string(mfagap_sorted_set(error_code), ', ')
    || case when count(*) filter (where error_code = 53003) = count(*) then ': blocked by Conditional Access' else '' end
    || ').' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  mfagap_sorted_set(client_app_used) as protocols,
  mfagap_sorted_set(error_code) as error_codes,
  count(*) filter (where error_code = 53003) as blocked_by_ca,      -- 53003: blocked by Conditional Access
  count(*) filter (where error_code = 50126) as wrong_password,     -- 50126: invalid username or password
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  count(distinct ip_address) as ip_count,
  mfagap_sorted_set(country) as countries,
  mfagap_sorted_set(event_type) as event_types
from legacy_failure
group by tenant_id, subject
order by tenant_id, subject;
