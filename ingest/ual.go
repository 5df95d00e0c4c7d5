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
	sqlMay := true
	if ualGoTakes(src.format, src.sniff) {
		ok, shape, err := l.laterEncoding(ctx, src, l.ualGo)
		if err != nil || ok {
			return err
		}
		// A CSV the Go reader does not take as it is written may still
		// be the SQL path's; a record it halted on is the careful path's.
		sqlMay = shape && src.format.id == "ual-csv"
	}
	if ok, err := l.loadFast(ctx, src, ualFast && sqlMay, l.ualFastCSV, l.ualFastJSON); err != nil || ok {
		return err
	}
	g, err := l.newGraphSink(ctx, src)
	if err != nil {
		return err
	}
	var signins int64
	var ord dayOrder
	record := func(rec int64, audit json.RawMessage, creationDate string, raw func() []byte) error {
		a, ok := auditObject(audit)
		if !ok {
			return g.reject(rec, fmt.Sprintf("record %d: AuditData is not a JSON object", rec), raw())
		}
		other, s, err := ualRead(func(k string) json.RawMessage { return a[k] }, creationDate, ord)
		if other != "" {
			return g.notSignin(rec, other, nil) // always ignored, never rejected
		}
		if err != nil {
			return g.reject(rec, fmt.Sprintf("record %d: %v", rec, err), raw())
		}
		signins++
		m, meta := s.graph()
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

// auditObject takes apart the AuditData of a record (the object, or its
// text as a JSON string) into its members, and says whether it is an
// object. Validated, then split by topMembers as json.Unmarshal into a map
// would (the last of repeated names): decoding with reflection was two
// thirds of the Go time of a load (issue 5).
func auditObject(audit json.RawMessage) (map[string]json.RawMessage, bool) {
	if t := strings.TrimSpace(string(audit)); strings.HasPrefix(t, `"`) {
		audit = json.RawMessage(jsonText(audit))
	}
	a, ok := map[string]json.RawMessage(nil), json.Valid(audit)
	if ok {
		a, ok = topMembers(audit)
	}
	return a, ok && a != nil
}

// ualSignin is one UserLoggedIn / UserLoginFailed AuditData object read as
// a Graph sign-in record: the text members trimmed ("" when absent), the
// device's OS and browser and the failure reason as written.
type ualSignin struct {
	id, upn, userID, appID, resourceID, ip, userAgent string
	os, browser                                       string
	created                                           string // isoTime
	hasCode                                           bool
	code                                              int64
	failure                                           string
	tenant, eventType                                 string
}

// ualRead reads one AuditData object, its members given by get (the exact
// bytes of each, nil when absent): other names the record when it is not a
// sign-in ("operation …", always ignored, never rejected), and err says why
// a sign-in cannot be read. Every path that reads audit records calls it:
// the careful one (loadUAL) and the fast ones (ualLine, ualCell).
func ualRead(get func(string) json.RawMessage, creationDate string, ord dayOrder) (other string, s ualSignin, err error) {
	op := jsonText(get("Operation"))
	if !strings.EqualFold(op, "UserLoggedIn") && !strings.EqualFold(op, "UserLoginFailed") {
		if op == "" {
			op = "without Operation"
		}
		return "operation " + op, s, nil
	}
	ext := nameValues(get("ExtendedProperties"), "useragent", "requesttype")
	dev := nameValues(get("DeviceProperties"), "os", "browsertype")
	text := func(name string) string { return strings.TrimSpace(jsonText(get(name))) }
	s.id, s.upn = text("Id"), text("UserId")
	if k := jsonText(get("UserKey")); isGUID(k) {
		s.userID = strings.TrimSpace(k)
	}
	s.appID, s.resourceID = text("ApplicationId"), text("ObjectId")
	s.ip = strings.TrimSpace(clientIP(jsonText(get("ClientIP"))))
	s.userAgent = strings.TrimSpace(ext[0])
	s.os, s.browser = dev[0], dev[1]
	ts := jsonText(get("CreationTime"))
	if ts == "" {
		ts = creationDate
	}
	t, err := parseTime(ts, ord)
	if err != nil {
		return "", s, err
	}
	s.created = isoTime(t)
	if e := strings.TrimSpace(jsonText(get("ErrorNumber"))); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return "", s, fmt.Errorf("ErrorNumber %q is not an error code", e)
		}
		s.hasCode, s.code = true, n
	} else if strings.EqualFold(op, "UserLoggedIn") && jsonText(get("LogonError")) == "" {
		s.hasCode = true
	}
	s.failure = jsonText(get("LogonError"))
	s.eventType = "interactive"
	if strings.EqualFold(ext[1], "OAuth2:Token") {
		s.eventType = "non_interactive"
	}
	s.tenant = jsonText(get("OrganizationId"))
	return "", s, nil
}

// graph writes s as the careful path stages it: a Graph sign-in record and
// its envelope members.
func (s ualSignin) graph() (map[string]any, map[string]string) {
	m := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("id", s.id)
	set("userPrincipalName", s.upn)
	set("userId", s.userID)
	set("appId", s.appID)
	set("resourceId", s.resourceID)
	set("ipAddress", s.ip)
	set("userAgent", s.userAgent)
	if d := map[string]any{}; s.os != "" || s.browser != "" {
		if s.os != "" {
			d["operatingSystem"] = s.os
		}
		if s.browser != "" {
			d["browser"] = s.browser
		}
		m["deviceDetail"] = d
	}
	m["createdDateTime"] = s.created
	status := map[string]any{}
	if s.hasCode {
		status["errorCode"] = s.code
	}
	if s.failure != "" {
		status["failureReason"] = s.failure
	}
	if len(status) > 0 {
		m["status"] = status
	}
	return m, map[string]string{"__tenant": s.tenant, "__event_type": s.eventType, "__mfa_satisfied": "unknown"}
}

// nameValues reads a [{Name, Value}] list: the values of the names asked
// for (lower-case; a list's names are lowered, a later pair of a name wins),
// "" for one the list lacks.
func nameValues(raw json.RawMessage, names ...string) []string {
	out := make([]string, len(names))
	if nameValuesPlain(raw, func(name, value []byte) {
		for i, n := range names {
			if asciiLowerIs(name, n) {
				out[i] = string(value)
			}
		}
	}) {
		return out
	}
	m := nameValuesDecoded(raw)
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

// asciiLowerIs says whether b, in ASCII, lowered is lower.
func asciiLowerIs(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// nameValuesDecoded reads a [{Name, Value}] list into a map keyed by
// lower-case name, by json.Unmarshal into {Name, Value} pairs: nameValues
// for any list nameValuesPlain does not take.
func nameValuesDecoded(raw json.RawMessage) map[string]string {
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
	if s == "" || digitsAndDots(s) {
		// Digits and dots are their own answer: SplitHostPort finds no
		// port in them, and an IPv4 address net.ParseIP takes it writes
		// back as it is (it refuses leading zeros). TestClientIPShortcut.
		return s
	}
	return clientIPParsed(s)
}

// clientIPParsed is clientIP for any text, s trimmed and not empty.
func clientIPParsed(s string) string {
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

// digitsAndDots says whether s holds nothing but ASCII digits and dots.
func digitsAndDots(s string) bool {
	for i := range len(s) {
		if c := s[i]; c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
