package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
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
	for _, format := range []string{"csv", "portal", "json", "ndjson", "archive", "la", "la-json", "ual", "ual-json"} {
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
		if err != nil || n != 500 {
			db.Close()
			t.Fatalf("%s: floor %d rows, %v", filepath.Base(path), n, err)
		}
		// The floor reads with DuckDB's default order (the archive's
		// 2880 files excepted, see Floor), whatever ingest.Open set.
		var ordered bool
		if err := db.QueryRowContext(ctx, "select current_setting('preserve_insertion_order')").Scan(&ordered); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if ordered != (format != "archive") {
			t.Errorf("%s: floor read with preserve_insertion_order = %v", format, ordered)
		}
	}
	if PeakRSS() <= 0 {
		t.Fatal("no VmHWM")
	}
}

// BenchmarkIngest runs, per export shape, DuckDB's floor (Floor) and mfagap's
// ingest (ingest.Files) on the same generated export, the in-process
// counterpart of `mfagap bench --phase floor --phase ingest` for a quick look
// at a change: 20 000 sign-ins unless MFAGAP_BENCH_ROWS says otherwise, the
// exports kept in the system temp folder between runs. The ingest reports
// x-floor, its time per load over the floor's of the same run. At this size
// DuckDB's own type detection (it samples the first 20 480 records) weighs
// on the floor, so the ratios are lower than at 1 M: they show a change's
// direction, the targets are measured with `mfagap bench --rows 1000000`.
//
//	go test ./bench -run '^$' -bench Ingest -benchtime 3x
func BenchmarkIngest(b *testing.B) {
	rows := 20000
	if v := os.Getenv("MFAGAP_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("MFAGAP_BENCH_ROWS=%q: want a positive number", v)
		}
		rows = n
	}
	dir := filepath.Join(os.TempDir(), "mfagap-gobench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, format := range []string{"csv", "portal", "json", "ndjson", "la", "la-json", "ual", "ual-json"} {
		path, err := Prepare(dir, format, rows, 1)
		if err != nil {
			b.Fatal(err)
		}
		var floor float64 // seconds per load
		b.Run(format+"/floor", func(b *testing.B) {
			for b.Loop() {
				db, err := ingest.Open(ctx, ingest.DBOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if n, err := Floor(ctx, db, path, format); err != nil || n != int64(rows) {
					b.Fatalf("floor: %d rows, %v", n, err)
				}
				db.Close()
			}
			floor = b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(rows)/floor, "rows/s")
		})
		b.Run(format+"/ingest", func(b *testing.B) {
			for b.Loop() {
				db, err := ingest.Open(ctx, ingest.DBOptions{})
				if err != nil {
					b.Fatal(err)
				}
				s, err := ingest.Files(ctx, db, []string{path}, ingest.Options{TempDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				var loaded int64
				for _, src := range s.Sources {
					if src.Kind == "signins" {
						// The audit log's service principal events are
						// records of another operation, read and ignored.
						loaded += src.Loaded + src.Ignored
					}
				}
				if loaded != int64(rows) {
					b.Fatalf("loaded or ignored %d of %d records", loaded, rows)
				}
				db.Close()
			}
			per := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(rows)/per, "rows/s")
			if floor > 0 {
				b.ReportMetric(per/floor, "x-floor")
			}
		})
	}
}
