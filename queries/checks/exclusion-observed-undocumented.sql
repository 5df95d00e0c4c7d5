-- id: exclusion-observed-undocumented
-- title: Sign-ins that skipped a policy through an undocumented CA exclusion
-- severity: high
-- sources: signins, ca_signin_policies
-- description: User sign-ins where a Conditional Access policy did not apply
--   because one of its exclude rules matched the user (excludeRulesSatisfied
--   users:userId, groupId or roleId), for accounts with no valid register entry
--   (naming the account's UPN or object id, or a group the account is a member
--   of, for that policy or none, and not past its review date). One finding per
--   account. When no register was loaded every such account is reported and
--   register_status says so. No Sentinel rule covers this; the signal is the one
--   FORMATS §3 describes. Needs per-policy results (Graph or portal JSON, Log
--   Analytics), not the portal CSV.
-- risk: The exclusion is not just configured but used: these sign-ins bypassed
--   the policy's MFA or block. An exclusion nobody documented is the classic
--   persistence trick and the classic forgotten test account.
-- remediation: Document the exclusion in the register (justification, approver,
--   compensating control, review date) or remove the account or its group from
--   the policy's exclusions, then review what the sessions listed did.
-- false_positives: Exclusions documented by display name only, or by a group the
--   tool cannot resolve without a group membership export.
-- references: https://learn.microsoft.com/graph/api/resources/conditionalaccessrulesatisfied?view=graph-rest-beta
--   https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-in-log-activity-details
-- mitre: T1556.009
-- status: test
with excluded as (
  select
    s.tenant_id, s.request_id, s.event_type, s.created_at, s.succeeded, s.mfa_satisfied,
    s.app_display_name, s.ip_address, s.country,
    coalesce(s.user_principal_name, s.user_id) as account,
    s.user_principal_name as upn, lower(s.user_id) as object_id,
    p.policy_id, p.policy_name, p.result, p.enforced_grant_controls, p.rules
  from policy_user_exclusions p
  join signins s using (tenant_id, request_id, event_type)
  where s.event_type in ('interactive', 'non_interactive')
    and coalesce(s.user_principal_name, s.user_id) is not null
    and s.created_at <= getvariable('as_of')
),
account_policy as (
  select distinct tenant_id, account, upn, object_id, policy_id, policy_name from excluded
),
entry as (
  select
    a.tenant_id, a.account, a.policy_id, r.source_record,
    (r.review_on is null or r.review_on >= cast(getvariable('as_of') as date)) as current,
    (nullif(trim(r.policy), '') is null
     or lower(trim(r.policy)) = lower(a.policy_id)
     or contains(lower(coalesce(a.policy_name, '')), lower(trim(r.policy)))) as same_policy
  from account_policy a
  join register_entries r
    on (r.account_upn = a.upn
        or r.account_object_id = a.object_id
        or r.account_object_id in (
             select m.group_id from group_members m
             where m.member_upn = a.upn or lower(m.member_id) = a.object_id))
   and (r.tenant_id = a.tenant_id or 'unknown' in (r.tenant_id, a.tenant_id))
),
judged as (
  select
    a.tenant_id, a.account, a.policy_id,
    case
      when not exists (select 1 from register_entries) then 'no register loaded'
      when bool_or(e.current and e.same_policy) then 'documented'
      when bool_or(e.same_policy) then 'register entry expired'
      when count(e.source_record) > 0 then 'register entry names another policy'
      else 'no register entry'
    end as register_status,
    list_sort(list(e.source_record) filter (where e.source_record is not null)) as register_lines
  from account_policy a
  left join entry e using (tenant_id, account, policy_id)
  group by all
),
undocumented as (
  select x.*, j.register_status, j.register_lines
  from excluded x
  join judged j using (tenant_id, account, policy_id)
  where j.register_status <> 'documented'
),
per_signin as (
  select
    tenant_id, account, request_id, event_type,
    any_value(created_at) as created_at, any_value(succeeded) as succeeded,
    any_value(mfa_satisfied) as mfa_satisfied, any_value(app_display_name) as app,
    any_value(ip_address) as ip_address, any_value(country) as country,
    list(policy_name) as policies, flatten(list(rules)) as rules,
    list(register_status) as statuses, flatten(list(register_lines)) as lines
  from undocumented
  group by all
)
select
  tenant_id,
  account as subject,
  account || ' skipped ' || array_to_string(list_sort(list_distinct(flatten(list(policies)))), ', ')
    || ' through an exclusion in ' || count(*) || ' sign-in' || case when count(*) = 1 then '' else 's' end
    || ' (' || array_to_string(list_sort(list_distinct(flatten(list(statuses)))), ', ') || ').' as reason,
  min(created_at) as first_seen,
  max(created_at) as last_seen,
  count(*) as event_count,
  list_sort(list_distinct(flatten(list(policies)))) as policies,
  list_sort(list_distinct(flatten(list(rules)))) as exclude_rules,
  list_sort(list_distinct(flatten(list(statuses)))) as register_status,
  list_sort(list_distinct(flatten(list(lines)))) as register_lines,
  count(*) filter (where succeeded) as successes,
  count(*) filter (where succeeded and mfa_satisfied = 'none') as successes_without_mfa,
  mfagap_sorted_set(event_type) as event_types,
  mfagap_sorted_set(app) as apps,
  mfagap_sorted_set(ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(country) as countries
from per_signin
group by tenant_id, account
order by tenant_id, subject;
