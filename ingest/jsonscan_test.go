package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mfagap/mfagap/gen"
)

// TestScanRecordRepeat: with long values kept from earlier records,
// scanRecordRepeat says of every record what scanRecordPlain says (valid,
// bytes beyond ASCII, each member's exact bytes and plain flag), through
// values that repeat, change, extend a kept one, hold bytes that are not
// UTF-8, or stand in records that are not valid after them; and it finds
// the repeated values it kept.
func TestScanRecordRepeat(t *testing.T) {
	long := func(fill string) string { return strings.Repeat(fill, repeatMin/len(fill)+1) }
	a, b := long(`p\"q`), long("plain ")
	records := []string{
		`{"x": 1, "pol": "` + a + `", "y": "` + b + `"}`,
		`{"x": 2, "pol": "` + a + `", "y": "` + b + `"}`,      // both kept
		`{"x": 3, "pol": "` + a + `more", "y": "` + b + `"}`,  // extends the kept value
		`{"x": 4, "pol": "` + a + `", "y": "` + b + "\xe9\"}", // not UTF-8, then kept
		`{"x": 5, "pol": "` + a + `", "y": "` + b + "\xe9\"}", // found: still high
		`{"x": 6, "pol": "` + a + `", "y": "` + b + `"`,       // cut short after a kept value
		`{"x": 7, "pol": "` + a + `", "y": "` + b + `"} x`,
		`{"x": 8, "pol": ["` + a + `"], "y": {"z": "` + b + `"}}`, // not strings at those places
		`{"pol": "` + a + `", "x": 9, "y": "` + b + "\x01\"}",     // other places; a control character
		`{"x": 10, "pol": "` + a + `", "y": "` + b + `"}`,
		`{"x": 11, "pol": "` + strings.Repeat("z", repeatMax) + `"}`, // too long to keep
	}
	var buf bytes.Buffer
	if err := gen.Write(&buf, "la-json", gen.Options{Rows: 300, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		records = append(records, l)
	}
	type member struct {
		name, v string
		plain   bool
	}
	scan := func(rec string, rep *scanRepeat) (ok, high bool, ms []member) {
		ok, high = scanRecordRepeat([]byte(rec), rep, func(name, v []byte, plain bool) {
			ms = append(ms, member{string(name), string(v), plain})
		})
		return ok, high, ms
	}
	rep := &scanRepeat{}
	for i, rec := range records {
		ok, high, ms := scan(rec, nil)
		gotOK, gotHigh, gotMs := scan(rec, rep)
		if gotOK != ok || gotHigh != high || (ok && fmt.Sprint(gotMs) != fmt.Sprint(ms)) {
			t.Errorf("record %d: kept values: ok %v, high %v, members %.200v; read: %v, %v, %.200v", i, gotOK, gotHigh, gotMs, ok, high, ms)
		}
	}
	hits := 0
	for _, p := range rep.places {
		hits += p.hits
		for _, v := range p.vals {
			if len(v.raw) < repeatMin || len(v.raw) > repeatMax {
				t.Errorf("a value of %d bytes kept", len(v.raw))
			}
		}
	}
	if hits < len(records)/2 {
		t.Errorf("%d values found among those kept, want %d or more", hits, len(records)/2)
	}
}
