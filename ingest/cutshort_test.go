package ingest

import (
	"archive/zip"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// A download or copy that stopped early: a CSV that ends inside a row says
// so on that row; a zip without its table of contents says so; a CSV whose
// bad last row is whole does not.
func TestCutShort(t *testing.T) {
	sample, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := write(t, dir, "InteractiveSignIns_cut.csv", string(sample[:8000]))
	whole := write(t, dir, "InteractiveSignIns_whole.csv", string(sample)+"\"2025-03-03T09:00:00Z\",\"broken\r\n")
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("InteractiveSignIns.csv")
	w.Write(sample)
	zw.Close()
	zipCut := write(t, dir, "export.zip", string(zb.Bytes()[:zb.Len()/2]))
	db, sum := load(t, Options{}, cut, whole, zipCut)
	checkAccounting(t, db, sum)
	reasons := strings.Join(queryStrings(t, db, "select source_id || ' ' || reason from rejected_rows order by all"), "\n")
	id := func(name string) string { return strconv.Itoa(sourceOf(t, sum, name).ID) }
	for _, l := range strings.Split(reasons, "\n") {
		cutRow := strings.HasPrefix(l, id("_cut.csv")+" ")
		if cutRow != strings.Contains(l, "the file ends inside this row, as a download or copy cut short does") {
			t.Errorf("rejected row %q: cut short said wrongly", l)
		}
	}
	if !strings.Contains(reasons, "; the file ends inside this row") {
		t.Errorf("no cut-short row among:\n%s", reasons)
	}
	if s := sourceOf(t, sum, "_whole.csv"); s.Rejected != 1 {
		t.Errorf("the whole file's bad last row: %d rejected", s.Rejected)
	}
	if n := skipNote(t, sum, "export.zip"); !strings.Contains(n, "a zip archive cut short") {
		t.Errorf("zip: note %q", n)
	}
}
