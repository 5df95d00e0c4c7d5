package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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
		if _, ok := body["createdDateTime"]; !ok {
			// The envelope time is the same instant when properties lack it.
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
