package ingest

import (
	"strings"
	"testing"
)

func TestProgressDisplay(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.json", "["+recAlice+"]")
	b := write(t, dir, "b.json", "["+recBob+"]")
	var out strings.Builder
	load(t, Options{Progress: &out}, a, b)
	got := out.String()
	last := got[strings.LastIndex(got, "\r")+1:]
	if !strings.HasPrefix(last, "ingest  [2/2]  [####################]") || !strings.Contains(last, " 2 rows ") ||
		!strings.HasSuffix(last, "b.json\x1b[K\n") {
		t.Errorf("last draw %q", last)
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("the display must stay on one line: %q", got)
	}
}
