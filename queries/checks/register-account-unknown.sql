-- id: register-account-unknown
-- title: Exception register lines naming an account found in no other input
-- severity: low
-- sources: register
-- description: Register entries whose account (UPN, object id or group id) appears in
--   none of the other inputs: not in the sign-ins, the user, MFA registration or role
--   exports, nor excluded by a Conditional Access policy, nor a known group.
-- risk: A line that matches nothing is either a typo (the real exception is then
--   undocumented) or an account that no longer exists (the register is stale). Either
--   way the register cannot be trusted as the list of approved exceptions.
-- remediation: Correct the account name to the account's UPN or object id, or remove
--   the line if the account was deleted. Re-run with the user export to tell the two apart.
-- false_positives: Accounts that exist but neither signed in during the window nor appear
--   in the side inputs given; a user export removes most of these.
-- references: https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
--   https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access
-- status: stable
select
  tenant_id,
  coalesce(account_upn, account_object_id, lower(account)) as subject,
  'Register line ' || source_record || ' names ' || coalesce(account_upn, account_object_id, account)
    || ', which appears in no sign-in, directory or policy input.' as reason,
  cast(coalesce(approved_on, review_on, cast(getvariable('as_of') as date)) as timestamp) as first_seen,
  cast(coalesce(review_on, approved_on, cast(getvariable('as_of') as date)) as timestamp) as last_seen,
  1 as event_count,
  account as account_as_written,
  exception_type_raw as exception_type,
  approved_by,
  strftime(approved_on, '%Y-%m-%d') as approved_on,
  strftime(review_on, '%Y-%m-%d') as review_on,
  source_record as register_line
from register_unmatched
order by tenant_id, subject, source_record;
