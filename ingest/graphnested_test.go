package ingest

import (
	"regexp"
	"strings"
	"testing"
)

// mapGraphRest skips graph.sql's statements after the insert into signins
// when no row of raw_graph holds what graphNested tests: every column of
// raw_graph those statements read, but the record's keys, must be there,
// or sign-ins with only that column would lose their steps or policies.
func TestGraphNestedNamesWhatRestReads(t *testing.T) {
	_, rest := graphParts()
	// The statements without their comments and string literals.
	text := regexp.MustCompile(`--[^\n]*|'[^']*'`).ReplaceAllString(strings.Join(rest, "\n"), "")
	cols := append(graphRecordColumns(), typedColumns...)
	read := 0
	for _, c := range cols {
		name := c[0]
		if name == "rec" || name == "source_id" {
			continue
		}
		// A column, not a member of a struct (q.id).
		if !regexp.MustCompile(`(^|[^.\w])` + regexp.QuoteMeta(name) + `\b`).MatchString(text) {
			continue
		}
		read++
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + ` is not null\b`).MatchString(graphNested) {
			t.Errorf("graph.sql's statements after the sign-ins read %s, which graphNested does not test", name)
		}
	}
	if read == 0 {
		t.Fatal("no column of raw_graph found in graph.sql's statements after the sign-ins")
	}
}
