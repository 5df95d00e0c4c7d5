package ingest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// topMembers gives what json.Unmarshal into a map[string]json.RawMessage
// gives for every valid JSON value: the same names, the same value bytes,
// nil for null, and no map for what is not an object.
func FuzzTopMembers(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `null`, `[]`, `"x"`, `12`, `true`,
		`{"a":1,"b":"two","c":[1,{"d":"}"}],"e":{"f":null},"g":true,"h":-1.5e3}`,
		"{\n  \"a\" :  \"x\\\"y\\\\\" ,\r\n\t\"b\":[ ]\n}",
		`{"a":1,"a":2}`, `{"k\u00e9y":"v","k\"q":"\\","\u0000":0}`,
		`{"a":"\\\\"}`, `{"":""}`, `{"a":{"b":{"c":[[[]]]}}}`, "{\"\xff\":1}",
		`{"ConditionalAccessPolicies":"[{\"id\":\"1\"}]","TimeGenerated":"2025-03-04T14:05:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		var want map[string]json.RawMessage
		werr := json.Unmarshal(raw, &want)
		got, ok := topMembers(raw)
		if ok != (werr == nil) {
			t.Fatalf("%q: ok %v, Unmarshal error %v", raw, ok, werr)
		}
		if !ok {
			return
		}
		if (got == nil) != (want == nil) || !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("%q:\n got %q\nwant %q", raw, got, want)
		}
	})
}

func normalize(m map[string]json.RawMessage) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
