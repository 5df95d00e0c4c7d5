package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
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

// stripControls removes what could drive a terminal or reorder text: C0
// and C1 control characters (ESC included, so no ANSI sequence survives),
// DEL, and Unicode bidirectional overrides. Tabs and line breaks become
// spaces; invalid UTF-8 becomes U+FFFD.
func stripControls(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
