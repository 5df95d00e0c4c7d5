-- Entra admin center "Download" CSV (InteractiveSignIns, NonInteractiveSignIns,
-- ApplicationSignIns, MSISignIns) → signins, in one pass. The loader names
-- every column of the file by its canonical key (portal_headers.csv maps every
-- known header, in every language we read) in the view csv_read over
-- read_csv; a column the file lacks is the NULL literal. The statements run in
-- this order. csv_read also has each row's __source_id, __event_type and
-- __fallback_tenant: its file's (the variables source_id, event_type and
-- fallback_tenant for one file, looked up by file name in a batch of small
-- files, portalbatch.go); getvariable('source_id') in the last two
-- statements is set by the loader for each file.
--
-- Speed (issue 5): the rows are mapped, derived and written to signins as
-- DuckDB reads them, on every thread. Staging the raw text first and copying
-- the mapped rows into signins afterwards cost a second pass over 1M wide
-- rows: ingest was 1.45x DuckDB's own read_csv, this is about 1.1x.
--
-- A row that is not a sign-in (no date, no request id, an error code that is
-- not a number) goes in too, so that every row keeps its place in the file
-- order that numbers the records: it is marked with the event type
-- 'mfagap:rejected' (no source writes it: the event type comes from the file
-- name), carries its reason in failure_reason and its text in
-- additional_details, and is moved to rejected_rows by the next statements
-- before anything else reads signins.

insert into signins by name
select
  -- Rows that name no tenant are '' here and get the file's tenant in
  -- finishInPlace (the tenant most rows of the file name).
  coalesce(nullif(tenant_t, ''), __fallback_tenant) as tenant_id,
  request_id_t as request_id,
  nullif(correlation_id, '') as correlation_id,
  coalesce(ts, timestamp '0001-01-01') as created_at,
  case when bad is null then __event_type else 'mfagap:rejected' end as event_type,
  nullif(lower(mfagap_trim(user_principal_name)), '') as user_principal_name,
  nullif(user_id, '') as user_id,
  nullif(user_display_name, '') as user_display_name,
  nullif(lower(mfagap_trim(user_type)), '') as user_type,
  nullif(service_principal_id, '') as service_principal_id,
  nullif(service_principal_name, '') as service_principal_name,
  nullif(client_credential_type, '') as client_credential_type,
  nullif(app_display_name, '') as app_display_name,
  nullif(app_id, '') as app_id,
  nullif(resource_display_name, '') as resource_display_name,
  nullif(resource_id, '') as resource_id,
  nullif(client_app_used, '') as client_app_used,
  mfagap_is_legacy(nullif(client_app_used, '')) as is_legacy_auth,
  mfagap_is_ropc(nullif(authentication_protocol, ''), nullif(user_agent, '')) as is_ropc,
  nullif(authentication_protocol, '') as authentication_protocol,
  code as error_code,
  case when bad is null then nullif(failure_reason, '') else bad end as failure_reason,
  case when bad is null then nullif(mfa_result, '') else to_json(raw_row)::varchar end as additional_details,
  coalesce(code = 0, false) as succeeded,
  mfagap_requirement(authentication_requirement) as authentication_requirement,
  -- AuthDetails rows, if any, come later (attachAuthDetails re-derives this).
  mfagap_mfa_satisfied(null, null, nullif(mfa_result, ''), authentication_requirement, code) as mfa_satisfied,
  mfagap_ca_status(conditional_access) as conditional_access_status,
  nullif(ip_address, '') as ip_address,
  nullif(mfagap_trim(country_raw), '') as country,  -- location parts: see below
  nullif(mfagap_trim(city_raw), '') as city,
  nullif(mfagap_trim(state_raw), '') as state,
  nullif(device_id, '') as device_id,
  nullif(operating_system, '') as operating_system,
  nullif(browser, '') as browser,
  case when compliant_t in ('true', 'yes') then true
       when compliant_t in ('false', 'no') then false end as is_compliant,
  case when managed_t in ('true', 'yes') then true
       when managed_t in ('false', 'no') then false end as is_managed,
  nullif(trust_type, '') as trust_type,
  nullif(user_agent, '') as user_agent,
  nullif(cross_tenant_access_type, '') as cross_tenant_access_type,
  nullif(home_tenant_id, '') as home_tenant_id,
  nullif(resource_tenant_id, '') as resource_tenant_id,
  __source_id as source_id,
  0 as source_record  -- numbered from the file order after the insert
-- Each value that is trimmed or split is computed once, in the projections
-- below: mfagap_trim (see schema.sql) names its argument several times, and
-- a macro's argument is evaluated as often as it is named.
from (
  select *,
    coalesce(try_cast(error_code_t as integer),
             case when lower(mfagap_trim(status)) = 'success' then 0 end) as code,
    case
      when ts is not null and nullif(request_id_t, '') is not null
           and (nullif(error_code_t, '') is null or try_cast(error_code_t as integer) is not null)
        then null
      when nullif(mfagap_trim(date), '') is null then 'no sign-in date (Date (UTC) column is empty)'
      when ts is null then 'Date (UTC) "' || date || '" is not an ISO 8601 timestamp'
      when nullif(request_id_t, '') is null then 'no Request ID'
      else 'Sign-in error code "' || error_code || '" is not a number'
    end as bad,
    lower(mfagap_trim(tenant_raw)) as tenant_t,
    -- Location is "City, State, CC": split from the right; parts may be empty.
    list_extract(loc, -1) as country_raw,
    case when len(loc) >= 3 then array_to_string(loc[1:-3], ',')
         when len(loc) = 2 then loc[1] end as city_raw,
    case when len(loc) >= 3 then list_extract(loc, -2) end as state_raw
  from (
    select mfagap_time(date) as ts,
      mfagap_trim(request_id) as request_id_t,
      mfagap_trim(error_code) as error_code_t,
      coalesce(nullif(resource_tenant_id, ''), nullif(home_tenant_id, '')) as tenant_raw,
      string_split(location, ',') as loc,
      lower(mfagap_trim(compliant)) as compliant_t,
      lower(mfagap_trim(managed)) as managed_t,
      *
    from csv_read)
);

select source_record, failure_reason, additional_details
from signins
where source_id = getvariable('source_id') and event_type = 'mfagap:rejected'
order by source_record;

delete from signins
where source_id = getvariable('source_id') and event_type = 'mfagap:rejected';
