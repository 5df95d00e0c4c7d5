package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Log Analytics / Microsoft Sentinel sign-in tables (FORMATS.md §4):
// "Export to CSV (all columns)" from the portal (TimeGenerated [UTC], US
// dates with a comma, JSON in cells, TRUE/FALSE) and JSON exports of query
// results (one object per row, PascalCase columns, dynamic columns as objects
// or as JSON text). Both are rewritten row by row into Graph records. The
// table (Type, else Category) names the event type. TenantId is the Log
// Analytics workspace, not the Entra tenant: the tenant is AADTenantId, else
// the resource tenant.
func init() {
	register(&format{
		id:       "la-csv",
		kind:     "signins",
		priority: 20,
		why:      "CSV with TimeGenerated and ResultType columns (Log Analytics / Sentinel Export to CSV of a sign-in table)",
		detect: func(s *sniff) bool {
			return (s.hasCols("timegenerated [utc]") || s.hasCols("timegenerated")) &&
				(s.hasCols("resulttype") || s.hasCols("type")) &&
				(s.hasCols("userprincipalname") || s.hasCols("appid") || s.hasCols("id"))
		},
		load: loadLA,
	})
	register(&format{
		id:       "la-json",
		kind:     "signins",
		priority: 6,
		why:      "JSON records with TimeGenerated and Type, ResultType or Category (Log Analytics / Sentinel query export)",
		detect: func(s *sniff) bool {
			return s.isJSON && s.has("TimeGenerated") && (s.has("Type") || s.has("ResultType") || s.has("Category"))
		},
		load: loadLA,
	})
}

type laKind int

const (
	laText laKind = iota
	laBool
	laJSON
)

// laColumns maps Log Analytics columns (lower-case, " [utc]" dropped) to
// Graph members. ResourceId is the Azure resource path in LA, so the
// resource application is ResourceIdentity.
var laColumns = []struct {
	la, graph string
	kind      laKind
}{
	{"id", "id", laText},
	{"userdisplayname", "userDisplayName", laText},
	{"userprincipalname", "userPrincipalName", laText},
	{"userid", "userId", laText},
	{"appid", "appId", laText},
	{"appdisplayname", "appDisplayName", laText},
	{"ipaddress", "ipAddress", laText},
	{"clientappused", "clientAppUsed", laText},
	{"useragent", "userAgent", laText},
	{"correlationid", "correlationId", laText},
	{"conditionalaccessstatus", "conditionalAccessStatus", laText},
	{"isinteractive", "isInteractive", laBool},
	{"clientcredentialtype", "clientCredentialType", laText},
	{"risklevelduringsignin", "riskLevelDuringSignIn", laText},
	{"riskstate", "riskState", laText},
	{"resourcedisplayname", "resourceDisplayName", laText},
	{"resourceidentity", "resourceId", laText},
	{"resourcetenantid", "resourceTenantId", laText},
	{"hometenantid", "homeTenantId", laText},
	{"authenticationrequirement", "authenticationRequirement", laText},
	{"serviceprincipalname", "servicePrincipalName", laText},
	{"serviceprincipalid", "servicePrincipalId", laText},
	{"signineventtypes", "signInEventTypes", laJSON},
	{"usertype", "userType", laText},
	{"crosstenantaccesstype", "crossTenantAccessType", laText},
	{"authenticationprotocol", "authenticationProtocol", laText},
	{"status", "status", laJSON},
	{"devicedetail", "deviceDetail", laJSON},
	{"locationdetails", "location", laJSON},
	{"authenticationdetails", "authenticationDetails", laJSON},
	{"conditionalaccesspolicies", "appliedConditionalAccessPolicies", laJSON},
}

// laTimeColumns are the timestamp columns, best first.
var laTimeColumns = []string{"createddatetime", "timegenerated"}

// laKey normalises an LA column name: "CreatedDateTime [UTC]" → "createddatetime".
func laKey(name string) string {
	return strings.TrimSuffix(normHeader(name), " [utc]")
}

// laKeys memoises laKey over one file's column names: normalising every name
// of every row again was a fifth of the time of a Log Analytics load (issue
// 5). It stops growing past a few thousand names (JSON records may each
// bring their own keys).
type laKeys map[string]string

func (c laKeys) key(name string) string {
	k, ok := c[name]
	if !ok {
		k = laKey(name)
		if len(c) < 4096 {
			c[name] = k
		}
	}
	return k
}

func loadLA(ctx context.Context, l *loader, src *source) error {
	if ok, err := l.loadFast(ctx, src, laFast, l.laFastCSV, l.laFastJSON); err != nil || ok {
		return err
	}
	g, err := l.newGraphSink(ctx, src)
	if err != nil {
		return err
	}
	var signins int64
	var vote dateVote
	var ord dayOrder
	keys := laKeys{}
	row := func(rec int64, cells map[string]string, raw func() []byte) error {
		table := cells["type"]
		if table == "" {
			table = cells["category"]
		}
		eventType, ok := signinCategories[strings.ToLower(table)]
		if !ok && table != "" {
			return g.notSignin(rec, "table "+table, raw)
		}
		m, err := laRecord(cells, ord)
		if err != nil {
			return g.reject(rec, fmt.Sprintf("record %d: %v", rec, err), raw())
		}
		signins++
		return g.putMap(rec, map[string]string{"__tenant": cells["aadtenantid"], "__event_type": eventType}, m)
	}
	if src.format.id == "la-csv" {
		bad, err := l.csvTable(ctx, src, g)
		if err == nil {
			err = l.csvRows(ctx, bad, func(k string) bool { return slices.Contains(laTimeColumns, keys.key(k)) }, func(_ int64, cells map[string]string) error {
				vote.observe(laTime(keys.cells(cells)))
				return nil
			})
		}
		if err == nil {
			ord = decideOrder(src, &vote)
			err = l.csvRows(ctx, bad, nil, func(line int64, cells map[string]string) error {
				src.read++
				cells = keys.cells(cells)
				return row(line, cells, func() []byte { return csvRaw(src, cells) })
			})
		}
		if err != nil {
			g.close(ctx, 0, false, "")
			return err
		}
	} else {
		if err := voteJSON(src, &vote, keys); err != nil {
			g.close(ctx, 0, false, "")
			return err
		}
		ord = decideOrder(src, &vote)
		err = eachJSONRecord(src, g, func(rec int64, raw []byte) error {
			// Members in the record's order: of two whose names laKey
			// reads alike, the later non-empty one wins, as between two
			// such CSV columns (ranging over a map of them picked either).
			cells := make(map[string]string, len(laColumns))
			eachTopMember(raw, func(k string, v json.RawMessage) {
				if t := jsonText(v); t != "" {
					cells[keys.key(k)] = t
				}
			})
			return row(rec, cells, func() []byte { return raw })
		})
		if err != nil {
			g.close(ctx, 0, false, "")
			return err
		}
	}
	if err := g.close(ctx, signins, false, "Log Analytics"); err != nil {
		return err
	}
	return l.loadSink(ctx, src, g)
}

// cells re-keys CSV cells by LA column name ("TimeGenerated [UTC]" → "timegenerated").
func (c laKeys) cells(cells map[string]string) map[string]string {
	out := make(map[string]string, len(cells))
	for k, v := range cells {
		out[c.key(k)] = v
	}
	return out
}

func laTime(cells map[string]string) string {
	for _, c := range laTimeColumns {
		if v := cells[c]; v != "" {
			return v
		}
	}
	return ""
}

// decideOrder turns a file's date vote into its day/month order, noting
// when the file cannot decide.
func decideOrder(src *source, v *dateVote) dayOrder {
	ord, note := v.order()
	if note != "" {
		src.note("%s", note)
	}
	return ord
}

// voteJSON reads the timestamps of a JSON source once to decide day/month
// order, unless the text holds no value that could be a slash date.
func voteJSON(src *source, v *dateVote, keys laKeys) error {
	in, err := openJSON(src)
	if err != nil {
		return err
	}
	may, err := mayHoldSlashDate(in)
	in.Close()
	if err != nil || !may {
		return err
	}
	in, err = openJSON(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return splitJSON(in, src.sniff.ndjson, func(r jsonRecord) error {
		if r.Err != "" {
			return nil // the load reports it
		}
		cells := map[string]string{}
		if eachTopMember(r.Raw, func(k string, val json.RawMessage) {
			if t := jsonText(val); t != "" {
				if k := keys.key(k); slices.Contains(laTimeColumns, k) {
					cells[k] = t
				}
			}
		}) {
			v.observe(laTime(cells))
		}
		return nil
	})
}

// csvRaw rebuilds a kept CSV row for a rejected row's raw text (JSON of its
// cells; DuckDB does not hand back the line of a row it parsed).
func csvRaw(_ *source, cells map[string]string) []byte {
	b, _ := json.Marshal(cells)
	return b
}

// laRecord rewrites one Log Analytics row as a Graph sign-in record.
func laRecord(cells map[string]string, ord dayOrder) (map[string]any, error) {
	m := map[string]any{}
	for _, c := range laColumns {
		v := strings.TrimSpace(cells[c.la])
		if v == "" {
			continue
		}
		switch c.kind {
		case laText:
			m[c.graph] = v
		case laBool:
			if b, err := strconv.ParseBool(strings.ToLower(v)); err == nil {
				m[c.graph] = b
			}
		case laJSON:
			if (v[0] == '{' || v[0] == '[') && json.Valid([]byte(v)) && v != "{}" && v != "[]" {
				m[c.graph] = json.RawMessage(v)
			}
		}
	}
	if _, ok := m["appliedConditionalAccessPolicies"]; !ok {
		if v := cells["appliedconditionalaccesspolicies"]; strings.HasPrefix(v, "[") && json.Valid([]byte(v)) {
			m["appliedConditionalAccessPolicies"] = json.RawMessage(v)
		}
	}
	ts := laTime(cells)
	if ts == "" {
		return nil, errors.New("no CreatedDateTime or TimeGenerated")
	}
	t, err := parseTime(ts, ord)
	if err != nil {
		return nil, err
	}
	m["createdDateTime"] = isoTime(t)
	status, err := laStatus(m["status"], cells)
	if err != nil {
		return nil, err
	}
	if status != nil {
		m["status"] = status
	}
	return m, nil
}

// laStatus makes status {errorCode, failureReason, additionalDetails} with a
// numeric errorCode, taking ResultType and ResultDescription when the Status
// column lacks them (it is {"errorCode":0} at best in real exports).
func laStatus(v any, cells map[string]string) (map[string]any, error) {
	st := map[string]any{}
	if raw, ok := v.(json.RawMessage); ok {
		json.Unmarshal(raw, &st)
	}
	code, has := st["errorCode"]
	if s, ok := code.(string); ok {
		code, has = s, s != ""
	}
	if !has || code == nil {
		code = cells["resulttype"]
	}
	switch c := code.(type) {
	case float64:
		st["errorCode"] = int64(c)
	case string:
		if c == "" {
			delete(st, "errorCode")
			break
		}
		n, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ResultType %q is not an error code", c)
		}
		st["errorCode"] = n
	}
	if _, ok := st["failureReason"]; !ok && cells["resultdescription"] != "" {
		st["failureReason"] = cells["resultdescription"]
	}
	if len(st) == 0 {
		return nil, nil
	}
	return st, nil
}
