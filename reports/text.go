package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mfagap/mfagap/progress"
)

// detailText renders one evidence value for people: lists joined by ", ",
// numbers without exponent, nested objects as compact JSON.
func detailText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = detailText(e)
		}
		return strings.Join(parts, ", ")
	case float64:
		return fmt.Sprintf("%.10g", x)
	case float32:
		return fmt.Sprintf("%.7g", x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	default:
		s, err := compactJSON(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return s
	}
}

// detailPair is one evidence column of a finding, ready to print.
type detailPair struct {
	Key   string
	Value string
}

// detailPairs returns the evidence of a finding sorted by key, so every
// report lists it in the same order.
func detailPairs(d map[string]any) []detailPair {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]detailPair, len(keys))
	for i, k := range keys {
		out[i] = detailPair{Key: k, Value: detailText(d[k])}
	}
	return out
}

// fmtTime formats a time for human-readable reports; the zero time and nil
// print as "-".
func fmtTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "-"
		}
		t = *x
	default:
		return "-"
	}
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// stripControls removes what could drive a terminal or reorder text
// (progress.Clean, which the CLI's own messages use too).
func stripControls(s string) string { return progress.Clean(s) }
