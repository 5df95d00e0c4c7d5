package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mfagap/mfagap/analyze"
)

func writeJSON(t *testing.T, r *analyze.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteJSONGolden(t *testing.T) {
	checkGolden(t, "findings.golden.json", []byte(writeJSON(t, fixedResult())))
}

func TestWriteJSONDeterministic(t *testing.T) {
	r := fixedResult()
	// Many detail keys: map iteration order must not leak into the output.
	d := r.Checks[0].Findings[0].Details
	for _, k := range strings.Split("q w e r t y u i o p a s d f g h j k l z x c v b n m", " ") {
		d[k] = k
	}
	first := writeJSON(t, r)
	for i := 0; i < 20; i++ {
		if got := writeJSON(t, r); got != first {
			t.Fatalf("run %d differs:\n%s", i, lineDiff(first, got))
		}
	}
	if !strings.HasSuffix(first, "}\n") || !strings.Contains(first, "\n  \"schema\"") {
		t.Errorf("want two-space indent and a trailing newline, got %q...", first[:min(40, len(first))])
	}
}

func TestWriteJSONEmptyCollections(t *testing.T) {
	tests := []struct {
		name string
		r    *analyze.Result
		want []string
	}{
		{"nil result", nil, []string{`"inputs": []`, `"checks": []`, `"daily": []`, `"schema": "` + analyze.Schema + `"`}},
		{"empty result", &analyze.Result{}, []string{`"inputs": []`, `"checks": []`, `"daily": []`}},
		{"check without findings", &analyze.Result{Checks: []analyze.CheckResult{{ID: "x", Status: analyze.StatusOK}}}, []string{`"findings": []`}},
		{"finding without details", &analyze.Result{Checks: []analyze.CheckResult{{ID: "x", Findings: []analyze.Finding{{Subject: "s"}}}}}, []string{`"details": {}`}},
		{"nil lists in details", &analyze.Result{Checks: []analyze.CheckResult{{ID: "x", Findings: []analyze.Finding{{Details: map[string]any{"ips": []string(nil), "apps": []any(nil)}}}}}},
			[]string{`"apps": []`, `"ips": []`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := writeJSON(t, tt.r)
			// An empty window is null by contract (no events seen); every
			// collection must be empty instead.
			rest := strings.NewReplacer(`"first": null`, "", `"last": null`, "").Replace(got)
			if strings.Contains(rest, "null") {
				t.Errorf("output contains null:\n%s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %s:\n%s", w, got)
				}
			}
		})
	}
}

func TestWriteJSONNormalises(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	local := time.Date(2025, 3, 1, 9, 0, 0, 0, cet)
	r := &analyze.Result{
		AsOf:   local,
		Window: analyze.Window{First: &local, Last: &local},
		Inputs: []analyze.Input{{Path: "z.csv"}, {Path: "a.csv"}},
		Checks: []analyze.CheckResult{
			{ID: "zz", Findings: []analyze.Finding{{FirstSeen: local, LastSeen: local}}},
			{ID: "aa"},
		},
	}
	got := writeJSON(t, r)
	var back analyze.Result
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "+01:00") || !strings.Contains(got, `"as_of": "2025-03-01T08:00:00Z"`) {
		t.Errorf("times not in UTC:\n%s", got)
	}
	if back.Inputs[0].Path != "a.csv" || back.Checks[0].ID != "aa" {
		t.Errorf("inputs or checks not sorted: %s, %s", back.Inputs[0].Path, back.Checks[0].ID)
	}
	if r.Inputs[0].Path != "z.csv" || r.AsOf.Location() != cet {
		t.Error("WriteJSON modified its input")
	}
}
