package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/mfagap/mfagap/analyze"
)

// WriteJSON writes r as the findings contract: JSON indented by two spaces
// with a trailing newline. Identical results give byte-identical output: nil
// slices and maps are written as [] and {}, times are UTC, inputs are sorted
// by path and checks by id.
func WriteJSON(w io.Writer, r *analyze.Result) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalise(r)); err != nil {
		return fmt.Errorf("encode findings json: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write findings json: %w", err)
	}
	return nil
}

// normalise returns a copy of r that every writer renders the same way for
// the same analysis: no nil slices or maps, UTC times, inputs sorted by path
// and checks by id. r itself is not modified.
func normalise(r *analyze.Result) *analyze.Result {
	if r == nil {
		r = &analyze.Result{}
	}
	n := *r
	if n.Schema == "" {
		n.Schema = analyze.Schema
	}
	n.AsOf = n.AsOf.UTC()
	n.Window = analyze.Window{First: utcPtr(r.Window.First), Last: utcPtr(r.Window.Last)}

	n.Inputs = make([]analyze.Input, len(r.Inputs))
	for i, in := range r.Inputs {
		in.FirstEvent = utcPtr(in.FirstEvent)
		in.LastEvent = utcPtr(in.LastEvent)
		n.Inputs[i] = in
	}
	sort.SliceStable(n.Inputs, func(i, j int) bool { return n.Inputs[i].Path < n.Inputs[j].Path })

	n.Checks = make([]analyze.CheckResult, len(r.Checks))
	for i, c := range r.Checks {
		fs := make([]analyze.Finding, len(c.Findings))
		for j, f := range c.Findings {
			f.FirstSeen = f.FirstSeen.UTC()
			f.LastSeen = f.LastSeen.UTC()
			f.Details = normaliseDetails(f.Details)
			fs[j] = f
		}
		c.Findings = fs
		if c.References == nil {
			c.References = []string{}
		}
		n.Checks[i] = c
	}
	sort.SliceStable(n.Checks, func(i, j int) bool { return n.Checks[i].ID < n.Checks[j].ID })

	n.Metrics.Daily = append([]analyze.DayMetric{}, r.Metrics.Daily...)
	sort.SliceStable(n.Metrics.Daily, func(i, j int) bool {
		a, b := n.Metrics.Daily[i], n.Metrics.Daily[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return a.TenantID < b.TenantID
	})
	return &n
}

// normaliseDetails copies d (the caller's map stays untouched), turning a
// nil map or nil list into an empty one so JSON shows {} and [] for them.
func normaliseDetails(d map[string]any) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		switch x := v.(type) {
		case []any:
			if x == nil {
				v = []any{}
			}
		case []string:
			if x == nil {
				v = []string{}
			}
		}
		out[k] = v
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// severities lists the known severities from most to least severe; reports
// group and count findings in this order.
var severities = []string{"critical", "high", "medium", "low", "info"}

// severityRank orders severities for sorting; unknown ones sort last.
func severityRank(s string) int {
	for i, v := range severities {
		if v == s {
			return i
		}
	}
	return len(severities)
}

// findingCount returns the number of findings of every check in r.
func findingCount(r *analyze.Result) int {
	n := 0
	for _, c := range r.Checks {
		n += len(c.Findings)
	}
	return n
}
