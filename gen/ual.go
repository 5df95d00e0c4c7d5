package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ualHeader is the Purview "Audit" search export (FORMATS.md §6): one row
// per audit record, AuditData a JSON object in one cell.
var ualHeader = []string{"RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData",
	"AssociatedAdminUnits", "AssociatedAdminUnitsNames"}

// ualEvent is what writeUAL takes from a generated Graph record.
type ualEvent struct {
	ID, UserPrincipalName, UserID, AppID, IPAddress, UserAgent   string
	CorrelationID, ResourceID, ResourceTenantID, CreatedDateTime string
	SignInEventTypes                                             []string
	Status                                                       struct {
		ErrorCode     int
		FailureReason string
	}
	DeviceDetail struct{ OperatingSystem, Browser string }
}

// writeUAL writes the events as a Purview audit export. A user sign-in is an
// AzureActiveDirectoryStsLogon record (RecordType 15): UserLoggedIn for
// error code 0, else UserLoginFailed with the code as ErrorNumber; the
// request type OAuth2:Token for non-interactive sign-ins, Login:login
// otherwise; CreationDate in the US format of the real export, CreationTime
// in AuditData without a zone. The audit log holds no service principal
// sign-ins: those events become records of another operation (an
// application's update, RecordType 8), which the loader counts as read and
// ignored, as it does the many other operations of a real export. One row
// per event. asJSON writes the AuditData objects alone, one a line (ual-json:
// the shape of an export of AuditData, such as Search-UnifiedAuditLog's
// AuditData column expanded to JSON lines).
func writeUAL(bw *bufio.Writer, g *generator, asJSON bool) error {
	var c csvRow
	b := []byte(strings.Join(ualHeader, ",") + "\r\n")
	if asJSON {
		b = nil
	}
	err := eachRecord(g, func(ev ualEvent) error {
		created, _ := time.Parse(time.RFC3339Nano, ev.CreatedDateTime)
		recordType, op, user, audit := 8, "Update service principal.", "ServicePrincipal_"+ev.AppID, ev.other(created)
		if ev.UserPrincipalName != "" {
			recordType, user = 15, ev.UserPrincipalName
			op, audit = ev.signIn(created)
		}
		text, err := json.Marshal(audit) // members sorted by name
		if err != nil {
			return err
		}
		if asJSON {
			b, err = flushIfFull(bw, append(append(b, text...), '\n'))
			return err
		}
		c.start(b)
		c.str(ev.ID)
		c.str(created.UTC().Format("1/2/2006 3:04:05 PM"))
		c.int(recordType)
		c.str(op)
		c.str(user)
		c.str(string(text))
		c.str("")
		c.str("")
		b, err = flushIfFull(bw, c.end())
		return err
	})
	if err != nil {
		return fmt.Errorf("gen: ual: %w", err)
	}
	_, err = bw.Write(b)
	return err
}

// signIn is the AuditData of a user sign-in, and its operation.
func (ev *ualEvent) signIn(created time.Time) (string, map[string]any) {
	op, detail, requestType := "UserLoggedIn", "Success", "Login:login"
	if ev.Status.ErrorCode != 0 {
		op, detail = "UserLoginFailed", "Failure"
	}
	if len(ev.SignInEventTypes) > 0 && ev.SignInEventTypes[0] == "nonInteractiveUser" {
		requestType = "OAuth2:Token"
	}
	nv := func(name, value string) map[string]string { return map[string]string{"Name": name, "Value": value} }
	audit := map[string]any{
		"CreationTime": created.UTC().Format("2006-01-02T15:04:05"), "Id": ev.ID, "Operation": op,
		"OrganizationId": ev.ResourceTenantID, "RecordType": 15, "ResultStatus": "Success", "UserKey": ev.UserID,
		"UserType": 0, "Version": 1, "Workload": "AzureActiveDirectory", "ClientIP": ev.IPAddress,
		"ObjectId": ev.ResourceID, "UserId": ev.UserPrincipalName, "AzureActiveDirectoryEventType": 1,
		"ExtendedProperties": []map[string]string{nv("ResultStatusDetail", detail), nv("UserAgent", ev.UserAgent),
			nv("RequestType", requestType)},
		"ModifiedProperties": []any{},
		"Actor":              []map[string]any{{"ID": ev.UserID, "Type": 0}, {"ID": ev.UserPrincipalName, "Type": 5}},
		"ActorContextId":     ev.ResourceTenantID, "ActorIpAddress": ev.IPAddress,
		"InterSystemsId": ev.CorrelationID, "IntraSystemId": ev.ID,
		"Target":          []map[string]any{{"ID": ev.ResourceID, "Type": 0}},
		"TargetContextId": ev.ResourceTenantID, "ApplicationId": ev.AppID,
		"DeviceProperties": []map[string]string{nv("OS", ev.DeviceDetail.OperatingSystem),
			nv("BrowserType", ev.DeviceDetail.Browser)},
		"ErrorNumber": strconv.Itoa(ev.Status.ErrorCode),
	}
	if ev.Status.ErrorCode != 0 {
		audit["LogonError"] = strings.ReplaceAll(strings.TrimSuffix(ev.Status.FailureReason, "."), " ", "")
	}
	return op, audit
}

// other is the AuditData of a record that is not a sign-in.
func (ev *ualEvent) other(created time.Time) map[string]any {
	return map[string]any{
		"CreationTime": created.UTC().Format("2006-01-02T15:04:05"), "Id": ev.ID, "Operation": "Update service principal.",
		"OrganizationId": ev.ResourceTenantID, "RecordType": 8, "ResultStatus": "Success", "UserKey": "Not Available",
		"UserType": 4, "Version": 1, "Workload": "AzureActiveDirectory", "ObjectId": ev.AppID,
		"UserId": "ServicePrincipal_" + ev.AppID,
	}
}
