package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// laHeader is a Log Analytics "Export to CSV (all columns)" of SigninLogs
// (FORMATS.md §4), cut to the columns mfagap reads and a few it does not:
// TenantId is the workspace, times are the portal's US culture format, the
// dynamic columns are JSON text, booleans TRUE/FALSE.
var laHeader = []string{"TenantId", "SourceSystem", "TimeGenerated [UTC]", "ResourceId", "OperationName", "Category",
	"ResultType", "ResultDescription", "CorrelationId", "AppDisplayName", "AppId", "AuthenticationDetails",
	"AuthenticationRequirement", "ClientAppUsed", "ConditionalAccessPolicies", "ConditionalAccessStatus",
	"CreatedDateTime [UTC]", "DeviceDetail", "IsInteractive", "Id", "IPAddress", "LocationDetails", "RiskLevelDuringSignIn",
	"RiskState", "ResourceDisplayName", "ResourceIdentity", "ServicePrincipalId", "ServicePrincipalName", "Status",
	"UserAgent", "UserDisplayName", "UserId", "UserPrincipalName", "AADTenantId", "UserType", "ResourceTenantId",
	"HomeTenantId", "AuthenticationProtocol", "CrossTenantAccessType", "Type"}

// laMembers maps laHeader's columns to the Graph members they hold.
var laMembers = map[string]string{
	"CorrelationId": "correlationId", "AppDisplayName": "appDisplayName", "AppId": "appId",
	"AuthenticationDetails": "authenticationDetails", "AuthenticationRequirement": "authenticationRequirement",
	"ClientAppUsed": "clientAppUsed", "ConditionalAccessPolicies": "appliedConditionalAccessPolicies",
	"ConditionalAccessStatus": "conditionalAccessStatus", "DeviceDetail": "deviceDetail", "IsInteractive": "isInteractive",
	"Id": "id", "IPAddress": "ipAddress", "LocationDetails": "location", "RiskLevelDuringSignIn": "riskLevelDuringSignIn",
	"RiskState": "riskState", "ResourceDisplayName": "resourceDisplayName", "ResourceIdentity": "resourceId",
	"ServicePrincipalId": "servicePrincipalId", "ServicePrincipalName": "servicePrincipalName", "Status": "status",
	"UserAgent": "userAgent", "UserDisplayName": "userDisplayName", "UserId": "userId",
	"UserPrincipalName": "userPrincipalName", "UserType": "userType", "ResourceTenantId": "resourceTenantId",
	"HomeTenantId": "homeTenantId", "AuthenticationProtocol": "authenticationProtocol",
	"CrossTenantAccessType": "crossTenantAccessType",
}

// laTables names the Log Analytics table of each event type.
var laTables = map[string]string{
	"interactiveUser":    "SigninLogs",
	"nonInteractiveUser": "AADNonInteractiveUserSignInLogs",
	"servicePrincipal":   "AADServicePrincipalSignInLogs",
	"managedIdentity":    "AADManagedIdentitySignInLogs",
}

// writeLA writes the events as one Log Analytics CSV: each Graph record as
// the graph-json shape writes it, rewritten into the export's columns.
func writeLA(bw interface{ Write([]byte) (int, error) }, g *generator) error {
	var c csvRow
	b := []byte(strings.Join(laHeader, ",") + "\r\n") // no BOM, names unquoted, as the portal writes it
	j := jw{policies: map[policiesKey][]byte{}}
	for e := g.event(); e != nil; e = g.event() {
		j = jw{policies: j.policies}
		j.signIn(e, flavorGraph)
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(j.b, &rec); err != nil {
			return fmt.Errorf("gen: la-csv: %w", err)
		}
		table := "SigninLogs"
		var types []string
		json.Unmarshal(rec["signInEventTypes"], &types)
		if len(types) > 0 && laTables[types[0]] != "" {
			table = laTables[types[0]]
		}
		var status struct {
			ErrorCode     int    `json:"errorCode"`
			FailureReason string `json:"failureReason"`
		}
		json.Unmarshal(rec["status"], &status)
		var created time.Time
		var ts string
		json.Unmarshal(rec["createdDateTime"], &ts)
		created, _ = time.Parse(time.RFC3339Nano, ts)
		tenant := text(rec["resourceTenantId"])
		c.start(b)
		for _, h := range laHeader {
			switch h {
			case "TenantId":
				c.str("8f2b7c1e-0000-4000-8000-00000000a11a")
			case "SourceSystem":
				c.str("Azure AD")
			case "TimeGenerated [UTC]":
				c.str(laTime(created.Add(90 * time.Second)))
			case "CreatedDateTime [UTC]":
				c.str(laTime(created))
			case "ResourceId":
				c.str("/tenants/" + tenant + "/providers/Microsoft.aadiam")
			case "OperationName":
				c.str("Sign-in activity")
			case "Category", "Type":
				c.str(table)
			case "ResultType":
				c.int(status.ErrorCode)
			case "ResultDescription":
				c.str(status.FailureReason)
			case "AADTenantId":
				c.str(tenant)
			case "IsInteractive":
				if string(rec["isInteractive"]) == "true" {
					c.str("TRUE")
				} else {
					c.str("FALSE")
				}
			default:
				v := rec[laMembers[h]]
				switch {
				case len(v) == 0 || string(v) == "null":
					c.str("")
				case v[0] == '"':
					c.str(text(v))
				default:
					c.str(string(v))
				}
			}
		}
		b = c.end()
		if len(b) >= 64<<10 {
			if _, err := bw.Write(b); err != nil {
				return fmt.Errorf("gen: write la-csv: %w", err)
			}
			b = b[:0]
		}
	}
	_, err := bw.Write(b)
	return err
}

// text is a JSON string's text ("" for anything else).
func text(v json.RawMessage) string {
	var s string
	if bytes.HasPrefix(v, []byte(`"`)) {
		json.Unmarshal(v, &s)
	}
	return s
}

// laTime writes t as Log Analytics' CSV export does: "3/14/2025, 1:45:17.287 PM".
func laTime(t time.Time) string {
	return t.UTC().Format("1/2/2006, 3:04:05.000 PM")
}
