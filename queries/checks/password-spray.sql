-- id: password-spray
-- title: Password spray from a single IP address
-- severity: high
-- sources: signins
-- description: One IP address failed to sign in (50053, 50126, 50055) as at
--   least spray.min_users distinct accounts within one bin of spray.bin_minutes,
--   and over the whole data more accounts failed from it than signed in with a
--   correct password. Follows Sentinel's SigninPasswordSpray, with deliberate
--   differences: bins count accounts across all apps and across interactive and
--   non-interactive logs (a spray that rotates apps or endpoints still counts),
--   and the whole loaded period up to as_of is the window instead of 3 days.
-- risk: One valid password is enough for initial access, and spraying stays
--   under the lockout threshold of each account. Accounts listed under
--   successful_accounts gave a correct password from the same address.
-- remediation: Block the address with a Conditional Access named location (or
--   at the perimeter); reset the passwords of the successful_accounts, revoke
--   their sessions and check that MFA applied to them; make sure legacy
--   authentication is blocked.
-- false_positives: NAT gateways, VPN egress or proxies shared by many users on a
--   morning after a password-expiry wave; misconfigured apps with a stale
--   service password used by several accounts.
-- references: https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/SigninPasswordSpray.yaml
--   https://learn.microsoft.com/entra/identity/monitoring-health/reference-sign-in-error-codes
-- mitre: T1110.003
-- params: spray.min_users=5, spray.bin_minutes=20
-- status: test
-- attempts is read twice; materialized (DuckDB's default for that) it was a
-- copy of every sign-in, 57x the 1 M time at 10 M (issue 5). Inlined, each
-- use reads signins with its own filter: failures only for the bins, the
-- breaching addresses only for per_ip.
with attempts as not materialized (
  select
    tenant_id, ip_address, created_at, error_code, app_display_name, client_app_used,
    country, user_agent,
    error_code in (50053, 50126, 50055) as is_failure,  -- 50053 locked/malicious IP, 50126 bad password, 50055 password expired
    -- Codes that prove the password was right (Sentinel's successCodes): 0 success,
    -- 50055 expired, 50057 disabled, 50155 device auth failed, 50105 not assigned,
    -- 50133 session revoked, 50005 unsupported platform, 50076/50079/50072/50074
    -- MFA required or registration, 50173 fresh token, 50158 external challenge,
    -- 53003/53000/53001 Conditional Access or device, 50129 device not joined.
    error_code in (0, 50055, 50057, 50155, 50105, 50133, 50005, 50076, 50079, 50173,
                   50158, 50072, 50074, 53003, 53000, 53001, 50129) as password_correct,
    coalesce(user_principal_name, user_id) as account
  from signins
  where event_type in ('interactive', 'non_interactive')
    and ip_address is not null
    and created_at <= getvariable('as_of')
),
bins as (
  select
    tenant_id,
    ip_address,
    time_bucket(to_minutes(cast(getvariable('spray.bin_minutes') as bigint)), created_at) as bin_start,
    count(distinct account) as failed_accounts
  from attempts
  where is_failure
  group by all
),
breaching_ip as (
  select tenant_id, ip_address, count(*) as breach_bins, max(failed_accounts) as max_accounts_in_bin
  from bins
  where failed_accounts >= cast(getvariable('spray.min_users') as bigint)
  group by all
),
per_ip as (
  select
    a.tenant_id,
    a.ip_address,
    count(distinct a.account) filter (where a.is_failure) as failed_account_count,
    count(distinct a.account) filter (where a.password_correct) as successful_account_count,
    list_sort(list_distinct(list(a.account) filter (where a.is_failure)))[1:20] as failed_accounts,
    list_sort(list_distinct(list(a.account) filter (where a.password_correct)))[1:20] as successful_accounts,
    count(*) filter (where a.is_failure) as failures,
    min(a.created_at) filter (where a.is_failure) as first_failure,
    max(a.created_at) filter (where a.is_failure) as last_failure,
    list_sort(list_distinct(list(a.error_code) filter (where a.is_failure))) as error_codes,
    list_sort(list_distinct(list(a.app_display_name) filter (where a.is_failure)))[1:20] as apps,
    list_sort(list_distinct(list(a.client_app_used) filter (where a.is_failure))) as client_apps,
    list_sort(list_distinct(list(a.country) filter (where a.is_failure))) as countries,
    list_sort(list_distinct(list(a.user_agent) filter (where a.is_failure)))[1:5] as user_agents
  from attempts a
  join breaching_ip b using (tenant_id, ip_address)
  group by all
)
select
  p.tenant_id,
  p.ip_address as subject,
  p.ip_address || ' failed to sign in as ' || p.failed_account_count || ' accounts, up to '
    || b.max_accounts_in_bin || ' within ' || getvariable('spray.bin_minutes') || ' minutes'
    || case when p.successful_account_count > 0
            then '; ' || p.successful_account_count || ' account' || case when p.successful_account_count = 1 then '' else 's' end || ' gave a correct password from it.'
            else '.' end as reason,
  p.first_failure as first_seen,
  p.last_failure as last_seen,
  p.failures as event_count,
  p.failed_account_count,
  p.failed_accounts,
  p.successful_account_count,
  p.successful_accounts,
  b.breach_bins,
  b.max_accounts_in_bin,
  p.error_codes,
  p.apps,
  p.client_apps,
  p.countries,
  p.user_agents
from per_ip p
join breaching_ip b using (tenant_id, ip_address)
where p.failed_account_count > p.successful_account_count
order by p.tenant_id, subject;
