package ingest

import (
	"bytes"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// BenchmarkUALLine reads 20,000 generated AuditData JSON lines as the Go
// path reads each (ualLine: the scan, the rules, the sign-in's texts);
// ns/op is per line.
//
//	go test ./ingest -run '^$' -bench UALLine -count 5
func BenchmarkUALLine(b *testing.B) {
	var buf bytes.Buffer
	if err := gen.Write(&buf, "ual-json", gen.Options{Rows: 20000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	signins := 0
	for _, l := range lines {
		if other, _, halt := ualLine(l); halt != "" {
			b.Fatalf("a generated line halts the read: %s", halt)
		} else if other == "" {
			signins++
		}
	}
	if signins == 0 {
		b.Fatal("no sign-in among the generated lines")
	}
	b.SetBytes(int64(buf.Len() / len(lines)))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ualLine(lines[i%len(lines)])
		i++
	}
}
