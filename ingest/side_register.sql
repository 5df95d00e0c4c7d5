-- Exception register (account-level and MSP governance layouts) from
-- side_raw. Variables: register_layout (account | msp), rec_label (line | row).

insert into side_rejects
select __source_id, __rec,
  getvariable('rec_label') || ' ' || __rec || ': ' ||
  case
    when nullif(trim(account), '') is null then 'no account (expected a UPN, an object id or a group id)'
    when side_date(approved_on) is null then 'date approved "' || approved_on || '" is not a date (expected e.g. 2025-03-01, 3/1/2025, 01/03/2025 or 1 Mar 2025)'
    else 'review date "' || review_on || '" is not a date (expected e.g. 2025-03-01, 3/1/2025, 01/03/2025 or 1 Mar 2025)'
  end,
  side_raw_text(r)
from side_raw r
where nullif(trim(account), '') is null
   or (nullif(trim(approved_on), '') is not null and side_date(approved_on) is null)
   or (nullif(trim(review_on), '') is not null and side_date(review_on) is null);

create or replace temp macro register_kebab(t) as
  trim(regexp_replace(lower(trim(t)), '[^a-z0-9]+', '-', 'g'), '-');
create or replace temp macro register_type(t) as
  case
    when nullif(trim(t), '') is null then null
    when register_kebab(t) in ('breakglass', 'break-glass', 'break-glass-account', 'emergency', 'emergency-access', 'emergency-access-account') then 'break-glass'
    when register_kebab(t) in ('service', 'service-account', 'svc', 'service-principal') then 'service-account'
    when register_kebab(t) in ('shared', 'shared-account', 'shared-mailbox') then 'shared-account'
    when register_kebab(t) in ('room', 'room-account', 'resource-account', 'room-mailbox') then 'room-account'
    when register_kebab(t) in ('legacy-app', 'legacy-application', 'legacy-apps', 'legacy') then 'legacy-app'
    when register_kebab(t) in ('executive', 'exec', 'vip') then 'executive'
    when register_kebab(t) in ('guest', 'guest-account', 'external') then 'guest'
    else register_kebab(t)
  end;

insert into register_entries by name
with cells as (
  select r.*,
    case when getvariable('register_layout') = 'msp'
      then side_list(account)
      else list_filter(list_transform(regexp_split_to_array(account, '[;\r\n]+'), x -> trim(x)), x -> x <> '')
    end as accounts
  from side_raw r
  where (__source_id, __rec) not in (select source_id, rec from side_rejects)
)
select
  side_tenant(tenant, __side_tenant) as tenant_id,
  case when not side_is_guid(tenant) then nullif(tenant, '') end as tenant_name,
  getvariable('register_layout') as layout,
  a as account,
  side_upn(a) as account_upn,
  side_guid(a) as account_object_id,
  nullif(display_name, '') as display_name,
  register_type(exception_type) as exception_type,
  nullif(exception_type, '') as exception_type_raw,
  nullif(policy, '') as policy,
  nullif(approved_solution, '') as approved_solution,
  nullif(justification, '') as justification,
  nullif(approved_by, '') as approved_by,
  side_date(approved_on) as approved_on,
  nullif(approved_on, '') as approved_on_raw,
  side_date(review_on) as review_on,
  nullif(review_on, '') as review_on_raw,
  nullif(notes, '') as notes,
  cast(nullif(__extra, '') as json) as extra,
  __source_id as source_id,
  __rec as source_record
from cells, unnest(accounts) as u(a)
order by __source_id, __rec;
