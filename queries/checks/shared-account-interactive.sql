-- id: shared-account-interactive
-- title: Shared mailboxes, room and resource accounts signing in interactively
-- severity: medium
-- sources: interactive
-- description: Successful interactive sign-ins by accounts classed as shared
--   mailboxes, rooms or resources (register type Shared Account or Room Account,
--   or the naming convention shared-, mbx-, mailbox-, room-), one finding per
--   account; identified_by says which signal classed it. Failed attempts are
--   counted in the evidence but alone do not raise a finding.
-- risk: Shared and resource mailboxes are opened through delegation, never by
--   signing in. A working password on one is a credential several people know,
--   outside any MFA registration, that nobody is accountable for.
-- remediation: Block sign-in for the account (accountEnabled false, as Exchange
--   creates shared mailboxes), reset its password, and give the people who need it
--   Full Access or Send As permissions instead.
-- false_positives: Room accounts signed in on a Teams Rooms device (these should
--   be documented in the register with the device's address); accounts that only
--   match the naming convention.
-- references: https://learn.microsoft.com/microsoft-365/admin/email/about-shared-mailboxes
--   https://learn.microsoft.com/entra/architecture/secure-service-accounts
-- mitre: T1078.004
-- status: test
with shared_account as (
  -- one row per account, whatever tenants and signals classed it
  select
    min(upn) as upn, min(object_id) as object_id,
    list_distinct(list(tenant_id)) as tenants,
    mfagap_sorted_set(class) as classes,
    mfagap_sorted_set(source) as identified_by
  from account_classes
  where class in ('shared-mailbox', 'room', 'resource', 'resource-account')
  group by coalesce(upn, object_id)
),
signin as (
  select s.*, a.classes, a.identified_by
  from signins s
  join shared_account a
    on (s.user_principal_name = a.upn or lower(s.user_id) = a.object_id)
   and (list_contains(a.tenants, s.tenant_id) or list_contains(a.tenants, 'unknown') or s.tenant_id = 'unknown')
  where s.event_type = 'interactive'
    and s.created_at <= getvariable('as_of')
)
select
  tenant_id,
  coalesce(user_principal_name, user_id) as subject,
  coalesce(user_principal_name, user_id) || ' (' || array_to_string(any_value(classes), ', ')
    || ') signed in interactively ' || count(*) filter (where succeeded) || ' time'
    || case when count(*) filter (where succeeded) = 1 then '' else 's' end || '.' as reason,
  min(created_at) filter (where succeeded) as first_seen,
  max(created_at) filter (where succeeded) as last_seen,
  count(*) filter (where succeeded) as event_count,
  any_value(classes) as classes,
  any_value(identified_by) as identified_by,
  count(*) filter (where not succeeded) as failed_attempts,
  list_sort(list_distinct(list(mfa_satisfied) filter (where succeeded))) as mfa,
  list_sort(list_distinct(list(app_display_name) filter (where succeeded))) as apps,
  list_sort(list_distinct(list(ip_address) filter (where succeeded)))[1:20] as ip_addresses,
  list_sort(list_distinct(list(country) filter (where succeeded))) as countries
from signin
group by tenant_id, subject
having count(*) filter (where succeeded) > 0
order by tenant_id, subject;
