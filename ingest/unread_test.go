package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A record written for DuckDB that its lenient reader skipped is found and
// rejected, never lost (FuzzFiles found records vanishing this way).
func TestUnreadRecords(t *testing.T) {
	ctx := context.Background()
	db := memDB(t)
	path := filepath.Join(t.TempDir(), "records.ndjson")
	long := `{"__rec":3,"x":"` + strings.Repeat("a", 3<<20) + `"}`
	os.WriteFile(path, []byte(`{"__rec":1,"id":"a"}`+"\n"+`{"__rec":2,"id":"b"}`+"\n"+long+"\n"+`{"__rec":4,"id":"d"}`+"\n"), 0o644)
	if _, err := db.Exec("create temp table raw_graph as select * from (values (1), (4)) t(rec)"); err != nil {
		t.Fatal(err)
	}
	l := &loader{db: db}
	lost, err := l.unreadRecords(ctx, &source{staged: 4}, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) != 2 || lost[0].rec != 2 || lost[1].rec != 3 || !strings.Contains(lost[0].reason, "could not read") {
		t.Errorf("lost = %+v, want records 2 and 3 with a reason", lost)
	}
	// Nothing skipped: no scan, nothing rejected.
	if lost, err := l.unreadRecords(ctx, &source{staged: 2}, path); err != nil || len(lost) != 0 {
		t.Errorf("with every record read: %+v, %v", lost, err)
	}
}
