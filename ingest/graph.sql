-- Graph /auditLogs/signIns records (v1.0 and beta; portal JSON download; MES,
-- Goose and Hawk output once keys are camelCase) → staging tables.
-- The loader first creates raw_graph with read_graph(...) and the columns
-- below; other formats that carry Graph-shaped records (diagnostic settings
-- "properties") build raw_graph with the same columns and reuse this file.
-- Extra columns: rec (record number), tenant_hint, event_type_hint.
-- Loaders that rewrite other shapes into Graph records (records.go) add
-- __tenant (tenant named by the envelope), __event_type (event type named by
-- the envelope: diagnostic category, Log Analytics table; it wins over the
-- record's own hints) and __mfa_satisfied (set when the source cannot tell,
-- e.g. 'unknown' for the unified audit log).

create or replace temp macro read_graph(path, fmt, lenient) as table
select * from read_json(path, format = fmt, ignore_errors = lenient, maximum_object_size = 67108864,
  columns = {
    __rec: 'BIGINT', __tenant: 'VARCHAR', __event_type: 'VARCHAR', __mfa_satisfied: 'VARCHAR',
    id: 'VARCHAR', createdDateTime: 'VARCHAR', userDisplayName: 'VARCHAR',
    userPrincipalName: 'VARCHAR', userId: 'VARCHAR', appId: 'VARCHAR', appDisplayName: 'VARCHAR',
    ipAddress: 'VARCHAR', clientAppUsed: 'VARCHAR', userAgent: 'VARCHAR', correlationId: 'VARCHAR',
    conditionalAccessStatus: 'VARCHAR', isInteractive: 'BOOLEAN', clientCredentialType: 'VARCHAR',
    riskLevelDuringSignIn: 'VARCHAR', riskState: 'VARCHAR', resourceDisplayName: 'VARCHAR',
    resourceId: 'VARCHAR', resourceTenantId: 'VARCHAR', homeTenantId: 'VARCHAR',
    authenticationRequirement: 'VARCHAR', servicePrincipalName: 'VARCHAR',
    servicePrincipalId: 'VARCHAR', signInEventTypes: 'VARCHAR[]', userType: 'VARCHAR',
    crossTenantAccessType: 'VARCHAR', authenticationProtocol: 'VARCHAR',
    status: 'STRUCT(errorCode BIGINT, failureReason VARCHAR, additionalDetails VARCHAR)',
    deviceDetail: 'STRUCT(deviceId VARCHAR, displayName VARCHAR, operatingSystem VARCHAR, browser VARCHAR, isCompliant BOOLEAN, isManaged BOOLEAN, trustType VARCHAR)',
    location: 'STRUCT(city VARCHAR, state VARCHAR, countryOrRegion VARCHAR)',
    authenticationDetails: 'JSON', appliedConditionalAccessPolicies: 'JSON'
  });

insert into stage_signins by name
select
  coalesce(nullif(tenant_hint, ''), nullif(__tenant, ''), nullif(resourceTenantId, ''), nullif(homeTenantId, '')) as tenant_id,
  nullif(id, '') as request_id,
  nullif(correlationId, '') as correlation_id,
  mfagap_time(createdDateTime) as created_at,
  case
    when nullif(__event_type, '') is not null then __event_type
    when list_contains(signInEventTypes, 'managedIdentity') then 'managed_identity'
    when list_contains(signInEventTypes, 'servicePrincipal') then 'service_principal'
    when list_contains(signInEventTypes, 'nonInteractiveUser') then 'non_interactive'
    when list_contains(signInEventTypes, 'interactiveUser') then 'interactive'
    when nullif(event_type_hint, '') is not null then event_type_hint
    when isInteractive then 'interactive'
    when nullif(servicePrincipalId, '') is not null and nullif(userPrincipalName, '') is null
      then case when clientCredentialType = 'managedIdentity' then 'managed_identity' else 'service_principal' end
    when isInteractive = false then 'non_interactive'
    else 'interactive'
  end as event_type,
  userPrincipalName as user_principal_name,
  nullif(userId, '') as user_id,
  nullif(userDisplayName, '') as user_display_name,
  userType as user_type,
  nullif(servicePrincipalId, '') as service_principal_id,
  nullif(servicePrincipalName, '') as service_principal_name,
  nullif(clientCredentialType, '') as client_credential_type,
  nullif(appDisplayName, '') as app_display_name,
  nullif(appId, '') as app_id,
  nullif(resourceDisplayName, '') as resource_display_name,
  nullif(resourceId, '') as resource_id,
  nullif(clientAppUsed, '') as client_app_used,
  nullif(authenticationProtocol, '') as authentication_protocol,
  status.errorCode as error_code,
  nullif(status.failureReason, '') as failure_reason,
  nullif(status.additionalDetails, '') as additional_details,
  authenticationRequirement as authentication_requirement,
  conditionalAccessStatus as conditional_access_status,
  nullif(riskLevelDuringSignIn, '') as risk_level_during_signin,
  nullif(riskState, '') as risk_state,
  nullif(ipAddress, '') as ip_address,
  nullif(location.countryOrRegion, '') as country,
  nullif(location.city, '') as city,
  nullif(location.state, '') as state,
  nullif(deviceDetail.deviceId, '') as device_id,
  nullif(deviceDetail.displayName, '') as device_name,
  nullif(deviceDetail.operatingSystem, '') as operating_system,
  nullif(deviceDetail.browser, '') as browser,
  deviceDetail.isCompliant as is_compliant,
  deviceDetail.isManaged as is_managed,
  nullif(deviceDetail.trustType, '') as trust_type,
  nullif(userAgent, '') as user_agent,
  nullif(crossTenantAccessType, '') as cross_tenant_access_type,
  nullif(homeTenantId, '') as home_tenant_id,
  nullif(resourceTenantId, '') as resource_tenant_id,
  nullif(__mfa_satisfied, '') as mfa_satisfied,
  getvariable('source_id') as source_id,
  rec as source_record
from raw_graph
where rec not in (select rec from raw_graph_rejects);

insert into stage_signin_auth_steps by name
select
  rec as source_record,
  step,
  mfagap_time(d.authenticationStepDateTime) as step_at,
  nullif(d.authenticationMethod, '') as method,
  nullif(d.authenticationMethodDetail, '') as method_detail,
  d.succeeded as succeeded,
  nullif(d.authenticationStepResultDetail, '') as result_detail,
  nullif(d.authenticationStepRequirement, '') as requirement,
  getvariable('source_id') as source_id,
  'interactive' as event_type,
  '' as tenant_id
from (
  select rec, unnest(details) as d, generate_subscripts(details, 1) as step
  from (
    select rec, from_json(authenticationDetails,
      '[{"authenticationStepDateTime":"VARCHAR","authenticationMethod":"VARCHAR","authenticationMethodDetail":"VARCHAR","succeeded":"BOOLEAN","authenticationStepResultDetail":"VARCHAR","authenticationStepRequirement":"VARCHAR"}]') as details
    from raw_graph
    where json_type(authenticationDetails) = 'ARRAY'
      and rec not in (select rec from raw_graph_rejects)
  )
);

insert into stage_signin_ca_policies by name
select
  rec as source_record,
  nullif(p.id, '') as policy_id,
  nullif(p.displayName, '') as policy_name,
  nullif(p.result, '') as result,
  p.enforcedGrantControls as enforced_grant_controls,
  p.conditionsSatisfied as conditions_satisfied,
  p.conditionsNotSatisfied as conditions_not_satisfied,
  list_transform(p.includeRulesSatisfied, r -> ca_rule(r)) as include_rules_satisfied,
  list_transform(p.excludeRulesSatisfied, r -> ca_rule(r)) as exclude_rules_satisfied,
  getvariable('source_id') as source_id,
  'interactive' as event_type,
  '' as tenant_id
from (
  select rec, unnest(from_json(appliedConditionalAccessPolicies,
    '[{"id":"VARCHAR","displayName":"VARCHAR","result":"VARCHAR","enforcedGrantControls":["VARCHAR"],"conditionsSatisfied":"VARCHAR","conditionsNotSatisfied":"VARCHAR","includeRulesSatisfied":["JSON"],"excludeRulesSatisfied":["JSON"]}]')) as p
  from raw_graph
  where json_type(appliedConditionalAccessPolicies) = 'ARRAY'
    and rec not in (select rec from raw_graph_rejects)
);
