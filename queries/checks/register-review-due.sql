-- id: register-review-due
-- title: Exception register entries due for review soon
-- severity: low
-- sources: register
-- description: Register lines whose review (or expiration) date falls on the
--   as_of date or within the next register.review_days days (default 7): the
--   reminder the register owner needs before the line expires.
-- risk: An exception that lapses unreviewed either breaks a business process when
--   someone removes it in a hurry, or quietly stays in place undocumented.
-- remediation: Send the line to its approver now: renew it with a new review date
--   and evidence that the compensating control still works, or plan the removal
--   of the exclusion.
-- false_positives: none known
-- references: https://learn.microsoft.com/entra/id-governance/access-reviews-overview
-- params: register.review_days=7
-- status: test
select
  tenant_id,
  coalesce(account_upn, account_object_id, lower(account)) as subject,
  'Register line ' || source_record || ' for ' || account || ' is due for review on '
    || strftime(review_on, '%Y-%m-%d') || ', in '
    || date_diff('day', cast(getvariable('as_of') as date), review_on) || ' days.' as reason,
  cast(coalesce(approved_on, review_on) as timestamp) as first_seen,
  cast(review_on as timestamp) as last_seen,
  1 as event_count,
  date_diff('day', cast(getvariable('as_of') as date), review_on) as days_left,
  strftime(review_on, '%Y-%m-%d') as review_on,
  approved_by,
  exception_type_raw as exception_type,
  policy,
  approved_solution,
  source_record as register_line
from register_entries
where review_on >= cast(getvariable('as_of') as date)
  and review_on <= cast(getvariable('as_of') as date) + cast(getvariable('register.review_days') as integer)
order by tenant_id, subject, register_line;
