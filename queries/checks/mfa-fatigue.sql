-- id: mfa-fatigue
-- title: MFA prompts denied or ignored repeatedly, then approved
-- severity: high
-- sources: interactive
-- description: Per account, at least fatigue.min_denials MFA denials or
--   unanswered prompts (error 500121, or a step "MFA denied; user declined the
--   authentication" / "MFA denied; user did not respond to mobile app
--   notification") within fatigue.window_minutes before a sign-in where MFA was
--   completed. Follows Sentinel's MFASpammingfollowedbySuccessfullogin, which
--   wants more than 10 denials and the whole user+IP activity of a day within 5
--   minutes; the defaults here (5 in 30 minutes, any IP) deliberately also catch
--   slower, spaced-out prompting. --set fatigue.min_denials=11 --set
--   fatigue.window_minutes=5 comes close to the Sentinel rule.
-- risk: Push-bombing: an attacker who has the password sends prompts until the
--   user approves one to make them stop. The approval hands over a session with
--   a fully satisfied MFA claim.
-- remediation: Call the user: if they did not start the sign-ins, revoke
--   sessions, reset the password and review what the approved session did. Turn
--   on number matching and additional context in Microsoft Authenticator, or move
--   the user to phishing-resistant methods.
-- false_positives: A user repeatedly dismissing prompts from a misconfigured
--   device (old mail app retrying), then signing in themselves.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/MFASpammingfollowedbySuccessfullogin.yaml
--   https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/MFARejectedbyUser.yaml
--   https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-number-match
-- mitre: T1621
-- params: fatigue.min_denials=5, fatigue.window_minutes=30
-- status: test
with denial_step as (
  select distinct tenant_id, request_id, event_type, result_detail
  from signin_auth_step_results
  where result_detail in ('MFA denied; user declined the authentication',
                          'MFA denied; user did not respond to mobile app notification')
),
-- Read twice (denials, approvals): inlined, each reads signins with its own
-- filter instead of a materialized copy of every interactive sign-in (issue 5).
user_signin as not materialized (
  select
    s.tenant_id, s.request_id, s.event_type, s.created_at, s.ip_address, s.country,
    s.app_display_name, s.additional_details, s.failure_reason, s.succeeded, s.error_code,
    s.mfa_satisfied, coalesce(s.user_principal_name, s.user_id) as account
  from signins s
  where s.event_type = 'interactive'
    and coalesce(s.user_principal_name, s.user_id) is not null
    and s.created_at <= getvariable('as_of')
),
denial as (
  select
    u.tenant_id, u.account, u.created_at, u.ip_address, u.country, u.app_display_name,
    coalesce(d.result_detail, u.additional_details, u.failure_reason) as detail
  from user_signin u
  left join denial_step d using (tenant_id, request_id, event_type)
  where not u.succeeded
    and (u.error_code = 500121  -- 500121: strong authentication failed (denied, timed out)
         or d.request_id is not null)
),
approval as (
  select tenant_id, account, created_at, ip_address, country, app_display_name
  from user_signin
  where succeeded
    and mfa_satisfied = 'performed'
),
episode as (
  select
    a.tenant_id, a.account, a.created_at as approved_at, a.ip_address as approval_ip,
    a.country as approval_country,
    count(*) as denials,
    min(d.created_at) as first_denial
  from approval a
  join denial d
    on d.tenant_id = a.tenant_id
   and d.account = a.account
   and d.created_at < a.created_at
   and d.created_at >= a.created_at - to_minutes(cast(getvariable('fatigue.window_minutes') as bigint))
  group by all
  having count(*) >= cast(getvariable('fatigue.min_denials') as bigint)
),
denial_in_episode as (
  select distinct d.*
  from denial d
  join episode e
    on e.tenant_id = d.tenant_id and e.account = d.account
   and d.created_at between e.first_denial and e.approved_at
),
denials_per_account as (
  select
    tenant_id, account,
    count(*) as denials,
    mfagap_sorted_set(detail) as denial_details,
    mfagap_sorted_set(ip_address) as denial_ips,
    mfagap_sorted_set(country) as denial_countries,
    mfagap_sorted_set(app_display_name) as apps
  from denial_in_episode
  group by all
),
approvals_per_account as (
  select
    tenant_id, account,
    count(*) as approvals,
    max(denials) as max_denials_before_approval,
    min(first_denial) as first_seen,
    max(approved_at) as last_seen,
    mfagap_sorted_set(approval_ip) as approval_ips,
    mfagap_sorted_set(approval_country) as approval_countries
  from episode
  group by all
)
select
  a.tenant_id,
  a.account as subject,
  a.account || ' denied or ignored ' || d.denials || ' MFA prompt' || case when d.denials = 1 then '' else 's' end
    || ' and approved ' || case when a.approvals = 1 then 'one' else a.approvals || ' sign-ins' end
    || ' within ' || getvariable('fatigue.window_minutes') || ' minutes of them.' as reason,
  a.first_seen,
  a.last_seen,
  d.denials + a.approvals as event_count,
  d.denials,
  a.approvals,
  a.max_denials_before_approval,
  d.denial_details,
  d.denial_ips,
  a.approval_ips,
  d.denial_countries,
  a.approval_countries,
  d.apps
from approvals_per_account a
join denials_per_account d using (tenant_id, account)
order by a.tenant_id, subject;
