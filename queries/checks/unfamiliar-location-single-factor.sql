-- id: unfamiliar-location-single-factor
-- title: Sign-ins without MFA from a country the account does not otherwise use
-- severity: high
-- sources: interactive
-- description: Successful interactive sign-ins with no MFA performed or satisfied
--   by claim, from a country that is not one of the account's own countries in the
--   location.window_days days before as_of (a country where it completed MFA, or
--   its most frequent country of successful sign-ins), not in
--   location.trusted_countries (comma list of ISO codes, the --trusted-country
--   list), and from an address outside every trusted IP named location of the
--   tenant's CA export and every location.trusted_ips range (the --trusted-ip
--   list; IPv4 and IPv6 CIDRs). One finding per account and country.
-- risk: A password-only session from a new country is the typical shape of a
--   stolen password being used: nothing but the password stood between the
--   attacker and the account.
-- remediation: Confirm the travel with the user; if it was not them, revoke
--   sessions, reset the password and review the account's activity. Require MFA
--   outside trusted locations with Conditional Access.
-- false_positives: Travel, roaming mobile carriers, VPN or cloud egress in
--   another country, and wrong geolocation of an address.
-- references: https://learn.microsoft.com/entra/identity/conditional-access/concept-assignment-network
--   https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SigninLogs/UserAccounts-NewSingleFactorAuth.yaml
-- mitre: T1078.004
-- params: location.window_days=30, location.trusted_countries=, location.trusted_ips=
-- status: test
-- Read twice (country habits, single-factor sign-ins). Materialized (DuckDB's
-- default for that) it was a copy of most sign-ins, 37x the 1 M time at 10 M
-- (issue 5); inlined, each use reads signins with its own filter.
with recent as not materialized (
  select
    tenant_id, event_type, created_at, country, city, ip_address, app_display_name,
    client_app_used, mfa_satisfied, coalesce(user_principal_name, user_id) as account
  from signins
  where event_type in ('interactive', 'non_interactive')
    and succeeded
    and country is not null
    and coalesce(user_principal_name, user_id) is not null
    and created_at <= getvariable('as_of')
    and created_at > getvariable('as_of') - to_days(cast(getvariable('location.window_days') as integer))
),
country_count as (
  select tenant_id, account, country,
    count(*) as n,
    bool_or(mfa_satisfied in ('performed', 'claim')) as with_mfa
  from recent
  group by all
),
own_country as (
  select tenant_id, account, country
  from country_count
  qualify with_mfa or n = max(n) over (partition by tenant_id, account)
),
trusted_country as (
  select upper(trim(c)) as country
  from (select unnest(string_split(getvariable('location.trusted_countries'), ',')) as c)
  where trim(c) <> ''
),
trusted_range as (
  -- trusted IP named locations of the tenant's CA export, and --trusted-ip
  -- ranges (every tenant)
  select tenant_id, cidr
  from (select tenant_id, unnest(cidrs) as cidr from named_locations where is_trusted and location_type = 'ip')
  union all
  select null, trim(c)
  from (select unnest(string_split(getvariable('location.trusted_ips'), ',')) as c)
  where trim(c) <> ''
),
single_factor as (
  select r.*
  from recent r
  where r.event_type = 'interactive'
    and r.mfa_satisfied = 'none'
    and not exists (select 1 from own_country o
                    where o.tenant_id = r.tenant_id and o.account = r.account and o.country = r.country)
    and upper(r.country) not in (select country from trusted_country)
),
unfamiliar as (
  select s.*
  from single_factor s
  where not exists (select 1 from trusted_range t
                    where (t.tenant_id is null or t.tenant_id = s.tenant_id)
                      and mfagap_ip_in(s.ip_address, t.cidr))
)
select
  u.tenant_id,
  u.account as subject,
  u.account || ' signed in ' || count(*) || ' time' || case when count(*) = 1 then '' else 's' end
    || ' without MFA from ' || u.country || ', outside its usual countries ('
    || coalesce(array_to_string(any_value(o.countries), ', '), 'none') || ').' as reason,
  min(u.created_at) as first_seen,
  max(u.created_at) as last_seen,
  count(*) as event_count,
  u.country,
  mfagap_sorted_set(u.city) as cities,
  coalesce(any_value(o.countries), []) as usual_countries,
  mfagap_sorted_set(u.ip_address)[1:20] as ip_addresses,
  mfagap_sorted_set(u.app_display_name) as apps,
  mfagap_sorted_set(u.client_app_used) as client_apps
from unfamiliar u
left join (
  select tenant_id, account, list_sort(list(country)) as countries
  from own_country
  group by all
) o using (tenant_id, account)
group by u.tenant_id, u.account, u.country
order by u.tenant_id, subject, u.country;
