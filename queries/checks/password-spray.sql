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
-- Two narrow reads instead of one wide one (issue 5): failures, with every
-- column the finding lists, are few and read twice (bins, then the breaching
-- addresses); the correct passwords of those addresses need only the account.
-- Reading every sign-in's apps and user agent to keep a handful was most of
-- the check's time at 10 M, where sign-ins no longer fit in memory.
with failure as not materialized (
  select
    tenant_id, ip_address, created_at, error_code, app_display_name, client_app_used,
    country, user_agent, coalesce(user_principal_name, user_id) as account
  from signins
  where event_type in ('interactive', 'non_interactive')
    and ip_address is not null
    and created_at <= getvariable('as_of')
    and error_code in (50053, 50126, 50055)  -- 50053 locked/malicious IP, 50126 bad password, 50055 password expired
),
bins as (
  select
    tenant_id,
    ip_address,
    time_bucket(to_minutes(cast(getvariable('spray.bin_minutes') as bigint)), created_at) as bin_start,
    count(distinct account) as failed_accounts
  from failure
  group by all
),
breaching_ip as (
  select tenant_id, ip_address, count(*) as breach_bins, max(failed_accounts) as max_accounts_in_bin
  from bins
  where failed_accounts >= cast(getvariable('spray.min_users') as bigint)
  group by all
),
failed_per_ip as (
  select
    f.tenant_id,
    f.ip_address,
    count(distinct f.account) as failed_account_count,
    list_sort(list_distinct(list(f.account)))[1:20] as failed_accounts,
    count(*) as failures,
    min(f.created_at) as first_failure,
    max(f.created_at) as last_failure,
    list_sort(list_distinct(list(f.error_code))) as error_codes,
    list_sort(list_distinct(list(f.app_display_name)))[1:20] as apps,
    list_sort(list_distinct(list(f.client_app_used))) as client_apps,
    list_sort(list_distinct(list(f.country))) as countries,
    list_sort(list_distinct(list(f.user_agent)))[1:5] as user_agents
  from failure f
  join breaching_ip b using (tenant_id, ip_address)
  group by all
),
correct_per_ip as (
  -- Codes that prove the password was right (Sentinel's successCodes): 0 success,
  -- 50055 expired, 50057 disabled, 50155 device auth failed, 50105 not assigned,
  -- 50133 session revoked, 50005 unsupported platform, 50076/50079/50072/50074
  -- MFA required or registration, 50173 fresh token, 50158 external challenge,
  -- 53003/53000/53001 Conditional Access or device, 50129 device not joined.
  select
    s.tenant_id,
    s.ip_address,
    count(distinct coalesce(s.user_principal_name, s.user_id)) as successful_account_count,
    list_sort(list_distinct(list(coalesce(s.user_principal_name, s.user_id))))[1:20] as successful_accounts
  from signins s
  join breaching_ip b using (tenant_id, ip_address)
  where s.event_type in ('interactive', 'non_interactive')
    and s.created_at <= getvariable('as_of')
    and s.error_code in (0, 50055, 50057, 50155, 50105, 50133, 50005, 50076, 50079, 50173,
                         50158, 50072, 50074, 53003, 53000, 53001, 50129)
  group by all
),
per_ip as (
  select f.*,
    coalesce(c.successful_account_count, 0) as successful_account_count,
    c.successful_accounts  -- null when none, as before
  from failed_per_ip f
  left join correct_per_ip c using (tenant_id, ip_address)
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
