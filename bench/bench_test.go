package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/ingest"
)

func TestSummarizeAndTable(t *testing.T) {
	samples := []Sample{
		{Format: "csv", Phase: "ingest", Rows: 100, Seconds: 2, CPU: 3, PeakRSS: 3 << 20, Run: 1},
		{Format: "csv", Phase: "floor", Rows: 100, Seconds: 1, PeakRSS: 1 << 20, Run: 1},
		{Format: "csv", Phase: "floor", Rows: 100, Seconds: 3, PeakRSS: 2 << 20, Run: 2},
		{Format: "csv", Phase: "ingest", Rows: 100, Seconds: 4, PeakRSS: 5 << 20, Run: 2},
		{Format: "csv", Phase: "ingest", Rows: 100, Seconds: 3, PeakRSS: 4 << 20, Run: 3}, // no floor in run 3
		{Format: "json", Phase: "floor", Rows: 100, Seconds: 10, Run: 3},                  // another format's floor
	}
	rows := Summarize(samples)
	if len(rows) != 3 || rows[0].Phase != "floor" || rows[1].Phase != "ingest" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Median != 2 || rows[1].Median != 3 || rows[1].Min != 2 || rows[1].Max != 4 || rows[1].PeakRSS != 5<<20 {
		t.Fatalf("summary %+v", rows)
	}
	var b strings.Builder
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	// By round: 2/1 and 4/3; run 3 has no csv floor.
	if !strings.Contains(b.String(), "| csv | ingest | 100 | 3.00 | 2.00–4.00 | 3 | 33 | 1.50 | 1.67 (1.33–2.00) | 0.0 | 5 MiB |") {
		t.Fatalf("table:\n%s", b.String())
	}
}

func TestPrepareAndFloor(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, format := range []string{"csv", "portal", "json", "ndjson", "archive"} {
		path, err := Prepare(dir, format, 500, 1)
		if err != nil {
			t.Fatal(err)
		}
		st1, _ := os.Stat(path)
		if again, _ := Prepare(dir, format, 500, 1); again != path {
			t.Fatalf("not reused: %s %s", path, again)
		}
		if st2, _ := os.Stat(path); !st2.ModTime().Equal(st1.ModTime()) {
			t.Fatal("rewritten")
		}
		db, err := ingest.Open(ctx, ingest.DBOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Floor(ctx, db, path, format)
		db.Close()
		if err != nil || n != 500 {
			t.Fatalf("%s: floor %d rows, %v", filepath.Base(path), n, err)
		}
	}
	if PeakRSS() <= 0 {
		t.Fatal("no VmHWM")
	}
}
