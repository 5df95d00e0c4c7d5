package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

// jsonText's shortcut for strings without escapes gives what decoding gives,
// and everything else still goes through the decoder.
func TestJSONText(t *testing.T) {
	for _, in := range []string{
		`"plain"`, `""`, ` "spaced" `, `"caf\u00e9"`, `"tab\there"`, `"quote\"d"`, `"back\\slash"`,
		"\"bad \xff utf8\"", "\"raw\ttab\"", "\"raw\nline\"", `"`, `"unterminated`, `"a"b"`,
		`"=cmd|' /c calc'!A1"`, `"<script>alert(1)</script>"`, "\"ünïcödé\"",
	} {
		want := in
		var s string
		if json.Unmarshal([]byte(in), &s) == nil {
			want = s
		} else {
			want = strings.TrimSpace(in)
		}
		if got := jsonText(json.RawMessage(in)); got != want {
			t.Errorf("jsonText(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{`null`: "", ``: "", ` 42 `: "42", `true`: "true", `{"a":1}`: `{"a":1}`} {
		if got := jsonText(json.RawMessage(in)); got != want {
			t.Errorf("jsonText(%q) = %q, want %q", in, got, want)
		}
	}
}
