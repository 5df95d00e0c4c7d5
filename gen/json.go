package gen

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// jw appends JSON to b, putting commas where they belong.
type jw struct {
	b        []byte
	need     bool // a value was written at this level: the next needs a comma
	afterKey bool
	// policies caches rendered appliedConditionalAccessPolicies arrays: a
	// handful of combinations cover every event, and rendering them is a
	// third of the work. Keep it across records.
	policies map[policiesKey][]byte
}

// policiesKey identifies a rendered policy array.
type policiesKey struct {
	f flavor
	r [3]caResult
}

func (w *jw) sep() {
	if w.afterKey {
		w.afterKey = false
	} else if w.need {
		w.b = append(w.b, ',')
	}
	w.need = true
}

func (w *jw) k(name string) {
	if w.need {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
	w.afterKey = true
}

func (w *jw) open(c byte) {
	w.sep()
	w.b = append(w.b, c)
	w.need = false
}

func (w *jw) close(c byte) {
	w.b = append(w.b, c)
	w.need = true
}

func (w *jw) str(s string) {
	w.sep()
	w.b = appendJSONString(w.b, s)
}

func (w *jw) bytes(s []byte) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *jw) int(n int) {
	w.sep()
	w.b = strconv.AppendInt(w.b, int64(n), 10)
}

func (w *jw) float(f float64) {
	w.sep()
	w.b = strconv.AppendFloat(w.b, f, 'f', -1, 64)
}

func (w *jw) bool(v bool) {
	w.sep()
	w.b = strconv.AppendBool(w.b, v)
}

func (w *jw) null() {
	w.sep()
	w.b = append(w.b, "null"...)
}

func (w *jw) time(t time.Time, layout string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, layout)
	w.b = append(w.b, '"')
}

// strOrNull writes "" as null, as Graph does for some optional fields.
func (w *jw) strOrNull(s string) {
	if s == "" {
		w.null()
		return
	}
	w.str(s)
}

func (w *jw) emptyArray() {
	w.sep()
	w.b = append(w.b, '[', ']')
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			continue
		}
		if c >= utf8.RuneSelf {
			continue // UTF-8 passes through; generated strings are valid
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const (
	graphTime = "2006-01-02T15:04:05Z"
	diagTime  = "2006-01-02T15:04:05.0000000Z"
	diagProps = "2006-01-02T15:04:05.0000000-07:00"
)

// flavor says which JSON dialect a sign-in object is written in.
type flavor uint8

const (
	flavorGraph flavor = iota // Graph beta / portal JSON download
	flavorDiag                // properties of a diagnostic-settings record
)

// signIn writes one sign-in as a Graph beta object (or, for flavorDiag, the
// properties object of a diagnostic record: capitalised userType, 7-digit
// times with an offset, integer CA conditions, stringified CA rules and
// sequence numbers on authentication steps).
func (w *jw) signIn(e *event, f flavor) {
	u := e.user
	var cas [3]caResult
	rs := evaluate(e, &cas)
	isUser := u != nil
	info := codes[e.code]

	w.open('{')
	w.k("id")
	w.bytes(e.requestID[:])
	w.k("createdDateTime")
	if f == flavorDiag {
		w.time(e.at, diagProps)
	} else {
		w.time(e.at, graphTime)
	}
	var upn, name, uid string
	if isUser {
		upn, name, uid = u.upn, u.name, u.id
	}
	w.k("userDisplayName")
	w.str(name)
	w.k("userPrincipalName")
	w.str(upn)
	w.k("userId")
	w.str(uid)
	w.k("appId")
	w.str(e.app.id)
	w.k("appDisplayName")
	w.str(e.app.name)
	w.k("ipAddress")
	w.str(e.ip)
	w.k("ipAddressFromResourceProvider")
	w.null()
	w.k("clientAppUsed")
	w.str(e.clientApp)
	w.k("userAgent")
	w.str(e.userAgent)
	w.k("correlationId")
	w.bytes(e.correlationID[:])
	w.k("conditionalAccessStatus")
	w.str(caStatus(rs))
	w.k("originalRequestId")
	w.str("")
	w.k("isInteractive")
	w.bool(e.kind == kindInteractive)
	w.k("tokenIssuerName")
	w.str("")
	w.k("tokenIssuerType")
	if isUser {
		w.str("AzureAD")
	} else {
		w.str("UnknownFutureValue")
	}
	w.k("clientCredentialType")
	if isUser {
		w.str("none")
	} else {
		w.str(e.sp.credType)
	}
	w.k("processingTimeInMilliseconds")
	w.int(e.latency)
	w.k("riskDetail")
	w.str("none")
	w.k("riskLevelAggregated")
	w.str("none")
	w.k("riskLevelDuringSignIn")
	w.str(e.risk)
	w.k("riskState")
	if e.risk == "none" {
		w.str("none")
	} else {
		w.str("atRisk")
	}
	w.k("riskEventTypes_v2")
	w.emptyArray()
	w.k("resourceDisplayName")
	w.str(e.resource.name)
	w.k("resourceId")
	w.str(e.resource.id)
	w.k("resourceTenantId")
	w.str(e.tenant.id)
	w.k("homeTenantId")
	if isUser {
		w.str(u.homeTenantID)
	} else {
		w.str(e.tenant.id)
	}
	w.k("homeTenantName")
	w.str("")
	w.k("authenticationMethodsUsed")
	w.emptyArray()
	w.k("authenticationRequirement")
	switch {
	case !isUser:
		w.str("")
	case e.mfa:
		w.str("multiFactorAuthentication")
	default:
		w.str("singleFactorAuthentication")
	}
	w.k("signInIdentifier")
	w.str(upn)
	w.k("signInIdentifierType")
	w.null()
	w.k("servicePrincipalName")
	if isUser {
		w.null()
	} else {
		w.str(e.sp.name)
	}
	w.k("signInEventTypes")
	w.open('[')
	w.str(eventTypes[e.kind])
	w.close(']')
	w.k("servicePrincipalId")
	if isUser {
		w.str("")
	} else {
		w.str(e.sp.objectID)
	}
	w.k("userType")
	switch {
	case !isUser:
		w.null()
	case f == flavorDiag:
		w.str(u.userType)
	case u.userType == "Guest":
		w.str("guest")
	default:
		w.str("member")
	}
	w.k("flaggedForReview")
	w.bool(false)
	w.k("isTenantRestricted")
	w.bool(false)
	w.k("autonomousSystemNumber")
	w.int(e.asn)
	w.k("crossTenantAccessType")
	if isUser && u.userType == "Guest" {
		w.str("b2bCollaboration")
	} else {
		w.str("none")
	}
	w.k("servicePrincipalCredentialKeyId")
	if isUser {
		w.null()
	} else {
		w.strOrNull(e.sp.keyID)
	}
	w.k("servicePrincipalCredentialThumbprint")
	if isUser {
		w.str("")
	} else {
		w.str(e.sp.thumbprint)
	}
	w.k("uniqueTokenIdentifier")
	w.bytes(e.uti[:])
	w.k("incomingTokenType")
	w.str("none")
	w.k("authenticationProtocol")
	w.str(e.protocol)
	w.k("sessionId")
	if e.sessionID.empty() {
		w.str("")
	} else {
		w.bytes(e.sessionID[:])
	}
	w.k("appOwnerTenantId")
	if isUser {
		w.str("f8cdef31-a31e-4b4a-93e4-5f571e91255a") // Microsoft's own tenant owns first-party apps
	} else {
		w.str(e.tenant.id)
	}
	w.k("resourceOwnerTenantId")
	w.str("f8cdef31-a31e-4b4a-93e4-5f571e91255a")

	w.k("status")
	w.open('{')
	w.k("errorCode")
	w.int(e.code)
	w.k("failureReason")
	if e.code == 0 {
		w.str("Other.")
	} else {
		w.str(info.reason)
	}
	w.k("additionalDetails")
	w.strOrNull(e.details)
	w.close('}')

	w.k("deviceDetail")
	w.open('{')
	d := e.device
	onDesktop := isUser && d == u.desktop
	w.k("deviceId")
	if onDesktop {
		w.str(u.deviceID)
	} else {
		w.str("")
	}
	w.k("displayName")
	if onDesktop && u.deviceID != "" {
		w.str("CONTOSO-" + u.deviceID[len(u.deviceID)-5:])
	} else {
		w.str("")
	}
	w.k("operatingSystem")
	w.str(d.os)
	w.k("browser")
	w.str(d.browser)
	w.k("isCompliant")
	w.bool(onDesktop && u.compliant)
	w.k("isManaged")
	w.bool(onDesktop && u.managed)
	w.k("trustType")
	if onDesktop && u.managed {
		w.str("Azure AD joined")
	} else {
		w.str("")
	}
	w.close('}')

	w.k("location")
	w.open('{')
	w.k("city")
	w.str(e.place.city)
	w.k("state")
	w.str(e.place.state)
	w.k("countryOrRegion")
	w.str(e.place.country)
	w.k("geoCoordinates")
	w.open('{')
	w.k("altitude")
	w.null()
	w.k("latitude")
	w.float(e.place.lat)
	w.k("longitude")
	w.float(e.place.lon)
	w.close('}')
	w.close('}')

	w.k("mfaDetail")
	w.open('{')
	w.k("authMethod")
	w.strOrNull(e.mfaMethod)
	w.k("authDetail")
	w.strOrNull(e.mfaDetail)
	w.close('}')

	w.k("appliedConditionalAccessPolicies")
	w.policyArray(rs, f)

	w.k("authenticationProcessingDetails")
	w.emptyArray()
	w.k("networkLocationDetails")
	w.emptyArray()

	w.k("authenticationDetails")
	w.open('[')
	for i, s := range e.authSteps() {
		w.open('{')
		w.k("authenticationStepDateTime")
		at := e.at.Add(time.Duration(i) * 3 * time.Second)
		if f == flavorDiag {
			w.time(at, diagProps)
		} else {
			w.time(at, graphTime)
		}
		w.k("authenticationMethod")
		w.str(s.method)
		w.k("authenticationMethodDetail")
		w.strOrNull(s.methodDetail)
		w.k("succeeded")
		w.bool(s.ok)
		w.k("authenticationStepResultDetail")
		w.str(s.result)
		w.k("authenticationStepRequirement")
		w.str(s.requirement)
		if f == flavorDiag {
			w.k("StatusSequence")
			w.int(0)
			w.k("RequestSequence")
			w.int(0)
		}
		w.close('}')
	}
	w.close(']')

	w.k("authenticationRequirementPolicies")
	w.open('[')
	if e.mfa {
		w.open('{')
		w.k("requirementProvider")
		w.str("multiConditionalAccess")
		w.k("detail")
		w.str("Conditional Access")
		w.close('}')
	}
	w.close(']')
	w.k("sessionLifetimePolicies")
	w.emptyArray()

	w.k("managedServiceIdentity")
	w.open('{')
	msi, res := "none", ""
	if e.kind == kindManagedIdentity {
		msi, res = e.sp.msiType, e.sp.associatedResource
	}
	w.k("msiType")
	w.str(msi)
	w.k("associatedResourceId")
	w.str(res)
	w.k("federatedTokenId")
	w.str("")
	w.k("federatedTokenIssuer")
	w.str("")
	w.close('}')
	w.close('}')
}

var eventTypes = [...]string{"interactiveUser", "nonInteractiveUser", "servicePrincipal", "managedIdentity"}

func (w *jw) policyArray(rs []caResult, f flavor) {
	key := policiesKey{f: f}
	copy(key.r[:], rs)
	if cached, ok := w.policies[key]; ok && len(rs) > 0 {
		w.sep()
		w.b = append(w.b, cached...)
		return
	}
	w.open('[')
	start := len(w.b) - 1
	for i := range rs {
		w.policy(&rs[i], f)
	}
	w.close(']')
	if w.policies == nil {
		w.policies = map[policiesKey][]byte{}
	}
	w.policies[key] = append([]byte(nil), w.b[start:]...)
}

func (w *jw) policy(r *caResult, f flavor) {
	w.open('{')
	w.k("id")
	w.str(r.p.id)
	w.k("displayName")
	w.str(r.p.name)
	w.k("enforcedGrantControls")
	w.open('[')
	w.str(r.p.grant)
	w.close(']')
	w.k("enforcedSessionControls")
	w.emptyArray()
	w.k("sessionControlsNotSatisfied")
	w.emptyArray()
	w.k("result")
	w.str(r.result)
	w.k("conditionsSatisfied")
	w.conditions(r.sat, f)
	w.k("conditionsNotSatisfied")
	w.conditions(r.notSat, f)
	w.k("includeRulesSatisfied")
	w.rules(ruleSets[r.incl], f)
	w.k("excludeRulesSatisfied")
	w.rules(ruleSets[r.excl], f)
	w.k("authenticationStrength")
	w.open('{')
	w.k("displayName")
	w.str("")
	w.k("authenticationStrengthId")
	w.str("")
	w.close('}')
	w.close('}')
}

func (w *jw) conditions(flags uint16, f flavor) {
	if f == flavorDiag {
		w.int(int(flags))
		return
	}
	w.sep()
	w.b = append(w.b, '"')
	w.b = appendConditions(w.b, flags)
	w.b = append(w.b, '"')
}

// rules writes CA rules as objects, or for diagnostic logs as JSON text.
func (w *jw) rules(rs []rule, f flavor) {
	w.open('[')
	for _, r := range rs {
		if f == flavorDiag {
			w.str(`{"conditionalAccessCondition":"` + r.condition + `","ruleSatisfied":"` + r.satisfied + `"}`)
			continue
		}
		w.open('{')
		w.k("conditionalAccessCondition")
		w.str(r.condition)
		w.k("ruleSatisfied")
		w.str(r.satisfied)
		w.close('}')
	}
	w.close(']')
}

var categories = [...]string{"SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs"}

// diagRecord writes one diagnostic-settings record (one NDJSON line, no newline).
func (w *jw) diagRecord(e *event) {
	w.open('{')
	w.k("time")
	w.time(e.at, diagTime)
	w.k("resourceId")
	w.str("/tenants/" + e.tenant.id + "/providers/Microsoft.aadiam")
	w.k("operationName")
	w.str("Sign-in activity")
	w.k("operationVersion")
	w.str("1.0")
	w.k("category")
	w.str(categories[e.kind])
	w.k("tenantId")
	w.str(e.tenant.id)
	w.k("resultType")
	w.sep()
	w.b = append(w.b, '"')
	w.b = strconv.AppendInt(w.b, int64(e.code), 10)
	w.b = append(w.b, '"')
	w.k("resultSignature")
	w.str("None")
	if e.code != 0 {
		w.k("resultDescription")
		w.str(codes[e.code].reason)
	}
	w.k("durationMs")
	w.int(0)
	w.k("callerIpAddress")
	w.str(e.ip)
	w.k("correlationId")
	w.bytes(e.correlationID[:])
	w.k("identity")
	if e.user != nil {
		w.str(e.user.name)
	} else {
		w.str(e.sp.name)
	}
	w.k("Level")
	w.int(4)
	w.k("location")
	w.str(e.place.country)
	w.k("properties")
	w.signIn(e, flavorDiag)
	w.close('}')
}
