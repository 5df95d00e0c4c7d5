-- id: mfa-policy-gap
-- title: Conditional Access leaves MFA gaps (report-only, disabled, uncovered)
-- severity: high
-- sources: ca_policies
-- description: Three gaps in the policy export, each a finding: policies that
--   require MFA or block legacy authentication but are report-only or disabled
--   (subject the policy); enabled MFA policies limited to modern client app types
--   while no enabled policy blocks legacy authentication, so legacy clients pass
--   without MFA (subject the policy); and, when no enabled MFA policy targets all
--   users and sign-ins show no Security Defaults, accounts (from the user export,
--   else from interactive sign-ins) that no enabled MFA policy includes directly,
--   through a group or through a role (subject the account). Exclusions from
--   all-user policies are exclusion-undocumented's job. Sentinel only alerts when
--   a policy is switched to report-only (AuditLogs); this reads the state.
-- risk: A report-only or disabled MFA policy looks like protection in the portal
--   and protects nothing; users outside every MFA policy, and legacy clients that
--   no policy blocks, sign in with a password alone.
-- remediation: Turn report-only policies on once their sign-in impact has been
--   reviewed; delete or re-enable disabled ones; add an all-users MFA baseline (or
--   Security Defaults) and a legacy-authentication block for all users.
-- false_positives: Policies staged in report-only on purpose during a rollout
--   (document the end date); groups or roles whose members the inputs do not list.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/Conditional%20Access%20-%20A%20Conditional%20Access%20policy%20was%20put%20into%20report-only%20mode.yaml
--   https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-mfa-strength
--   https://learn.microsoft.com/entra/identity/conditional-access/policy-block-legacy-authentication
-- status: test
with policy as (
  select *, requires_mfa or blocks_legacy as protects
  from ca_policies
),
tenant as (
  select
    tenant_id,
    bool_or(state = 'enabled' and blocks_legacy) as legacy_blocked,
    bool_or(state = 'enabled' and requires_mfa and targets_all_users) as mfa_for_all
  from policy
  group by tenant_id
),
security_defaults as (
  select count(*) > 0 as seen from signin_ca_policies where policy_id = 'SecurityDefaults'
),
not_enforced as (
  select
    tenant_id, coalesce(policy_name, policy_id) as subject,
    'Policy ' || coalesce(policy_name, policy_id) || ', which '
      || case when requires_mfa then 'requires MFA' else 'blocks legacy authentication' end
      || ', is ' || state || ' and enforces nothing.' as reason,
    'not-enforced' as gap, policy_id, policy_name, state, client_app_types,
    coalesce(modified_at, created_at) as changed_at
  from policy
  where protects and state in ('report-only', 'disabled')
),
legacy_open as (
  select
    p.tenant_id, coalesce(p.policy_name, p.policy_id) as subject,
    'Policy ' || coalesce(p.policy_name, p.policy_id) || ' requires MFA only for '
      || array_to_string(p.client_app_types, ', ')
      || ' clients and no enabled policy blocks legacy authentication.' as reason,
    'legacy-clients-open' as gap, p.policy_id, p.policy_name, p.state, p.client_app_types,
    coalesce(p.modified_at, p.created_at) as changed_at
  from policy p
  join tenant t using (tenant_id)
  where p.state = 'enabled' and p.requires_mfa and not t.legacy_blocked
    and len(coalesce(p.client_app_types, [])) > 0
    and not list_has_any(list_transform(p.client_app_types, x -> lower(x)), ['all', 'exchangeactivesync', 'other'])
),
account as (
  select tenant_id, lower(object_id) as object_id, upn from users
  where coalesce(account_enabled, true) and coalesce(user_type, 'member') = 'member'
  union
  select tenant_id, lower(user_id), user_principal_name from signins
  where event_type = 'interactive' and succeeded and not exists (select 1 from users)
),
covered as (
  select distinct a.tenant_id, a.upn, a.object_id
  from account a
  join policy p
    on p.state = 'enabled' and p.requires_mfa
   and (p.tenant_id = a.tenant_id or 'unknown' in (p.tenant_id, a.tenant_id))
  where list_contains(p.include_users, a.object_id)
     or exists (select 1 from group_members g
                where list_contains(p.include_groups, g.group_id)
                  and (g.member_upn = a.upn or lower(g.member_id) = a.object_id))
     or exists (select 1 from role_assignments r
                where list_contains(p.include_roles, r.role_template_id)
                  and (r.upn = a.upn or lower(r.object_id) = a.object_id))
),
uncovered as (
  select
    a.tenant_id, coalesce(a.upn, a.object_id) as subject,
    coalesce(a.upn, a.object_id) || ' is included in no enabled MFA policy, no policy targets all users and Security Defaults were not seen.' as reason,
    'account-uncovered' as gap, null as policy_id, null as policy_name, null as state,
    null::varchar[] as client_app_types, null::timestamp as changed_at
  from account a
  join tenant t on t.tenant_id = a.tenant_id or 'unknown' in (t.tenant_id, a.tenant_id)
  where not t.mfa_for_all
    and not (select seen from security_defaults)
    and not exists (select 1 from covered c where c.upn is not distinct from a.upn and c.object_id is not distinct from a.object_id)
),
gap as (
  select * from not_enforced
  union all select * from legacy_open
  union all select * from uncovered
)
select
  tenant_id,
  subject,
  reason,
  coalesce(changed_at, cast(getvariable('as_of') as timestamp)) as first_seen,
  cast(getvariable('as_of') as timestamp) as last_seen,
  1 as event_count,
  gap,
  policy_id,
  policy_name,
  state,
  client_app_types
from gap
order by tenant_id, gap, subject;
