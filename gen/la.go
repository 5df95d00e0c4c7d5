package gen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
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

// writeLA writes the events as one Log Analytics export of SigninLogs: each
// Graph record as the graph-json shape writes it, rewritten into the
// export's columns. asJSON picks the query export (one JSON object per line,
// as the OTRF datasets hold them: ISO times, dynamic columns as JSON text in
// strings, IsInteractive a boolean) over the portal's Export to CSV.
func writeLA(bw *bufio.Writer, g *generator, asJSON bool) error {
	name := "la-csv"
	var c csvRow
	var b []byte
	if asJSON {
		name = "la-json"
	} else {
		b = []byte(strings.Join(laHeader, ",") + "\r\n") // no BOM, names unquoted, as the portal writes it
	}
	err := eachRecord(g, func(rec map[string]json.RawMessage) error {
		cells := laCells(rec)
		if asJSON {
			b = append(b, '{')
			for i, h := range laHeader {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendQuote(b, strings.TrimSuffix(h, " [UTC]")) // ASCII names
				b = append(b, ':')
				v := cells[i]
				switch {
				case v.time != nil:
					b = appendJSONString(b, v.time.UTC().Format("2006-01-02T15:04:05.000Z"))
				case v.isBool:
					b = strconv.AppendBool(b, v.text == "TRUE")
				default:
					b = appendJSONString(b, v.text)
				}
			}
			b = append(b, '}', '\n')
		} else {
			c.start(b)
			for _, v := range cells {
				switch {
				case v.time != nil:
					c.str(laTime(*v.time))
				case v.isInt:
					n, _ := strconv.Atoi(v.text)
					c.int(n)
				default:
					c.str(v.text)
				}
			}
			b = c.end()
		}
		var err error
		b, err = flushIfFull(bw, b)
		return err
	})
	if err != nil {
		return fmt.Errorf("gen: %s: %w", name, err)
	}
	_, err = bw.Write(b)
	return err
}

// eachRecord decodes each event's Graph record, as graph-json writes it,
// into a new T and calls fn with it: the shapes rewritten from that record
// (Log Analytics, the audit log) take their values from there.
func eachRecord[T any](g *generator, fn func(rec T) error) error {
	j := jw{policies: map[policiesKey][]byte{}}
	for e := g.event(); e != nil; e = g.event() {
		j = jw{policies: j.policies}
		j.signIn(e, flavorGraph)
		var rec T
		if err := json.Unmarshal(j.b, &rec); err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// laCell is one cell of a Log Analytics row: text (a dynamic column's JSON
// text), a time, a number or a boolean.
type laCell struct {
	text          string
	time          *time.Time
	isInt, isBool bool
}

// laCells is a Graph record as the cells of laHeader's columns.
func laCells(rec map[string]json.RawMessage) []laCell {
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
	var ts string
	json.Unmarshal(rec["createdDateTime"], &ts)
	created, _ := time.Parse(time.RFC3339Nano, ts)
	generated := created.Add(90 * time.Second)
	tenant := text(rec["resourceTenantId"])
	cells := make([]laCell, len(laHeader))
	for i, h := range laHeader {
		var v laCell
		switch h {
		case "TenantId":
			v.text = "8f2b7c1e-0000-4000-8000-00000000a11a"
		case "SourceSystem":
			v.text = "Azure AD"
		case "TimeGenerated [UTC]":
			v.time = &generated
		case "CreatedDateTime [UTC]":
			v.time = &created
		case "ResourceId":
			v.text = "/tenants/" + tenant + "/providers/Microsoft.aadiam"
		case "OperationName":
			v.text = "Sign-in activity"
		case "Category", "Type":
			v.text = table
		case "ResultType":
			v.text, v.isInt = strconv.Itoa(status.ErrorCode), true
		case "ResultDescription":
			v.text = status.FailureReason
		case "AADTenantId":
			v.text = tenant
		case "IsInteractive":
			v.text, v.isBool = "FALSE", true
			if string(rec["isInteractive"]) == "true" {
				v.text = "TRUE"
			}
		default:
			r := rec[laMembers[h]]
			switch {
			case len(r) == 0 || string(r) == "null":
			case r[0] == '"':
				v.text = text(r)
			default:
				v.text = string(r)
			}
		}
		cells[i] = v
	}
	return cells
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
