-- id: exclusion-undocumented
-- title: Objects excluded from an MFA or legacy-block policy with no valid register entry
-- severity: high
-- sources: ca_policies
-- description: Users, groups, roles and guest types excluded from an enabled
--   Conditional Access policy that requires MFA (or an authentication strength)
--   or blocks legacy authentication, without a valid register entry: one naming
--   the object (UPN or object id), for that policy (or no policy), and not past
--   its review date. One finding per excluded object. When no register was
--   loaded every such exclusion is reported and register_status says so: an
--   exclusion is undocumented until a register says otherwise. Sentinel only
--   alerts on exclusion changes in AuditLogs; this check reads the policy export.
-- risk: Each exclusion is a standing hole in MFA coverage. Undocumented ones are
--   how attackers keep access (an added exclusion) and how forgotten test or
--   migration accounts stay single-factor for years.
-- remediation: For each object either add a register line with justification,
--   approver, compensating control and review date, or remove the exclusion.
--   Exclude break-glass accounts through one dedicated, documented group.
-- false_positives: Register lines that name a person by display name only (add
--   the UPN or object id); group exclusions documented member by member instead of
--   by the group's id.
-- references: https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups
--   https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/Conditional%20Access%20-%20A%20Conditional%20Access%20usergrouprole%20exclusion%20has%20changed.yaml
-- mitre: T1556.009
-- status: test
with protecting_policy as (
  select tenant_id, policy_id, policy_name, requires_mfa, blocks_legacy
  from ca_policies
  where state = 'enabled'
    and (requires_mfa or blocks_legacy)
),
exclusion as (
  select
    e.tenant_id, e.object_type, e.object_id, coalesce(e.display_name, i.display_name) as display_name,
    p.policy_id, p.policy_name,
    coalesce(e.upn, i.upn) as upn,
    case when p.requires_mfa then 'requires MFA' else 'blocks legacy authentication' end as protection
  from ca_exclusions e
  join protecting_policy p
    on p.policy_id = e.policy_id and p.tenant_id = e.tenant_id
  left join identities i
    on e.object_type = 'user' and i.object_id = e.object_id
   and (i.tenant_id = e.tenant_id or 'unknown' in (i.tenant_id, e.tenant_id))
),
entry as (
  select
    x.tenant_id, x.object_id, x.policy_id, r.source_record,
    (r.review_on is null or r.review_on >= cast(getvariable('as_of') as date)) as current,
    (nullif(trim(r.policy), '') is null
     or lower(trim(r.policy)) = lower(x.policy_id)
     or contains(lower(x.policy_name), lower(trim(r.policy)))) as same_policy
  from exclusion x
  join register_entries r
    on (r.account_object_id = x.object_id or (x.upn is not null and r.account_upn = x.upn))
   and (r.tenant_id = x.tenant_id or 'unknown' in (r.tenant_id, x.tenant_id))
),
judged as (
  select
    x.*,
    case
      when not exists (select 1 from register_entries) then 'no register loaded'
      when bool_or(e.current and e.same_policy) then 'documented'
      when bool_or(e.same_policy) then 'register entry expired'
      when count(e.source_record) > 0 then 'register entry names another policy'
      else 'no register entry'
    end as register_status,
    list_sort(list(e.source_record) filter (where e.source_record is not null)) as register_lines
  from exclusion x
  left join entry e using (tenant_id, object_id, policy_id)
  group by all
),
member as (
  select group_id, min(group_name) as group_name, list_sort(list_distinct(list(coalesce(member_upn, member_id))))[1:20] as members, count(*) as member_count
  from group_members
  group by group_id
)
select
  j.tenant_id,
  case when j.object_type = 'guest' then 'guest:' || j.object_id else coalesce(j.upn, j.object_id) end as subject,
  'The ' || j.object_type || ' ' || coalesce(j.upn, rt.role_name, any_value(j.display_name), any_value(m.group_name), j.object_id) || ' is excluded from '
    || count(*) || ' enabled polic' || case when count(*) = 1 then 'y' else 'ies' end
    || ' (' || array_to_string(mfagap_sorted_set(j.protection), '; ') || ')'
    || ', ' || array_to_string(mfagap_sorted_set(j.register_status), ', ') || '.' as reason,
  cast(getvariable('as_of') as timestamp) as first_seen,
  cast(getvariable('as_of') as timestamp) as last_seen,
  count(*) as event_count,
  j.object_type,
  j.object_id,
  coalesce(rt.role_name, any_value(j.display_name), any_value(m.group_name)) as display_name,
  mfagap_sorted_set(j.policy_name) as policies,
  mfagap_sorted_set(j.register_status) as register_status,
  list_sort(list_distinct(flatten(list(j.register_lines)))) as register_lines,
  coalesce(any_value(m.members), []) as group_members,
  coalesce(any_value(m.member_count), 0) as group_member_count
from judged j
left join role_templates rt on j.object_type = 'role' and rt.template_id = j.object_id
left join member m on j.object_type = 'group' and m.group_id = j.object_id
where j.register_status <> 'documented'
group by j.tenant_id, subject, j.object_type, j.object_id, j.upn, rt.role_name
order by j.tenant_id, subject;
