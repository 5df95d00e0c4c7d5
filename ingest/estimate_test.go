package ingest

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEstimateTableBytes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat("x", n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("InteractiveSignIns.csv", 1000)
	write("signins.json", 1000)
	write("old.json.gz", 100)
	write("NonInteractiveSignIns.csv.zst", 100)
	f, err := os.Create(filepath.Join(dir, "export.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("NonInteractiveSignIns.csv")
	w.Write([]byte(strings.Repeat("y", 2000)))
	zw.Close()
	f.Close()

	// 1.5 x 1000 (CSV) + 0.6 x 1000 (JSON) + 0.6 x 100 x 8 (gzip'd JSON)
	// + 1.5 x 100 x 8 (Zstandard CSV) + 1.5 x 2000 (zip member)
	want := int64(1500 + 600 + 480 + 1200 + 3000)
	if got := EstimateTableBytes([]string{dir}); got != want {
		t.Errorf("folder: %d, want %d", got, want)
	}
	if got := EstimateTableBytes([]string{filepath.Join(dir, "signins.json"), filepath.Join(dir, "missing.csv")}); got != 600 {
		t.Errorf("one file and a missing one: %d, want 600", got)
	}
	// Diagnostic records (category and properties up front) count at 0.54:
	// their envelope does not reach the tables. Graph records do not.
	diag := filepath.Join(dir, "diag", "PT1H.json")
	graph := filepath.Join(dir, "graph.json")
	os.MkdirAll(filepath.Dir(diag), 0o755)
	rec := `{"time":"2025-03-04T14:05:00Z","category":"SignInLogs","tenantId":"t","properties":{"id":"1"}}` + "\n"
	os.WriteFile(diag, []byte(strings.Repeat(rec, 100)), 0o644)
	os.WriteFile(graph, []byte("["+strings.Repeat(`{"id":"1","createdDateTime":"2025-03-04T14:05:00Z"},`, 100)+"{}]"), 0o644)
	// A Log Analytics CSV (its header names TimeGenerated) counts as JSON:
	// its cells are mostly JSON. A portal CSV, or a header past the first
	// 4 KiB, does not.
	la := filepath.Join(dir, "SigninLogs.csv")
	os.WriteFile(la, []byte("TenantId,SourceSystem,TimeGenerated [UTC],ResultType,AuthenticationDetails\n"+
		strings.Repeat(`t,Azure AD,"3/4/2025, 2:05:00.000 PM",0,"[{""authenticationMethod"":""Password""}]"`+"\n", 100)), 0o644)
	portal := filepath.Join(dir, "portal.csv")
	os.WriteFile(portal, []byte("Date (UTC),Request ID,User agent\n"+strings.Repeat("2025-03-04T14:05:00Z,r,TimeGenerated\n", 100)), 0o644)
	late := filepath.Join(dir, "late.csv")
	os.WriteFile(late, []byte(strings.Repeat("a", 5000)+",TimeGenerated\n1,2\n"), 0o644)
	for path, factor := range map[string]float64{diag: 0.54, graph: 0.6, la: 0.6, portal: 1.5, late: 1.5} {
		info, _ := os.Stat(path)
		if got, want := EstimateTableBytes([]string{path}), int64(factor*float64(info.Size())); got != want {
			t.Errorf("%s: %d, want %d (%.2f × %d)", filepath.Base(path), got, want, factor, info.Size())
		}
	}
}

// A folder written by WriteParquet counts its Parquet files at ten times
// their size (they are compressed) and its small JSON marker like any JSON.
func TestEstimateParquetFolder(t *testing.T) {
	dir := t.TempDir()
	part := filepath.Join(dir, "signins", "tenant_id=t", "day=2025-01-01")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{filepath.Join(part, "data_0.parquet"): 1000, filepath.Join(dir, "users.parquet"): 100, filepath.Join(dir, ParquetMarker): 50} {
		if err := os.WriteFile(name, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !IsParquetDir(dir) {
		t.Fatal("fixture is not a Parquet folder")
	}
	if got, want := EstimateTableBytes([]string{dir}), int64(10*1000+10*100+30); got != want {
		t.Errorf("Parquet folder: %d, want %d", got, want)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"4GB": 4e9, "3GiB": 3 << 30, "2.5 gb": 2.5e9, "3072MiB": 3 << 30, "512": 512, "1KB": 1000, "10 TiB": 10 << 40,
	} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "4 parsecs", "-1GB", "GB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q): no error", in)
		}
	}
	if _, err := ParseBytes(DefaultMemoryLimit()); err != nil {
		t.Errorf("the default limit %q does not parse: %v", DefaultMemoryLimit(), err)
	}
}
