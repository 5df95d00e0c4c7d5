-- Graph /auditLogs/signIns records (v1.0 and beta; portal JSON download; MES,
-- Goose and Hawk output once keys are camelCase) → signins,
-- graph_auth_steps (read through the view signin_auth_steps) and signin_ca_policies.
-- The loader first creates raw_graph with read_graph(...) and the columns
-- below; other formats that carry Graph-shaped records (diagnostic settings
-- "properties") build raw_graph with the same columns and reuse this file.
-- Extra columns: rec (record number in its file), tenant_hint,
-- event_type_hint, source_id, fallback_tenant (the file's tenant for rows that
-- name none): raw_graph holds the records of one file, or of several small
-- ones loaded together (batch.go).
-- Loaders that rewrite other shapes into Graph records (records.go) add
-- __tenant (tenant named by the envelope), __event_type (event type named by
-- the envelope: diagnostic category, Log Analytics table; it wins over the
-- record's own hints) and __mfa_satisfied (set when the source cannot tell,
-- e.g. 'unknown' for the unified audit log).
-- steps_typed and policies_text are the steps and policy results already
-- typed (stepsType, policiesTextType in graph.go): the diagnostic fast path
-- reads them so and leaves authenticationDetails and
-- appliedConditionalAccessPolicies NULL; every other reader leaves them NULL.
-- policies_ref instead of policies_text numbers the sign-in's policy results
-- in la_policy_cells (the Log Analytics reads).

create or replace temp macro read_graph(path, fmt, lenient, fname) as table
select * from read_json(path, format = fmt, ignore_errors = lenient, maximum_object_size = 67108864, filename = fname,
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

-- The statements after the macro run in order, the loader's own steps
-- between them: raw_graph_rejects (rows that are not sign-ins) is made before
-- the first; finishInPlace (the file's tenant for rows that name none, repeats
-- dropped) runs after it, so the steps and policies go with the sign-ins kept.
--
-- Speed (issue 5): every sign-in is mapped and derived once, straight into
-- signins (its MFA verdict from its authentication steps in the same pass);
-- staging the mapped rows and copying them into signins with the derived
-- columns cost a second pass over 1M wide rows.
--
-- The verdicts of the steps read typed (steps_typed: the diagnostic fast
-- path, the parts of a cut Graph array): the 64 sets of inputs most repeated
-- among the first 100 000 records, each worked out once by mfagap_step_flags,
-- and looked up (step_flag_map) before a step is worked out itself. A
-- tenant's steps are a handful of methods and results repeated in millions
-- of sign-ins; on 1 M diagnostic sign-ins the next statement took 3.63-3.66 s
-- with the lookup (and 0.05 s for the map) against 3.84-3.99 s (issue 5).
set variable step_flag_map = (
  select map_from_entries(list(struct_pack(k := k, v := mfagap_step_flags(k)) order by n desc, k))
  from (select mfagap_step_key(d) as k, count(*) as n
        from (select unnest(steps_typed) as d from raw_graph where steps_typed is not null and rec <= 100000)
        group by k order by n desc, k limit 64));

insert into signins by name
select
  -- '' when the data names no tenant: finishInPlace gives it the file's.
  coalesce(nullif(lower(trim(coalesce(nullif(tenant_hint, ''), nullif(__tenant, ''),
                                      nullif(resourceTenantId, ''), nullif(homeTenantId, '')))), ''),
           fallback_tenant) as tenant_id,
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
  nullif(lower(mfagap_trim(userPrincipalName)), '') as user_principal_name,
  nullif(userId, '') as user_id,
  nullif(userDisplayName, '') as user_display_name,
  nullif(lower(mfagap_trim(userType)), '') as user_type,
  nullif(servicePrincipalId, '') as service_principal_id,
  nullif(servicePrincipalName, '') as service_principal_name,
  nullif(clientCredentialType, '') as client_credential_type,
  nullif(appDisplayName, '') as app_display_name,
  nullif(appId, '') as app_id,
  nullif(resourceDisplayName, '') as resource_display_name,
  nullif(resourceId, '') as resource_id,
  nullif(clientAppUsed, '') as client_app_used,
  mfagap_is_legacy(nullif(clientAppUsed, '')) as is_legacy_auth,
  mfagap_is_ropc(nullif(authenticationProtocol, ''), nullif(userAgent, '')) as is_ropc,
  nullif(authenticationProtocol, '') as authentication_protocol,
  -- Rows beyond 32 bits are rejected (graphUnusable), but DuckDB may cast
  -- before the anti join drops them: try_cast, so none fails the file.
  try_cast(status.errorCode as integer) as error_code,
  nullif(status.failureReason, '') as failure_reason,
  nullif(status.additionalDetails, '') as additional_details,
  coalesce(status.errorCode = 0, false) as succeeded,
  mfagap_requirement(authenticationRequirement) as authentication_requirement,
  coalesce(nullif(__mfa_satisfied, ''),
    mfagap_mfa_satisfied(step_flags & 1 = 1, step_flags & 2 = 2,
      nullif(status.additionalDetails, ''), authenticationRequirement, status.errorCode)) as mfa_satisfied,
  mfagap_ca_status(conditionalAccessStatus) as conditional_access_status,
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
  source_id,
  rec as source_record
from (
  select *,
    list_bit_or(list_transform(list_transform(coalesce(steps_typed, mfagap_auth_steps(authenticationDetails)), d -> mfagap_step_key(d)),
      k -> coalesce(getvariable('step_flag_map')[k], mfagap_step_flags(k)))) as step_flags
  from raw_graph
  anti join raw_graph_rejects using (source_id, rec)
);

-- The sign-ins kept (after finishInPlace), by record: the keys of their steps
-- and policies. Steps and policies join these keys before they are unnested,
-- one row per sign-in rather than per step or policy: the 1 M diagnostic
-- policy statement took 6.0-8.0 s joined after, 4.4-6.1 s so, the steps
-- 2.2-2.6 s and 1.8-2.1 s (interleaved; issue 5). Joined whole, sign-in
-- rows with their steps on both sides of the join, the steps of 10 M Graph
-- sign-ins took 3.9-4.1 GB of memory instead of 3.5, so they are written
-- range by range too, as the policies (see below).
create or replace temp table graph_kept as
select source_id, source_record as rec, tenant_id, request_id, event_type
from signins
where list_contains(getvariable('map_sources'), source_id);

insert into graph_auth_steps by name
select
  k.tenant_id, k.request_id, k.event_type,
  step,
  mfagap_time(d.authenticationStepDateTime) as step_at,
  nullif(d.authenticationMethod, '') as method,
  nullif(d.authenticationMethodDetail, '') as method_detail,
  d.succeeded as succeeded,
  nullif(d.authenticationStepResultDetail, '') as result_detail,
  nullif(d.authenticationStepRequirement, '') as requirement,
  source_id,
  rec as source_record
from (
  select source_id, rec, k.tenant_id, k.request_id, k.event_type,
    unnest(steps) as d, generate_subscripts(steps, 1) as step
  from (select source_id, rec, coalesce(steps_typed, mfagap_auth_steps(authenticationDetails)) as steps
        from raw_graph where rec between getvariable('rec_lo') and getvariable('rec_hi'))
  join (select * from graph_kept where rec between getvariable('rec_lo') and getvariable('rec_hi')) k using (source_id, rec)
) k;

-- Policy results read typed by the loader, with each rule an object
-- (policies_typed: the parts of a cut Graph array): one entry per policy.
-- The statements after handle the rules read as text and the JSON of the
-- other readers; one statement for all, switching per row, took 1.5 times
-- as long (issue 5). All run once per range of records, as said below.
-- Each shape takes two statements: the distinct results as read, each
-- mapped once, into ca_policy_results (those not there yet), keyed by a
-- hash of the result as read; then each sign-in's results, as that key,
-- into signin_ca_policy_refs. On 1 M diagnostic sign-ins (2.8 M results, 15
-- distinct) the two took 1.1 s where mapping and writing every result with
-- its sign-in's keys took 3.1-3.8 s (issue 5).
create or replace temp macro kept_policies(lo, hi) as table
select source_id, rec, policies_typed, policies_text, policies_ref, appliedConditionalAccessPolicies
from raw_graph
semi join (select source_id, rec from graph_kept where rec between lo and hi) k using (source_id, rec)
where rec between lo and hi;

insert into ca_policy_results
select hash(q) as policy_key,
  nullif(q.id, '') as policy_id,
  nullif(q.displayName, '') as policy_name,
  nullif(q.result, '') as result,
  q.enforcedGrantControls as enforced_grant_controls,
  q.conditionsSatisfied as conditions_satisfied,
  q.conditionsNotSatisfied as conditions_not_satisfied,
  list_transform(q.includeRulesSatisfied, r -> ca_rule_obj_typed(r)) as include_rules_satisfied,
  list_transform(q.excludeRulesSatisfied, r -> ca_rule_obj_typed(r)) as exclude_rules_satisfied
from (
  select distinct q from (
    select unnest(policies_typed) as q from kept_policies(getvariable('rec_lo'), getvariable('rec_hi')) where policies_typed is not null))
except select * from ca_policy_results;

insert into signin_ca_policy_refs
select source_id, rec, hash(q)
from (
  select source_id, rec, unnest(policies_typed) as q
  from kept_policies(getvariable('rec_lo'), getvariable('rec_hi')) where policies_typed is not null);

-- Policy results read typed with each rule as text (policies_text: the
-- diagnostic fast path, whose rules are JSON strings): the same, each rule
-- parsed by ca_rule_text. (Parsed once per distinct result, the rules need
-- no longer the lookup map of the 64 most repeated rule texts that parsing
-- each of the 7.4 M rules of 1 M diagnostic sign-ins called for.)
-- A Log Analytics read types each distinct pair of policy cells once, into
-- la_policy_cells (empty for other reads), and gives each sign-in its
-- pair's number (policies_ref) instead of the list: its results are taken
-- from there, and each sign-in's keys are its pair's, hashed once per pair
-- (hash() of a list's entry is the entry's hash, as above). On the 1 M Log
-- Analytics JSON lines (8 distinct lists), the policy statements took
-- 0.39-0.48 s against 1.09-1.25 s unnesting and hashing each sign-in's
-- list (three alternated pairs; issue 5). Both branches skip the rows that
-- lack their column (is not null): from another reader's view, where the
-- column is a NULL constant, DuckDB then plans no scan at all for the
-- branch (the diagnostic NDJSON's refs took 0.08-0.11 s more without).
insert into ca_policy_results
select hash(q) as policy_key,
  nullif(q.id, '') as policy_id,
  nullif(q.displayName, '') as policy_name,
  nullif(q.result, '') as result,
  q.enforcedGrantControls as enforced_grant_controls,
  q.conditionsSatisfied as conditions_satisfied,
  q.conditionsNotSatisfied as conditions_not_satisfied,
  list_transform(q.includeRulesSatisfied, r -> ca_rule_text(r)) as include_rules_satisfied,
  list_transform(q.excludeRulesSatisfied, r -> ca_rule_text(r)) as exclude_rules_satisfied
from (
  select distinct q from (
    select unnest(policies_text) as q from kept_policies(getvariable('rec_lo'), getvariable('rec_hi')) where policies_text is not null
    union all
    select unnest(c.policies_text) from la_policy_cells c
    semi join (select policies_ref from kept_policies(getvariable('rec_lo'), getvariable('rec_hi')) where policies_ref is not null) k
      on k.policies_ref = c.h))
except select * from ca_policy_results;

insert into signin_ca_policy_refs
select source_id, rec, hash(q)
from (
  select source_id, rec, unnest(policies_text) as q
  from kept_policies(getvariable('rec_lo'), getvariable('rec_hi')) where policies_text is not null)
union all
select source_id, rec, unnest(c.keys)
from (select source_id, rec, policies_ref from kept_policies(getvariable('rec_lo'), getvariable('rec_hi')) where policies_ref is not null) k
join (select h, list_transform(policies_text, q -> hash(q)) as keys from la_policy_cells) c on c.h = k.policies_ref;

-- Policy results. Include/exclude rules are objects in Graph exports and JSON
-- strings holding the object in Log Analytics and diagnostic exports. Objects
-- are read with the policies, typed (the fast way, issue 5); for a sign-in
-- where a rule did not read as an object (both members NULL), or every
-- sign-in when the loader found string rules in the source
-- (getvariable('ca_rules_text'), see mapGraph), the policies are read with
-- the rules as text, and each rule is parsed by ca_rule_text. The two lists
-- are unnested side by side: one entry per policy, x.p or x.q (policy_results,
-- its range of records lo..hi).
-- The loader runs these statements once per range of records (rec_lo..rec_hi,
-- policyChunk records each): appending the policies' nested lists holds
-- memory DuckDB does not count against memory_limit until the statement ends
-- (issue 5: 1-1.9 GB above the limit at 10 M sign-ins in one statement, 54
-- MiB at 1 M in ranges of 250,000 against 210-280 MiB in one).
create or replace temp macro policy_results(lo, hi) as table
select source_id, rec, struct_pack(p := p, q := q) as x
from (
  select source_id, rec, unnest(ps) as p, unnest(qs) as q
  from (
    select source_id, rec, ps, case
      when getvariable('ca_rules_text')
        or list_bool_or(list_transform(ps, p -> list_bool_or(list_transform(list_concat(p.includeRulesSatisfied, p.excludeRulesSatisfied),
             r -> r.conditionalAccessCondition is null and r.ruleSatisfied is null))))
      then mfagap_policies_text(j)
      end as qs
    from (
      select source_id, rec,
        appliedConditionalAccessPolicies as j, case when not getvariable('ca_rules_text') then from_json(appliedConditionalAccessPolicies,
        '[{"id":"VARCHAR","displayName":"VARCHAR","result":"VARCHAR","enforcedGrantControls":["VARCHAR"],"conditionsSatisfied":"VARCHAR","conditionsNotSatisfied":"VARCHAR","includeRulesSatisfied":[{"conditionalAccessCondition":"VARCHAR","ruleSatisfied":"VARCHAR"}],"excludeRulesSatisfied":[{"conditionalAccessCondition":"VARCHAR","ruleSatisfied":"VARCHAR"}]}]') end as ps
      from kept_policies(lo, hi)
      where json_type(appliedConditionalAccessPolicies) = 'ARRAY'
    )
  )
);

insert into ca_policy_results
select hash(x) as policy_key,
  nullif(case when x.q is null then x.p.id else x.q.id end, '') as policy_id,
  nullif(case when x.q is null then x.p.displayName else x.q.displayName end, '') as policy_name,
  nullif(case when x.q is null then x.p.result else x.q.result end, '') as result,
  case when x.q is null then x.p.enforcedGrantControls else x.q.enforcedGrantControls end as enforced_grant_controls,
  case when x.q is null then x.p.conditionsSatisfied else x.q.conditionsSatisfied end as conditions_satisfied,
  case when x.q is null then x.p.conditionsNotSatisfied else x.q.conditionsNotSatisfied end as conditions_not_satisfied,
  case when x.q is null then list_transform(x.p.includeRulesSatisfied, r -> ca_rule_obj_typed(r))
       else list_transform(x.q.includeRulesSatisfied, r -> ca_rule_text(r)) end as include_rules_satisfied,
  case when x.q is null then list_transform(x.p.excludeRulesSatisfied, r -> ca_rule_obj_typed(r))
       else list_transform(x.q.excludeRulesSatisfied, r -> ca_rule_text(r)) end as exclude_rules_satisfied
from (select distinct x from policy_results(getvariable('rec_lo'), getvariable('rec_hi')))
except select * from ca_policy_results;

insert into signin_ca_policy_refs
select source_id, rec, hash(x) from policy_results(getvariable('rec_lo'), getvariable('rec_hi'));

select * from ca_policy_keys_unique();

drop table graph_kept;
