-- id: register-unused
-- title: Register entries for accounts neither excluded anywhere nor signing in
-- severity: low
-- sources: register, signins
-- description: Register lines whose account (UPN or object id, or a group id) is
--   not excluded from any Conditional Access policy in the CA export, not seen
--   excluded in any sign-in's per-policy results, and not seen signing in at all
--   up to as_of: candidates for removal. ca_export_loaded in the evidence says
--   whether policy exclusions could be checked.
-- risk: Unused lines make the register long and stale, so reviewers stop reading
--   it, and they pre-approve an exclusion that someone could add later without
--   new approval.
-- remediation: Confirm with the approver that the exception is no longer needed
--   and remove the line; if the account itself is unused, disable it.
-- false_positives: Accounts that sign in rarely (yearly jobs) or only outside the
--   loaded period; exclusions made through a group whose members were not loaded.
-- references: https://learn.microsoft.com/entra/id-governance/access-reviews-overview
-- status: test
with entry as (
  select r.*, coalesce(r.account_upn, i.upn) as upn, coalesce(r.account_object_id, i.object_id) as object_id
  from register_entries r
  left join identities i
    on (i.upn = r.account_upn or i.object_id = r.account_object_id)
   and (i.tenant_id = r.tenant_id or 'unknown' in (i.tenant_id, r.tenant_id))
),
unused as (
  select e.*
  from entry e
  where not exists (
      select 1 from ca_exclusions x
      where x.object_id = e.object_id or (x.upn is not null and x.upn = e.upn))
    and not exists (
      select 1 from group_exclusion_members g
      where g.member_upn = e.upn or lower(g.member_id) = e.object_id)
    and not exists (
      select 1 from signins s
      where (s.user_principal_name = e.upn or lower(s.user_id) = e.object_id)
        and s.created_at <= getvariable('as_of'))
)
select
  tenant_id,
  coalesce(upn, object_id, lower(account)) as subject,
  'Register line ' || source_record || ' for ' || account
    || ' matches no Conditional Access exclusion and no sign-in.' as reason,
  cast(coalesce(approved_on, review_on, cast(getvariable('as_of') as date)) as timestamp) as first_seen,
  cast(coalesce(review_on, approved_on, cast(getvariable('as_of') as date)) as timestamp) as last_seen,
  1 as event_count,
  exception_type_raw as exception_type,
  approved_by,
  strftime(review_on, '%Y-%m-%d') as review_on,
  exists (select 1 from ca_policies) as ca_export_loaded,
  source_record as register_line
from unused
order by tenant_id, subject, register_line;
