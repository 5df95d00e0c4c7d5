package ingest

import (
	"bytes"
	"os"
	"testing"

	"github.com/mfagap/mfagap/gen"
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

// BenchmarkScanRecordRepeat times the scan of Log Analytics JSON lines
// (the generator's, 2000 records) with and without the values of earlier
// records kept (scanRecordRepeat).
func BenchmarkScanRecordRepeat(b *testing.B) {
	lines := laJSONBenchLines(b, 2000)
	var size int64
	for _, l := range lines {
		size += int64(len(l))
	}
	for _, keep := range []bool{false, true} {
		name := "read"
		if keep {
			name = "kept"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			var rep *scanRepeat
			if keep {
				rep = &scanRepeat{}
			}
			for b.Loop() {
				for _, l := range lines {
					if ok, _ := scanRecordRepeat(l, rep, func(name, v []byte, plain bool) {}); !ok {
						b.Fatal("not read")
					}
				}
			}
		})
	}
}

// laJSONBenchLines is n records of the generator's Log Analytics JSON
// lines.
func laJSONBenchLines(b *testing.B, n int) [][]byte {
	var buf bytes.Buffer
	if err := gen.Write(&buf, "la-json", gen.Options{Rows: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
}
