-- Directory exports: users, MFA registration, authentication methods, role
-- assignments, groups and members. Sections are picked by the loader.

-- section: users-csv
-- MES Get-Users (culture dates) or the portal's "Download users" CSV.
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': no userPrincipalName or object id', side_raw_text(r)
from side_raw r where nullif(trim(upn), '') is null and nullif(trim(object_id), '') is null;

insert into users by name
select __side_tenant as tenant_id, side_guid(object_id) as object_id,
  nullif(lower(trim(upn)), '') as upn, nullif(display_name, '') as display_name,
  nullif(lower(trim(user_type)), '') as user_type, side_bool(account_enabled) as account_enabled,
  side_ts(created_at) as created_at, side_ts(last_sign_in_at) as last_sign_in_at,
  side_ts(last_non_interactive_sign_in_at) as last_non_interactive_sign_in_at,
  side_ts(last_successful_sign_in_at) as last_successful_sign_in_at,
  side_ts(last_password_change_at) as last_password_change_at,
  nullif(department, '') as department, nullif(job_title, '') as job_title, nullif(mail, '') as mail,
  side_bool(on_premises_sync) as on_premises_sync,
  __source_id as source_id, __rec as source_record
from side_raw where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: users-json
-- Graph /users (with $select=signInActivity for the last sign-in dates).
insert into side_rejects
select __source_id, __rec, 'record ' || __rec || ': no userPrincipalName or id', null
from side_json where nullif(trim(userPrincipalName), '') is null and nullif(trim(id), '') is null;

insert into users by name
select __side_tenant as tenant_id, side_guid(id) as object_id,
  nullif(lower(trim(userPrincipalName)), '') as upn, displayName as display_name,
  nullif(lower(userType), '') as user_type, accountEnabled as account_enabled,
  side_ts(createdDateTime) as created_at,
  side_ts(signInActivity.lastSignInDateTime) as last_sign_in_at,
  side_ts(signInActivity.lastNonInteractiveSignInDateTime) as last_non_interactive_sign_in_at,
  side_ts(signInActivity.lastSuccessfulSignInDateTime) as last_successful_sign_in_at,
  side_ts(lastPasswordChangeDateTime) as last_password_change_at,
  department, jobTitle as job_title, mail, onPremisesSyncEnabled as on_premises_sync,
  __source_id as source_id, __rec as source_record
from side_json where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: mfa-csv
-- MES Get-MFA UserRegistrationDetails CSV (16 or 19 columns).
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': no userPrincipalName or id', side_raw_text(r)
from side_raw r where nullif(trim(upn), '') is null and nullif(trim(object_id), '') is null;

insert into mfa_registration by name
select __side_tenant as tenant_id, side_guid(object_id) as object_id,
  nullif(lower(trim(upn)), '') as upn, nullif(display_name, '') as display_name,
  nullif(lower(trim(user_type)), '') as user_type, side_bool(is_admin) as is_admin,
  side_bool(is_mfa_registered) as is_mfa_registered, side_bool(is_mfa_capable) as is_mfa_capable,
  side_bool(is_sspr_registered) as is_sspr_registered, side_bool(is_passwordless_capable) as is_passwordless_capable,
  side_list(methods_registered) as methods_registered, nullif(preferred_method, '') as preferred_method,
  side_ts(last_updated) as last_updated,
  __source_id as source_id, __rec as source_record
from side_raw where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: mfa-json
-- Graph /reports/authenticationMethods/userRegistrationDetails.
insert into side_rejects
select __source_id, __rec, 'record ' || __rec || ': no userPrincipalName or id', null
from side_json where nullif(trim(userPrincipalName), '') is null and nullif(trim(id), '') is null;

insert into mfa_registration by name
select __side_tenant as tenant_id, side_guid(id) as object_id,
  nullif(lower(trim(userPrincipalName)), '') as upn, userDisplayName as display_name,
  nullif(lower(userType), '') as user_type, isAdmin as is_admin,
  isMfaRegistered as is_mfa_registered, isMfaCapable as is_mfa_capable,
  isSsprRegistered as is_sspr_registered, isPasswordlessCapable as is_passwordless_capable,
  coalesce(methodsRegistered, []) as methods_registered,
  userPreferredMethodForSecondaryAuthentication as preferred_method,
  side_ts(lastUpdatedDateTime) as last_updated,
  __source_id as source_id, __rec as source_record
from side_json where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: methods-csv
-- MES Get-MFA AuthenticationMethods CSV.
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': no user', side_raw_text(r)
from side_raw r where nullif(trim(upn), '') is null;

insert into auth_methods by name
select __side_tenant as tenant_id, lower(trim(upn)) as upn, nullif(mfa_status, '') as mfa_status,
  side_bool(email) as email, side_bool(fido2) as fido2, side_bool(authenticator_app) as authenticator_app,
  side_bool(password) as password, side_bool(phone) as phone, side_bool(software_oath) as software_oath,
  side_bool(hello_for_business) as hello_for_business, side_bool(temporary_access_pass) as temporary_access_pass,
  side_bool(certificate) as certificate,
  __source_id as source_id, __rec as source_record
from side_raw where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: roles-csv
-- MES Get-AdminUsers All-Administrators.csv and All-Roles.csv.
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': ' ||
  case when nullif(trim(role_name), '') is null then 'no role' else 'no user name or id' end, side_raw_text(r)
from side_raw r
where nullif(trim(role_name), '') is null or (nullif(trim(upn), '') is null and nullif(trim(object_id), '') is null);

insert into role_assignments by name
select __side_tenant as tenant_id, side_guid(object_id) as object_id,
  nullif(lower(trim(upn)), '') as upn, nullif(display_name, '') as display_name,
  trim(role_name) as role_name,
  (select min(template_id) from role_templates rt where lower(rt.role_name) = lower(trim(r.role_name))) as role_template_id,
  side_bool(account_enabled) as account_enabled,
  __source_id as source_id, __rec as source_record
from side_raw r where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: roles-json
-- Graph /roleManagement/directory/roleAssignments (optionally with
-- $expand=principal,roleDefinition).
insert into side_rejects
select __source_id, __rec, 'record ' || __rec || ': no principalId or roleDefinitionId', null
from side_json where nullif(trim(principalId), '') is null or nullif(trim(roleDefinitionId), '') is null;

insert into role_assignments by name
select __side_tenant as tenant_id, side_guid(principalId) as object_id,
  nullif(lower(principal ->> '$.userPrincipalName'), '') as upn, principal ->> '$.displayName' as display_name,
  coalesce(roleDefinition ->> '$.displayName',
           (select min(rt.role_name) from role_templates rt where rt.template_id = lower(j.roleDefinitionId))) as role_name,
  lower(coalesce(roleDefinition ->> '$.templateId', roleDefinitionId)) as role_template_id,
  try_cast(principal ->> '$.accountEnabled' as boolean) as account_enabled,
  __source_id as source_id, __rec as source_record
from side_json j where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: members-csv
-- GroupId, GroupName, MemberId, MemberUPN[, MemberType].
insert into side_rejects
select __source_id, __rec, 'line ' || __rec || ': ' ||
  case when nullif(trim(group_id), '') is null then 'no group id' else 'no member id or UPN' end, side_raw_text(r)
from side_raw r
where nullif(trim(group_id), '') is null or (nullif(trim(member_id), '') is null and nullif(trim(member_upn), '') is null);

insert into group_members by name
select __side_tenant as tenant_id, coalesce(side_guid(group_id), trim(group_id)) as group_id,
  nullif(group_name, '') as group_name, side_guid(member_id) as member_id, side_upn(member_upn) as member_upn,
  nullif(member_type, '') as member_type,
  __source_id as source_id, __rec as source_record
from side_raw where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

-- section: groups-json
-- Graph group objects, with members when exported with $expand=members.
insert into side_rejects
select __source_id, __rec, 'record ' || __rec || ': group has no id', null
from side_json where nullif(trim(id), '') is null;

insert into groups by name
select __side_tenant as tenant_id, side_guid(id) as group_id, displayName as display_name,
  securityEnabled as security_enabled, membershipRule as membership_rule,
  __source_id as source_id, __rec as source_record
from side_json where (__source_id, __rec) not in (select source_id, rec from side_rejects) order by __source_id, __rec;

insert into group_members by name
select __side_tenant as tenant_id, side_guid(id) as group_id, displayName as group_name,
  side_guid(m.id) as member_id, side_upn(m.userPrincipalName) as member_upn,
  nullif(replace(m."@odata.type", '#microsoft.graph.', ''), '') as member_type,
  __source_id as source_id, __rec as source_record
from (select *, unnest(from_json(members, '[{"id":"VARCHAR","userPrincipalName":"VARCHAR","@odata.type":"VARCHAR"}]')) as m
      from side_json where (__source_id, __rec) not in (select source_id, rec from side_rejects))
order by __source_id, __rec;
