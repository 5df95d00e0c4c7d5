package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
)

// Diagnostic settings archive (FORMATS.md §5): storage-account PT1H.json
// blobs (one record per line) and Event Hub captures ({"records":[…]}). Each
// record is an envelope {time, tenantId, category, Level, durationMs, …,
// properties{Graph sign-in}}; the category names the event type and tenantId
// the tenant. Level and durationMs change type between producers and are not
// read at all.
func init() {
	register(&format{
		id:       "diagnostic-json",
		kind:     "signins",
		priority: 5,
		why:      "JSON records with category and properties (Azure Monitor diagnostic settings archive or Event Hub capture)",
		detect: func(s *sniff) bool {
			return s.isJSON && (s.has("category", "properties") || s.has("Category", "properties")) &&
				(s.has("time") || s.has("tenantId") || s.has("operationName"))
		},
		load: loadDiagnostic,
	})
}

func loadDiagnostic(ctx context.Context, l *loader, src *source) error {
	if diagFast && diagFastShape(src.sniff) {
		if err := l.setGraphVars(ctx, src); err != nil {
			return err
		}
		n, bad, err := l.readDiagnostic(ctx, src.sniff.disk)
		if outOfSpace(err) {
			return err
		}
		if err == nil && bad == 0 {
			src.read = n
			diagFastReads.Add(1)
			return l.mapGraph(ctx, src, nil)
		}
		// A record DuckDB's reader cannot type, or one that is not a clean
		// sign-in (another category, no properties, no id or time): the
		// careful path below says which record and why, or counts it.
	}
	g, err := l.newGraphSink(ctx, src)
	if err != nil {
		return err
	}
	var signins int64
	err = eachJSON(src, g, func(rec int64, obj map[string]json.RawMessage, raw []byte) error {
		category := jsonText(member(obj, "category"))
		eventType, ok := signinCategories[strings.ToLower(category)]
		if !ok {
			if category == "" {
				return g.reject(rec, fmt.Sprintf("record %d: diagnostic record has no category", rec), raw)
			}
			return g.notSignin(rec, "category "+category, func() []byte { return raw })
		}
		props := member(obj, "properties")
		if t := strings.TrimSpace(string(props)); strings.HasPrefix(t, `"`) {
			// Some pipelines forward properties as a JSON string.
			props = json.RawMessage(jsonText(props))
		}
		var body map[string]json.RawMessage
		if err := json.Unmarshal(props, &body); err != nil || body == nil {
			return g.reject(rec, fmt.Sprintf("record %d: category %s has no properties object", rec, category), raw)
		}
		if v, ok := body["createdDateTime"]; !ok || jsonText(v) == "" {
			// The envelope time is the same instant when properties lack it
			// (or hold null or ""; the fast path does the same).
			if t, ok := obj["time"]; ok {
				body["createdDateTime"] = t
			}
		}
		signins++
		meta := map[string]string{"__tenant": jsonText(member(obj, "tenantId")), "__event_type": eventType}
		b, _ := json.Marshal(body)
		return g.put(rec, meta, b)
	})
	if cerr := g.close(ctx, signins, false, "diagnostic"); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return l.loadSink(ctx, src, g)
}

// member returns obj[name], matching the name case-insensitively when the
// exact spelling is absent (diagnostic producers disagree on Level/level).
func member(obj map[string]json.RawMessage, name string) json.RawMessage {
	if v, ok := obj[name]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// diagFast turns the fast path of loadDiagnostic on; tests turn it off to
// compare it with the careful path, and read diagFastReads (files the fast
// path loaded) to know which path a file took.
var (
	diagFast      = true
	diagFastReads atomic.Int64
)

// diagFastShape says whether a diagnostic file looks like a storage-account
// archive DuckDB can read on its own: NDJSON in UTF-8 without a BOM (DuckDB's
// NDJSON reader refuses one) whose first record is a sign-in envelope with
// the members spelled as Azure Monitor writes them.
func diagFastShape(sn *sniff) bool {
	if !sn.ndjson || sn.bom() || !sn.has("category", "properties", "tenantId", "time") {
		return false
	}
	_, ok := signinCategories[strings.ToLower(sn.str("category"))]
	return ok && strings.HasPrefix(strings.TrimSpace(string(sn.keys["properties"])), "{")
}

// readDiagnostic fills raw_graph from a diagnostic NDJSON file with DuckDB's
// reader, on every thread: each envelope's properties object is read with
// the members and types read_graph reads from a Graph record, its category
// becomes __event_type and its tenantId __tenant, as the careful path writes
// them. It returns the records read and those that are not clean sign-ins
// (see loadDiagnostic). Rewriting each record in Go and reading the result
// took 17 times DuckDB's own read of the file (issue 5).
//
// Each sign-in's steps and policy results are read typed (steps_typed,
// policies_text: the rules of these records are JSON strings); when a
// record holds them as another JSON type (a string, an object), that read
// fails and the file is read again with the two as JSON, as the other
// readers take them, before the careful path is left to decide: one odd
// record would otherwise send a whole archive file through Go.
func (l *loader) readDiagnostic(ctx context.Context, path string) (n, bad int64, err error) {
	unusable := "__event_type is null or " + graphUnusable
	n, bad, err = l.stageRawGraph(ctx, "diagnostic", diagQuery(quote(path), false, true), unusable, "")
	if err != nil {
		n, bad, err = l.stageRawGraph(ctx, "diagnostic (steps and policies as JSON)", diagQuery(quote(path), false, false), unusable, "")
	}
	return n, bad, err
}

// diagQuery is the select of readDiagnostic on paths (a DuckDB path or list
// of paths), with the filename column when fname is set, the steps and
// policy results typed when typed is set, else as JSON.
func diagQuery(paths string, fname, typed bool) string {
	var props, sel []string
	typedExpr := map[string]string{}
	for _, c := range graphRecordColumns() {
		name, typ := c[0], c[1]
		ttyp, tcol, isTyped := typedColumn(name, false)
		switch {
		case strings.HasPrefix(name, "__"):
			continue
		case name == "createdDateTime":
			sel = append(sel, `coalesce(nullif(properties.createdDateTime, ''), "time") as createdDateTime`)
		case isTyped && typed:
			sel = append(sel, "null::JSON as "+name)
			typedExpr[tcol] = "properties." + name
			typ = ttyp
		default:
			sel = append(sel, fmt.Sprintf("properties.%[1]s as %[1]s", name))
		}
		props = append(props, name+" "+typ)
	}
	sel = append(sel, typedSelect(typedExpr))
	if fname {
		sel = append(sel, "filename")
	}
	var cats []string
	for _, c := range slices.Sorted(maps.Keys(signinCategories)) {
		cats = append(cats, fmt.Sprintf("when %s then %s", quote(c), quote(signinCategories[c])))
	}
	q := fmt.Sprintf(`select null::bigint as rec, %s, null::bigint as __rec, tenantId as __tenant,
  case lower(category) %s end as __event_type, null::varchar as __mfa_satisfied,
  %s
from read_json(%s, format = 'newline_delimited', maximum_object_size = 67108864, filename = %t,
  columns = {time: 'VARCHAR', tenantId: 'VARCHAR', category: 'VARCHAR', properties: %s})`,
		rawGraphEnvelope, strings.Join(cats, " "), strings.Join(sel, ",\n  "), paths, fname, quote("STRUCT("+strings.Join(props, ", ")+")"))
	return q
}
