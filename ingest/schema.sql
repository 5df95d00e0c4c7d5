-- Canonical tables. Every input format lands here; checks query only these.
-- Documented column by column in docs/schema.md.

create table if not exists sources (
  source_id      integer primary key,
  path           varchar not null,   -- as given on the command line (inside a zip: archive.zip!/inner/path)
  sha256         varchar not null,
  format         varchar not null,   -- detected format id, e.g. graph-json, portal-csv
  kind           varchar not null,   -- signins, ca_policies, users, mfa_registration, register, ...
  tenant_id      varchar,            -- tenant of the file when one tenant; null when mixed or unknown
  rows_read      bigint not null default 0,
  rows_loaded    bigint not null default 0,
  rows_rejected  bigint not null default 0,
  rows_duplicate bigint not null default 0,
  rows_ignored   bigint not null default 0,  -- valid records that are not sign-ins (see below)
  first_event    timestamp,
  last_event     timestamp,
  note           varchar
);
-- Valid records that are not sign-ins (other unified audit log operations,
-- other diagnostic categories): rows_read = rows_loaded + rows_rejected +
-- rows_duplicate + rows_ignored. Databases made before the column existed get it here.
alter table sources add column if not exists rows_ignored bigint default 0;

create table if not exists rejected_rows (
  source_id     integer not null,
  source_record bigint,              -- 1-based line (text formats) or record number (JSON)
  reason        varchar not null,
  raw           varchar              -- at most 4 KiB of the offending text
);

create table if not exists signins (
  tenant_id                  varchar not null,
  request_id                 varchar,
  correlation_id             varchar,
  created_at                 timestamp not null,   -- UTC
  event_type                 varchar not null,     -- interactive | non_interactive | service_principal | managed_identity
  user_principal_name        varchar,              -- lower-case
  user_id                    varchar,
  user_display_name          varchar,
  user_type                  varchar,              -- member | guest (lower-case)
  service_principal_id       varchar,
  service_principal_name     varchar,
  client_credential_type     varchar,
  app_display_name           varchar,
  app_id                     varchar,
  resource_display_name      varchar,
  resource_id                varchar,
  client_app_used            varchar,              -- as written by the source
  is_legacy_auth             boolean not null,
  is_ropc                    boolean not null,
  authentication_protocol    varchar,
  error_code                 integer,
  failure_reason             varchar,
  additional_details         varchar,
  succeeded                  boolean not null,
  authentication_requirement varchar,              -- single_factor | multi_factor | null
  mfa_satisfied              varchar not null,     -- performed | claim | none | unknown
  conditional_access_status  varchar,              -- success | failure | not_applied | unknown
  risk_level_during_signin   varchar,
  risk_state                 varchar,
  ip_address                 varchar,
  country                    varchar,
  city                       varchar,
  state                      varchar,
  device_id                  varchar,
  device_name                varchar,
  operating_system           varchar,
  browser                    varchar,
  is_compliant               boolean,
  is_managed                 boolean,
  trust_type                 varchar,
  user_agent                 varchar,
  cross_tenant_access_type   varchar,
  home_tenant_id             varchar,
  resource_tenant_id         varchar,
  source_id                  integer not null,
  source_record              bigint not null
);

create table if not exists signin_auth_steps (
  tenant_id      varchar not null,
  request_id     varchar,
  event_type     varchar not null,
  step           integer not null,   -- 1-based position within the sign-in
  step_at        timestamp,
  method         varchar,
  method_detail  varchar,
  succeeded      boolean,
  result_detail  varchar,
  requirement    varchar,
  source_id      integer not null,
  source_record  bigint not null
);

create table if not exists signin_ca_policies (
  tenant_id                varchar not null,
  request_id               varchar,
  event_type               varchar not null,
  policy_id                varchar,
  policy_name              varchar,
  result                   varchar,   -- success, failure, notApplied, notEnabled, reportOnly*, ...
  enforced_grant_controls  varchar[],
  conditions_satisfied     varchar,
  conditions_not_satisfied varchar,
  include_rules_satisfied  varchar[], -- 'condition:rule', e.g. 'users:allUsers'
  exclude_rules_satisfied  varchar[], -- 'condition:rule', e.g. 'users:groupId'
  source_id                integer not null,
  source_record            bigint not null
);

-- Derivations shared by every format (and usable by checks).

-- Legacy authentication clients: FORMATS.md §9.3 (Sentinel LegacyAuthAttempt
-- list plus the Entra docs), case-insensitive, with the older
-- "Other clients; IMAP"-style prefixed values.
create or replace macro mfagap_is_legacy(client) as coalesce(
  lower(trim(client)) in (
    'authenticated smtp', 'autodiscover', 'exchange activesync', 'exchange online powershell',
    'exchange web services', 'imap4', 'imap', 'mapi over http', 'offline address book',
    'outlook anywhere (rpc over http)', 'outlook service', 'pop3', 'pop', 'reporting web services',
    'universal outlook', 'other clients', 'smtp')
  or lower(trim(client)) like 'other clients;%', false);

-- Resource-owner password credential flows: protocol ropc or the BAV2ROPC /
-- AConsumerV2ROPC user agents (Microsoft-Analyzer-Suite LETHAL-004/005).
create or replace macro mfagap_is_ropc(protocol, agent) as
  coalesce(lower(protocol) = 'ropc', false) or coalesce(agent ilike '%v2ropc%', false);

-- Authentication requirement in any source's spelling → single_factor | multi_factor.
create or replace macro mfagap_requirement(r) as
  case
    when r is null or trim(r) = '' then null
    when lower(r) like 'multi%' or lower(r) like 'mfa%' then 'multi_factor'
    when lower(r) like 'single%' then 'single_factor'
    else null
  end;

-- Aggregate Conditional Access status: text or the 0/1/2/3 codes of LA/XDR.
create or replace macro mfagap_ca_status(s) as
  case when s is null then null else
  case lower(replace(trim(s), ' ', ''))
    when 'success' then 'success' when '0' then 'success'
    when 'failure' then 'failure' when '1' then 'failure'
    when 'notapplied' then 'not_applied' when '2' then 'not_applied'
    when '' then null
    else 'unknown'
  end end;

-- A step (or an additional-details text) that shows MFA performed now.
create or replace macro mfagap_mfa_performed_text(t) as
  coalesce(t ilike 'MFA successfully completed%' or t ilike 'MFA completed in Azure AD%'
           or t ilike 'MFA completed%', false);

-- A text that shows MFA satisfied by a claim in the token (an earlier MFA).
create or replace macro mfagap_mfa_claim_text(t) as
  coalesce(t ilike '%MFA requirement satisfied by claim%' or t ilike '%satisfied by claim provided by external provider%', false);

-- A second-factor method name (authenticationDetails[].authenticationMethod).
create or replace macro mfagap_mfa_method(m) as
  coalesce(lower(m) similar to '.*(mobile app|authenticator|text message|sms|phone call|voice|oath|verification code|fido|hello for business|passkey|temporary access pass|hardware token|software token).*', false);

-- One CA include/exclude rule, as an object or (LA, diagnostic) a JSON string
-- holding the object → 'condition:rule', e.g. 'users:groupId'.
create or replace macro ca_rule_obj(j) as
  coalesce(j ->> '$.conditionalAccessCondition', '') || ':' || coalesce(j ->> '$.ruleSatisfied', '');
create or replace macro ca_rule(r) as
  case when json_type(r) = 'VARCHAR' then ca_rule_obj(try_cast(r ->> '$' as json)) else ca_rule_obj(r) end;

-- Timestamps: ISO 8601 with Z or an offset (7-digit fractions truncated to
-- microseconds), or PowerShell 5.1's "/Date(ms)/" → UTC timestamp.
create or replace macro mfagap_time(t) as
  coalesce(
    cast(try_cast(trim(t) as timestamptz) as timestamp),
    case when t like '%/Date(%' then cast(epoch_ms(try_cast(regexp_extract(t, '/Date\((-?\d+)', 1) as bigint)) as timestamp) end);

-- One authentication step that shows a second factor performed now.
create or replace macro mfagap_step_mfa(succeeded, method, requirement, result_detail) as
  coalesce(succeeded, false)
  and lower(coalesce(method, '')) <> 'previously satisfied'
  and (mfagap_mfa_performed_text(result_detail)
       or lower(coalesce(requirement, '')) similar to '(multi.*|mfa.*|secondary.*)'
       or mfagap_mfa_method(method));

-- One authentication step that shows MFA satisfied by an earlier claim.
create or replace macro mfagap_step_claim(method, result_detail) as
  lower(coalesce(method, '')) = 'previously satisfied' or mfagap_mfa_claim_text(result_detail);

-- performed | claim | none, from the steps' verdicts and the sign-in's own fields.
create or replace macro mfagap_mfa_satisfied(mfa_step, claim_step, additional_details, requirement, error_code) as
  case
    when coalesce(mfa_step, false) or mfagap_mfa_performed_text(additional_details) then 'performed'
    when coalesce(claim_step, false) or mfagap_mfa_claim_text(additional_details) then 'claim'
    -- MFA was required and the sign-in passed, but the source gives no step detail.
    when mfagap_requirement(requirement) = 'multi_factor' and error_code = 0 then 'performed'
    else 'none'
  end;
