package gen

import (
	"strconv"
	"strings"
	"time"
)

// UserHeader is the Oct-2024 portal CSV header of InteractiveSignIns and
// NonInteractiveSignIns (FORMATS.md §1.3): 55 columns with the trailing
// spaces, the double space and the duplicated "Incoming token type" of the
// real file.
var UserHeader = []string{
	"Date (UTC)", "Request ID", "User agent", "Correlation ID", "User ID", "User", "Username", "User type",
	"Cross tenant access type", "Incoming token type", "Authentication Protocol", "Unique token identifier",
	"Original transfer method", "Client credential type", "Token Protection - Sign In Session",
	"Token Protection - Sign In Session StatusCode", "Application", "Application ID ", "Resource",
	"Resource ID ", "Resource tenant ID", "Home tenant ID", "Home tenant name", "IP address", "Location",
	"Status", "Sign-in error code", "Failure reason", "Client app", "Device ID", "Browser", "Operating System",
	"Compliant", "Managed", "Join Type", "Multifactor authentication result",
	"Multifactor authentication auth method", "Multifactor authentication auth detail",
	"Authentication requirement", "Sign-in identifier", "Session ID", "IP address (seen by resource)",
	"Through Global Secure Access", "Global Secure Access IP address", "Autonomous system  number",
	"Flagged for review", "Token issuer type", "Incoming token type", "Token issuer name", "Latency",
	"Conditional Access", "Managed Identity type", "Associated Resource Id", "Federated Token Id",
	"Federated Token Issuer",
}

// AppHeader is the ApplicationSignIns header (FORMATS.md §1.5, 2026 form).
var AppHeader = []string{
	"Date (UTC)", "Request ID", "Correlation ID", "Service principal ID", "Service principal name",
	"Credential key ID", "Credential thumbprint", "Application", "Application ID ", "App owner tenant ID",
	"Resource", "Resource ID ", "Resource tenant ID", "Resource owner tenant ID", "Home tenant ID",
	"Home tenant name", "IP address", "Location", "Status", "Sign-in error code", "Failure reason",
	"Conditional Access",
}

// MSIHeader is the MSISignIns header: the application layout plus the
// managed identity columns of the user file (unverified, FORMATS.md §1.5).
var MSIHeader = append(append([]string(nil), AppHeader...),
	"Managed Identity type", "Associated Resource Id", "Federated Token Id", "Federated Token Issuer")

// AuthDetailsHeader is the header of the _AuthDetails_ companion files.
var AuthDetailsHeader = []string{
	"Request ID", "Authentication Date", "Authentication method", "Authentication method detail",
	"Requirement", "Succeeded", "Result detail",
}

const csvTime = "2006-01-02T15:04:05Z"

// appendHeader writes a BOM and the header with every name quoted, as the
// portal does.
func appendHeader(b []byte, names []string) []byte {
	b = append(b, 0xEF, 0xBB, 0xBF)
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, strings.ReplaceAll(n, `"`, `""`)...)
		b = append(b, '"')
	}
	return append(b, '\r', '\n')
}

// csvRow appends RFC 4180 fields; a cell is quoted only when it needs to be.
type csvRow struct {
	b     []byte
	first bool
}

func (c *csvRow) start(b []byte) { c.b, c.first = b, true }

func (c *csvRow) comma() {
	if !c.first {
		c.b = append(c.b, ',')
	}
	c.first = false
}

func (c *csvRow) str(s string) {
	c.comma()
	quote := false
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch == ',' || ch == '"' || ch == '\n' || ch == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		c.b = append(c.b, s...)
		return
	}
	c.b = append(c.b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			c.b = append(c.b, '"')
		}
		c.b = append(c.b, s[i])
	}
	c.b = append(c.b, '"')
}

func (c *csvRow) raw(s []byte) {
	c.comma()
	c.b = append(c.b, s...)
}

func (c *csvRow) int(n int) {
	c.comma()
	c.b = strconv.AppendInt(c.b, int64(n), 10)
}

func (c *csvRow) bool(v bool) {
	if v {
		c.str("True")
	} else {
		c.str("False")
	}
}

func (c *csvRow) time(t time.Time) {
	c.comma()
	c.b = t.AppendFormat(c.b, csvTime)
}

func (c *csvRow) guid(g guid) {
	if g.empty() {
		c.str("")
		return
	}
	c.raw(g[:])
}

func (c *csvRow) end() []byte { return append(c.b, '\r', '\n') }

var (
	caDisplay   = map[string]string{"success": "Success", "failure": "Failure", "notApplied": "Not Applied"}
	credDisplay = map[string]string{
		"clientSecret": "Client secret", "certificate": "Certificate", "clientAssertion": "Client assertion",
		"managedIdentity": "Managed identity",
	}
	protocolDisplay = map[string]string{"none": "None", "ropc": "ROPC"}
)

// userRow appends e in the 55-column user layout. Service principal events
// (only written there by Write) leave the user columns empty.
func (c *csvRow) userRow(b []byte, e *event) []byte {
	var cas [3]caResult
	rs := evaluate(e, &cas)
	u := e.user
	isUser := u != nil
	info := codes[e.code]
	c.start(b)
	c.time(e.at)
	c.raw(e.requestID[:])
	c.str(e.userAgent)
	c.raw(e.correlationID[:])
	var upn, name, uid, utype, homeTenant, homeName string
	if isUser {
		upn, name, uid, utype, homeTenant = u.upn, u.name, u.id, u.userType, u.homeTenantID
		if u.userType == "Member" {
			homeName = e.tenant.name
		}
	} else {
		homeTenant, homeName = e.tenant.id, e.tenant.name
	}
	c.str(uid)
	c.str(name)
	c.str(upn)
	c.str(utype)
	if isUser && u.userType == "Guest" {
		c.str("B2B collaboration")
	} else {
		c.str("None")
	}
	c.str("None") // Incoming token type
	c.str(protocolDisplay[e.protocol])
	c.raw(e.uti[:])
	c.str("None") // Original transfer method
	if isUser {
		c.str("None")
	} else {
		c.str(credDisplay[e.sp.credType])
	}
	c.str("None") // Token Protection - Sign In Session
	c.str("")
	c.str(e.app.name)
	c.str(e.app.id)
	c.str(e.resource.name)
	c.str(e.resource.id)
	c.str(e.tenant.id)
	c.str(homeTenant)
	c.str(homeName)
	c.str(e.ip)
	c.str(e.place.csv)
	c.str(info.status)
	c.int(e.code)
	c.str(info.reason)
	c.str(e.clientApp)
	d := e.device
	onDesktop := isUser && d == u.desktop
	if onDesktop {
		c.str(u.deviceID)
	} else {
		c.str("")
	}
	c.str(d.browser)
	c.str(d.os)
	c.bool(onDesktop && u.compliant)
	c.bool(onDesktop && u.managed)
	if onDesktop && u.managed {
		c.str("Microsoft Entra joined")
	} else {
		c.str("")
	}
	c.str(e.details)
	c.str(e.mfaMethod)
	c.str(e.mfaDetail)
	switch {
	case !isUser:
		c.str("")
	case e.mfa:
		c.str("Multifactor authentication")
	default:
		c.str("Single-factor authentication")
	}
	c.str(upn)
	c.guid(e.sessionID)
	c.str("")      // IP address (seen by resource)
	c.str("False") // Through Global Secure Access
	c.str("")
	c.int(e.asn)
	c.str("False") // Flagged for review
	if isUser {
		c.str("AzureAD")
	} else {
		c.str("UnknownFutureValue")
	}
	c.str("None") // Incoming token type, again
	c.str("")
	c.int(e.latency)
	c.str(caDisplay[caStatus(rs)])
	if e.kind == kindManagedIdentity {
		c.str(e.sp.msiType)
		c.str(e.sp.associatedResource)
	} else {
		c.str("")
		c.str("")
	}
	c.str("")
	c.str("")
	return c.end()
}

// appRow appends a service principal or managed identity sign-in in the
// ApplicationSignIns (or, with msi, MSISignIns) layout.
func (c *csvRow) appRow(b []byte, e *event, msi bool) []byte {
	info := codes[e.code]
	c.start(b)
	c.time(e.at)
	c.raw(e.requestID[:])
	c.raw(e.correlationID[:])
	c.str(e.sp.objectID)
	c.str(e.sp.name)
	c.str(e.sp.keyID)
	c.str(e.sp.thumbprint)
	c.str(e.app.name)
	c.str(e.app.id)
	c.str(e.tenant.id)
	c.str(e.resource.name)
	c.str(e.resource.id)
	c.str(e.tenant.id)
	c.str("f8cdef31-a31e-4b4a-93e4-5f571e91255a")
	c.str(e.tenant.id)
	c.str(e.tenant.name)
	c.str(e.ip)
	c.str(e.place.csv)
	c.str(info.status)
	c.int(e.code)
	c.str(info.reason)
	c.str("Not Applied")
	if msi {
		c.str(e.sp.msiType)
		c.str(e.sp.associatedResource)
		c.str("")
		c.str("")
	}
	return c.end()
}

// authRows appends one _AuthDetails_ row per authentication step of e.
func (c *csvRow) authRows(b []byte, e *event) []byte {
	for i, s := range e.authSteps() {
		c.start(b)
		c.raw(e.requestID[:])
		c.time(e.at.Add(time.Duration(i) * 3 * time.Second))
		c.str(s.method)
		c.str(s.methodDetail)
		c.str(s.requirement)
		c.bool(s.ok)
		c.str(s.result)
		b = c.end()
	}
	return b
}
