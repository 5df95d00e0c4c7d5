-- id: register-incomplete
-- title: Exception register entries missing justification, approver or dates
-- severity: low
-- sources: register
-- description: Register lines with no justification, no approver, no approval
--   date or no review date (a date that could not be read counts as missing; the
--   text as written is kept in the evidence). One finding per line naming the
--   missing fields.
-- risk: An exception nobody approved, nobody can explain, or nobody will review
--   is not a documented exception; auditors and incident responders cannot tell
--   a deliberate gap from an oversight.
-- remediation: Complete the line: who approved it, when, why, and when it must be
--   reviewed again. Lines nobody will own should be removed with their exclusion.
-- false_positives: Registers that keep the approval in another column the tool
--   does not know (see the extra columns of the line).
-- references: https://learn.microsoft.com/entra/identity/conditional-access/plan-conditional-access
--   https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
-- status: test
with gaps as (
  select
    *,
    list_filter([
      case when nullif(trim(justification), '') is null then 'justification' end,
      case when nullif(trim(approved_by), '') is null then 'approver' end,
      case when approved_on is null then 'approval date' end,
      case when review_on is null then 'review date' end
    ], x -> x is not null) as missing
  from register_entries
)
select
  tenant_id,
  coalesce(account_upn, account_object_id, lower(account)) as subject,
  'Register line ' || source_record || ' for ' || account || ' has no '
    || case when len(missing) = 1 then missing[1]
            else array_to_string(missing[1:-2], ', ') || ' or ' || missing[-1] end || '.' as reason,
  cast(coalesce(approved_on, review_on, cast(getvariable('as_of') as date)) as timestamp) as first_seen,
  cast(coalesce(review_on, approved_on, cast(getvariable('as_of') as date)) as timestamp) as last_seen,
  1 as event_count,
  missing,
  approved_on_raw as approved_on_as_written,
  review_on_raw as review_on_as_written,
  approved_by,
  exception_type_raw as exception_type,
  source_record as register_line
from gaps
where len(missing) > 0
order by tenant_id, subject, register_line;
