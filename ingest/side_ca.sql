-- Conditional Access policies, exclusions and named locations.
-- Sections are picked by the loader (sqlSection); "policies" runs after
-- "graph" or "mes" has filled stage_ca.

-- section: graph
-- Graph identity/conditionalAccess/policies (v1.0, beta; @odata annotations
-- are simply not read) from side_json.
insert into side_rejects
select __source_id, __rec, 'record ' || __rec || ': Conditional Access policy has no id', null
from side_json where nullif(trim(id), '') is null;

create or replace temp table stage_ca as
select
  __source_id, __side_tenant,
  __rec as source_record,
  lower(trim(id)) as policy_id,
  displayName as policy_name,
  state as state_raw,
  side_ts(createdDateTime) as created_at,
  side_ts(modifiedDateTime) as modified_at,
  templateId as template_id,
  side_jlist(conditions -> '$.users.includeUsers') as include_users,
  side_jlist(conditions -> '$.users.excludeUsers') as exclude_users,
  side_jlist(conditions -> '$.users.includeGroups') as include_groups,
  side_jlist(conditions -> '$.users.excludeGroups') as exclude_groups,
  side_jlist(conditions -> '$.users.includeRoles') as include_roles,
  side_jlist(conditions -> '$.users.excludeRoles') as exclude_roles,
  side_list(conditions ->> '$.users.includeGuestsOrExternalUsers.guestOrExternalUserTypes') as include_guests,
  side_list(conditions ->> '$.users.excludeGuestsOrExternalUsers.guestOrExternalUserTypes') as exclude_guests,
  side_jlist(conditions -> '$.applications.includeApplications') as include_applications,
  side_jlist(conditions -> '$.applications.excludeApplications') as exclude_applications,
  side_jlist(conditions -> '$.applications.includeUserActions') as include_user_actions,
  side_jlist(conditions -> '$.clientAppTypes') as client_app_types,
  side_jlist(conditions -> '$.locations.includeLocations') as include_locations,
  side_jlist(conditions -> '$.locations.excludeLocations') as exclude_locations,
  grantControls ->> '$.operator' as grant_operator,
  side_jlist(grantControls -> '$.builtInControls') as built_in_controls,
  grantControls ->> '$.authenticationStrength.id' as authentication_strength_id,
  grantControls ->> '$.authenticationStrength.displayName' as authentication_strength_name
from side_json
where nullif(trim(id), '') is not null;

-- section: mes
-- Microsoft-Extractor-Suite Get-ConditionalAccessPolicies CSV from side_raw:
-- multi-valued cells joined with "; ".
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': Conditional Access policy has no Id', side_raw_text(r)
from side_raw r where nullif(trim(policy_id), '') is null;

create or replace temp table stage_ca as
select
  __source_id, __side_tenant,
  __rec as source_record,
  lower(trim(policy_id)) as policy_id,
  policy_name,
  state as state_raw,
  side_ts(created_at) as created_at,
  side_ts(modified_at) as modified_at,
  null::varchar as template_id,
  side_list(include_users) as include_users,
  side_list(exclude_users) as exclude_users,
  side_list(include_groups) as include_groups,
  side_list(exclude_groups) as exclude_groups,
  side_list(include_roles) as include_roles,
  side_list(exclude_roles) as exclude_roles,
  []::varchar[] as include_guests,
  []::varchar[] as exclude_guests,
  side_list(include_applications) as include_applications,
  side_list(exclude_applications) as exclude_applications,
  side_list(include_user_actions) as include_user_actions,
  side_list(client_app_types) as client_app_types,
  side_list(include_locations) as include_locations,
  side_list(exclude_locations) as exclude_locations,
  nullif(grant_operator, '') as grant_operator,
  side_list(built_in_controls) as built_in_controls,
  nullif(authentication_strength_id, '') as authentication_strength_id,
  nullif(authentication_strength_name, '') as authentication_strength_name
from side_raw
where nullif(trim(policy_id), '') is not null;

-- section: policies
insert into ca_policies by name
select
  s.* exclude (__source_id, __side_tenant, source_record),
  __side_tenant as tenant_id,
  case lower(state_raw)
    when 'enabled' then 'enabled'
    when 'disabled' then 'disabled'
    when 'enabledforreportingbutnotenforced' then 'report-only'
    when 'report-only' then 'report-only'
    else nullif(lower(state_raw), '')
  end as state,
  list_contains(list_transform(built_in_controls, x -> lower(x)), 'mfa')
    or authentication_strength_id is not null or authentication_strength_name is not null as requires_mfa,
  list_contains(list_transform(built_in_controls, x -> lower(x)), 'block')
    and (len(client_app_types) = 0
         or list_has_any(list_transform(client_app_types, x -> lower(x)), ['exchangeactivesync', 'other', 'all'])) as blocks_legacy,
  list_contains(list_transform(include_users, x -> lower(x)), 'all') as targets_all_users,
  __source_id as source_id,
  source_record
from stage_ca s
order by __source_id, source_record;

insert into ca_exclusions by name
select __side_tenant as tenant_id, policy_id, policy_name,
  case when lower(o) = 'guestsorexternalusers' then 'guest' else kind end as object_type,
  coalesce(side_guid(o), o) as object_id,
  __source_id as source_id, source_record
from (
  select *, unnest(exclude_users) as o, 'user' as kind from stage_ca
  union all by name select *, unnest(exclude_groups) as o, 'group' as kind from stage_ca
  union all by name select *, unnest(exclude_roles) as o, 'role' as kind from stage_ca
  union all by name select *, unnest(exclude_guests) as o, 'guest' as kind from stage_ca
)
order by __source_id, source_record, object_type, object_id;

drop table stage_ca;

-- section: exclusions
-- Multi-tenant exclusion export: TenantId, PolicyName, PolicyId,
-- ExcludedUserId, ExcludedUPN, ExcludedDisplayName.
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': no excluded user id or UPN', side_raw_text(r)
from side_raw r where nullif(trim(object_id), '') is null and nullif(trim(upn), '') is null;

insert into ca_exclusions by name
select side_tenant(tenant, __side_tenant) as tenant_id, lower(nullif(trim(policy_id), '')) as policy_id,
  nullif(policy_name, '') as policy_name, 'user' as object_type,
  side_guid(object_id) as object_id, side_upn(upn) as upn, nullif(display_name, '') as display_name,
  __source_id as source_id, __rec as source_record
from side_raw
where (__source_id, __rec) not in (select source_id, rec from side_rejects)
order by __source_id, __rec;

-- section: locations
-- Graph identity/conditionalAccess/namedLocations from side_json.
insert into side_rejects
select __source_id, __rec, 'record ' || __rec || ': named location has neither ipRanges nor countriesAndRegions', null
from side_json where ipRanges is null and countriesAndRegions is null and coalesce("@odata.type", '') not ilike '%namedlocation%';

insert into named_locations by name
select
  __side_tenant as tenant_id,
  lower(nullif(trim(id), '')) as location_id,
  displayName as name,
  case when ipRanges is not null or "@odata.type" ilike '%ipNamedLocation%' then 'ip' else 'country' end as location_type,
  isTrusted as is_trusted,
  coalesce(list_filter(list_transform(from_json(ipRanges, '[{"cidrAddress":"VARCHAR"}]'), x -> x.cidrAddress), x -> x is not null), []) as cidrs,
  coalesce(countriesAndRegions, []) as countries,
  includeUnknownCountriesAndRegions as include_unknown_countries,
  __source_id as source_id,
  __rec as source_record
from side_json
where (__source_id, __rec) not in (select source_id, rec from side_rejects)
order by __source_id, __rec;
