-- id: register-exempt-solution
-- title: Register approves an MFA exemption for an account that is not break-glass
-- severity: high
-- sources: register
-- description: Register lines whose approved solution (compensating control) is
--   itself an exemption, exclusion or bypass of MFA, or empty, for any exception
--   type other than break-glass. Matching is on words: exempt, exclude,
--   exclusion, bypass, disable, no MFA, without MFA, none, n/a.
-- risk: The register is meant to record how the risk of a missing MFA is
--   compensated. "Exempt from MFA" documents the gap instead of closing it: a
--   password alone still opens the account.
-- remediation: Replace the exemption with a real control: phishing-resistant MFA
--   the account can use, a named location plus compliant device, a workload
--   identity for services, or blocked sign-in for shared mailboxes.
-- false_positives: Lines whose solution text mentions an exclusion while
--   describing a real control elsewhere (for example "excluded from CA001, FIDO2
--   key required by CA010").
-- references: https://learn.microsoft.com/entra/identity/authentication/concept-mandatory-multifactor-authentication
--   https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access
-- status: test
select
  tenant_id,
  coalesce(account_upn, account_object_id, lower(account)) as subject,
  'Register line ' || source_record || ' approves "' || coalesce(nullif(trim(approved_solution), ''), 'no solution')
    || '" for ' || account || ' (' || coalesce(exception_type_raw, 'no exception type') || '), which is not a compensating control.' as reason,
  cast(coalesce(approved_on, review_on, cast(getvariable('as_of') as date)) as timestamp) as first_seen,
  cast(coalesce(review_on, approved_on, cast(getvariable('as_of') as date)) as timestamp) as last_seen,
  1 as event_count,
  approved_solution,
  exception_type_raw as exception_type,
  justification,
  approved_by,
  strftime(review_on, '%Y-%m-%d') as review_on,
  source_record as register_line
from register_entries
where coalesce(exception_type, '') <> 'break-glass'
  and (nullif(trim(approved_solution), '') is null
       or regexp_matches(lower(approved_solution),
            '(exempt|exclu|bypass|disabl|no mfa|without mfa|mfa off|^\s*(none|n/?a|-)\s*$)'))
order by tenant_id, subject, register_line;
