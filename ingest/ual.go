package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Microsoft Purview unified audit log (FORMATS.md §6): the Purview "Audit"
// CSV (RecordId,CreationDate,RecordType,Operation,UserId,AuditData,…), the
// classic Search-UnifiedAuditLog CSV (CreationDate,UserIds,Operations,
// AuditData[,…]) and NDJSON of AuditData objects. Only UserLoggedIn and
// UserLoginFailed (RecordType 15, AzureActiveDirectoryStsLogon) are sign-ins;
// every other audit record is counted as read and as ignored (never
// rejected: an audit export is mostly other operations, and that is not a
// fault of the file).
//
// Mapping: request_id = Id, tenant = OrganizationId, UPN = UserId, success
// from ErrorNumber (ResultStatus says Success even for UserLoginFailed), IP
// from ClientIP without [::ffff:…]:port, user agent from ExtendedProperties.
// The log has no authentication requirement, client app, Conditional Access
// data or MFA detail: those stay NULL and mfa_satisfied is 'unknown'.
// Event type: interactive, except RequestType OAuth2:Token (a token
// redemption or refresh without the user at the keyboard), which is
// non_interactive.
func init() {
	register(&format{
		id:       "ual-csv",
		kind:     "signins",
		priority: 21,
		why:      "CSV with CreationDate and AuditData columns (Purview audit export or Search-UnifiedAuditLog | Export-Csv)",
		detect: func(s *sniff) bool {
			return s.hasCols("creationdate", "auditdata") && (s.hasCols("operation") || s.hasCols("operations"))
		},
		load: loadUAL,
	})
	register(&format{
		id:       "ual-json",
		kind:     "signins",
		priority: 7,
		why:      "JSON records with CreationTime, Operation, RecordType and Workload (unified audit log AuditData)",
		detect: func(s *sniff) bool {
			return s.isJSON && (s.has("CreationTime", "Operation", "RecordType") || s.has("AuditData", "CreationDate"))
		},
		load: loadUAL,
	})
}

func loadUAL(ctx context.Context, l *loader, src *source) error {
	if ok, err := l.loadFast(ctx, src, ualFast, l.ualFastCSV, l.ualFastJSON); err != nil || ok {
		return err
	}
	g, err := l.newGraphSink(ctx, src)
	if err != nil {
		return err
	}
	var signins int64
	var ord dayOrder
	record := func(rec int64, audit json.RawMessage, creationDate string, raw func() []byte) error {
		if t := strings.TrimSpace(string(audit)); strings.HasPrefix(t, `"`) {
			audit = json.RawMessage(jsonText(audit))
		}
		// Validated, then split by topMembers as json.Unmarshal into a map
		// would (the last of repeated names): decoding with reflection was
		// two thirds of the Go time of a load (issue 5).
		a, ok := map[string]json.RawMessage(nil), json.Valid(audit)
		if ok {
			a, ok = topMembers(audit)
		}
		if !ok || a == nil {
			return g.reject(rec, fmt.Sprintf("record %d: AuditData is not a JSON object", rec), raw())
		}
		op := jsonText(a["Operation"])
		if !strings.EqualFold(op, "UserLoggedIn") && !strings.EqualFold(op, "UserLoginFailed") {
			if op == "" {
				op = "without Operation"
			}
			return g.notSignin(rec, "operation "+op, nil) // always ignored, never rejected
		}
		m, meta, err := ualRecord(a, creationDate, ord)
		if err != nil {
			return g.reject(rec, fmt.Sprintf("record %d: %v", rec, err), raw())
		}
		signins++
		return g.putMap(rec, meta, m)
	}
	if src.format.id == "ual-csv" {
		var vote dateVote
		bad, err := l.csvTable(ctx, src, g)
		if err == nil {
			err = l.csvRows(ctx, bad, func(k string) bool { return k == "creationdate" }, func(_ int64, cells map[string]string) error {
				vote.observe(cells["creationdate"])
				return nil
			})
		}
		if err == nil {
			ord, _ = vote.order() // used only when AuditData lacks CreationTime
			err = l.csvRows(ctx, bad, nil, func(line int64, cells map[string]string) error {
				src.read++
				return record(line, json.RawMessage(cells["auditdata"]), cells["creationdate"],
					func() []byte { return []byte(cells["auditdata"]) })
			})
		}
		if err != nil {
			g.close(ctx, 0, true, "")
			return err
		}
	} else {
		err = eachJSON(src, g, func(rec int64, obj map[string]json.RawMessage, raw []byte) error {
			if ad, ok := obj["AuditData"]; ok {
				return record(rec, ad, jsonText(obj["CreationDate"]), func() []byte { return raw })
			}
			return record(rec, raw, "", func() []byte { return raw })
		})
		if err != nil {
			g.close(ctx, 0, true, "")
			return err
		}
	}
	if err := g.close(ctx, signins, true, "audit"); err != nil {
		return err
	}
	return l.loadSink(ctx, src, g)
}

// ualRecord rewrites one UserLoggedIn / UserLoginFailed AuditData object as a
// Graph sign-in record.
func ualRecord(a map[string]json.RawMessage, creationDate string, ord dayOrder) (map[string]any, map[string]string, error) {
	ext := nameValues(a["ExtendedProperties"])
	dev := nameValues(a["DeviceProperties"])
	m := map[string]any{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			m[k] = v
		}
	}
	set("id", jsonText(a["Id"]))
	set("userPrincipalName", jsonText(a["UserId"]))
	if k := jsonText(a["UserKey"]); isGUID(k) {
		set("userId", k)
	}
	set("appId", jsonText(a["ApplicationId"]))
	set("resourceId", jsonText(a["ObjectId"]))
	set("ipAddress", clientIP(jsonText(a["ClientIP"])))
	set("userAgent", ext["useragent"])
	if d := map[string]any{}; dev["os"] != "" || dev["browsertype"] != "" {
		if dev["os"] != "" {
			d["operatingSystem"] = dev["os"]
		}
		if dev["browsertype"] != "" {
			d["browser"] = dev["browsertype"]
		}
		m["deviceDetail"] = d
	}
	ts := jsonText(a["CreationTime"])
	if ts == "" {
		ts = creationDate
	}
	t, err := parseTime(ts, ord)
	if err != nil {
		return nil, nil, err
	}
	m["createdDateTime"] = isoTime(t)
	status := map[string]any{}
	if e := strings.TrimSpace(jsonText(a["ErrorNumber"])); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("ErrorNumber %q is not an error code", e)
		}
		status["errorCode"] = n
	} else if strings.EqualFold(jsonText(a["Operation"]), "UserLoggedIn") && jsonText(a["LogonError"]) == "" {
		status["errorCode"] = 0
	}
	if le := jsonText(a["LogonError"]); le != "" {
		status["failureReason"] = le
	}
	if len(status) > 0 {
		m["status"] = status
	}
	eventType := "interactive"
	if strings.EqualFold(ext["requesttype"], "OAuth2:Token") {
		eventType = "non_interactive"
	}
	meta := map[string]string{"__tenant": jsonText(a["OrganizationId"]), "__event_type": eventType, "__mfa_satisfied": "unknown"}
	return m, meta, nil
}

// nameValues reads a [{Name, Value}] list into a map keyed by lower-case name.
func nameValues(raw json.RawMessage) map[string]string {
	var list []struct{ Name, Value string }
	json.Unmarshal(raw, &list)
	out := make(map[string]string, len(list))
	for _, nv := range list {
		out[strings.ToLower(nv.Name)] = nv.Value
	}
	return out
}

// clientIP strips the port and brackets the audit log adds: "[::ffff:192.0.2.1]:443",
// "192.0.2.1:443", "[2001:db8::1]:443"; IPv4-mapped IPv6 becomes IPv4.
func clientIP(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.Trim(s, "[]")
	if ip := net.ParseIP(s); ip != nil {
		if v4 := ip.To4(); v4 != nil {
			return v4.String()
		}
		return ip.String()
	}
	return s
}
