-- Entra admin center "Download" CSV (InteractiveSignIns, NonInteractiveSignIns,
-- ApplicationSignIns, MSISignIns) → staging tables. The loader reads the file
-- with read_csv into raw_portal, naming each column by its canonical key
-- (portal_headers.csv maps every known header, in every language we read).

create or replace temp table raw_portal (
  rec bigint, date varchar, request_id varchar, user_agent varchar, correlation_id varchar,
  user_id varchar, user_display_name varchar, user_principal_name varchar, user_type varchar,
  cross_tenant_access_type varchar, authentication_protocol varchar, client_credential_type varchar,
  app_display_name varchar, app_id varchar, resource_display_name varchar, resource_id varchar,
  resource_tenant_id varchar, home_tenant_id varchar, ip_address varchar, location varchar,
  status varchar, error_code varchar, failure_reason varchar, client_app_used varchar,
  device_id varchar, browser varchar, operating_system varchar, compliant varchar, managed varchar,
  trust_type varchar, mfa_result varchar, mfa_method varchar, mfa_detail varchar,
  authentication_requirement varchar, conditional_access varchar, service_principal_id varchar,
  service_principal_name varchar, managed_identity_type varchar,
  created_at timestamp  -- mfagap_time(date), computed during the read
);

-- Rows that are not sign-ins. The test reads three narrow columns; the raw
-- text is fetched for the bad rows only: to_json(r) in the same pass read
-- every column of every row, which at 10M rows meant re-reading the spilled
-- raw table from disk (issue 5).
create or replace temp table raw_portal_rejects as
with bad as (
  select rec,
    case
      when nullif(trim(date), '') is null then 'no sign-in date (Date (UTC) column is empty)'
      when created_at is null then 'Date (UTC) "' || date || '" is not an ISO 8601 timestamp'
      when nullif(trim(request_id), '') is null then 'no Request ID'
      else 'Sign-in error code "' || error_code || '" is not a number'
    end as reason
  from raw_portal
  where created_at is null
     or nullif(trim(request_id), '') is null
     or (nullif(trim(error_code), '') is not null and try_cast(trim(error_code) as integer) is null)
)
select b.rec, b.reason, to_json(r)::varchar as raw
from bad b
join raw_portal r using (rec);

-- A view, not a staged copy: finish.sql reads it twice (narrow keys, then
-- every column once into signins), which costs less than materialising 1M
-- mapped rows (issue 5).
create or replace temp view stage_signins as
select
  coalesce(nullif(resource_tenant_id, ''), nullif(home_tenant_id, '')) as tenant_id,
  trim(request_id) as request_id,
  nullif(correlation_id, '') as correlation_id,
  created_at,
  getvariable('event_type') as event_type,
  nullif(user_principal_name, '') as user_principal_name,
  nullif(user_id, '') as user_id,
  nullif(user_display_name, '') as user_display_name,
  nullif(user_type, '') as user_type,
  nullif(service_principal_id, '') as service_principal_id,
  nullif(service_principal_name, '') as service_principal_name,
  nullif(client_credential_type, '') as client_credential_type,
  nullif(app_display_name, '') as app_display_name,
  nullif(app_id, '') as app_id,
  nullif(resource_display_name, '') as resource_display_name,
  nullif(resource_id, '') as resource_id,
  nullif(client_app_used, '') as client_app_used,
  nullif(authentication_protocol, '') as authentication_protocol,
  coalesce(try_cast(trim(error_code) as integer),
           case when lower(trim(status)) = 'success' then 0 end) as error_code,
  nullif(failure_reason, '') as failure_reason,
  nullif(mfa_result, '') as additional_details,
  authentication_requirement,
  conditional_access as conditional_access_status,
  nullif(ip_address, '') as ip_address,
  -- Location is "City, State, CC": split from the right; parts may be empty.
  nullif(trim(list_extract(string_split(location, ','), -1)), '') as country,
  case when len(string_split(location, ',')) >= 3
       then nullif(trim(array_to_string(string_split(location, ',')[1:-3], ',')), '')
       when len(string_split(location, ',')) = 2
       then nullif(trim(string_split(location, ',')[1]), '') end as city,
  case when len(string_split(location, ',')) >= 3
       then nullif(trim(list_extract(string_split(location, ','), -2)), '') end as state,
  nullif(device_id, '') as device_id,
  nullif(operating_system, '') as operating_system,
  nullif(browser, '') as browser,
  case when lower(trim(compliant)) in ('true', 'yes') then true
       when lower(trim(compliant)) in ('false', 'no') then false end as is_compliant,
  case when lower(trim(managed)) in ('true', 'yes') then true
       when lower(trim(managed)) in ('false', 'no') then false end as is_managed,
  nullif(trust_type, '') as trust_type,
  nullif(user_agent, '') as user_agent,
  nullif(cross_tenant_access_type, '') as cross_tenant_access_type,
  nullif(home_tenant_id, '') as home_tenant_id,
  nullif(resource_tenant_id, '') as resource_tenant_id,
  getvariable('source_id') as source_id,
  rec as source_record,
  -- derived by finish.sql
  null::boolean as is_legacy_auth,
  null::boolean as is_ropc,
  null::boolean as succeeded,
  null::varchar as mfa_satisfied
from raw_portal
anti join raw_portal_rejects using (rec);
