package progress

import (
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name  string
		s     State
		width int
		want  string
	}{
		{"bytes with ETA", State{Label: "ingest", Item: "a.csv", Done: 1, Total: 2, Bytes: 512 << 20, TotalBytes: 2 << 30, Rows: 1234567, Elapsed: 30 * time.Second}, 0,
			"ingest  [1/2]  [#####...............] 512.0 MiB/2.0 GiB  1,234,567 rows  0:30  ETA 1:30  a.csv"},
		{"a step after the read", State{Label: "ingest", Item: "PT1H.json", Done: 1, Total: 1, Bytes: 990, TotalBytes: 1000, Rows: 0, Elapsed: 30 * time.Second, Step: "policy results"}, 0,
			"ingest  [1/1]  [###################.] 990 B/1000 B  0 rows  0:30  policy results  PT1H.json"},
		{"no ETA at the start", State{Label: "ingest", Done: 1, Total: 1, Bytes: 1, TotalBytes: 1000, Rows: 0, Elapsed: time.Second}, 0,
			"ingest  [1/1]  [....................] 1 B/1000 B  0 rows  0:01"},
		{"checks", State{Label: "analyze", Item: "password-spray", Done: 3, Total: 5, Rows: -1, Elapsed: 4 * time.Second}, 0,
			"analyze  [3/5]  [########............]  0:04  ETA 0:06  password-spray"},
		{"checks complete", State{Label: "analyze", Done: 5, Total: 5, Complete: true, Rows: -1, Elapsed: 4 * time.Second}, 0,
			"analyze  [5/5]  [####################]  0:04"},
		{"hours", State{Label: "x", Rows: -1, Elapsed: 3723 * time.Second}, 0, "x  1:02:03"},
		{"cut to width", State{Label: "ingest", Item: strings.Repeat("é", 50), Rows: -1}, 20, "ingest  0:00  ééééé…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.s, tt.width); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536 << 20: "1.5 GiB", 3 << 40: "3.0 TiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestBarThrottles(t *testing.T) {
	var out strings.Builder
	now := time.Unix(0, 0)
	b := New(&out, 80)
	b.now = func() time.Time { return now }
	b.start = now
	for i := 0; i < 1000; i++ { // a tight loop draws once
		b.Update(State{Label: "ingest", Item: "f\x1b[2J\u202egpj.csv", Rows: int64(i)})
	}
	if n := strings.Count(out.String(), "\r"); n != 1 {
		t.Fatalf("%d draws in a tight loop, want 1: %q", n, out.String())
	}
	now = now.Add(199 * time.Millisecond)
	b.Update(State{Label: "ingest"})
	if n := strings.Count(out.String(), "\r"); n != 1 {
		t.Fatalf("drew before the interval: %d", n)
	}
	now = now.Add(time.Millisecond)
	b.Change(func(s *State) { s.Item = "g.csv" })
	if n := strings.Count(out.String(), "\r"); n != 2 || !strings.HasSuffix(out.String(), "g.csv\x1b[K") {
		t.Fatalf("no draw after the interval: %q", out.String())
	}
	if strings.Contains(out.String(), "\x1b[2J") || strings.Contains(out.String(), "\u202e") {
		t.Fatal("control characters or a bidi override from data reached the terminal")
	}
	b.Finish()
	if !strings.HasSuffix(out.String(), "\n") || strings.Count(out.String(), "\r") != 3 {
		t.Fatalf("Finish: %q", out.String())
	}
	b.Finish() // idempotent
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatal("second Finish wrote again")
	}
}

func TestClean(t *testing.T) {
	if got, want := Clean("a\x1b[2J\u202eb\u2066\nc\td\r\x07\u009b"), "a[2Jb c d "; got != want {
		t.Errorf("Clean = %q, want %q", got, want)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234", -999: "-999"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
