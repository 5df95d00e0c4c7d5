-- Turns the staged rows of one source into canonical sign-ins: fills the
-- tenant, derives the flags every check relies on, and drops rows already
-- loaded from another file (same tenant, request id and event type).
-- getvariable('fallback_tenant') is the tenant for rows whose data names none;
-- getvariable('finish_source') is the source being finished.
--
-- Speed (issue 5): the wide rows are copied once, straight into signins; the
-- rows not kept are found first, on the keys only (dedup.sql). A window over
-- all staged rows and a staged copy of the kept ones cost 3x DuckDB's read.

insert into signins by name
with steps as (
  select
    source_record,
    bool_or(mfagap_step_mfa(succeeded, method, requirement, result_detail)) as mfa_step,
    bool_or(mfagap_step_claim(method, result_detail)) as claim_step
  from stage_signin_auth_steps
  group by source_record
)
select
  s.* replace (
    mfagap_row_tenant(s.tenant_id) as tenant_id,
    nullif(lower(trim(s.user_principal_name)), '') as user_principal_name,
    nullif(lower(trim(s.user_type)), '') as user_type,
    mfagap_is_legacy(s.client_app_used) as is_legacy_auth,
    mfagap_is_ropc(s.authentication_protocol, s.user_agent) as is_ropc,
    coalesce(s.error_code = 0, false) as succeeded,
    mfagap_requirement(s.authentication_requirement) as authentication_requirement,
    coalesce(s.mfa_satisfied,
      mfagap_mfa_satisfied(st.mfa_step, st.claim_step, s.additional_details,
                           s.authentication_requirement, s.error_code)) as mfa_satisfied,
    mfagap_ca_status(s.conditional_access_status) as conditional_access_status
  )
from stage_signins s
left join steps st using (source_record)
anti join stage_drop d using (source_record);

insert into signin_auth_steps by name
select st.* replace (k.tenant_id as tenant_id, k.request_id as request_id, k.event_type as event_type)
from stage_signin_auth_steps st
join (
  select source_record, tenant_id, request_id, event_type
  from signins
  where source_id = getvariable('finish_source')
) k using (source_record);

insert into signin_ca_policies by name
select cp.* replace (k.tenant_id as tenant_id, k.request_id as request_id, k.event_type as event_type)
from stage_signin_ca_policies cp
join (
  select source_record, tenant_id, request_id, event_type
  from signins
  where source_id = getvariable('finish_source')
) k using (source_record);
