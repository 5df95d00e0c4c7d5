-- id: register-expired
-- title: Exception register entries past their review or expiry date
-- severity: medium
-- sources: register
-- description: Register lines whose review (or expiration) date is before the
--   as_of date, one finding per line, with how many days overdue. An expired line
--   no longer documents anything: the exclusion checks treat it as absent.
-- risk: Exceptions outlive their reason: the migration ended, the device was
--   replaced, the person left, yet the account still bypasses MFA because nobody
--   was reminded to review it.
-- remediation: Ask the approver named on the line to renew the exception with a
--   new review date, or remove the account from the Conditional Access exclusion
--   and delete the line.
-- false_positives: Registers kept in another time zone or a review that happened
--   but was not written back to the register.
-- references: https://learn.microsoft.com/entra/id-governance/access-reviews-overview
--   https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access
-- status: test
select
  tenant_id,
  coalesce(account_upn, account_object_id, lower(account)) as subject,
  'Register line ' || source_record || ' for ' || account || ' expired on '
    || strftime(review_on, '%Y-%m-%d') || ', '
    || date_diff('day', review_on, cast(getvariable('as_of') as date)) || ' days before as_of.' as reason,
  cast(coalesce(approved_on, review_on) as timestamp) as first_seen,
  cast(review_on as timestamp) as last_seen,
  1 as event_count,
  date_diff('day', review_on, cast(getvariable('as_of') as date)) as days_overdue,
  strftime(review_on, '%Y-%m-%d') as review_on,
  strftime(approved_on, '%Y-%m-%d') as approved_on,
  approved_by,
  exception_type_raw as exception_type,
  policy,
  approved_solution,
  source_record as register_line
from register_entries
where review_on < cast(getvariable('as_of') as date)
order by tenant_id, subject, register_line;
