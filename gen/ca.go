package gen

// Conditional Access as the generated tenants configure it:
//
//	CA001 require MFA, all users and apps, browser and modern clients;
//	      excludes trusted locations, the break-glass account (userId) and
//	      the service-account group (groupId).
//	CA002 block legacy authentication, report-only; excludes the
//	      legacy-exceptions group (shared mailbox, SMTP relay account).
//	CA003 block outside the allowed countries; excludes the break-glass
//	      account and the allowed-countries named location.
//
// Per-policy results follow from each event, so CA exclusions
// (excludeRulesSatisfied) are there for checks to find.

type rule struct{ condition, satisfied string }

// Condition bit flags as diagnostic logs encode them (Graph's
// conditionalAccessConditions order).
const (
	condApplication uint16 = 1 << iota
	condUsers
	condDevicePlatform
	condLocation
	condClientType
)

var condNames = []string{"application", "users", "devicePlatform", "location", "clientType"}

type policy struct {
	id, name string
	grant    string
	reportOn bool // report-only
}

var policies = [3]policy{
	{fakeID('9', 1), "CA001: Require MFA for all users", "Mfa", false},
	{fakeID('9', 2), "CA002: Block legacy authentication", "Block", true},
	{fakeID('9', 3), "CA003: Block sign-ins from outside allowed countries", "Block", false},
}

// caResult is one policy's outcome for one sign-in. It is comparable, so
// that rendered policy arrays can be cached by value.
type caResult struct {
	p            *policy
	result       string
	sat, notSat  uint16
	incl, excl   ruleSet
	enforcedFail bool
}

// ruleSet names one of the include or exclude rule lists below.
type ruleSet uint8

const (
	noRules ruleSet = iota
	inclAppsUsers
	inclWithLoc
	exclUserID
	exclGroupID
	exclTrustedLoc
	exclAllowedLoc
)

var ruleSets = [...][]rule{
	noRules:        nil,
	inclAppsUsers:  {{"application", "allApps"}, {"users", "allUsers"}},
	inclWithLoc:    {{"application", "allApps"}, {"users", "allUsers"}, {"location", "allLocations"}},
	exclUserID:     {{"users", "userId"}},
	exclGroupID:    {{"users", "groupId"}},
	exclTrustedLoc: {{"location", "allTrustedLocations"}},
	exclAllowedLoc: {{"location", "locationId"}},
}

// firstFactorFailed reports codes that stop a sign-in before Conditional
// Access is evaluated.
func firstFactorFailed(code int) bool {
	switch code {
	case 50126, 50053, 50055, 50173, 50133:
		return true
	}
	return false
}

// evaluate returns the per-policy results of a user sign-in, and nil for
// service principals (no policies in the generated tenants target them).
func evaluate(e *event, out *[3]caResult) []caResult {
	if e.user == nil {
		return nil
	}
	for i := range out {
		out[i] = caResult{p: &policies[i]}
	}
	if firstFactorFailed(e.code) {
		for i := range out {
			out[i].result = "notApplied"
			if out[i].p.reportOn {
				out[i].result = "reportOnlyNotApplied"
			}
		}
		return out[:]
	}
	u := e.user
	const appUsers = condApplication | condUsers

	// CA001 require MFA.
	r := &out[0]
	r.incl = inclAppsUsers
	switch {
	case e.legacy:
		r.result, r.sat, r.notSat = "notApplied", appUsers, condClientType
	case u.mfaExcluded == excludedByUserID:
		r.result, r.sat, r.notSat, r.excl = "notApplied", condApplication, condUsers, exclUserID
	case u.mfaExcluded == excludedByGroup:
		r.result, r.sat, r.notSat, r.excl = "notApplied", condApplication, condUsers, exclGroupID
	case e.mfa && e.code != 0 && e.code != 50140 && e.code != 50125 && e.code != 53003:
		r.result, r.sat, r.enforcedFail = "failure", appUsers|condClientType|condLocation, true
	case e.mfa:
		r.result, r.sat = "success", appUsers|condClientType|condLocation
	default:
		r.result, r.sat, r.notSat, r.excl = "notApplied", appUsers|condClientType, condLocation, exclTrustedLoc
	}

	// CA002 block legacy authentication (report-only).
	r = &out[1]
	r.incl = inclAppsUsers
	switch {
	case !e.legacy:
		r.result, r.sat, r.notSat = "reportOnlyNotApplied", appUsers, condClientType
	case u.legacyExcepted:
		r.result, r.sat, r.notSat, r.excl = "reportOnlyNotApplied", condApplication, condUsers, exclGroupID
	default:
		r.result, r.sat = "reportOnlyFailure", appUsers|condClientType
	}

	// CA003 block outside allowed countries.
	r = &out[2]
	r.incl = inclWithLoc
	switch {
	case u.mfaExcluded == excludedByUserID:
		r.result, r.sat, r.notSat, r.excl = "notApplied", condApplication, condUsers, exclUserID
	case e.blockedByLoc:
		r.result, r.sat, r.enforcedFail = "failure", appUsers|condLocation, true
	default:
		r.result, r.sat, r.notSat, r.excl = "notApplied", appUsers, condLocation, exclAllowedLoc
	}
	return out[:]
}

// caStatus is the aggregate conditionalAccessStatus.
func caStatus(rs []caResult) string {
	status := "notApplied"
	for _, r := range rs {
		if r.enforcedFail {
			return "failure"
		}
		if r.result == "success" {
			status = "success"
		}
	}
	return status
}

// appendConditions writes flags the Graph way: "application,users" or "none".
func appendConditions(b []byte, flags uint16) []byte {
	if flags == 0 {
		return append(b, "none"...)
	}
	first := true
	for i, n := range condNames {
		if flags&(1<<i) != 0 {
			if !first {
				b = append(b, ',')
			}
			b = append(b, n...)
			first = false
		}
	}
	return b
}
