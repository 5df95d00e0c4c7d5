package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// isoTime writes a time to the second by hand: the same text as Format, for
// every year it takes that way, in any zone, and through Format otherwise.
func TestISOTimeByHand(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+1800), time.FixedZone("west", -11*3600)}
	years := []int{0, 1, 9, 10, 99, 100, 999, 1000, 1969, 1970, 2025, 9999, 10000, -1}
	for i := range 200000 {
		var y int
		if i < len(years)*len(zones)*4 {
			y = years[i%len(years)]
		} else {
			y = 1 + r.IntN(9999)
		}
		ns := 0
		switch i % 4 {
		case 1:
			ns = r.IntN(1e9)
		case 2:
			ns = r.IntN(1000) // under a microsecond: no fraction written
		}
		tm := time.Date(y, time.Month(1+r.IntN(12)), 1+r.IntN(31), r.IntN(24), r.IntN(60), r.IntN(60), ns, zones[i%len(zones)])
		if got, want := isoTime(tm), tm.UTC().Format(isoLayout); got != want {
			t.Fatalf("isoTime(%v) = %q, Format gives %q", tm, got, want)
		}
	}
}

// clientIP answers digits and dots without parsing them: the parse gives
// them back unchanged, addresses or not.
func TestClientIPShortcut(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := []string{"192.0.2.12", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", ".", "..", "1..2.3",
		"10.0.0.1 ", " 10.0.0.1", "10.0.0.1:443", "[::1]:443", "::ffff:10.0.0.1", "2001:db8::1", "1", "123456789"}
	for range 100000 {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			if r.IntN(4) == 0 {
				b.WriteByte('.')
			} else {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		want := strings.TrimSpace(c)
		if want != "" {
			want = clientIPParsed(want)
		}
		if got := clientIP(c); got != want {
			t.Errorf("clientIP(%q) = %q, the parse gives %q", c, got, want)
		}
	}
}

// isGUIDRunes is isGUID as it read each rune.
func isGUIDRunes(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

func TestIsGUIDBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"0", "9", "a", "f", "A", "F", "g", "-", "é", "\u2010", " "}
	base := "0f1e2d3c-4b5a-6978-8a9b-acbdcedfe0f1"
	cases := []string{base, strings.ToUpper(base), base[:35], base + "0", strings.Replace(base, "-", "é", 1)}
	for range 100000 {
		b := []byte(base)
		for range 1 + r.IntN(3) {
			i := r.IntN(len(b))
			b = []byte(string(b[:i]) + alphabet[r.IntN(len(alphabet))] + string(b[i+1:]))
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := isGUID(c), isGUIDRunes(c); got != want {
			t.Errorf("isGUID(%q) = %t, by runes %t", c, got, want)
		}
	}
}
