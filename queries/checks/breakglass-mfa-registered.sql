-- id: breakglass-mfa-registered
-- title: Break-glass accounts tied to a person's MFA method or caught by MFA policy
-- severity: medium
-- sources: mfa_registration|ca_policies
-- description: Break-glass accounts (register type Break-glass, the
--   breakglass.accounts parameter, or the naming convention; identified_by says
--   which) that the MFA registration report shows registered with a method bound
--   to a person or a phone (authenticator app, phone, SMS, software OTP, email),
--   or that an enabled policy requiring MFA targets (all users, or the account
--   itself) without excluding it directly or through a group. Registration is
--   judged only when the registration report is loaded, policies only when a CA
--   export is. FIDO2 keys, passkeys and certificates are not reported: Microsoft
--   recommends them for emergency accounts since MFA became mandatory for admin
--   portals.
-- risk: An emergency account that depends on one person's phone, or on the
--   Conditional Access policy whose failure is the emergency, locks everyone out
--   exactly when it is needed.
-- remediation: Register FIDO2 keys (kept in separate safes) as the only methods
--   of each break-glass account, remove phone and app methods, and exclude the
--   accounts from MFA policies through one documented group.
-- false_positives: Break-glass designs that deliberately use a shared hardware
--   OATH token (reported as software OTP by some exports); accounts matching only
--   the naming convention.
-- references: https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
--   https://learn.microsoft.com/entra/identity/authentication/concept-mandatory-multifactor-authentication
-- params: breakglass.accounts=
-- status: test
with parameter_accounts as (
  select distinct lower(trim(a)) as account
  from (select unnest(string_split(getvariable('breakglass.accounts'), ',')) as a)
  where trim(a) <> ''
),
breakglass as (
  -- one row per account, whatever tenants and signals named it
  select
    coalesce(min(tenant_id) filter (where tenant_id <> 'unknown'), 'unknown') as tenant_id,
    min(upn) as upn, min(object_id) as object_id,
    mfagap_sorted_set(source) as identified_by
  from (
    select tenant_id, upn, object_id, source from account_classes where class = 'break-glass'
    union all
    select coalesce(i.tenant_id, 'unknown'), coalesce(i.upn, p.account), i.object_id, 'parameter'
    from parameter_accounts p
    left join identities i on i.upn = p.account or i.object_id = p.account
  )
  group by coalesce(upn, object_id)
),
person_bound as (
  select
    b.tenant_id, coalesce(b.upn, b.object_id) as account, b.identified_by,
    'registered with ' || array_to_string(list_sort(list_filter(m.methods_registered,
      x -> lower(x) not similar to '.*(fido|passkey|certificate|x509|hello).*')), ', ') as issue
  from breakglass b
  join mfa_registration m
    on (m.upn = b.upn or lower(m.object_id) = b.object_id)
  where len(list_filter(m.methods_registered,
          x -> lower(x) not similar to '.*(fido|passkey|certificate|x509|hello).*')) > 0
),
targeting_policy as (
  select
    b.tenant_id, coalesce(b.upn, b.object_id) as account, b.identified_by,
    'targeted by enabled MFA policy ' || p.policy_name as issue
  from breakglass b
  join ca_policies p
    on p.state = 'enabled'
   and p.requires_mfa
   and (p.targets_all_users or list_contains(p.include_users, b.object_id))
   and (p.tenant_id = b.tenant_id or 'unknown' in (p.tenant_id, b.tenant_id))
  where not list_contains(coalesce(p.exclude_users, []), b.object_id)
    and not exists (
      select 1 from group_members g
      where list_contains(coalesce(p.exclude_groups, []), g.group_id)
        and (g.member_upn = b.upn or lower(g.member_id) = b.object_id))
),
issue as (
  select * from person_bound
  union all
  select * from targeting_policy
)
select
  tenant_id,
  account as subject,
  account || ', a break-glass account (' || array_to_string(any_value(identified_by), ', ') || '), is '
    || array_to_string(mfagap_sorted_set(issue), ' and ') || '.' as reason,
  cast(getvariable('as_of') as timestamp) as first_seen,
  cast(getvariable('as_of') as timestamp) as last_seen,
  count(*) as event_count,
  any_value(identified_by) as identified_by,
  mfagap_sorted_set(issue) as issues
from issue
group by tenant_id, account
order by tenant_id, subject;
