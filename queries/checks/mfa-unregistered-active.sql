-- id: mfa-unregistered-active
-- title: Active users not registered for MFA
-- severity: high
-- sources: signins, mfa_registration
-- description: Accounts with at least one successful user sign-in up to as_of
--   whose row in the MFA registration report says isMfaRegistered false, one
--   finding per account with the methods registered and the sign-in evidence.
--   Accounts absent from the report are not judged.
-- risk: An account in use with no second factor registered cannot satisfy MFA:
--   either policies do not ask it for MFA at all, or the first attacker with the
--   password gets to register their own authenticator.
-- remediation: Have the user register (a Temporary Access Pass makes it safe),
--   require registration with the Authentication methods registration campaign or
--   a Conditional Access registration policy from trusted locations only.
-- false_positives: Service and shared accounts documented in the register (see
--   account_classes in the evidence); users who registered after the report was
--   exported.
-- references: https://learn.microsoft.com/entra/identity/authentication/howto-registration-mfa-sspr-combined
--   https://learn.microsoft.com/graph/api/resources/userregistrationdetails
-- mitre: T1078.004
-- status: test
with unregistered as (
  select tenant_id, lower(object_id) as object_id, upn, is_admin, methods_registered, is_mfa_capable, last_updated
  from mfa_registration
  where is_mfa_registered = false
),
class as (
  select upn, mfagap_sorted_set(class) as classes
  from account_classes
  group by upn
),
active as (
  select s.*, u.is_admin, u.methods_registered, u.is_mfa_capable, u.last_updated, c.classes
  from signins s
  join unregistered u
    on (s.user_principal_name = u.upn or lower(s.user_id) = u.object_id)
   and (s.tenant_id = u.tenant_id or 'unknown' in (s.tenant_id, u.tenant_id))
  left join class c on c.upn = s.user_principal_name
  where s.succeeded
    and s.event_type in ('interactive', 'non_interactive')
    and s.created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id) as subject,
  coalesce(user_principal_name, user_id) || ' signed in successfully ' || count(*) || ' time'
    || case when count(*) = 1 then '' else 's' end || ' but is not registered for MFA.' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  count(*) filter (where event_type = 'interactive') as interactive_successes,
  mfagap_sorted_set(mfa_satisfied) as mfa,
  any_value(is_admin) as is_admin,
  coalesce(any_value(methods_registered), []) as methods_registered,
  strftime(any_value(last_updated), '%Y-%m-%dT%H:%M:%SZ') as registration_report_updated,
  coalesce(any_value(classes), []) as account_classes,
  mfagap_sorted_set(app_display_name) as apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries
from active
group by tenant_id, subject
order by tenant_id, subject;
