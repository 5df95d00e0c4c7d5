package ingest

import (
	"os"
	"testing"
)

// BenchmarkScanText times the one read of a CSV in Go (encoding checks and
// the line lengths, textScan) over MFAGAP_SCAN_FILE, a big export.
func BenchmarkScanText(b *testing.B) {
	p := os.Getenv("MFAGAP_SCAN_FILE")
	if p == "" {
		b.Skip("MFAGAP_SCAN_FILE names no file")
	}
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := scanText(p); err != nil {
			b.Fatal(err)
		}
	}
}
