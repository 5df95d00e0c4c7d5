package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"
)

// withStdin runs f with data as the process's standard input.
func withStdin(t *testing.T, data []byte, f func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(data)
		w.Close()
	}()
	saved := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = saved; r.Close() }()
	f()
}

// An input read from standard input ("-") loads as the same file would,
// plain, gzipped or as a zip archive: the load reads a file several times
// and a pipe only once, so the stream is copied first. Before, such an input
// was detected (its first bytes) and then loaded with nothing, no word said.
func TestStandardInput(t *testing.T) {
	csv, err := os.ReadFile("../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	var gz, zipped bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(csv)
	zw.Close()
	aw := zip.NewWriter(&zipped)
	m, _ := aw.Create("export/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	m.Write(csv)
	aw.Close()
	for _, tc := range []struct {
		name, display string
		data          []byte
	}{
		{"plain", StdinName, csv},
		{"gzip", StdinName, gz.Bytes()},
		{"zip", StdinName + "!/export/InteractiveSignIns_2025-03-01_2025-03-08.csv", zipped.Bytes()},
	} {
		var sum *Summary
		withStdin(t, tc.data, func() { _, sum = load(t, Options{}, "-") })
		if len(sum.Sources) != 1 {
			t.Fatalf("%s: sources %+v", tc.name, sum.Sources)
		}
		s := sum.Sources[0]
		if s.Path != tc.display || s.Format != "portal-csv" || s.Read != 13 || s.Loaded != 13 {
			t.Errorf("%s: %s read as %s, %d read, %d loaded; want %s, portal-csv, 13 and 13", tc.name, s.Path, s.Format, s.Read, s.Loaded, tc.display)
		}
	}
}

// A gzip stream cut short is named as such, not loaded half.
func TestStandardInputBadGzip(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte("Date (UTC),Request ID\n"), 1000))
	zw.Close()
	var sum *Summary
	withStdin(t, gz.Bytes()[:gz.Len()/2], func() { _, sum = load(t, Options{}, "-") })
	if len(sum.Sources) != 1 || sum.Sources[0].Kind != "skipped" || !strings.Contains(sum.Sources[0].Note, "a gzip file cut short") {
		t.Errorf("sources %+v, want standard input skipped as a gzip stream cut short", sum.Sources)
	}
}
